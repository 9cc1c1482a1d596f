#!/usr/bin/python3
"""Swarm benchmark: seeds, leeches and payloads on 127.0.0.1, for Spate and the reference clients.

Run through bench/swarm (it finds the JDK and builds the CLI jar). For each size, each run and each selected
pair (pairs alternate within a run), it starts a seed, waits until it serves, then starts the leech and times it
from its start to its exit (or, for Transmission, to the moment it reports the torrent complete). Every output
byte is compared with the source (cmp). The table gives MB/s (10^6 bytes per second) median/min/max over the
runs, the leech's CPU seconds (user+system, from wait4 for a leech that exits, /proc/PID/stat otherwise), the
seed's CPU seconds while the leech ran (/proc/PID/stat of the seed's process tree, before and after), and the
peak RSS of each (VmHWM of the process tree, sampled from /proc/PID/status; ru_maxrss for a leech that exits).

--size 64M,1G,4G runs every pair at every size: one table per size, then one row per pair across sizes: its
median MB/s over libtorrent -> libtorrent's at each size, and the line through the leech's median CPU seconds
at the two largest sizes: CPU seconds per GB (the slope) and at 0 bytes (the start-up cost).

Many peers (one of the two, with the pair's seed and leech kinds):
  --seeds N    one leech downloads from N seeds, each with the whole payload, its own port and (Spate) its
               own state directory under bench/cache/; the leech is given every seed (--peer, repeated).
  --leeches N  one seed serves N leeches started together, each into its own directory, each verified; MB/s
               is the aggregate (N x size over the first start to the last end), beside the slowest leech's
               seconds; leech CPU is the median leech's, peak RSS the largest leech's.
Spate and lt_peer.py are given their peers with --peer; aria2 finds them through the tracker (so its leeches
also trade among themselves). lt_peer.py allows several connections from one address
(allow_multiple_connections_per_ip), which libtorrent otherwise refuses, and every peer here is on 127.0.0.1.
Transmission runs one seed and one leech only.

--compare FILE checks this run against an earlier results JSON (bench/results/*.json, or bench/baseline.json):
for every pair, size, seeds and leeches both have, the ratio of the pair's median MB/s to libtorrent's in the
same run (not the absolute rate, which moves with the machine); a ratio more than --tolerance (default 10%)
below the baseline's is printed as FELL BACK and the exit status is 3 (also when nothing could be
compared; 1 when a run failed).

Pairs (seed -> leech):
  spate                  Spate -> Spate, plaintext (--encryption tolerate on both sides)
  spate-obfuscated       Spate -> Spate, --encryption prefer on both sides (Spate's default): the MSE/PE
                         handshake, then the plaintext payload both allow ("obfuscated")
  spate-rc4              Spate -> Spate, --encryption require on both sides: MSE/PE with an RC4 payload
  libtorrent             libtorrent -> libtorrent (python3-libtorrent, through the integration tests'
                         spate-engine/src/test/resources/it/lt_peer.py)
  aria2                  aria2c -> aria2c, peers from an opentracker on 127.0.0.1
  transmission           transmission-daemon -> transmission-daemon, in a network namespace (198.18.0.x,
                         Transmission ignores peers on 127.0.0.0/8) with an opentracker; needs root
  spate-from-libtorrent  libtorrent -> Spate
  libtorrent-from-spate  Spate -> libtorrent

The mixed pairs run Spate with its default encryption (prefer) and libtorrent with its own (MSE enabled, not
forced), as users would.

DHT, LSD/LPD, PEX, UPnP and NAT-PMP are off in every client; nothing but 127.0.0.1 (or the namespace) is used.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
CACHE = os.path.join(BENCH, "cache")
RESULTS = os.path.join(BENCH, "results")
JAR = os.path.join(ROOT, "spate-cli", "target", "spate.jar")
LT_PEER = os.path.join(ROOT, "spate-engine", "src", "test", "resources", "it", "lt_peer.py")
PY = "/usr/bin/python3"

ALL_PAIRS = ["spate", "spate-obfuscated", "spate-rc4", "libtorrent", "aria2", "transmission", "spate-from-libtorrent",
             "libtorrent-from-spate"]
# The Debian packages each pair needs, and a command whose presence shows they are installed.
NEEDS = {
    "spate": [],
    "spate-obfuscated": [],
    "spate-rc4": [],
    "libtorrent": [("python3-libtorrent", None)],
    "aria2": [("aria2", "aria2c"), ("opentracker", "opentracker")],
    "transmission": [("transmission-daemon", "transmission-daemon"), ("transmission-cli", "transmission-remote"),
                     ("opentracker", "opentracker"), ("iproute2", "ip")],
    "spate-from-libtorrent": [("python3-libtorrent", None)],
    "libtorrent-from-spate": [("python3-libtorrent", None)],
}
CLK_TCK = os.sysconf("SC_CLK_TCK")
LEECH_TIMEOUT = 1800


class BenchError(Exception):
    pass


def log(*parts):
    print("swarm:", *parts, file=sys.stderr, flush=True)


def parse_size(text):
    m = re.fullmatch(r"(\d+)([KMGkmg]?)(i?B?)?", text.strip())
    if not m:
        raise argparse.ArgumentTypeError("size like 256M, 1G, 512K: " + text)
    return int(m.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m.group(2).upper()]


def human(n):
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return "%d%s" % (n >> shift, unit)
    return str(n)


# ---- processes and /proc ------------------------------------------------------------------------------------

def children_map():
    kids = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree(pid, kids=None):
    """pid and its descendants; kids: a children_map() to reuse when looking at several trees at once."""
    kids = children_map() if kids is None else kids
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def cpu_seconds(pid):
    """User + system CPU seconds of pid and its live descendants (and their waited-for children)."""
    total = 0
    for p in tree(pid):
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read()
        except OSError:
            continue
        rest = fields[fields.rindex(")") + 2:].split()
        # utime, stime, cutime, cstime: fields 14-17 of stat, 12-15 after the ") ".
        total += sum(int(x) for x in rest[11:15])
    return total / CLK_TCK


def vmhwm_kib(pid, kids=None):
    total = 0
    for p in tree(pid, kids):
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


class Proc:
    """A child process with its output in a log file."""

    def __init__(self, name, cmd, logdir, env=None, cwd=None):
        self.name = name
        self.log_path = os.path.join(logdir, name + ".log")
        self.log_file = open(self.log_path, "w")
        self.log_file.write("$ " + " ".join(cmd) + "\n")
        self.log_file.flush()
        self.started = time.monotonic()
        self.popen = subprocess.Popen(cmd, stdout=self.log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      env=env, cwd=cwd, start_new_session=True)
        self.pid = self.popen.pid
        self.rusage = None
        self.code = None
        self.ended = None
        self.peak_kib = 0

    def output(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_for(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.M)
        while time.monotonic() < deadline:
            m = rx.search(self.output())
            if m:
                return m
            if self.poll() is not None:
                raise BenchError("%s exited %s before printing /%s/; log %s:\n%s"
                                 % (self.name, self.code, pattern, self.log_path, tail(self.output())))
            time.sleep(0.05)
        raise BenchError("%s did not print /%s/ in %ss; log %s:\n%s"
                         % (self.name, pattern, timeout, self.log_path, tail(self.output())))

    def sample(self, kids=None):
        if self.code is None:
            self.peak_kib = max(self.peak_kib, vmhwm_kib(self.pid, kids))

    def wait_in_background(self):
        """Reaps the process from a thread blocked in wait4, so its end is timed to the moment it exits."""
        self.waiter = threading.Thread(target=self._reap, args=(0,), daemon=True)
        self.waiter.start()

    def poll(self):
        """Whether the process exited (reaped with wait4: its rusage); the exit code or None."""
        if self.code is not None:
            return self.code
        if getattr(self, "waiter", None) is not None:
            return None
        return self._reap(os.WNOHANG)

    def _reap(self, flags):
        pid, status, rusage = os.wait4(self.pid, flags)
        if pid == 0:
            return None
        self.ended = time.monotonic()
        self.rusage = rusage
        self.peak_kib = max(self.peak_kib, rusage.ru_maxrss)
        self.popen.returncode = os.waitstatus_to_exitcode(status)
        self.code = self.popen.returncode
        self.log_file.close()
        return self.code

    def stop(self):
        if self.poll() is not None:
            return
        try:
            os.killpg(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 15
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            while self.poll() is None:
                time.sleep(0.05)


def run_cleanup(cleanup, say=None):
    """Runs the clean-up steps in reverse order, each whatever the others did: cleaning up after a failure must
    not hide it, so a step's own failure is only logged (through say, default this module's log)."""
    for c in reversed(cleanup):
        try:
            c()
        except Exception as e:
            (say or log)("cleanup:", e)


def tail(text, lines=25):
    return "\n".join(text.splitlines()[-lines:])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_tcp_udp_port():
    for _ in range(50):
        with socket.socket() as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind(("127.0.0.1", port))
                    return port
            except OSError:
                continue
    raise BenchError("no port free for TCP and UDP")


# ---- payload and torrent ------------------------------------------------------------------------------------

def file_sizes(total, count):
    """count uneven sizes (weights 1..4, shuffled with a fixed seed) that sum to total."""
    if count <= 1:
        return [total]
    rng = random.Random(6)
    weights = [rng.randint(1, 4) * 1000 + rng.randint(0, 999) for _ in range(count)]
    sizes = [total * w // sum(weights) for w in weights]
    sizes[-1] += total - sum(sizes)
    return sizes


def payload_dir(size, files):
    return os.path.join(CACHE, "payload-%s-%dfiles" % (human(size), files) if files > 1 else "payload-%s" % human(size))


def payload_cached(size, files):
    return os.path.exists(os.path.join(payload_dir(size, files), ".complete"))


def make_payload(size, files):
    """Random payload under bench/cache, made once; returns (data dir, name, [relative file paths])."""
    base = payload_dir(size, files)
    name = "spate-bench-%s" % human(size) + ("" if files <= 1 else "-%dfiles" % files)
    sizes = file_sizes(size, files)
    rel = [name] if files <= 1 else [os.path.join(name, "file-%03d.bin" % i) for i in range(files)]
    done = os.path.join(base, ".complete")
    if os.path.exists(done):
        return os.path.join(base, "data"), name, rel
    log("making a %s payload (%d file%s) in %s" % (human(size), len(rel), "s" * (len(rel) > 1), base))
    shutil.rmtree(base, ignore_errors=True)
    data = os.path.join(base, "data")
    for path, n in zip(rel, sizes):
        full = os.path.join(data, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            left = n
            while left:
                chunk = os.urandom(min(left, 8 << 20))
                f.write(chunk)
                left -= len(chunk)
    # On disk before the first run: otherwise the kernel writes the new payload back while that run's seed
    # reads it and its leech writes, and the first pair of the first run (Spate's) pays for it (a 4 GiB
    # run took 19 s instead of 9 at the same CPU).
    log("writing it to disk (sync)")
    os.sync()
    open(done, "w").close()
    return data, name, rel


def make_torrent(data, name, piece_size, java):
    """The .torrent of the payload (spate create, no trackers), cached next to it; returns (path, info-hash)."""
    base = os.path.dirname(data)
    torrent = os.path.join(base, "%s-%s.torrent" % (name, human(piece_size)))
    if not os.path.exists(torrent):
        log("creating", torrent)
        subprocess.run(java + ["create", os.path.join(data, name), "-o", torrent + ".tmp", "--piece-size",
                               human(piece_size), "--force"], check=True, stdout=subprocess.DEVNULL)
        os.replace(torrent + ".tmp", torrent)
    info = subprocess.run(java + ["info", torrent], check=True, capture_output=True, text=True).stdout
    m = re.search(r"info-hash:\s*([0-9a-f]{40})", info)
    if not m:
        raise BenchError("no info-hash in 'spate info':\n" + info)
    return torrent, m.group(1)


def verify(src_data, out_dir, rel):
    for path in rel:
        a, b = os.path.join(src_data, path), os.path.join(out_dir, path)
        if not os.path.isfile(b):
            raise BenchError("missing output file " + b)
        if subprocess.run(["cmp", "-s", a, b]).returncode != 0:
            raise BenchError("output differs from the source: cmp %s %s" % (a, b))


# ---- trackers and namespaces --------------------------------------------------------------------------------

class Tracker:
    """opentracker (whitelist build): the info-hash is whitelisted before it starts."""

    def __init__(self, logdir, info_hash, host="127.0.0.1", netns=None):
        self.workdir = tempfile.mkdtemp(prefix="spate-bench-ot-")
        os.chmod(self.workdir, 0o755)
        with open(os.path.join(self.workdir, "whitelist"), "w") as f:
            f.write(info_hash + "\n")
        os.chmod(os.path.join(self.workdir, "whitelist"), 0o644)
        self.host = host
        self.port = free_tcp_udp_port() if netns is None else random.randint(20000, 59999)
        cmd = ["opentracker", "-i", host, "-p", str(self.port), "-P", str(self.port), "-d", self.workdir,
               "-w", "whitelist"]
        self.netns = netns
        self.proc = Proc("opentracker", ns_exec(netns, cmd), logdir)
        deadline = time.monotonic() + 10
        while not self.connectable():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise BenchError("opentracker did not start:\n" + tail(self.proc.output()))
            time.sleep(0.1)
        self.info_hash = info_hash

    def connectable(self):
        cmd = ns_exec(self.netns, ["bash", "-c", "exec 3<>/dev/tcp/%s/%d" % (self.host, self.port)])
        return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0

    @property
    def url(self):
        return "http://%s:%d/announce" % (self.host, self.port)

    def peers(self):
        """Peers (complete + incomplete) the tracker counts for the hash, from a scrape (which adds nobody)."""
        url = self.url.replace("/announce", "/scrape") + "?info_hash=" + urllib.parse.quote(
            bytes.fromhex(self.info_hash))
        cmd = ns_exec(self.netns, [PY, "-c", "import sys,urllib.request;sys.stdout.buffer.write("
                                   "urllib.request.urlopen(sys.argv[1],timeout=3).read())", url])
        reply = subprocess.run(cmd, capture_output=True).stdout
        return sum(int(n) for n in re.findall(rb"(?:8:complete|10:incomplete)i(\d+)e", reply))

    def wait_for_peers(self, n, timeout, proc):
        deadline = time.monotonic() + timeout
        while self.peers() < n:
            if proc.poll() is not None:
                raise BenchError("%s exited %s:\n%s" % (proc.name, proc.code, tail(proc.output())))
            if time.monotonic() > deadline:
                raise BenchError("%s never showed up on the tracker:\n%s" % (proc.name, tail(proc.output())))
            time.sleep(0.2)

    def close(self):
        self.proc.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def ns_exec(netns, cmd):
    return cmd if netns is None else ["ip", "netns", "exec", netns] + cmd


class Namespace:
    def __init__(self, hosts):
        self.name = "spate-bench-%d" % os.getpid()
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        try:
            subprocess.run(["ip", "netns", "exec", self.name, "ip", "link", "set", "lo", "up"], check=True)
            for i in range(1, hosts + 1):
                subprocess.run(["ip", "netns", "exec", self.name, "ip", "addr", "add", "198.18.0.%d/24" % i, "dev",
                                "lo"], check=True)
        except Exception:
            self.close()
            raise

    def close(self):
        subprocess.run(["ip", "netns", "delete", self.name], stderr=subprocess.DEVNULL)


# ---- clients ------------------------------------------------------------------------------------------------

class Bench:
    def __init__(self, args, java_home):
        self.args = args
        # The launcher users run, with its JVM defaults (SPATE_JAVA_OPTS goes through it, after them).
        self.java = [os.path.join(ROOT, "spate")]

    # Each start_seed_* starts seed number i (from 0) and returns (proc, ready): ready() waits until that seed
    # serves and returns how a leech reaches it ("127.0.0.1:PORT", or None when leeches find it through the
    # tracker). All the seeds of a run are started before any is waited for, so they check their data at the same
    # time. Each start_leech_* starts leech number i into ctx["outs"][i], given every seed's address, and returns
    # its proc.

    # The one seed, one leech interface other benchmarks call (bench/slowdisk.py): seed_KIND(ctx) returns
    # (proc, peer) once the seed serves, leech_KIND(ctx, peer) starts a leech into ctx["out"].

    def one_seed(self, kind, ctx):
        p, ready = getattr(self, "start_seed_" + kind)(dict(ctx, n_seeds=1), 0)
        try:
            return p, ready()
        except BaseException:
            p.stop()
            raise

    def one_leech(self, kind, ctx, peer):
        return getattr(self, "start_leech_" + kind)(dict(ctx, outs=[ctx["out"]], n_leeches=1), [peer], 0)

    def seed_spate(self, ctx):
        return self.one_seed("spate", ctx)

    def leech_spate(self, ctx, peer):
        return self.one_leech("spate", ctx, peer)

    def seed_libtorrent(self, ctx):
        return self.one_seed("libtorrent", ctx)

    def leech_libtorrent(self, ctx, peer):
        return self.one_leech("libtorrent", ctx, peer)

    def seed_aria2(self, ctx):
        return self.one_seed("aria2", ctx)

    def leech_aria2(self, ctx, peer):
        return self.one_leech("aria2", ctx, peer)

    @staticmethod
    def spate_encryption(ctx):
        """The pair's --encryption for Spate (both sides get the same), or nothing for Spate's default."""
        policy = ctx.get("spate_encryption")
        return ["--encryption", policy] if policy else []

    @staticmethod
    def peer_args(peers):
        return [arg for p in peers if p for arg in ("--peer", p)]

    def start_seed_spate(self, ctx, i):
        # The seed's resume data is kept with the cached payload, so later runs need not hash it again; the
        # leech's goes with its run. Neither touches the user's state directory. Each seed of a run has its own
        # state directory (the first one's is the one single-seed runs always used) and its own port.
        # --no-lsd --no-dht: the bench multicasts nothing, contacts no public DHT router, and the
        # leech's peers are the ones it is given.
        state = os.path.join(CACHE, "state" if i == 0 else "state-seed%d" % (i + 1))
        p = Proc("seed-spate" + suffix(i, ctx["n_seeds"]),
                 self.java + ["seed", "--no-lsd", "--no-dht", ctx["torrent"], "-d", ctx["data"], "--port", "0",
                              "--bind", "127.0.0.1", "--no-pex", "--state", state]
                 + self.spate_encryption(ctx), ctx["logdir"])
        return p, lambda: "127.0.0.1:%d" % int(p.wait_for(r"^seeding .* on port (\d+)", 600).group(1))

    def start_leech_spate(self, ctx, peers, i):
        return Proc("leech-spate" + suffix(i, ctx["n_leeches"]),
                    self.java + ["download", "--no-lsd", "--no-dht", ctx["torrent"], "-o", ctx["outs"][i],
                                 "--port", "0", "--bind", "127.0.0.1", "--no-pex",
                                 "--state", os.path.join(ctx["work"], "state-%d" % i)]
                    + self.peer_args(peers) + self.spate_encryption(ctx), ctx["logdir"])

    # lt_peer.py sets allow_multiple_connections_per_ip: every peer here is on 127.0.0.1, and libtorrent would
    # otherwise keep one connection per address (a seed would serve only the first of several leeches).

    def start_seed_libtorrent(self, ctx, i):
        p = Proc("seed-libtorrent" + suffix(i, ctx["n_seeds"]),
                 [PY, LT_PEER, "seed", "--torrent", ctx["torrent"], "--dir", ctx["data"], "--listen", "127.0.0.1:0",
                  "--no-trackers", "--timeout", "100000"], ctx["logdir"])

        def ready():
            port = int(p.wait_for(r"^LISTENING (\d+)", 120).group(1))
            p.wait_for(r"^SEEDING", 600)
            return "127.0.0.1:%d" % port
        return p, ready

    def start_leech_libtorrent(self, ctx, peers, i):
        return Proc("leech-libtorrent" + suffix(i, ctx["n_leeches"]),
                    [PY, LT_PEER, "download", "--torrent", ctx["torrent"], "--dir", ctx["outs"][i],
                     "--listen", "127.0.0.1:0", "--no-trackers", "--timeout", str(LEECH_TIMEOUT)]
                    + self.peer_args(peers), ctx["logdir"])

    @staticmethod
    def aria2_cmd(dir_, tracker, port, extra):
        return ["aria2c", "--no-conf=true", "--dir=" + dir_, "--enable-dht=false", "--enable-dht6=false",
                "--bt-enable-lpd=false", "--enable-peer-exchange=false", "--disable-ipv6=true",
                "--interface=127.0.0.1", "--listen-port=%d" % port, "--bt-tracker=" + tracker,
                "--bt-tracker-connect-timeout=5", "--bt-tracker-timeout=10", "--bt-save-metadata=false",
                "--file-allocation=none", "--summary-interval=0", "--console-log-level=notice", "--enable-color=false",
                "--show-console-readout=false"] + extra

    def start_seed_aria2(self, ctx, i):
        tracker = ctx["tracker"]
        cmd = self.aria2_cmd(ctx["data"], tracker.url, free_port(),
                             ["--check-integrity=true", "--seed-ratio=0.0", "--bt-seed-unverified=false",
                              ctx["torrent"]])
        p = Proc("seed-aria2" + suffix(i, ctx["n_seeds"]), cmd, ctx["logdir"])
        # Seeds are waited for in order, so once seed i is ready the tracker knows i + 1 of them.
        return p, lambda: tracker.wait_for_peers(i + 1, 600, p)

    def start_leech_aria2(self, ctx, peers, i):
        cmd = self.aria2_cmd(ctx["outs"][i], ctx["tracker"].url, free_port(),
                             ["--seed-time=0", "--bt-stop-timeout=60", "--allow-overwrite=true",
                              "--auto-file-renaming=false", ctx["torrent"]])
        return Proc("leech-aria2" + suffix(i, ctx["n_leeches"]), cmd, ctx["logdir"])

    # Transmission: two daemons in one namespace, 198.18.0.1 (seed) and 198.18.0.2 (leech), tracker on .3.

    def transmission_daemon(self, ctx, role, addr, download_dir):
        conf = os.path.join(ctx["work"], "tr-" + role)
        os.makedirs(conf, exist_ok=True)
        rpc = random.randint(20000, 59999)
        settings = {
            "dht-enabled": False, "lpd-enabled": False, "pex-enabled": False, "utp-enabled": False,
            "port-forwarding-enabled": False, "blocklist-enabled": False,
            "bind-address-ipv4": addr, "peer-port": random.randint(20000, 59999), "peer-port-random-on-start": False,
            "rpc-enabled": True, "rpc-bind-address": "127.0.0.1", "rpc-port": rpc,
            "rpc-authentication-required": False, "rpc-whitelist-enabled": False,
            "rpc-host-whitelist-enabled": False, "download-dir": download_dir, "incomplete-dir-enabled": False,
            "watch-dir-enabled": False, "start-added-torrents": True, "ratio-limit-enabled": False,
            "idle-seeding-limit-enabled": False, "speed-limit-up-enabled": False,
            "speed-limit-down-enabled": False, "alt-speed-enabled": False, "cache-size-mb": 4,
            "message-level": 2,
        }
        with open(os.path.join(conf, "settings.json"), "w") as f:
            json.dump(settings, f)
        ns = ctx["netns"]
        p = Proc(role + "-transmission", ns_exec(ns, ["transmission-daemon", "--foreground", "--config-dir", conf,
                                                      "--log-info"]), ctx["logdir"])
        p.remote = lambda *a: subprocess.run(ns_exec(ns, ["transmission-remote", "127.0.0.1:%d" % rpc] + list(a)),
                                             capture_output=True, text=True)
        deadline = time.monotonic() + 20
        while p.remote("-si").returncode != 0:
            if p.poll() is not None or time.monotonic() > deadline:
                raise BenchError("transmission-daemon RPC did not answer:\n" + tail(p.output()))
            time.sleep(0.2)
        return p

    @staticmethod
    def transmission_state(p):
        info = p.remote("-t", "1", "-i").stdout
        pct = re.search(r"(?m)^\s*Percent Done:\s*([0-9.]+)%", info)
        have = re.search(r"(?m)^\s*Have:\s*(.+?) \((.+?) verified\)", info)
        state = re.search(r"(?m)^\s*State:\s*(.+)$", info)
        return (pct is not None and float(pct.group(1)) >= 100.0 and have is not None
                and have.group(1) == have.group(2) and state is not None
                and state.group(1).strip() in ("Seeding", "Idle", "Finished")), info

    def start_seed_transmission(self, ctx, i):
        p = self.transmission_daemon(ctx, "seed", "198.18.0.1", ctx["data"])
        r = p.remote("-a", ctx["tracker_torrent"], "-w", ctx["data"])
        if r.returncode != 0:
            raise BenchError("transmission-remote -a failed: " + r.stdout + r.stderr)
        deadline = time.monotonic() + 600
        while not self.transmission_state(p)[0]:
            if p.poll() is not None or time.monotonic() > deadline:
                raise BenchError("transmission seed never verified its data:\n" + self.transmission_state(p)[1])
            time.sleep(0.2)
        ctx["tracker"].wait_for_peers(1, 120, p)
        return p, lambda: None

    def start_leech_transmission(self, ctx, peers, i):
        p = self.transmission_daemon(ctx, "leech", "198.18.0.2", ctx["outs"][i])
        p.started = time.monotonic()
        p.cpu_before = cpu_seconds(p.pid)
        r = p.remote("-a", ctx["tracker_torrent"], "-w", ctx["outs"][i])
        if r.returncode != 0:
            raise BenchError("transmission-remote -a failed: " + r.stdout + r.stderr)
        return p


# ---- one run ------------------------------------------------------------------------------------------------

PAIR_CLIENTS = {
    "spate": ("spate", "spate"),
    "spate-obfuscated": ("spate", "spate"),
    "spate-rc4": ("spate", "spate"),
    "libtorrent": ("libtorrent", "libtorrent"),
    "aria2": ("aria2", "aria2"),
    "transmission": ("transmission", "transmission"),
    "spate-from-libtorrent": ("libtorrent", "spate"),
    "libtorrent-from-spate": ("spate", "libtorrent"),
}
# Spate's --encryption, given to both Spate sides of these pairs; the other pairs run Spate's default. Since the
# default (prefer) dials with the MSE handshake, the plaintext pair has to ask for tolerate on both sides: a
# tolerate dialler sends the plain BitTorrent handshake, and a tolerate acceptor takes it.
SPATE_ENCRYPTION = {"spate": "tolerate", "spate-obfuscated": "prefer", "spate-rc4": "require"}
# What the table says of a pair beside its name, where "seed -> leech" alone would not tell it.
PAIR_LABELS = {
    "spate": "spate -> spate, plaintext",
    "spate-obfuscated": "spate -> spate, MSE handshake, plaintext payload",
    "spate-rc4": "spate -> spate, RC4 payload",
}


def suffix(i, n):
    """A peer's name suffix when a run has several of its role: -1, -2, ... (nothing for a lone peer)."""
    return "-%d" % (i + 1) if n > 1 else ""


