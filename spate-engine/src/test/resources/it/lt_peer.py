#!/usr/bin/python3
"""A reference BitTorrent peer for Spate's integration tests, on python3-libtorrent (2.0.x).

Sub-commands:
  create   --path DATA --out X.torrent [--piece-size N] [--tracker URL]... [--private] [--hybrid]
           prints "INFOHASH <40 hex>" (the v1 SHA-1 info-hash) and, for --hybrid, "INFOHASH_V2 <64 hex>".
  seed     --torrent X.torrent --dir SAVE_PATH [common options]
  download (--torrent X.torrent | --magnet URI) --dir SAVE_PATH [--stay] [common options]
           with --magnet, libtorrent's parse_magnet_uri reads the link (its x.pe peers are dialed, its
           tr trackers announced to) and the info dictionary is fetched from peers (BEP 9).
  info     --torrent X.torrent   prints "INFOHASH <40 hex>" (v1), "PIECES <n> PIECE_LENGTH <bytes>",
           "NAME <name>", "PRIVATE <0|1>", then "FILE <bytes> <PAD|DATA> <path>" for each file (paths
           as libtorrent stores them: under the name for a multi-file torrent), "TRACKER <tier> <url>"
           and "WEBSEED <url>" for each.

Common options: --listen ADDR:PORT (default 127.0.0.1:0, 0 = ephemeral), --peer HOST:PORT (repeatable),
  --no-trackers (strip the torrent's trackers), --timeout SECONDS (exit 3 when reached),
  --upload-limit BYTES_PER_SECOND (the torrent's upload limit, applied to local peers too; 0 = none),
  --download-limit BYTES_PER_SECOND (likewise for what it receives),
  --pex (keep peer exchange, BEP 11, on for the torrent: libtorrent's ut_pex plugin; off by default),
  --peers-log (print "PEER <ip>:<port> <client>" for each peer connected, once, as libtorrent lists them),
  --encryption require-rc4 (MSE/PE forced both ways with RC4 as the only payload level: a plaintext
  BitTorrent handshake in or out is refused; default: libtorrent's own, which allows both).

Output lines (flushed): "LISTENING <port>", "TRACKER_OK <url> peers=<n>", "TRACKER_ERROR <url> <msg>",
  "PROGRESS <permille> <state> peers=<n> down=<bytes> up=<bytes>", "COMPLETE", "UPLOADED <bytes>",
  "ERROR <msg>", and "ENCRYPTION require-rc4" once those settings are read back as applied. A seed also prints "SEEDING" once its data is checked complete; a download by
  --magnet prints "METADATA <name>" once it has the info dictionary.

Public discovery (DHT, LSD, UPnP, NAT-PMP) is switched off, and PEX unless --pex; only 127.0.0.1/addresses the test gives are
contacted.
"""
import argparse
import os
import sys
import time

import libtorrent as lt


def out(*parts):
    print(*parts, flush=True)


def create(args):
    fs = lt.file_storage()
    path = os.path.abspath(args.path)
    lt.add_files(fs, path)
    if fs.num_files() == 0:
        out("ERROR no files under", path)
        return 2
    flags = 0 if args.hybrid else lt.create_torrent.v1_only
    ct = lt.create_torrent(fs, args.piece_size, flags=flags)
    for tier, url in enumerate(args.tracker):
        ct.add_tracker(url, tier)
    ct.set_creator("spate-it lt_peer.py")
    if args.private:
        ct.set_priv(True)
    lt.set_piece_hashes(ct, os.path.dirname(path))
    data = lt.bencode(ct.generate())
    with open(args.out, "wb") as f:
        f.write(data)
    return info(args.out)


