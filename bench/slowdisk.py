#!/usr/bin/python3
"""Slow-disk benchmark: one seed, one leech on 127.0.0.1, the leech writing to a disk throttled to a few MB/s.

Run through bench/slowdisk (it finds the JDK and builds the CLI jar), as root. The network is far faster than
the disk, so the leech receives faster than it can write; a leech with backpressure stops reading its peers
while its disk queue is full and its memory stays flat, one without keeps what it cannot write yet. Every
--interval seconds the leech's memory is sampled from /proc/PID/status (VmRSS, and its RssAnon and RssFile
parts, summed over the process tree), with the bytes the disk has written (/sys/block/loopN/stat) and, for
the spate-daemon pair, the engine's disk queue (spate_disk_queued_bytes from the daemon's /metrics). It
prints the series and a summary per run: the payload rate against the disk's cap, the disk's own write rate,
RSS once 10% of the payload is on the disk, its peak and its last sample, whether it stayed flat (peak minus
the 10% sample at most --flat-mib), its growth from 50% of the payload to the end, and the byte-exact check
(cmp) of every output file. Results, with every sample, go to bench/results/slowdisk-<timestamp>.json, the
clients' logs next to it.

Pairs (seed -> leech):
  spate         Spate -> `spate download`, plaintext (--encryption tolerate on both sides, as bench/swarm)
  spate-daemon  Spate -> `spate daemon`, the torrent added over its RPC and the seed found through an
                opentracker on 127.0.0.1 (the daemon takes no --peer); the only pair that shows the engine's
                disk queue, since `spate download` does not print it
  libtorrent    libtorrent -> libtorrent (python3-libtorrent through the integration tests' lt_peer.py)

The slow disk: a sparse image under bench/cache/tmp on a loop device, formatted ext4 and mounted for the
leech's output, made afresh for every run. The loop device gets a write limit (cgroup v1
blkio.throttle.write_bps_device, --disk-rate) in the root blkio cgroup, where the leech and the kernel's
flusher threads run (and in the benchmark's own blkio cgroup, should that not be the root; v1's limits are
per cgroup, not hierarchical). That limits direct IO (Spate writes whole pieces with O_DIRECT) in the
writer's own write() calls. A buffered write only dirties the page cache, and v1 does not charge writeback
to the writer, so the device's share of dirty memory is capped too (its BDI's max_bytes, --dirty, with
strict_limit): a writer past it waits in write() for writeback, which runs at the throttled rate. No global
sysctl (vm.dirty_*) is changed. --probe measures the disk with dd, direct and buffered, before the runs.

Everything is undone on any exit, Ctrl-C and SIGTERM included: processes stopped, the file system unmounted,
the loop device detached, the throttle removed and the BDI's limits put back. What a run killed outright
(SIGKILL) left is taken down by the next one, which holds a lock (bench/cache/tmp/slowdisk.lock) so that two
never run at once. DHT, LSD, PEX, UPnP and NAT-PMP are off in every client; nothing but 127.0.0.1 is used.
"""
import argparse
import base64
import datetime
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
sys.dont_write_bytecode = True  # no __pycache__ in the checkout for swarm's import
import swarm  # noqa: E402  (the helpers: processes, payload, torrent, clients, cmp)
from swarm import BenchError, human, log  # noqa: E402

PAIRS = ["spate", "spate-daemon", "libtorrent"]
PAIR_CLIENTS = {"spate": ("spate", "spate"), "spate-daemon": ("spate", "spate-daemon"),
                "libtorrent": ("libtorrent", "libtorrent")}
# The Debian packages each pair needs, for swarm.available (which installs them when root).
swarm.NEEDS.setdefault("spate-daemon", [("opentracker", "opentracker")])
BLKIO = "/sys/fs/cgroup/blkio"
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
MIB = 1 << 20


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def read(path):
    with open(path) as f:
        return f.read().strip()


# ---- the slow disk ------------------------------------------------------------------------------------------

def own_blkio_cgroup():
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if "blkio" in controllers.split(","):
                return path
    return None


