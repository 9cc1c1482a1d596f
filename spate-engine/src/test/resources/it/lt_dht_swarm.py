#!/usr/bin/python3
"""A small libtorrent (python3-libtorrent 2.0.8) DHT swarm for DhtSwarmIT. Run it only inside a network
namespace the test made: every session binds one of its addresses, and nothing here knows any other.

Sub-commands:
  nodes    --node ADDR:PORT...   one DHT-only session per address (no torrent), each given all the others
           as initial routing-table nodes. Prints "NODE <addr>:<port> <node id hex>" for each once its DHT
           runs, then "READY" once every session has all the others in its routing table.
  seed     --torrent X.torrent --dir SAVE_PATH --listen ADDR:PORT --dht-node ADDR:PORT...
           seeds with the DHT on: announces itself (announce_peer) to the nodes it finds.
  download --magnet URI --dir SAVE_PATH --listen ADDR:PORT --dht-node ADDR:PORT... [--expect-peer ADDR]
           a leech given only a magnet link: its peers come from the DHT (get_peers) alone.

Common options: --timeout SECONDS (exit 3 when reached), --verbose (libtorrent's DHT log lines too).

What libtorrent 2.0.8 needs to form a DHT out of a few nodes on one /24 (found the hard way):
  * each session on its own address, TCP and UDP (the DHT's socket) bound to it: listen_interfaces and
    outgoing_interfaces name the address;
  * dht_restrict_routing_ips and dht_restrict_search_ips off, else one node per /24 is kept;
  * dht_bootstrap_nodes set explicitly (its default is a public router), to nothing: libtorrent never
    puts a bootstrap "router" into its routing table (a node listed there is never asked for peers), so
    the peers are given as initial table nodes instead (session_params.dht_state.nodes, and
    add_dht_node, which pings them and keeps those that answer);
  * the DHT switched on only after the listen sockets are open: 2.0.8 otherwise starts it with no socket
    and drops the initial state;
  * node ids per BEP 42 for the bound address (libtorrent derives them from the socket's address when the
    stored one does not verify; we give it one that does, so the id is known and printed).
No LSD, UPnP, NAT-PMP, uTP or PEX.

Output lines (flushed): "LISTENING <port>" (seed, download), "DHT_NODES <n>" every second (the routing
table size), "DHT_ANNOUNCE <ip>:<port>" for each announce_peer another node sends here (dht_announce_alert),
"DHT_GET_PEERS <info-hash>" for each get_peers received, "DHT_REPLY <n>" for each of our own get_peers
lookups that found n peers (dht_reply_alert), "PEER_CONNECTED <ip>:<port>", "METADATA <name>", "COMPLETE",
"SEEDING", "ERROR <msg>", "TIMEOUT".
"""
import argparse
import os
import random
import re
import socket
import sys
import time

import libtorrent as lt


def out(*parts):
    print(*parts, flush=True)


