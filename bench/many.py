#!/usr/bin/python3
"""Many-torrents benchmark: one `spate daemon` seeding N small torrents.

Run through bench/many (it finds the JDK and builds the CLI jar). It makes N distinct random payloads of
--min-size to --max-size bytes (one file each, sizes fixed by the payload's number) and their .torrent files
under bench/cache/, once; starts `./spate daemon` on 127.0.0.1 with a state directory of its own (DHT, LSD and
PEX off, no config file); adds every torrent over the Transmission RPC (torrent-add with metainfo, download-dir
the cached data directory), so each verifies its data and seeds; and measures:

  add          seconds the N torrent-add requests took (one after the other)
  seeding      seconds from the first torrent-add until torrent-get reports every torrent seeding (status 6)
  idle CPU     the daemon's user+system CPU over --idle seconds (default 60) with every torrent seeding and no
               peer, as % of one core (/proc/PID/stat), after --settle seconds (default 10); also per 10 s
               slice (the JIT compiling what the adds ran shows as a decay)
  peak RSS     VmHWM of the daemon at the end (after the leeches), and VmRSS and its thread count when idle
  torrent-get  seconds for a torrent-get of every torrent with the fields `transmission-remote -l` asks for,
               and for one torrent by id (median and max of --rpc-runs, default 5)
  leech        for --leeches random torrents (default 5, fixed by --seed): a plain BitTorrent peer in this
               script connects to the daemon's port, handshakes, says interested, and requests every block
               (16 KiB, 32 in flight); seconds from the connect to the first piece received and checked
               against its SHA-1, and to the whole payload (median and max). Then, unless --no-libtorrent,
               one libtorrent download (spate-engine/src/test/resources/it/lt_peer.py) of another random
               torrent, timed from its start to its exit (Python and libtorrent's start-up included).

The table is printed and the results written to bench/results/<timestamp>-many.json, the daemon's log to
bench/results/<timestamp>-many-logs/. Nothing but 127.0.0.1 is used; the daemon, the leeches and the state
directory are cleaned up, also on failure.
"""
import argparse
import base64
import datetime
import hashlib
import json
import os
import random
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
import swarm  # noqa: E402  (the process, /proc and payload helpers of bench/swarm)

ROOT = swarm.ROOT
CACHE = swarm.CACHE
RESULTS = swarm.RESULTS
BLOCK = 16 * 1024
SEEDING = 6  # Transmission's status "seeding"
# The fields transmission-remote -l asks for (Transmission 4's remote.cc, list mode).
LIST_FIELDS = ["error", "errorString", "eta", "id", "isFinished", "leftUntilDone", "name", "peersGettingFromUs",
               "peersSendingToUs", "rateDownload", "rateUpload", "sizeWhenDone", "status", "uploadRatio"]


class BenchError(Exception):
    pass


def log(*parts):
    print("many:", *parts, file=sys.stderr, flush=True)


# ---- payloads and torrents ----------------------------------------------------------------------------------

def bencode(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, str):
        return bencode(v.encode())
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    if isinstance(v, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, x) for k, x in v.items())
        return b"d" + b"".join(bencode(k) + bencode(x) for k, x in items) + b"e"
    raise TypeError(type(v))


def skip(buf, i):
    """The offset just past the bencoded value at buf[i] (to hash the info dictionary's own bytes)."""
    c = buf[i:i + 1]
    if c == b"i":
        return buf.index(b"e", i) + 1
    if c in (b"l", b"d"):
        i += 1
        while buf[i:i + 1] != b"e":
            i = skip(buf, i)
        return i + 1
    colon = buf.index(b":", i)
    return colon + 1 + int(buf[i:colon])