class SlowDisk:
    """A throttled ext4 file system on a loop device; close() undoes every step taken, in reverse."""

    def __init__(self, workdir, size, rate, dirty):
        if os.geteuid() != 0:
            raise BenchError("needs root: loop devices, mounts and blkio cgroups")
        if not os.path.exists(os.path.join(BLKIO, "blkio.throttle.write_bps_device")):
            raise BenchError("needs cgroup v1 blkio at %s (blkio.throttle.write_bps_device)" % BLKIO)
        self.undo = []
        self.rate = rate
        self.dirty = dirty
        try:
            self._make(workdir, size)
        except BaseException:
            self.close()
            raise

    def _make(self, workdir, size):
        image = os.path.join(workdir, "disk.img")
        self.mount = os.path.join(workdir, "mnt")
        os.makedirs(self.mount)
        with open(image, "wb") as f:
            f.truncate(size)  # sparse: only what the leech writes takes host disk
        self.device = run(["losetup", "--find", "--show", image]).strip()
        self.undo.append(lambda: subprocess.run(["losetup", "-d", self.device], check=True))
        self.name = os.path.basename(self.device)
        self.majmin = read("/sys/block/%s/dev" % self.name)
        run(["mkfs.ext4", "-q", "-F", "-m", "0", "-E", "lazy_itable_init=0,lazy_journal_init=0", self.device])
        run(["mount", "-t", "ext4", self.device, self.mount])
        self.undo.append(self._unmount)
        # The device's share of dirty page cache: capped, so that buffered writers wait for writeback.
        bdi = "/sys/class/bdi/%s" % self.majmin
        if os.path.exists(bdi + "/max_bytes") and os.path.exists(bdi + "/max_ratio_fine"):
            ratio, strict = read(bdi + "/max_ratio_fine"), read(bdi + "/strict_limit")
            self.undo.append(lambda: (write(bdi + "/strict_limit", strict), write(bdi + "/max_ratio_fine", ratio)))
            write(bdi + "/max_bytes", str(self.dirty))
            write(bdi + "/strict_limit", "1")
            self.dirty_note = "BDI %s max_bytes %s, strict_limit" % (self.majmin, human(self.dirty))
        else:  # kernels before 6.2: a percentage of the dirty limit, 1% the least
            ratio, strict = read(bdi + "/max_ratio"), read(bdi + "/strict_limit")
            self.undo.append(lambda: (write(bdi + "/strict_limit", strict), write(bdi + "/max_ratio", ratio)))
            write(bdi + "/max_ratio", "1")
            write(bdi + "/strict_limit", "1")
            self.dirty_note = "BDI %s max_ratio 1%%, strict_limit (no max_bytes on this kernel)" % self.majmin
        groups = [BLKIO]
        own = own_blkio_cgroup()
        if own and own != "/":
            groups.append(os.path.join(BLKIO, own.lstrip("/")))
        for g in groups:
            knob = os.path.join(g, "blkio.throttle.write_bps_device")
            self.undo.append(lambda knob=knob: write(knob, "%s 0" % self.majmin))  # 0 removes the rule
            write(knob, "%s %d" % (self.majmin, self.rate))
        self.groups = groups
        self.base_written = self.written()

    def _unmount(self):
        for attempt in range(20):
            if subprocess.run(["umount", self.mount], capture_output=True).returncode == 0:
                return
            time.sleep(0.5)  # a process that just exited may still hold a file open for a moment
        subprocess.run(["umount", "-l", self.mount], check=True)

    def written(self):
        """Bytes the device has written since it was made (sectors written, /sys/block/loopN/stat)."""
        return int(read("/sys/block/%s/stat" % self.name).split()[6]) * 512 - getattr(self, "base_written", 0)

    def close(self):
        """Undoes every step, last first, with the signals held off so a second Ctrl-C cannot cut it short."""
        old = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        try:
            while self.undo:
                step = self.undo.pop()
                try:
                    step()
                except Exception as e:
                    log("cleanup:", e)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