def scenario(seeds, leeches):
    return "%d seed%s -> %d leech%s" % (seeds, "s" * (seeds > 1), leeches, "es" * (leeches > 1))


def check_disk(size, leeches, where):
    """Refuses a run whose leeches' copies (all on disk at once) would not fit, leaving 1 GiB spare."""
    need = size * leeches + (1 << 30)
    free = shutil.disk_usage(where).free
    if free < need:
        raise BenchError("%s needs %.1f GiB free for %d leech cop%s of %s, has %.1f GiB"
                         % (where, need / (1 << 30), leeches, "ies" if leeches > 1 else "y", human(size),
                            free / (1 << 30)))


def seed_uploaded(kind, log_text):
    """The payload bytes a stopped seed says it sent, or None: Spate's last 'uploaded N MiB' (as printed, to 3
    digits), lt_peer.py's last PROGRESS up= (printed every second, so up to a second old); others print none."""
    if kind == "spate":
        m = re.findall(r"uploaded ([0-9.]+) (B|KiB|MiB|GiB|TiB)\b", log_text)
        if m:
            n, unit = m[-1]
            return int(float(n) * {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}[unit])
    elif kind == "libtorrent":
        m = re.findall(r"^PROGRESS .* up=(\d+)", log_text, re.M)
        if m:
            return int(m[-1])
    return None