def payloads(count, min_size, max_size, piece_size):
    """The first count payloads of this size range (made once, under bench/cache): a list of dicts."""
    base = os.path.join(CACHE, "many-%s-%s-%s" % (swarm.human(min_size), swarm.human(max_size),
                                                   swarm.human(piece_size)))
    data = os.path.join(base, "data")
    torrents = os.path.join(base, "torrents")
    os.makedirs(data, exist_ok=True)
    os.makedirs(torrents, exist_ok=True)
    out, made = [], 0
    for i in range(count):
        name = "many-%05d.bin" % i
        path, torrent = os.path.join(data, name), os.path.join(torrents, name + ".torrent")
        size = random.Random(i).randint(min_size, max_size)
        if not (os.path.exists(torrent) and os.path.getsize(path) == size):
            if made == 0:
                log("making payloads and torrents in", base)
            made += 1
            hashes = []
            with open(path + ".tmp", "wb") as f:
                left = size
                while left:
                    piece = os.urandom(min(piece_size, left))
                    f.write(piece)
                    hashes.append(hashlib.sha1(piece).digest())
                    left -= len(piece)
            os.replace(path + ".tmp", path)
            meta = {"info": {"name": name, "length": size, "piece length": piece_size, "pieces": b"".join(hashes)},
                    "created by": "spate bench/many"}
            with open(torrent + ".tmp", "wb") as f:
                f.write(bencode(meta))
            os.replace(torrent + ".tmp", torrent)
        with open(torrent, "rb") as f:
            raw = f.read()
        start = raw.index(b"4:infod") + 6
        info = raw[start:skip(raw, start)]
        out.append({"index": i, "name": name, "path": path, "torrent": torrent, "raw": raw, "size": size,
                    "info_hash": hashlib.sha1(info).hexdigest(), "pieces": (size + piece_size - 1) // piece_size})
    if made:
        log("made %d payload(s)" % made)
    return data, out


# ---- the daemon and its RPC ---------------------------------------------------------------------------------

class Rpc:
    """A Transmission RPC client: the session id dance (409 first), JSON in and out."""

    def __init__(self, url):
        self.url = url
        self.session_id = ""

    def call(self, method, timeout=120, **arguments):
        body = json.dumps({"method": method, "arguments": arguments}).encode()
        for _ in range(3):
            req = urllib.request.Request(self.url, data=body, headers={
                "X-Transmission-Session-Id": self.session_id, "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=timeout) as r:
                    reply = json.loads(r.read())
            except urllib.error.HTTPError as e:
                if e.code == 409:
                    self.session_id = e.headers.get("X-Transmission-Session-Id", "")
                    continue
                raise BenchError("%s: HTTP %d %s" % (method, e.code, e.read()[:200]))
            if reply.get("result") != "success":
                raise BenchError("%s: %s" % (method, reply.get("result")))
            return reply["arguments"]
        raise BenchError("%s: no session id" % method)


def start_daemon(logdir, state, data):
    cmd = [os.path.join(ROOT, "spate"), "daemon", "--no-config", "--no-dht", "--no-lsd", "--no-pex",
           "--bind", "127.0.0.1", "--port", "0", "--rpc-bind", "127.0.0.1", "--rpc-port", "0",
           "--state", state, "-d", data]
    p = swarm.Proc("daemon", cmd, logdir)
    m = p.wait_for(r"peers on port (\d+), RPC on (http://\S+/transmission/rpc)", 120)
    return p, int(m.group(1)), Rpc(m.group(2))


def statuses(rpc):
    return {t["hashString"]: t["status"] for t in rpc.call("torrent-get", fields=["hashString", "status"])["torrents"]}


# ---- a plain BitTorrent leech -------------------------------------------------------------------------------

def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise BenchError("the daemon closed the connection")
        buf += chunk
    return bytes(buf)


def leech(port, payload, piece_size, timeout):
    """Fetches payload whole from 127.0.0.1:port; returns (first piece seconds, whole seconds), from the connect."""
    with open(payload["path"], "rb") as f:
        want = f.read()
    size, npieces = payload["size"], payload["pieces"]
    blocks = [(p, off, min(BLOCK, min(piece_size, size - p * piece_size) - off))
              for p in range(npieces) for off in range(0, min(piece_size, size - p * piece_size), BLOCK)]
    got = bytearray(size)
    left_in_piece = [0] * npieces
    for p, _, _ in blocks:
        left_in_piece[p] += 1
    t0 = time.monotonic()
    first = None
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(b"\x13BitTorrent protocol" + bytes(8) + bytes.fromhex(payload["info_hash"])
                  + b"-BM0001-" + os.urandom(12))
        hs = recv_exact(s, 68)
        if hs[28:48] != bytes.fromhex(payload["info_hash"]):
            raise BenchError("handshake for another torrent")
        s.sendall(struct.pack(">IB", 1, 2))  # interested
        choked, todo, inflight, done = True, list(blocks), set(), 0
        deadline = t0 + timeout
        while done < npieces:
            if time.monotonic() > deadline:
                raise BenchError("leech of %s timed out (%d of %d pieces)" % (payload["name"], done, npieces))
            while not choked and todo and len(inflight) < 32:
                b = todo.pop(0)
                inflight.add(b)
                s.sendall(struct.pack(">IBIII", 13, 6, b[0], b[1], b[2]))
            n = struct.unpack(">I", recv_exact(s, 4))[0]
            if n == 0:
                continue
            msg = recv_exact(s, n)
            kind = msg[0]
            if kind == 0:
                choked = True
                todo = sorted(inflight) + todo
                inflight.clear()
            elif kind == 1:
                choked = False
            elif kind == 7:
                p, off = struct.unpack(">II", msg[1:9])
                block = msg[9:]
                key = (p, off, len(block))
                if key not in inflight:
                    continue
                inflight.discard(key)
                got[p * piece_size + off:p * piece_size + off + len(block)] = block
                left_in_piece[p] -= 1
                if left_in_piece[p] == 0:
                    lo, hi = p * piece_size, min(size, (p + 1) * piece_size)
                    if got[lo:hi] != want[lo:hi]:
                        raise BenchError("piece %d of %s differs from the source" % (p, payload["name"]))
                    done += 1
                    if first is None:
                        first = time.monotonic() - t0
    return first, time.monotonic() - t0


def leech_libtorrent(port, payload, logdir, timeout):
    out = tempfile.mkdtemp(prefix="spate-bench-many-lt-", dir=os.path.join(CACHE, "tmp"))
    try:
        t0 = time.monotonic()
        p = swarm.Proc("leech-libtorrent-%05d" % payload["index"],
                       [swarm.PY, swarm.LT_PEER, "download", "--torrent", payload["torrent"], "--dir", out,
                        "--listen", "127.0.0.1:0", "--peer", "127.0.0.1:%d" % port, "--no-trackers",
                        "--timeout", str(int(timeout))], logdir)
        try:
            while p.poll() is None:
                if time.monotonic() - t0 > timeout + 10:
                    raise BenchError("libtorrent leech did not exit")
                time.sleep(0.02)
            seconds = (p.ended or time.monotonic()) - t0
        finally:
            p.stop()
        if p.code != 0:
            raise BenchError("libtorrent leech exited %s:\n%s" % (p.code, swarm.tail(p.output())))
        swarm.verify(os.path.dirname(payload["path"]), out, [payload["name"]])
        return seconds
    finally:
        shutil.rmtree(out, ignore_errors=True)


# ---- one run ------------------------------------------------------------------------------------------------

def proc_status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def timed(fn, runs):
    times = []
    for _ in range(runs):
        t0 = time.monotonic()
        fn()
        times.append(time.monotonic() - t0)
    return {"median_s": round(statistics.median(times), 4), "max_s": round(max(times), 4)}


def run(args, logdir):
    data, items = payloads(args.count, args.min_size, args.max_size, args.piece_size)
    work = tempfile.mkdtemp(prefix="spate-bench-many-", dir=os.path.join(CACHE, "tmp"))
    daemon = None
    try:
        daemon, port, rpc = start_daemon(logdir, os.path.join(work, "state"), data)
        cpu_start = swarm.cpu_seconds(daemon.pid)
        log("daemon pid %d, peers on port %d; adding %d torrents" % (daemon.pid, port, len(items)))
        t0 = time.monotonic()
        for it in items:
            added = rpc.call("torrent-add", metainfo=base64.b64encode(it["raw"]).decode(), **{"download-dir": data})
            if "torrent-added" not in added:
                raise BenchError("torrent-add of %s: %s" % (it["name"], added))
        add_s = time.monotonic() - t0
        log("added in %.1f s; waiting until every torrent seeds" % add_s)
        deadline = t0 + args.timeout
        while True:
            st = statuses(rpc)
            seeding = sum(1 for s in st.values() if s == SEEDING)
            if seeding == len(items):
                break
            if daemon.poll() is not None:
                raise BenchError("the daemon exited %s:\n%s" % (daemon.code, swarm.tail(daemon.output())))
            if time.monotonic() > deadline:
                raise BenchError("only %d of %d torrents seed after %d s" % (seeding, len(items), args.timeout))
            time.sleep(0.5)
        seeding_s = time.monotonic() - t0
        cpu_to_seeding = swarm.cpu_seconds(daemon.pid) - cpu_start
        log("all seeding after %.1f s (%.1f CPU s); %d s to settle, then %d s idle"
            % (seeding_s, cpu_to_seeding, args.settle, args.idle))
        time.sleep(args.settle)
        c0, w0 = swarm.cpu_seconds(daemon.pid), time.monotonic()
        # Also per 10 s slice: what is left of the JIT compiling after the adds shows as a decay.
        slices, last = [], c0
        while time.monotonic() - w0 < args.idle - 0.01:
            time.sleep(min(10, args.idle - (time.monotonic() - w0)))
            now = swarm.cpu_seconds(daemon.pid)
            slices.append(round(100 * (now - last) / 10, 2))
            last = now
        idle_cpu = swarm.cpu_seconds(daemon.pid) - c0
        idle_wall = time.monotonic() - w0
        idle_rss = proc_status(daemon.pid, "VmRSS")
        idle_hwm = proc_status(daemon.pid, "VmHWM")
        threads = proc_status(daemon.pid, "Threads")
        log("idle: %.2f CPU s over %.1f s (%.2f%% of a core), RSS %.0f MiB, %d threads"
            % (idle_cpu, idle_wall, 100 * idle_cpu / idle_wall, idle_rss / 1024, threads))
        ids = [t["id"] for t in rpc.call("torrent-get", fields=["id"])["torrents"]]
        rpc_all = timed(lambda: rpc.call("torrent-get", fields=LIST_FIELDS), args.rpc_runs)
        rpc_one = timed(lambda: rpc.call("torrent-get", fields=LIST_FIELDS, ids=[random.choice(ids)]), args.rpc_runs)
        log("torrent-get of all: %(median_s).3f s median, %(max_s).3f s max" % rpc_all)
        rng = random.Random(args.seed)
        picks = rng.sample(items, min(args.leeches + 1, len(items)))
        leeches = []
        for it in picks[:args.leeches]:
            first, whole = leech(port, it, args.piece_size, args.leech_timeout)
            leeches.append({"torrent": it["name"], "bytes": it["size"], "first_piece_s": round(first, 4),
                            "whole_s": round(whole, 4)})
            log("leech %s (%d bytes): first piece %.3f s, whole %.3f s" % (it["name"], it["size"], first, whole))
        lt = None
        if args.libtorrent and len(picks) > args.leeches:
            it = picks[args.leeches]
            lt = {"torrent": it["name"], "bytes": it["size"],
                  "seconds": round(leech_libtorrent(port, it, logdir, args.leech_timeout), 3)}
            log("libtorrent leech %s: %.2f s" % (it["name"], lt["seconds"]))
        peak = swarm.vmhwm_kib(daemon.pid)
        return {
            "count": len(items), "bytes": sum(i["size"] for i in items), "add_s": round(add_s, 2),
            "seeding_s": round(seeding_s, 2), "cpu_to_seeding_s": round(cpu_to_seeding, 2),
            "idle_window_s": round(idle_wall, 1), "idle_cpu_s": round(idle_cpu, 2),
            "idle_cpu_pct": round(100 * idle_cpu / idle_wall, 2), "idle_cpu_pct_per_10s": slices,
            "idle_rss_mib": round(idle_rss / 1024, 1),
            "idle_peak_rss_mib": round(idle_hwm / 1024, 1), "idle_threads": threads,
            "peak_rss_mib": round(peak / 1024, 1), "torrent_get_all": rpc_all, "torrent_get_one": rpc_one,
            "leeches": leeches, "libtorrent_leech": lt,
        }
    finally:
        if daemon is not None:
            daemon.stop()
        shutil.rmtree(work, ignore_errors=True)


def table(r):
    fp = [x["first_piece_s"] for x in r["leeches"]]
    wh = [x["whole_s"] for x in r["leeches"]]
    rows = [
        ("torrents", "%d (%.0f MiB)" % (r["count"], r["bytes"] / (1 << 20))),
        ("torrent-add of all, s", "%.1f" % r["add_s"]),
        ("until all seeding, s", "%.1f (daemon CPU %.1f s)" % (r["seeding_s"], r["cpu_to_seeding_s"])),
        ("idle CPU, % of a core", "%.2f (%.2f CPU s in %.0f s)" % (r["idle_cpu_pct"], r["idle_cpu_s"],
                                                                     r["idle_window_s"])),
        ("idle CPU per 10 s, %", " ".join("%.2f" % x for x in r["idle_cpu_pct_per_10s"])),
        ("RSS when idle, MiB", "%.0f (%d threads)" % (r["idle_rss_mib"], r["idle_threads"])),
        ("peak RSS, MiB", "%.0f" % r["peak_rss_mib"]),
        ("torrent-get all, s median / max", "%.3f / %.3f" % (r["torrent_get_all"]["median_s"],
                                                            r["torrent_get_all"]["max_s"])),
        ("torrent-get one, s median / max", "%.3f / %.3f" % (r["torrent_get_one"]["median_s"],
                                                            r["torrent_get_one"]["max_s"])),
    ]
    if fp:
        rows.append(("leech first piece, s median / max", "%.3f / %.3f (%d torrents)"
                     % (statistics.median(fp), max(fp), len(fp))))
        rows.append(("leech whole payload, s median / max", "%.3f / %.3f" % (statistics.median(wh), max(wh))))
    if r["libtorrent_leech"]:
        rows.append(("libtorrent download (with start-up), s", "%.2f" % r["libtorrent_leech"]["seconds"]))
    lines = ["| measure | value |", "|---|---|"] + ["| %s | %s |" % row for row in rows]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(prog="bench/many", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="torrents (default 1000)")
    parser.add_argument("--min-size", type=swarm.parse_size, default=swarm.parse_size("1M"), help="default 1M")
    parser.add_argument("--max-size", type=swarm.parse_size, default=swarm.parse_size("4M"), help="default 4M")
    parser.add_argument("--piece-size", type=swarm.parse_size, default=swarm.parse_size("256K"), help="default 256K")
    parser.add_argument("--settle", type=int, default=10, help="seconds between all seeding and the idle window")
    parser.add_argument("--idle", type=int, default=60, help="seconds of the idle window (default 60)")
    parser.add_argument("--leeches", type=int, default=5, help="random torrents fetched whole (default 5)")
    parser.add_argument("--no-libtorrent", dest="libtorrent", action="store_false",
                        help="skip the one libtorrent download")
    parser.add_argument("--rpc-runs", type=int, default=5, help="torrent-get timings (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="picks the leeched torrents (default 1)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds until all must seed (default 1800)")
    parser.add_argument("--leech-timeout", type=float, default=120, help="seconds per leech (default 120)")
    args = parser.parse_args()
    if args.count < 1 or args.min_size < 1 or args.max_size < args.min_size:
        parser.error("--count >= 1 and 1 <= --min-size <= --max-size")
    java_home = os.environ.get("SPATE_JAVA_HOME")
    if not java_home or not os.path.exists(swarm.JAR):
        parser.error("run through bench/many (it finds a JDK 21+ and builds %s)" % swarm.JAR)
    if args.libtorrent and swarm.missing_packages("libtorrent"):
        log("python3-libtorrent not installed: skipping the libtorrent download")
        args.libtorrent = False
    os.makedirs(os.path.join(CACHE, "tmp"), exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    logdir = os.path.join(RESULTS, stamp + "-many-logs")
    os.makedirs(logdir)
    try:
        result = run(args, logdir)
    except BenchError as e:
        log("FAILED:", e)
        return 1
    report = {"timestamp": stamp, "command": "bench/many " + " ".join(sys.argv[1:]), "machine": swarm.machine(),
              "versions": swarm.versions(java_home), "spate_java_opts": os.environ.get("SPATE_JAVA_OPTS", ""),
              "min_size": args.min_size, "max_size": args.max_size, "piece_size": args.piece_size,
              "result": result}
    path = os.path.join(RESULTS, stamp + "-many.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    m = report["machine"]
    print("%d torrents of %s-%s, %s pieces, one spate daemon; %d x %s, %.0f GiB RAM"
          % (result["count"], swarm.human(args.min_size), swarm.human(args.max_size), swarm.human(args.piece_size),
             m["nproc"], m["cpu"], m["ram_gib"]))
    print(table(result))
    print("results:", os.path.relpath(path, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