def lock_and_clean():
    """Takes the benchmark's lock (one run at a time on this checkout), then takes down what a run killed
    before it could clean up (SIGKILL, a crash) left: its mounts, loop devices, throttles and dirty caps, and
    its work directories. Holding the lock, no other run's disk is live. Returns the lock's file."""
    tmp = os.path.join(swarm.CACHE, "tmp")
    os.makedirs(tmp, exist_ok=True)
    lock = open(os.path.join(tmp, "slowdisk.lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise BenchError("another bench/slowdisk is running on this checkout")
    prefix = os.path.join(os.path.realpath(tmp), "slowdisk-")
    groups = [BLKIO] + ([os.path.join(BLKIO, own_blkio_cgroup().lstrip("/"))]
                        if own_blkio_cgroup() not in (None, "/") else [])
    with open("/proc/self/mounts") as f:
        mounts = [line.split()[:2] for line in f]
    for entry in sorted(os.listdir("/sys/block")):
        try:
            backing = read("/sys/block/%s/loop/backing_file" % entry)
        except OSError:
            continue  # not a loop device, or one not attached
        if not backing.startswith(prefix):
            continue
        majmin = read("/sys/block/%s/dev" % entry)
        log("cleaning up after an earlier run: /dev/%s (%s)" % (entry, backing))
        for g in groups:
            knob = os.path.join(g, "blkio.throttle.write_bps_device")
            if majmin in read(knob).split():
                write(knob, "%s 0" % majmin)
        bdi = "/sys/class/bdi/%s" % majmin
        write(bdi + "/strict_limit", "0")  # the kernel's defaults: no strict limit, up to 100%
        write(bdi + "/max_ratio", "100")
        for dev, mnt in mounts:
            if dev == "/dev/" + entry:
                subprocess.run(["umount", "-l", mnt.replace("\\040", " ")])
        subprocess.run(["losetup", "-d", "/dev/" + entry])
    for dev, mnt in mounts:  # a mount whose loop device is gone already
        if mnt.startswith(prefix):
            subprocess.run(["umount", "-l", mnt.replace("\\040", " ")])
    for name in os.listdir(tmp):
        if name.startswith("slowdisk-") and os.path.isdir(os.path.join(tmp, name)):
            shutil.rmtree(os.path.join(tmp, name), ignore_errors=True)
    return lock


def probe(disk, size):
    """dd onto the disk: direct writes, then buffered ones well past the dirty cap, each with its MB/s."""
    out = {}
    for kind, flags in (("direct", ["oflag=direct"]), ("buffered", ["conv=fsync"])):
        path = os.path.join(disk.mount, "probe-" + kind)
        t = time.monotonic()
        subprocess.run(["dd", "if=/dev/zero", "of=" + path, "bs=1M", "count=%d" % (size // MIB)] + flags,
                       check=True, capture_output=True)
        out[kind] = size / (time.monotonic() - t) / 1e6
        os.remove(path)
    return out


# ---- sampling -----------------------------------------------------------------------------------------------

def memory_kib(pid):
    """VmRSS, RssAnon and RssFile (KiB) of pid's process tree."""
    total = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
    for p in swarm.tree(pid):
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    key = line.split(":", 1)[0]
                    if key in total:
                        total[key] += int(line.split()[1])
        except OSError:
            continue
    return total


def metric(text, name, label=None):
    rx = r"(?m)^%s%s (\d+)$" % (re.escape(name), r"\{[^}]*\"%s\"\}" % re.escape(label) if label else "")
    m = re.search(rx, text)
    return int(m.group(1)) if m else None


class Daemon:
    """A `spate daemon` leech: its RPC to add the torrent, its /metrics for the disk queue."""

    def __init__(self, bench, ctx):
        cmd = bench.java + ["daemon", "-d", ctx["out"], "--state", os.path.join(ctx["work"], "state"),
                            "--port", "0", "--bind", "127.0.0.1", "--rpc-bind", "127.0.0.1", "--rpc-port", "0",
                            "--no-dht", "--no-lsd", "--no-pex"]
        self.proc = swarm.Proc("leech-spate-daemon", cmd, ctx["logdir"])
        try:
            m = self.proc.wait_for(r"RPC on (http://[^ ,]+)", 120)
        except BaseException:
            self.proc.stop()
            raise
        self.rpc_url = m.group(1)
        self.base = self.rpc_url[:self.rpc_url.index("/", len("http://"))]
        self.sid = ""

    def rpc(self, method, arguments):
        body = json.dumps({"method": method, "arguments": arguments}).encode()
        for _ in range(3):
            req = urllib.request.Request(self.rpc_url, body, {"Content-Type": "application/json",
                                                              "X-Transmission-Session-Id": self.sid})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    reply = json.load(r)
                if reply.get("result") != "success":
                    raise BenchError("daemon %s: %s" % (method, reply))
                return reply["arguments"]
            except urllib.error.HTTPError as e:
                if e.code != 409:
                    raise BenchError("daemon %s: HTTP %d" % (method, e.code))
                self.sid = e.headers.get("X-Transmission-Session-Id", "")
            except OSError as e:
                raise BenchError("daemon %s: %s" % (method, e))
        raise BenchError("daemon %s: no session id" % method)

    def metrics(self):
        with urllib.request.urlopen(self.base + "/metrics", timeout=10) as r:
            return r.read().decode()


def with_announce(torrent, url, path):
    """A copy of the .torrent naming one tracker: 'announce' sorts before every other top-level key."""
    with open(torrent, "rb") as f:
        data = f.read()
    if not data.startswith(b"d") or b"8:announce" in data[:64]:
        raise BenchError("unexpected .torrent layout: " + torrent)
    with open(path, "wb") as f:
        f.write(b"d8:announce%d:%s" % (len(url), url.encode()) + data[1:])
    return path


# ---- one run ------------------------------------------------------------------------------------------------

def run_pair(bench, args, pair, payload, run_no, logroot):
    seed_kind, leech_kind = PAIR_CLIENTS[pair]
    logdir = os.path.join(logroot, "%s-run%d" % (pair, run_no))
    os.makedirs(logdir)
    work = tempfile.mkdtemp(prefix="slowdisk-", dir=os.path.join(swarm.CACHE, "tmp"))
    os.chmod(work, 0o755)
    cleanup = []
    disk = None
    try:
        disk = SlowDisk(work, payload["size"] + payload["size"] // 16 + (128 << 20), args.disk_rate, args.dirty)
        out = os.path.join(disk.mount, "out")
        os.makedirs(out)
        ctx = dict(payload, logdir=logdir, work=work, out=out, netns=None,
                   spate_encryption="tolerate" if pair == "spate" else None)
        if pair == "spate-daemon":
            tracker = swarm.Tracker(logdir, payload["info_hash"])
            cleanup.append(tracker.close)
            ctx["torrent"] = with_announce(payload["torrent"], tracker.url, os.path.join(work, "announce.torrent"))
        seed, peer = getattr(bench, "seed_" + seed_kind)(ctx)
        cleanup.append(seed.stop)
        if pair == "spate-daemon":
            tracker.wait_for_peers(1, 120, seed)
        samples = []
        daemon = None
        if leech_kind == "spate-daemon":
            daemon = Daemon(bench, ctx)
            leech = daemon.proc
            cleanup.append(leech.stop)
            with open(ctx["torrent"], "rb") as f:
                meta = base64.b64encode(f.read()).decode()
            t0 = time.monotonic()
            daemon.rpc("torrent-add", {"metainfo": meta, "download-dir": out})
        else:
            t0 = time.monotonic()
            leech = getattr(bench, "leech_" + leech_kind)(ctx, peer)
            cleanup.append(leech.stop)
            leech.wait_in_background()
        deadline = t0 + swarm.LEECH_TIMEOUT
        t1 = None
        while t1 is None:
            now = time.monotonic()
            s = {"t": round(now - t0, 2), "disk": disk.written()}
            if leech.code is None:
                s.update(memory_kib(leech.pid))
            if daemon is not None:
                try:
                    text = daemon.metrics()
                except OSError as e:
                    raise BenchError("daemon metrics: %s; log %s:\n%s" % (e, leech.log_path, swarm.tail(leech.output())))
                s["queue"] = metric(text, "spate_disk_queued_bytes")
                s["left"] = metric(text, "spate_left_bytes")
                if metric(text, "spate_torrents", "seeding") == 1 and s["left"] == 0:
                    t1 = now
            elif leech.poll() is not None:
                t1 = leech.ended
                if leech.code != 0:
                    raise BenchError("%s leech exited %d; log %s:\n%s"
                                     % (leech_kind, leech.code, leech.log_path, swarm.tail(leech.output())))
            if s.get("VmRSS"):  # none once the process has exited (a zombie has no VmRSS line)
                samples.append(s)
            if seed.poll() is not None:
                raise BenchError("%s seed exited %s; log %s:\n%s"
                                 % (seed_kind, seed.code, seed.log_path, swarm.tail(seed.output())))
            if leech.poll() is not None and t1 is None:
                raise BenchError("%s leech exited %s; log %s:\n%s"
                                 % (leech_kind, leech.code, leech.log_path, swarm.tail(leech.output())))
            if now > deadline:
                raise BenchError("%s leech did not finish in %ds" % (leech_kind, swarm.LEECH_TIMEOUT))
            if t1 is None:
                time.sleep(max(0.0, args.interval - (time.monotonic() - now)))
        seconds = t1 - t0
        written = disk.written()
        peak_hwm = leech.peak_kib if leech.code is not None else 0  # ru_maxrss of a leech that exited
        if daemon is not None:
            leech.stop()
        swarm.verify(payload["data"], out, payload["rel"])
        return summarize(pair, run_no, payload["size"], seconds, written, samples, args, disk, peak_hwm)
    finally:
        swarm.run_cleanup(cleanup)
        if disk is not None:
            disk.close()
        shutil.rmtree(work, ignore_errors=True)


def at_fraction(samples, size, fraction):
    """The first sample once the device has written fraction of the payload: a point of the transfer, whatever
    the leech's start-up took (a JVM's start and warm-up was most of a short run)."""
    for s in samples:
        if s["disk"] >= fraction * size:
            return s
    return samples[-1]


def summarize(pair, run_no, size, seconds, written, samples, args, disk, peak_hwm):
    run = [s for s in samples if s["t"] >= 0]
    if not run:
        raise BenchError("%s: no memory sample during the run" % pair)
    s10 = at_fraction(run, size, 0.10)
    s50 = at_fraction(run, size, 0.50)
    s90 = at_fraction(run, size, 0.90)
    # The device's rate between the 10% and 90% samples: whether the leech keeps the disk busy, start-up and
    # the last queue's drain left out.
    mid = (s90["disk"] - s10["disk"]) / (s90["t"] - s10["t"]) / 1e6 if s90["t"] > s10["t"] else 0.0
    peak = max(s["VmRSS"] for s in run)
    peak_anon = max(s["RssAnon"] for s in run)
    growth = (peak - s10["VmRSS"]) / 1024
    result = {
        "pair": pair, "run": run_no, "bytes": size, "seconds": round(seconds, 2),
        "mb_per_s": round(size / seconds / 1e6, 2), "disk_cap_mb_per_s": round(args.disk_rate / 1e6, 2),
        "disk_written_bytes": written, "disk_mb_per_s": round(written / seconds / 1e6, 2),
        "disk_mid_mb_per_s": round(mid, 2),
        "rss_mib_at_10pct": round(s10["VmRSS"] / 1024, 1), "rss_peak_mib": round(peak / 1024, 1),
        "rss_final_mib": round(run[-1]["VmRSS"] / 1024, 1), "rss_growth_mib": round(growth, 1),
        "rss_mib_at_50pct": round(s50["VmRSS"] / 1024, 1),
        "rss_second_half_growth_mib": round((run[-1]["VmRSS"] - s50["VmRSS"]) / 1024, 1),
        "anon_mib_at_10pct": round(s10["RssAnon"] / 1024, 1), "anon_peak_mib": round(peak_anon / 1024, 1),
        "anon_growth_mib": round((peak_anon - s10["RssAnon"]) / 1024, 1),
        "file_peak_mib": round(max(s["RssFile"] for s in run) / 1024, 1),
        "peak_hwm_mib": round(peak_hwm / 1024, 1) if peak_hwm else None,
        "flat": growth <= args.flat_mib, "verified": True,
        "dirty_limit": disk.dirty_note, "throttled_in": disk.groups,
        "samples": samples,
    }
    queues = [s["queue"] for s in run if s.get("queue") is not None]
    if queues:
        result["queue_peak_mib"] = round(max(queues) / MIB, 1)
        result["queue_median_mib"] = round(sorted(queues)[len(queues) // 2] / MIB, 1)
    print_series(result)
    return result


def print_series(r):
    samples = [s for s in r["samples"] if s["t"] >= 0]
    step = max(1, -(-len(samples) // 30))  # at most about 30 rows
    shown = samples[::step]
    if shown[-1] is not samples[-1]:
        shown.append(samples[-1])
    has_queue = any(s.get("queue") is not None for s in samples)
    print("\n%s run %d: every %d sample(s) of %d; MiB" % (r["pair"], r["run"], step, len(samples)))
    print("     t s   disk  VmRSS   anon   file" + ("  queue   done" if has_queue else ""))
    for s in shown:
        line = "%8.1f %6.0f %6.0f %6.0f %6.0f" % (s["t"], s["disk"] / MIB, s["VmRSS"] / 1024, s["RssAnon"] / 1024,
                                                   s["RssFile"] / 1024)
        if has_queue:
            q = s.get("queue")
            done = r["bytes"] - s["left"] if s.get("left") is not None else None
            line += " %6s %6s" % ("-" if q is None else "%.0f" % (q / MIB), "-" if done is None else "%.0f" % (done / MIB))
        print(line)
    queue = ("; engine disk queue peak %.0f MiB, median %.0f MiB" % (r["queue_peak_mib"], r["queue_median_mib"])
             if "queue_peak_mib" in r else "")
    print("%s run %d: %.1f MB/s over %.1f s against a %.1f MB/s disk (the device wrote %.1f MB/s, file system "
          "included, %.1f MB/s from 10%% to 90%% of the payload); VmRSS %.0f MiB at 10%%, peak %.0f, last %.0f: %s (+%.0f MiB; anon +%.0f, peak file %.0f MiB; "
          "last minus 50%% %+.0f MiB)%s; cmp ok"
          % (r["pair"], r["run"], r["mb_per_s"], r["seconds"], r["disk_cap_mb_per_s"], r["disk_mb_per_s"],
             r["disk_mid_mb_per_s"], r["rss_mib_at_10pct"], r["rss_peak_mib"], r["rss_final_mib"], "flat" if r["flat"] else "NOT flat",
             r["rss_growth_mib"], r["anon_growth_mib"], r["file_peak_mib"], r["rss_second_half_growth_mib"], queue))
    sys.stdout.flush()


def table(results):
    header = ["pair (seed -> leech)", "run", "MB/s", "disk cap MB/s", "device MB/s", "10-90%", "RSS MiB at 10%", "peak",
              "last", "growth", "2nd half", "anon growth", "queue peak MiB", "flat"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in results:
        lines.append("| " + " | ".join([
            "%s (%s -> %s)" % ((r["pair"],) + PAIR_CLIENTS[r["pair"]]), str(r["run"]), "%.1f" % r["mb_per_s"],
            "%.1f" % r["disk_cap_mb_per_s"], "%.1f" % r["disk_mb_per_s"], "%.1f" % r["disk_mid_mb_per_s"], "%.0f" % r["rss_mib_at_10pct"],
            "%.0f" % r["rss_peak_mib"], "%.0f" % r["rss_final_mib"], "%+.0f" % r["rss_growth_mib"],
            "%+.0f" % r["rss_second_half_growth_mib"],
            "%+.0f" % r["anon_growth_mib"], "%.0f" % r["queue_peak_mib"] if "queue_peak_mib" in r else "-",
            "yes" if r["flat"] else "NO"]) + " |")
    return "\n".join(lines)


def parse_rate(text):
    """A rate in MB/s (10^6 bytes per second): 20, 20M, 1.5M."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(M|MB|MB/s)?", text.strip())
    if not m:
        raise argparse.ArgumentTypeError("a rate in MB/s like 20 or 20M: " + text)
    return int(float(m.group(1)) * 1e6)


def on_signal(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through every finally: the disk and the processes are cleaned up


def main():
    parser = argparse.ArgumentParser(prog="bench/slowdisk", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=swarm.parse_size, default=swarm.parse_size("512M"), help="default 512M")
    parser.add_argument("--piece-size", type=swarm.parse_size, default=swarm.parse_size("1M"), help="default 1M")
    parser.add_argument("--files", type=int, default=1,
                        help="N files of uneven sizes summing to --size (most of Spate's writes then go through the "
                             "page cache, not direct IO)")
    parser.add_argument("--disk-rate", type=parse_rate, default=parse_rate("20"),
                        help="the disk's write cap in MB/s (10^6 bytes/s; default 20)")
    parser.add_argument("--dirty", type=swarm.parse_size, default=swarm.parse_size("16M"),
                        help="the disk's share of dirty page cache (default 16M)")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between samples (default 0.5)")
    parser.add_argument("--flat-mib", type=float, default=64,
                        help="the most VmRSS may grow after 10%% of the payload is on disk to count as flat (default 64)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each pair, pairs alternating (default 1)")
    parser.add_argument("--pairs", default=",".join(PAIRS), help="comma-separated, of: " + ", ".join(PAIRS))
    parser.add_argument("--probe", action="store_true", help="first measure a fresh slow disk with dd")
    args = parser.parse_args()
    pairs = [p.strip() for p in args.pairs.split(",") if p.strip()]
    for p in pairs:
        if p not in PAIR_CLIENTS:
            parser.error("unknown pair %r; pairs: %s" % (p, ", ".join(PAIRS)))
    java_home = os.environ.get("SPATE_JAVA_HOME")
    if not java_home or not os.path.exists(swarm.JAR):
        parser.error("run through bench/slowdisk (it finds a JDK 21+ and builds %s)" % swarm.JAR)
    if os.geteuid() != 0:
        parser.error("needs root (loop devices, mounts, blkio cgroups)")
    for sig in SIGNALS[1:]:
        signal.signal(sig, on_signal)  # SIGINT already raises KeyboardInterrupt

    notes = []
    pairs = [p for p in pairs if swarm.available(p, notes)]
    for n in notes:
        log(n)
    if not pairs:
        log("nothing to run")
        return 1
    try:
        lock = lock_and_clean()  # held until the process ends
    except BenchError as e:
        log(e)
        return 1
    bench = swarm.Bench(args, java_home)
    data, name, rel = swarm.make_payload(args.size, args.files)
    torrent, info_hash = swarm.make_torrent(data, name, args.piece_size, bench.java)
    payload = {"data": data, "name": name, "rel": rel, "torrent": torrent, "info_hash": info_hash, "size": args.size}

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    os.makedirs(swarm.RESULTS, exist_ok=True)
    logroot = os.path.join(swarm.RESULTS, "slowdisk-%s-logs" % stamp)
    probed = None
    if args.probe:
        work = tempfile.mkdtemp(prefix="slowdisk-probe-", dir=os.path.join(swarm.CACHE, "tmp"))
        disk = None
        try:
            disk = SlowDisk(work, 512 << 20, args.disk_rate, args.dirty)
            probed = probe(disk, max(64 << 20, 4 * args.dirty))
        finally:
            if disk is not None:
                disk.close()
            shutil.rmtree(work, ignore_errors=True)
        print("probe: dd direct %.1f MB/s, buffered (fsync at the end) %.1f MB/s, against a %.1f MB/s cap"
              % (probed["direct"], probed["buffered"], args.disk_rate / 1e6))
    log("payload %s, piece size %s, disk %.1f MB/s, dirty cap %s, %d run(s) of %s; logs in %s"
        % (name, human(args.piece_size), args.disk_rate / 1e6, human(args.dirty), args.runs, ", ".join(pairs), logroot))
    results, failures = [], []
    try:
        for run_no in range(1, args.runs + 1):
            for pair in pairs:
                try:
                    results.append(run_pair(bench, args, pair, payload, run_no, logroot))
                except BenchError as e:
                    log("%s run %d FAILED: %s" % (pair, run_no, e))
                    failures.append({"pair": pair, "run": run_no, "error": str(e)})
    except (KeyboardInterrupt, SystemExit):
        log("interrupted: processes stopped, the slow disk taken down")
        raise
    report = {
        "timestamp": stamp, "command": "bench/slowdisk " + " ".join(sys.argv[1:]), "machine": swarm.machine(),
        "versions": swarm.versions(java_home), "spate_java_opts": os.environ.get("SPATE_JAVA_OPTS", ""),
        "size": args.size, "piece_size": args.piece_size, "files": len(rel), "disk_rate": args.disk_rate, "dirty": args.dirty,
        "interval": args.interval, "probe": probed, "pairs": pairs, "notes": notes, "results": results,
        "failures": failures,
    }
    path = os.path.join(swarm.RESULTS, "slowdisk-%s.json" % stamp)
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    print("\n%s payload in %d file(s), %s pieces, disk capped at %.1f MB/s (dirty cap %s); MB = 10^6 bytes; flat = VmRSS grew at "
          "most %.0f MiB after 10%% of the payload was on disk" % (human(args.size), len(rel), human(args.piece_size), args.disk_rate / 1e6,
                                                   human(args.dirty), args.flat_mib))
    print(table(results))
    for n in notes:
        print("note:", n)
    for f in failures:
        print("FAILED: %s run %d (see %s)" % (f["pair"], f["run"], logroot))
    print("results:", os.path.relpath(path, swarm.ROOT))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