def parse_endpoint(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC32C = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = CRC32C[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def bep42_id(ip, rand):
    """A node id valid for IPv4 address ip under BEP 42, with the given random byte (its low 3 bits used)."""
    octets = [int(x) for x in ip.split(".")]
    r = rand & 0x7
    masked = [o & m for o, m in zip(octets, (0x03, 0x0F, 0x3F, 0xFF))]
    masked[0] |= r << 5
    crc = crc32c(bytes(masked))
    nid = bytearray(random.getrandbits(8) for _ in range(20))
    nid[0] = (crc >> 24) & 0xFF
    nid[1] = (crc >> 16) & 0xFF
    nid[2] = ((crc >> 8) & 0xF8) | (nid[2] & 0x7)
    nid[19] = rand & 0xFF
    return bytes(nid)


def check_bep42():
    """BEP 42's own test vectors: the script refuses to run with a wrong derivation."""
    for ip, rand, prefix in (("124.31.75.21", 1, "5fbfbf"), ("21.75.31.124", 86, "5a3ce9"),
                             ("65.23.51.170", 22, "a5d432"), ("84.124.73.14", 65, "1b0321"),
                             ("43.213.53.83", 90, "e56f6c")):
        nid = bep42_id(ip, rand)
        # The third byte's low 3 bits are random.
        if nid[:2].hex() != prefix[:4] or nid[2] & 0xF8 != int(prefix[4:], 16) & 0xF8 or nid[19] != rand:
            raise AssertionError("BEP 42 id for %s: %s, expected %s..." % (ip, nid.hex(), prefix))


def make_session(addr, port, dht_nodes, verbose):
    """A session bound to addr:port with the DHT configured but still off; returns (session, node id)."""
    mask = (lt.alert.category_t.error_notification | lt.alert.category_t.status_notification
            | lt.alert.category_t.dht_notification | lt.alert.category_t.connect_notification
            | lt.alert.category_t.peer_notification)
    if verbose:
        mask |= lt.alert.category_t.dht_log_notification
    settings = {
        "listen_interfaces": "%s:%d" % (addr, port),
        "outgoing_interfaces": addr,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        # Never the default (a public router); and not the test's nodes either: libtorrent keeps every
        # bootstrap "router" out of its routing table, so those would never be asked for peers.
        "dht_bootstrap_nodes": "",
        "dht_restrict_routing_ips": False,
        "dht_restrict_search_ips": False,
        "dht_ignore_dark_internet": False,
        # A torrent is announced (and its peers looked up) every few seconds, not every 15 minutes:
        # the test's peers appear while it runs.
        "dht_announce_interval": 3,
        "allow_multiple_connections_per_ip": True,
        "alert_mask": mask,
        "user_agent": "spate-it-libtorrent/" + lt.__version__,
    }
    nid = bep42_id(addr, random.getrandbits(8))
    # The python binding cannot set dht_state's fields; the bencoded session state can (as libtorrent
    # saves it: "node-id" is id + address, "nodes" compact IPv4 endpoints).
    compact = [socket.inet_aton(h) + p.to_bytes(2, "big") for h, p in map(parse_endpoint, dht_nodes)]
    params = lt.read_session_params(lt.bencode({
        "dht state": {"node-id": [nid + socket.inet_aton(addr)], "nodes": compact},
        # 2.0.8 still applies session_params' deprecated dht_settings, which defaults these to on.
        "dht": {"restrict_routing_ips": 0, "restrict_search_ips": 0, "ignore_dark_internet": 0},
    }))
    params.settings = settings
    ses = lt.session(params)
    ses.apply_settings(settings)
    return ses, nid


class Dht:
    """One session's DHT start-up (after its listen sockets) and reporting."""

    def __init__(self, ses, addr, port, dht_nodes, verbose, tag=""):
        self.ses = ses
        self.addr = addr
        self.port = port
        self.dht_nodes = dht_nodes
        self.verbose = verbose
        self.tag = tag
        self.listening_tcp = False
        self.listening_udp = False
        self.started = False
        self.table = 0
        self.last_nodes_line = 0.0

    def handle(self, a):
        """Reports one alert; returns False for a fatal one."""
        what = a.what()
        if isinstance(a, lt.listen_succeeded_alert):
            if a.socket_type == lt.socket_type_t.tcp:
                if not self.listening_tcp and not self.tag:
                    out("LISTENING", a.port)
                self.listening_tcp = True
                self.port = a.port
            elif a.socket_type == lt.socket_type_t.udp:
                self.listening_udp = True
        elif isinstance(a, lt.listen_failed_alert):
            out(self.tag + "ERROR listen failed:", a.message())
            return False
        elif isinstance(a, lt.dht_announce_alert):
            out(self.tag + "DHT_ANNOUNCE %s:%d %s" % (a.ip, a.port, a.info_hash))
        elif isinstance(a, lt.dht_get_peers_alert):
            out(self.tag + "DHT_GET_PEERS", a.info_hash)
        elif isinstance(a, lt.dht_reply_alert):
            out(self.tag + "DHT_REPLY", a.num_peers)
        elif isinstance(a, lt.dht_stats_alert):
            self.table = sum(b["num_nodes"] for b in a.routing_table)
        elif isinstance(a, lt.dht_bootstrap_alert):
            out(self.tag + "DHT_BOOTSTRAPPED")
        elif what == "peer_connect":
            m = re.search(r"peer \[ (\S+) ", a.message())
            out(self.tag + "PEER_CONNECTED", m.group(1) if m else a.message())
        elif self.verbose and what in ("dht_log", "dht_pkt"):
            out(self.tag + "DHT_LOG", a.message())
        return True

    def tick(self):
        if not self.started and self.listening_tcp and self.listening_udp:
            self.ses.apply_settings({"enable_dht": True})
            self.started = True
        if self.started:
            self.ses.post_dht_stats()
            now = time.monotonic()
            if now - self.last_nodes_line >= 1.0:
                self.last_nodes_line = now
                out(self.tag + "DHT_NODES", self.table)

    def add_nodes(self):
        for n in self.dht_nodes:
            self.ses.add_dht_node(parse_endpoint(n))


def run_nodes(args):
    dhts = []
    for spec in args.node:
        addr, port = parse_endpoint(spec)
        others = [n for n in args.node if n != spec]
        ses, nid = make_session(addr, port, others, args.verbose)
        d = Dht(ses, addr, port, others, args.verbose, tag="[%s] " % spec)
        d.nid = nid
        dhts.append(d)
    deadline = time.monotonic() + args.timeout
    ready = False
    added = False
    while time.monotonic() < deadline:
        time.sleep(0.1)
        for d in dhts:
            for a in d.ses.pop_alerts():
                if not d.handle(a):
                    return 2
            d.tick()
        if not added and all(d.started and d.ses.is_dht_running() for d in dhts):
            time.sleep(0.3)  # the DHT's socket opens just after it reports running
            for d in dhts:
                out("NODE %s:%d %s" % (d.addr, d.port, d.nid.hex()))
                d.add_nodes()
            added = True
        if added and not ready and all(d.table >= len(dhts) - 1 for d in dhts):
            ready = True
            out("READY")
    out("TIMEOUT")
    return 3


def run_peer(args, seeding):
    addr, port = parse_endpoint(args.listen)
    ses, nid = make_session(addr, port, args.dht_node, args.verbose)
    dht = Dht(ses, addr, port, args.dht_node, args.verbose)
    if seeding:
        params = lt.add_torrent_params()
        params.ti = lt.torrent_info(args.torrent)
        # The test wrote the data itself; skip the full hash check (pieces are still verified when sent).
        params.flags |= lt.torrent_flags.seed_mode
    else:
        params = lt.parse_magnet_uri(args.magnet)
    params.save_path = os.path.abspath(args.dir)
    params.flags &= ~lt.torrent_flags.auto_managed
    params.flags &= ~lt.torrent_flags.paused
    params.flags |= lt.torrent_flags.disable_lsd | lt.torrent_flags.disable_pex
    params.trackers = []
    handle = ses.add_torrent(params)
    handle.replace_trackers([])
    deadline = time.monotonic() + args.timeout
    added = False
    last_progress = 0.0
    seeding_printed = False
    while time.monotonic() < deadline:
        ses.wait_for_alert(100)
        for a in ses.pop_alerts():
            if not dht.handle(a):
                return 2
            if isinstance(a, lt.metadata_received_alert):
                out("METADATA", a.handle.torrent_file().name())
            elif isinstance(a, (lt.file_error_alert, lt.torrent_error_alert)):
                out("ERROR", a.message())
                return 2
        dht.tick()
        if not added and dht.started and ses.is_dht_running():
            time.sleep(0.3)
            out("NODE %s:%d %s" % (addr, dht.port, nid.hex()))
            dht.add_nodes()
            added = True
        st = handle.status()
        now = time.monotonic()
        if now - last_progress >= 1.0:
            last_progress = now
            out("PROGRESS", int(st.progress * 1000), str(st.state).split(".")[-1],
                "peers=%d" % st.num_peers, "down=%d" % st.total_payload_download,
                "up=%d" % st.total_payload_upload)
        if seeding and st.is_seeding and not seeding_printed:
            seeding_printed = True
            out("SEEDING")
        if not seeding and st.is_seeding:
            out("COMPLETE")
            # Pause and wait for it so the storage has written and closed every file.
            handle.pause()
            wait_until = time.monotonic() + 10
            while time.monotonic() < wait_until:
                ses.wait_for_alert(200)
                if any(isinstance(a, lt.torrent_paused_alert) for a in ses.pop_alerts()):
                    break
            return 0
    out("TIMEOUT")
    return 3


def main():
    check_bep42()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    n = sub.add_parser("nodes")
    n.add_argument("--node", action="append", required=True)
    for name in ("seed", "download"):
        p = sub.add_parser(name)
        if name == "seed":
            p.add_argument("--torrent", required=True)
        else:
            p.add_argument("--magnet", required=True)
        p.add_argument("--dir", required=True)
        p.add_argument("--listen", required=True)
        p.add_argument("--dht-node", action="append", required=True)
    for p in sub.choices.values():
        p.add_argument("--timeout", type=float, default=120)
        p.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if args.cmd == "nodes":
        return run_nodes(args)
    return run_peer(args, seeding=(args.cmd == "seed"))


if __name__ == "__main__":
    sys.exit(main())