def spate_wasted(log_text):
    """The bytes a Spate leech says it received but did not need (duplicates, endgame), from its last line."""
    m = re.findall(r"([0-9.]+) (B|KiB|MiB|GiB|TiB) wasted", log_text)
    if not m:
        return None
    n, unit = m[-1]
    return int(float(n) * {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}[unit])


def run_pair(bench, pair, payload, run_no, logroot, n_seeds=1, n_leeches=1):
    seed_kind, leech_kind = PAIR_CLIENTS[pair]
    size = payload["size"]
    logdir = os.path.join(logroot, "%s-%s-run%d" % (pair, human(size), run_no))
    os.makedirs(logdir)
    check_disk(size, n_leeches, os.path.join(CACHE, "tmp"))
    work = tempfile.mkdtemp(prefix="spate-bench-", dir=os.path.join(CACHE, "tmp"))
    os.chmod(work, 0o755)
    outs = [os.path.join(work, "out" if n_leeches == 1 else "out-%d" % (i + 1)) for i in range(n_leeches)]
    for out in outs:
        os.makedirs(out)
    ctx = dict(payload, logdir=logdir, work=work, outs=outs, netns=None, spate_encryption=SPATE_ENCRYPTION.get(pair),
               n_seeds=n_seeds, n_leeches=n_leeches)
    cleanup = []
    seeds, leeches = [], []
    try:
        if pair == "transmission":
            if n_seeds != 1 or n_leeches != 1:
                raise BenchError("transmission runs one seed and one leech only")
            ns = Namespace(3)
            cleanup.append(ns.close)
            ctx["netns"] = ns.name
        if pair in ("aria2", "transmission"):
            host = "127.0.0.1" if pair == "aria2" else "198.18.0.3"
            tracker = Tracker(logdir, payload["info_hash"], host, ctx["netns"])
            cleanup.append(tracker.close)
            ctx["tracker"] = tracker
            if pair == "transmission":
                # Transmission finds peers only through a tracker: a copy of the torrent that names it.
                ctx["tracker_torrent"] = os.path.join(work, "with-tracker.torrent")
                subprocess.run(bench.java + ["create", os.path.join(payload["data"], payload["name"]), "-o",
                                             ctx["tracker_torrent"], "--piece-size", human(bench.args.piece_size),
                                             "--tracker", tracker.url], check=True, stdout=subprocess.DEVNULL)
        readies = []
        for i in range(n_seeds):
            seed, ready = getattr(bench, "start_seed_" + seed_kind)(ctx, i)
            cleanup.append(seed.stop)
            seeds.append(seed)
            readies.append(ready)
        peers = [ready() for ready in readies]
        seed_cpu0 = [cpu_seconds(s.pid) for s in seeds]
        t0 = time.monotonic()
        for i in range(n_leeches):
            started = time.monotonic()
            leech = getattr(bench, "start_leech_" + leech_kind)(ctx, peers, i)
            cleanup.append(leech.stop)
            if leech_kind == "transmission":
                t0 = leech.started
            else:
                leech.started = started
                leech.wait_in_background()
            leeches.append(leech)
        deadline = t0 + LEECH_TIMEOUT
        last_note = last_sample = 0.0
        while True:
            now = time.monotonic()
            if now - last_sample >= 0.5:
                # VmHWM of each leech's process tree (a high-water mark, so sampling now and then is enough for
                # a process still running; wait4's ru_maxrss covers one that exits between samples).
                last_sample = now
                kids = children_map()
                for p in leeches:
                    p.sample(kids)
            if leech_kind == "transmission":
                leech = leeches[0]
                leech.sample()
                done, info = bench.transmission_state(leech)
                if time.monotonic() - last_note >= 1:
                    last_note = time.monotonic()
                    with open(os.path.join(logdir, "leech-transmission-progress.log"), "a") as f:
                        f.write("%.1f s\n%s\n" % (last_note - t0, info))
                if done:
                    leech.ended = time.monotonic()
                    leech.cpu = cpu_seconds(leech.pid) - leech.cpu_before
                    leech.sample()
                    break
                if leech.poll() is not None:
                    raise BenchError("transmission leech exited %s:\n%s" % (leech.code, tail(leech.output())))
            else:
                for leech in leeches:
                    if leech.poll() is not None and leech.code != 0:
                        raise BenchError("%s exited %d; log %s:\n%s"
                                         % (leech.name, leech.code, leech.log_path, tail(leech.output())))
                if all(leech.poll() is not None for leech in leeches):
                    for leech in leeches:
                        leech.cpu = leech.rusage.ru_utime + leech.rusage.ru_stime
                    break
            for seed in seeds:
                if seed.poll() is not None:
                    raise BenchError("%s exited %s; log %s:\n%s"
                                     % (seed.name, seed.code, seed.log_path, tail(seed.output())))
            if time.monotonic() > deadline:
                raise BenchError("%s leech did not finish in %ds" % (leech_kind, LEECH_TIMEOUT))
            time.sleep(0.1 if leech_kind == "transmission" else 0.05)
        kids = children_map()
        for seed in seeds:
            seed.sample(kids)
        seed_cpu = sum(cpu_seconds(s.pid) - c0 for s, c0 in zip(seeds, seed_cpu0))
        seed_peak = max(s.peak_kib for s in seeds)
        if n_seeds > 1:
            # Stopped now (not in the clean-up) so a Spate seed prints its total, to show what each seed gave.
            for seed in seeds:
                seed.stop()
            uploaded = [seed_uploaded(seed_kind, s.output()) for s in seeds]
        t1 = max(leech.ended for leech in leeches)
        if leech_kind == "transmission":
            leeches[0].stop()
        for out in outs:
            verify(payload["data"], out, payload["rel"])
        wall = t1 - t0
        each = [{"seconds": round(p.ended - p.started, 3), "cpu_s": round(p.cpu, 2),
                 "peak_rss_mib": round(p.peak_kib / 1024, 1)} for p in leeches]
        result = {
            "pair": pair, "run": run_no, "seed": seed_kind, "leech": leech_kind, "bytes": size,
            "seeds": n_seeds, "leeches": n_leeches,
            "spate_encryption": ctx["spate_encryption"] or "default",
            # seconds: from the first leech's start to the last one's end; mb_per_s: every leech's bytes over
            # that (the aggregate); with one leech, its time and its rate as before.
            "seconds": round(wall, 3), "mb_per_s": round(size * n_leeches / wall / 1e6, 2),
            # The median leech's CPU (the only one's with one leech), and the seeds' together.
            "leech_cpu_s": round(statistics.median(p.cpu for p in leeches), 2), "seed_cpu_s": round(seed_cpu, 2),
            "leech_peak_rss_mib": max(e["peak_rss_mib"] for e in each), "seed_peak_rss_mib": round(seed_peak / 1024, 1),
            "verified": True,
        }
        if leech_kind == "spate":
            wasted = [spate_wasted(p.output()) for p in leeches]
            if all(w is not None for w in wasted):
                result["leech_wasted_mib"] = round(statistics.median(wasted) / (1 << 20), 1)
        if n_seeds > 1:
            result["each_seed_uploaded_mib"] = [None if u is None else round(u / (1 << 20), 1) for u in uploaded]
        if n_leeches > 1:
            result["slowest_leech_seconds"] = max(e["seconds"] for e in each)
            result["leech_cpu_total_s"] = round(sum(p.cpu for p in leeches), 2)
            result["each_leech"] = each
        log("%-22s %-5s run %d: %7.1f MB/s  %6.2f s%s  leech cpu %.2f s  seed cpu %.2f s  rss leech %.0f MiB seed "
            "%.0f MiB" % (pair, human(size) if (n_seeds, n_leeches) == (1, 1) else human(size) + ", "
                          + scenario(n_seeds, n_leeches), run_no, result["mb_per_s"], wall,
                          " (slowest leech %.2f s)" % result["slowest_leech_seconds"] if n_leeches > 1 else "",
                          result["leech_cpu_s"], seed_cpu, result["leech_peak_rss_mib"], result["seed_peak_rss_mib"]))
        if n_seeds > 1 and all(u is not None for u in uploaded):
            log("%s: each seed sent %s MiB" % (pair, ", ".join("%.0f" % (u / (1 << 20)) for u in uploaded)))
        if "leech_wasted_mib" in result:
            log("%s: the Spate leech%s received %.1f MiB it did not need" % (pair, " (median)" * (n_leeches > 1),
                                                                            result["leech_wasted_mib"]))
        return result
    finally:
        run_cleanup(cleanup)
        shutil.rmtree(work, ignore_errors=True)


