#!/usr/bin/python3
"""A small HTTP tracker for Spate's integration tests, run where the JVM's own test trackers cannot be:
inside a network namespace (Debian's opentracker is built IPv4-only: "V4 Tracker is V4 only!").

  http_tracker.py --listen ADDR [--port N] [--interval SECONDS] [--timeout SECONDS]

Answers GET /announce (BEP 3) with every other peer of the swarm in compact form (BEP 23): IPv4 peers in
"peers", IPv6 ones in "peers6" (BEP 7, 18 bytes each: address then port, big-endian). A peer is the
address the announce came from and its "port" parameter; "event=stopped" removes it.

Output lines (flushed): "LISTENING <port>", then for each announce
  "ANNOUNCE <info-hash hex> <ip> <port> <event or -> left=<n>" and
  "ANSWER <info-hash hex> to <ip> peers=<n> peers6=<n> [<ip>:<port> ...]" (the peers given, IPv6 bracketed).
Exits 3 ("TIMEOUT") after --timeout seconds, whatever happens.
"""
import argparse
import http.server
import ipaddress
import socket
import sys
import threading
import urllib.parse


def bencode(value):
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, str):
        return bencode(value.encode())
    if isinstance(value, dict):
        keys = sorted(k.encode() if isinstance(k, str) else k for k in value)
        items = {(k.encode() if isinstance(k, str) else k): v for k, v in value.items()}
        return b"d" + b"".join(bencode(k) + bencode(items[k]) for k in keys) + b"e"
    raise TypeError(type(value))


def out(*parts):
    print(*parts, flush=True)


class Swarms:
    def __init__(self):
        self.lock = threading.Lock()
        self.peers = {}  # info-hash bytes -> {(ip_address, port): left}

    def announce(self, info_hash, ip, port, event, left):
        with self.lock:
            swarm = self.peers.setdefault(info_hash, {})
            if event == "stopped":
                swarm.pop((ip, port), None)
            else:
                swarm[(ip, port)] = left
            return [p for p in swarm if p != (ip, port)]


def handler(swarms, interval):
    class Announce(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path != "/announce":
                self.reply(404, b"not found")
                return
            # latin-1 keeps each %XX byte of the info-hash as one character.
            query = urllib.parse.parse_qs(url.query, encoding="latin-1")
            try:
                info_hash = query["info_hash"][0].encode("latin-1")
                port = int(query["port"][0])
                if len(info_hash) != 20 or not 0 < port < 65536:
                    raise ValueError
            except (KeyError, ValueError):
                self.reply(200, bencode({"failure reason": "bad announce"}))
                return
            ip = ipaddress.ip_address(self.client_address[0].split("%")[0])
            if ip.version == 6 and ip.ipv4_mapped:
                ip = ip.ipv4_mapped
            event = query.get("event", ["-"])[0] or "-"
            left = query.get("left", ["-1"])[0]
            out("ANNOUNCE", info_hash.hex(), ip, port, event, "left=%s" % left)
            others = swarms.announce(info_hash, ip, port, event, left)
            v4 = b"".join(p[0].packed + p[1].to_bytes(2, "big") for p in others if p[0].version == 4)
            v6 = b"".join(p[0].packed + p[1].to_bytes(2, "big") for p in others if p[0].version == 6)
            out("ANSWER", info_hash.hex(), "to", ip, "peers=%d" % (len(v4) // 6), "peers6=%d" % (len(v6) // 18),
                *[("[%s]:%d" if a.version == 6 else "%s:%d") % (a, p) for a, p in others])
            self.reply(200, bencode({"interval": interval, "peers": v4, "peers6": v6}))

        def reply(self, code, body):
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Announce


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--interval", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()

    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in args.listen else socket.AF_INET
        daemon_threads = True

    server = Server((args.listen, args.port), handler(Swarms(), args.interval))
    out("LISTENING", server.server_address[1])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    threading.Event().wait(args.timeout)
    out("TIMEOUT")
    return 3


if __name__ == "__main__":
    sys.exit(main())