def info(torrent):
    ti = lt.torrent_info(torrent)
    hashes = ti.info_hashes()
    if hashes.has_v1():
        out("INFOHASH", str(hashes.v1))
    if hashes.has_v2():
        out("INFOHASH_V2", str(hashes.v2))
    out("PIECES", ti.num_pieces(), "PIECE_LENGTH", ti.piece_length())
    out("NAME", ti.name())
    out("PRIVATE", 1 if ti.priv() else 0)
    fs = ti.files()
    for i in range(fs.num_files()):
        # Pad files (BEP 47) are listed too, marked, so a caller sees exactly what libtorrent loaded.
        out("FILE", fs.file_size(i), "PAD" if fs.file_flags(i) & lt.file_storage.flag_pad_file else "DATA", fs.file_path(i))
    for t in ti.trackers():
        out("TRACKER", t.tier, t.url)
    for w in ti.web_seeds():
        out("WEBSEED", w["url"])
    return 0


def parse_endpoint(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def run_peer(args, seeding):
    listen_host, listen_port = parse_endpoint(args.listen)
    settings = {
        # An IPv6 address goes in brackets in libtorrent's interface lists.
        "listen_interfaces": ("[%s]:%d" if ":" in listen_host else "%s:%d") % (listen_host, listen_port),
        "outgoing_interfaces": listen_host,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        "alert_mask": lt.alert.category_t.error_notification
        | lt.alert.category_t.status_notification
        | lt.alert.category_t.tracker_notification
        | lt.alert.category_t.storage_notification,
        # Every peer of a test shares one address; let them all connect.
        "allow_multiple_connections_per_ip": True,
        # Trackers on 127.0.0.1 are ours: do not hold them back.
        "ssrf_mitigation": False,
        "announce_to_all_trackers": True,
        "announce_to_all_tiers": True,
        "user_agent": "spate-it-libtorrent/" + lt.__version__,
    }
    if args.encryption == "require-rc4":
        # Protocol encryption (MSE/PE) forced for connections we accept and dial, and only the RC4
        # payload level allowed after the Diffie-Hellman exchange, never plaintext, even when offered.
        settings["out_enc_policy"] = int(lt.enc_policy.pe_forced)
        settings["in_enc_policy"] = int(lt.enc_policy.pe_forced)
        settings["allowed_enc_level"] = int(lt.enc_level.pe_rc4)
        settings["prefer_rc4"] = True
    ses = lt.session(settings)
    if args.encryption == "require-rc4":
        applied = ses.get_settings()
        want = {"out_enc_policy": int(lt.enc_policy.pe_forced), "in_enc_policy": int(lt.enc_policy.pe_forced),
                "allowed_enc_level": int(lt.enc_level.pe_rc4), "prefer_rc4": True}
        wrong = {k: applied[k] for k in want if applied[k] != want[k]}
        if wrong:
            out("ERROR encryption settings not applied:", wrong)
            return 2
        out("ENCRYPTION require-rc4")

    if getattr(args, "magnet", None):
        params = lt.parse_magnet_uri(args.magnet)
    else:
        params = lt.add_torrent_params()
        params.ti = lt.torrent_info(args.torrent)
    params.save_path = os.path.abspath(args.dir)
    params.flags &= ~lt.torrent_flags.auto_managed
    params.flags &= ~lt.torrent_flags.paused
    params.flags |= lt.torrent_flags.disable_dht | lt.torrent_flags.disable_lsd
    if not args.pex:
        params.flags |= lt.torrent_flags.disable_pex
    if seeding:
        # The test wrote the data itself; skip the full hash check (pieces are still verified when sent).
        params.flags |= lt.torrent_flags.seed_mode
    handle = ses.add_torrent(params)
    if args.no_trackers:
        handle.replace_trackers([])
    if args.upload_limit > 0:
        # A torrent's own limit applies to every peer, local ones included (the session-wide limit
        # does not apply to the local-network peer class).
        handle.set_upload_limit(args.upload_limit)
    if args.download_limit > 0:
        handle.set_download_limit(args.download_limit)
    peers_seen = set()

    deadline = time.monotonic() + args.timeout
    listening = False
    peers_connected = False
    complete_printed = False
    seeding_printed = False
    last_progress = 0.0

    while time.monotonic() < deadline:
        ses.wait_for_alert(200)
        for a in ses.pop_alerts():
            if isinstance(a, lt.listen_succeeded_alert):
                if a.socket_type == lt.socket_type_t.tcp and not listening:
                    listening = True
                    out("LISTENING", a.port)
            elif isinstance(a, lt.listen_failed_alert):
                out("ERROR listen failed:", a.message())
                return 2
            elif isinstance(a, lt.tracker_reply_alert):
                out("TRACKER_OK", a.url, "peers=%d" % a.num_peers)
            elif isinstance(a, lt.tracker_error_alert):
                out("TRACKER_ERROR", a.url, a.message())
            elif isinstance(a, lt.metadata_received_alert):
                out("METADATA", a.handle.torrent_file().name())
            elif isinstance(a, (lt.file_error_alert, lt.torrent_error_alert)):
                out("ERROR", a.message())
                return 2
        if listening and not peers_connected:
            for p in args.peer:
                handle.connect_peer(parse_endpoint(p))
            peers_connected = True
        if args.peers_log:
            for pi in handle.get_peer_info():
                ip, port = pi.ip
                key = "%s:%d" % (ip, port)
                if key not in peers_seen:
                    peers_seen.add(key)
                    out("PEER", key, "source=%d" % pi.source, "down=%d" % pi.total_download, pi.client)
        st = handle.status()
        now = time.monotonic()
        if now - last_progress >= 1.0:
            last_progress = now
            out("PROGRESS", int(st.progress * 1000), str(st.state).split(".")[-1],
                "peers=%d" % st.num_peers, "down=%d" % st.total_payload_download,
                "up=%d" % st.total_payload_upload)
            # Re-dial given peers while nothing is connected (the other side may not listen yet).
            if st.num_peers == 0 and listening and not st.is_seeding:
                for p in args.peer:
                    handle.connect_peer(parse_endpoint(p))
        if seeding and st.is_seeding and not seeding_printed:
            seeding_printed = True
            out("SEEDING")
        if not seeding and st.is_seeding and not complete_printed:
            complete_printed = True
            out("COMPLETE")
            if not args.stay:
                # Pause and wait for it so the storage has written and closed every file.
                handle.pause()
                wait_until = time.monotonic() + 10
                while time.monotonic() < wait_until:
                    ses.wait_for_alert(200)
                    if any(isinstance(a, lt.torrent_paused_alert) for a in ses.pop_alerts()):
                        break
                out("UPLOADED", st.total_payload_upload)
                return 0
    out("TIMEOUT")
    return 3


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)

    c = sub.add_parser("create")
    c.add_argument("--path", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--piece-size", type=int, default=16 * 1024)
    c.add_argument("--tracker", action="append", default=[])
    c.add_argument("--private", action="store_true")
    c.add_argument("--hybrid", action="store_true", help="v1+v2 hybrid instead of v1 only")

    for name in ("seed", "download"):
        p = sub.add_parser(name)
        if name == "download":
            source = p.add_mutually_exclusive_group(required=True)
            source.add_argument("--torrent")
            source.add_argument("--magnet", help="a magnet link instead of a .torrent")
        else:
            p.add_argument("--torrent", required=True)
        p.add_argument("--dir", required=True)
        p.add_argument("--listen", default="127.0.0.1:0")
        p.add_argument("--peer", action="append", default=[])
        p.add_argument("--no-trackers", action="store_true")
        p.add_argument("--timeout", type=float, default=300)
        p.add_argument("--upload-limit", type=int, default=0)
        p.add_argument("--download-limit", type=int, default=0)
        p.add_argument("--pex", action="store_true")
        p.add_argument("--peers-log", action="store_true")
        p.add_argument("--encryption", choices=("default", "require-rc4"), default="default")
        if name == "download":
            p.add_argument("--stay", action="store_true", help="keep seeding after COMPLETE")

    i = sub.add_parser("info")
    i.add_argument("--torrent", required=True)

    args = parser.parse_args()
    if args.cmd == "create":
        return create(args)
    if args.cmd == "info":
        return info(args.torrent)
    return run_peer(args, seeding=(args.cmd == "seed"))


if __name__ == "__main__":
    sys.exit(main())