# ---- summaries and the comparison with a baseline (pure functions of result lists: see test_swarm.py) ---------

def result_key(r):
    """(pair, bytes, seeds, leeches): what a result is compared by. Results of older runs had one of each."""
    return r["pair"], r["bytes"], r.get("seeds", 1), r.get("leeches", 1)


def medians(results):
    """Per result_key: runs, median MB/s, median leech CPU seconds, largest leech peak RSS."""
    groups = {}
    for r in results:
        groups.setdefault(result_key(r), []).append(r)
    return {k: {"runs": len(rs), "mb_per_s": statistics.median(r["mb_per_s"] for r in rs),
                "leech_cpu_s": statistics.median(r["leech_cpu_s"] for r in rs),
                "leech_peak_rss_mib": max(r["leech_peak_rss_mib"] for r in rs)} for k, rs in groups.items()}


def ratios(results):
    """Per result_key: the pair's median MB/s over libtorrent -> libtorrent's at the same size, seeds and leeches
    (in the same results, so the same run of the benchmark); keys without a libtorrent result are left out."""
    med = medians(results)
    out = {}
    for (pair, size, seeds, leeches), m in med.items():
        lt = med.get(("libtorrent", size, seeds, leeches))
        if lt and lt["mb_per_s"] > 0:
            out[(pair, size, seeds, leeches)] = m["mb_per_s"] / lt["mb_per_s"]
    return out


