#!/usr/bin/python3
"""A python3-libtorrent (2.0.x) seed with Local Service Discovery on, for LsdIT. Run it only inside a
network namespace a test made: it sends LSD multicast.

usage: lt_lsd.py --torrent X.torrent --dir SAVE_PATH --listen ADDR:PORT [--timeout SECONDS]

DHT, UPnP, NAT-PMP and uTP are off; LSD is on (enable_lsd), as users have it by default.

Output lines (flushed): "LISTENING <port>", "LSD_PEER <ip>:<port>" for each lsd_peer_alert (a peer
libtorrent heard by LSD), "LSD_LOG <text>" for libtorrent's own LSD log lines ("==> LSD" announces
sent, "<== LSD" ones received and why any was ignored), "PEER_CONNECTED <ip>:<port>", "ERROR <msg>",
"TIMEOUT" when --timeout is reached (exit 3).
"""
import argparse
import re
import sys
import time

import libtorrent as lt


def out(*parts):
    print(*parts, flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--torrent", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--listen", required=True)
    p.add_argument("--timeout", type=float, default=60)
    args = p.parse_args()
    listen_host = args.listen.rpartition(":")[0].strip("[]")
    ses = lt.session({
        "listen_interfaces": args.listen,
        "outgoing_interfaces": listen_host,
        "enable_dht": False,
        "enable_lsd": True,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        "alert_mask": lt.alert.category_t.error_notification
        | lt.alert.category_t.status_notification
        | lt.alert.category_t.peer_notification
        | lt.alert.category_t.connect_notification
        | lt.alert.category_t.session_log_notification,
        "allow_multiple_connections_per_ip": True,
    })
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(args.torrent)
    params.save_path = args.dir
    params.flags &= ~lt.torrent_flags.auto_managed
    params.flags &= ~lt.torrent_flags.paused
    params.flags |= lt.torrent_flags.seed_mode | lt.torrent_flags.disable_dht | lt.torrent_flags.disable_pex
    handle = ses.add_torrent(params)
    handle.replace_trackers([])
    deadline = time.monotonic() + args.timeout
    listening = False
    while time.monotonic() < deadline:
        ses.wait_for_alert(200)
        for a in ses.pop_alerts():
            what = a.what()
            if isinstance(a, lt.listen_succeeded_alert):
                if a.socket_type == lt.socket_type_t.tcp and not listening:
                    listening = True
                    out("LISTENING", a.port)
            elif isinstance(a, lt.listen_failed_alert):
                out("ERROR listen failed:", a.message())
                return 2
            elif what == "lsd_peer":
                # lsd_peer_alert has no binding of its own in 2.0.8; its message names the endpoint.
                m = re.search(r"peer \[ (\S+) ", a.message())
                out("LSD_PEER", m.group(1) if m else a.message())
            elif what == "log" and "LSD" in a.message():
                out("LSD_LOG", a.message())
            elif what == "peer_connect":
                m = re.search(r"peer \[ (\S+) ", a.message())
                out("PEER_CONNECTED", m.group(1) if m else a.message())
            elif isinstance(a, (lt.file_error_alert, lt.torrent_error_alert)):
                out("ERROR", a.message())
                return 2
    out("TIMEOUT")
    return 3


if __name__ == "__main__":
    sys.exit(main())