def cpu_line(points):
    """From (bytes, CPU seconds) points, the line through the two largest sizes: (CPU seconds per GB, CPU seconds
    at 0 bytes), GB = 10^9 bytes; None with fewer than two sizes."""
    by_size = dict(points)
    if len(by_size) < 2:
        return None
    (b1, c1), (b2, c2) = sorted(by_size.items())[-2:]
    slope = (c2 - c1) / ((b2 - b1) / 1e9)
    return slope, c1 - slope * b1 / 1e9


def summary(results):
    """Per pair and scenario, across sizes: each size's median MB/s, ratio to libtorrent, leech CPU and RSS, and
    the leech CPU line (cpu_line of the per-size medians)."""
    med, rat = medians(results), ratios(results)
    rows = {}
    for (pair, size, seeds, leeches), m in sorted(med.items(), key=lambda kv: (kv[0][2], kv[0][3], kv[0][1])):
        row = rows.setdefault((pair, seeds, leeches), {"pair": pair, "seeds": seeds, "leeches": leeches, "sizes": []})
        row["sizes"].append(dict(m, bytes=size, ratio=rat.get((pair, size, seeds, leeches))))
    for row in rows.values():
        line = cpu_line([(s["bytes"], s["leech_cpu_s"]) for s in row["sizes"]])
        row["leech_cpu_s_per_gb"], row["leech_startup_cpu_s"] = line if line else (None, None)
    return list(rows.values())


def compare(results, baselines, tolerance):
    """Each pair's ratio to libtorrent now against the baseline's, per size, seeds and leeches (libtorrent itself
    is the yardstick, not compared). baselines: one result list per baseline file, each file's ratios taken within
    it, a later file's winning where two have the same key. A row fell back when now < baseline * (1 - tolerance);
    baseline is None for a key no baseline has a ratio for (never a fall)."""
    now, base = ratios(results), {}
    for b in baselines:
        base.update(ratios(b))
    rows = []
    order = lambda k: (k[2], k[3], k[1], ALL_PAIRS.index(k[0]) if k[0] in ALL_PAIRS else len(ALL_PAIRS), k[0])
    for key in sorted(now, key=order):
        if key[0] == "libtorrent":
            continue
        b = base.get(key)
        rows.append({"pair": key[0], "bytes": key[1], "seeds": key[2], "leeches": key[3], "baseline": b,
                     "now": now[key], "change": None if b is None else now[key] / b - 1,
                     "fell": b is not None and now[key] < b * (1 - tolerance)})
    return rows


def parse_tolerance(text):
    """10, 10% or 0.1 (a fraction when below 1)."""
    v = float(text.strip().rstrip("%"))
    if v < 0:
        raise argparse.ArgumentTypeError("tolerance must be positive: " + text)
    return v / 100 if text.strip().endswith("%") or v >= 1 else v


def parse_sizes(text):
    sizes = [parse_size(t) for t in text.split(",") if t.strip()]
    if not sizes:
        raise argparse.ArgumentTypeError("one size or more, comma-separated: " + text)
    return list(dict.fromkeys(sizes))


# ---- set-up, tables -----------------------------------------------------------------------------------------


def missing_packages(pair):
    missing = []
    for package, command in NEEDS[pair]:
        ok = shutil.which(command) is not None if command else \
            subprocess.run([PY, "-c", "import libtorrent"], capture_output=True).returncode == 0
        if not ok:
            missing.append(package)
    return missing


def available(pair, notes):
    """Whether the pair can run: installs what it lacks with apt-get when root, else notes why it is skipped."""
    missing = missing_packages(pair)
    if missing and os.geteuid() == 0:
        log("installing", " ".join(missing))
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"), stdout=subprocess.DEVNULL)
        missing = missing_packages(pair)
    if missing:
        notes.append("%s skipped: %s not installed (%s)" % (pair, ", ".join(missing), "apt-get failed"
                     if os.geteuid() == 0 else "run as root to install"))
        return False
    if pair == "transmission" and os.geteuid() != 0:
        notes.append("transmission skipped: needs root for its network namespace (it ignores 127.0.0.0/8 peers)")
        return False
    return True


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    # The load average when the results are written: other work on the machine makes the rates noisy.
    return {"nproc": os.cpu_count(), "cpu": model, "ram_gib": round(mem_kib / (1 << 20), 1),
            "kernel": platform.release(), "loadavg": [round(x, 2) for x in os.getloadavg()]}


def versions(java_home):
    v = {}
    # The Spate measured: the checkout's commit, "+changes" when its tracked files differ from it.
    git = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True)
    if git.returncode == 0:
        dirty = subprocess.run(["git", "-C", ROOT, "diff", "--quiet", "HEAD"]).returncode != 0
        v["spate"] = git.stdout.strip() + ("+changes" if dirty else "")
    r = subprocess.run([os.path.join(java_home, "bin", "java"), "-version"], capture_output=True, text=True)
    v["java"] = r.stderr.splitlines()[0] if r.stderr else "?"
    try:
        v["libtorrent"] = subprocess.run([PY, "-c", "import libtorrent;print(libtorrent.__version__)"],
                                         capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    for cmd, args in (("aria2c", ["--version"]), ("transmission-daemon", ["--version"])):
        if shutil.which(cmd):
            r = subprocess.run([cmd] + args, capture_output=True, text=True)
            v[cmd] = ((r.stdout or r.stderr).splitlines() or ["?"])[0]
    return v


def pair_label(pair):
    seed, leech = PAIR_CLIENTS[pair]
    label = PAIR_LABELS.get(pair, "%s -> %s" % (seed, leech) if seed != leech or pair != seed else None)
    return "%s (%s)" % (pair, label) if label else pair


def markdown(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def table(results, pairs, seeds=1, leeches=1):
    """One size's table. With several leeches MB/s is the aggregate and the leech CPU each one's median; with
    several seeds the seed CPU is theirs together."""
    rows = []
    header = ["pair (seed -> leech)", "runs", "MB/s median", "min", "max", "leech CPU s", "seed CPU s",
              "leech peak RSS MiB", "seed peak RSS MiB"]
    if leeches > 1:
        header[2] = "aggregate MB/s median"
        header[5] = "leech CPU s (each)"
        header.insert(5, "slowest leech s")
    if seeds > 1:
        header[header.index("seed CPU s")] = "seed CPU s (all %d)" % seeds
        header[-1] = "seed peak RSS MiB (largest)"
    for pair in pairs:
        rs = [r for r in results if r["pair"] == pair]
        if not rs:
            continue
        med = lambda key: statistics.median(r[key] for r in rs)
        row = [pair_label(pair), str(len(rs)), "%.1f" % med("mb_per_s"), "%.1f" % min(r["mb_per_s"] for r in rs),
               "%.1f" % max(r["mb_per_s"] for r in rs), "%.2f" % med("leech_cpu_s"),
               "%.2f" % med("seed_cpu_s"), "%.0f" % max(r["leech_peak_rss_mib"] for r in rs),
               "%.0f" % max(r["seed_peak_rss_mib"] for r in rs)]
        if leeches > 1:
            row.insert(5, "%.2f" % med("slowest_leech_seconds"))
        rows.append(row)
    return markdown(header, rows)


def summary_table(rows, sizes):
    """Across sizes: ratio to libtorrent at each size, the leech CPU line, the largest leech peak RSS."""
    sizes = sorted(sizes)
    header = ["pair (seed -> leech)"] + ["ratio to libtorrent at %s" % human(s) if i == 0 else "at %s" % human(s)
                                         for i, s in enumerate(sizes)]
    header += ["leech CPU s per GB", "leech start-up CPU s", "leech peak RSS MiB"]
    out = []
    for row in rows:
        by_size = {s["bytes"]: s for s in row["sizes"]}
        cells = [pair_label(row["pair"])]
        for s in sizes:
            r = by_size.get(s, {}).get("ratio")
            cells.append("-" if r is None else "%.2f" % r)
        slope, start = row["leech_cpu_s_per_gb"], row["leech_startup_cpu_s"]
        cells += ["-" if slope is None else "%.2f" % slope, "-" if start is None else "%.2f" % start,
                  "%.0f" % max(s["leech_peak_rss_mib"] for s in row["sizes"])]
        out.append(cells)
    return markdown(header, out)


def compare_table(rows, tolerance):
    out = []
    for r in rows:
        out.append([pair_label(r["pair"]), human(r["bytes"]), scenario(r["seeds"], r["leeches"]),
                    "-" if r["baseline"] is None else "%.2f" % r["baseline"], "%.2f" % r["now"],
                    "-" if r["change"] is None else "%+.0f%%" % (100 * r["change"]),
                    "FELL BACK" if r["fell"] else ("not in baseline" if r["baseline"] is None else "ok")])
    return markdown(["pair (seed -> leech)", "size", "peers", "baseline ratio", "ratio now", "change",
                     "within %.0f%%" % (100 * tolerance)], out)


def on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def main():
    parser = argparse.ArgumentParser(prog="bench/swarm", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=parse_sizes, default=[parse_size("1G")], metavar="SIZE[,SIZE...]",
                        help="payload size, or several comma-separated (64M,1G,4G): each runs every pair "
                             "(default 1G)")
    parser.add_argument("--piece-size", type=parse_size, default=parse_size("1M"), help="default 1M")
    parser.add_argument("--files", type=int, default=1, help="N files of uneven sizes summing to --size")
    parser.add_argument("--runs", type=int, default=3, help="runs of each pair, pairs alternating (default 3)")
    parser.add_argument("--pairs", default=",".join(ALL_PAIRS), help="comma-separated, of: " + ", ".join(ALL_PAIRS))
    parser.add_argument("--seeds", type=int, default=1, metavar="N",
                        help="one leech downloads from N seeds of the pair's seed kind (default 1)")
    parser.add_argument("--leeches", type=int, default=1, metavar="N",
                        help="one seed serves N leeches of the pair's leech kind at once (default 1)")
    parser.add_argument("--compare", metavar="FILE", action="append", default=[],
                        help="a results JSON (bench/results/*.json, bench/baseline.json) to compare this run's "
                             "ratios to libtorrent with (repeatable: a later file wins for the same pair, size "
                             "and peers); exits 3 when a pair fell back by more than --tolerance")
    parser.add_argument("--tolerance", type=parse_tolerance, default=0.10,
                        help="how far a ratio may fall below the baseline's, e.g. 10%% (default 10%%)")
    args = parser.parse_args()
    # A SIGTERM unwinds like Ctrl-C, so every run's clean-up (processes, namespace, temp dirs) still happens.
    signal.signal(signal.SIGTERM, on_sigterm)
    pairs = [p.strip() for p in args.pairs.split(",") if p.strip()]
    for p in pairs:
        if p not in PAIR_CLIENTS:
            parser.error("unknown pair %r; pairs: %s" % (p, ", ".join(ALL_PAIRS)))
    if args.seeds < 1 or args.leeches < 1:
        parser.error("--seeds and --leeches take 1 or more")
    if args.seeds > 1 and args.leeches > 1:
        parser.error("--seeds N or --leeches N, not both (the leeches would also trade among themselves)")
    java_home = os.environ.get("SPATE_JAVA_HOME")
    if not java_home or not os.path.exists(JAR):
        parser.error("run through bench/swarm (it finds a JDK 21+ and builds %s)" % JAR)
    baselines = []
    for path in args.compare:
        try:
            with open(path) as f:
                baseline = json.load(f)
        except (OSError, ValueError) as e:
            parser.error("--compare %s: %s" % (path, e))
        if not isinstance(baseline, dict) or not isinstance(baseline.get("results"), list):
            parser.error("--compare %s: not a bench/swarm results JSON (no results list)" % path)
        baselines.append(baseline["results"])

    notes = []
    many = args.seeds > 1 or args.leeches > 1
    if many and "transmission" in pairs:
        notes.append("transmission skipped: it runs with one seed and one leech only")
        pairs.remove("transmission")
    if args.leeches > 1 and "aria2" in pairs:
        notes.append("aria2: its peers come from the tracker, so its leeches also trade among themselves")
    pairs = [p for p in pairs if available(p, notes)]
    for n in notes:
        log(n)
    if not pairs:
        log("nothing to run")
        return 1
    bench = Bench(args, java_home)
    os.makedirs(os.path.join(CACHE, "tmp"), exist_ok=True)
    # The payloads not made yet and the largest size's leech copies, all in bench/cache, with 1 GiB to spare.
    need = sum(s for s in args.size if not payload_cached(s, args.files)) + max(args.size) * args.leeches + (1 << 30)
    free = shutil.disk_usage(CACHE).free
    if free < need:
        log("%s has %.1f GiB free; the payloads to make and %d leech cop%s of %s need %.1f GiB"
            % (CACHE, free / (1 << 30), args.leeches, "ies" if args.leeches > 1 else "y", human(max(args.size)),
               need / (1 << 30)))
        return 1
    payloads = []
    for size in args.size:
        data, name, rel = make_payload(size, args.files)
        torrent, info_hash = make_torrent(data, name, args.piece_size, bench.java)
        payloads.append({"data": data, "name": name, "rel": rel, "torrent": torrent, "info_hash": info_hash,
                         "size": size})

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    os.makedirs(RESULTS, exist_ok=True)
    logroot = os.path.join(RESULTS, stamp + "-logs")
    log("payload%s %s (%d file%s), piece size %s, %s, %d run(s) of %s; logs in %s"
        % ("s" * (len(payloads) > 1), ", ".join(p["name"] for p in payloads), len(payloads[0]["rel"]),
           "s" * (len(payloads[0]["rel"]) > 1), human(args.piece_size), scenario(args.seeds, args.leeches),
           args.runs, ", ".join(pairs), logroot))
    results, failures = [], []
    for payload in payloads:
        for run_no in range(1, args.runs + 1):
            for pair in pairs:
                try:
                    results.append(run_pair(bench, pair, payload, run_no, logroot, args.seeds, args.leeches))
                except BenchError as e:
                    log("%s %s run %d FAILED: %s" % (pair, human(payload["size"]), run_no, e))
                    failures.append({"pair": pair, "bytes": payload["size"], "run": run_no, "error": str(e)})
    rows = summary(results)
    compared = compare(results, baselines, args.tolerance) if baselines else None
    report = {
        "timestamp": stamp, "command": "bench/swarm " + " ".join(sys.argv[1:]), "machine": machine(),
        "versions": versions(java_home), "spate_java_opts": os.environ.get("SPATE_JAVA_OPTS", ""),
        # size: the largest, as older results had one; sizes: every one, in the order run.
        "size": max(args.size), "sizes": args.size, "piece_size": args.piece_size, "files": len(payloads[0]["rel"]),
        "runs": args.runs, "seeds": args.seeds, "leeches": args.leeches, "pairs": pairs,
        "notes": notes, "results": results, "failures": failures, "summary": rows,
    }
    if compared is not None:
        report["compare"] = {"baselines": args.compare, "tolerance": args.tolerance, "rows": compared}
    path = os.path.join(RESULTS, stamp + ".json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    m = report["machine"]
    for payload in payloads:
        size = payload["size"]
        print("%s payload, %s pieces, %d file(s), %d run(s)%s; %d x %s, %.0f GiB RAM; MB = 10^6 bytes"
              % (human(size), human(args.piece_size), len(payload["rel"]), args.runs,
                 "" if not many else ", " + scenario(args.seeds, args.leeches), m["nproc"], m["cpu"], m["ram_gib"]))
        print(table([r for r in results if r["bytes"] == size], pairs, args.seeds, args.leeches))
        print()
    if len(payloads) > 1 or "libtorrent" in pairs:
        print("Across sizes (ratio: the pair's median MB/s over libtorrent -> libtorrent's; leech CPU line through "
              "the two largest sizes' medians):")
        print(summary_table(rows, args.size))
        print()
    for n in notes:
        print("note:", n)
    for f in failures:
        print("FAILED: %s %s run %d (see %s)" % (f["pair"], human(f["bytes"]), f["run"], logroot))
    fell = []
    if compared is not None:
        print("Against %s (ratios to libtorrent; tolerance %.0f%%):" % (", ".join(args.compare),
                                                                       100 * args.tolerance))
        if compared:
            print(compare_table(compared, args.tolerance))
        fell = [r for r in compared if r["fell"]]
        for r in fell:
            print("FELL BACK: %s at %s, %s: ratio %.2f, baseline %.2f (%+.0f%%)"
                  % (r["pair"], human(r["bytes"]), scenario(r["seeds"], r["leeches"]), r["now"], r["baseline"],
                     100 * r["change"]))
        if not any(r["baseline"] is not None for r in compared):
            print("NOTHING COMPARED: the baseline has no ratio for any pair, size and peers of this run (it needs "
                  "libtorrent in both)")
            fell = fell or [None]
    print("results:", os.path.relpath(path, ROOT))
    return 1 if failures else 3 if fell else 0


if __name__ == "__main__":
    sys.exit(main())
