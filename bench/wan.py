#!/usr/bin/python3
"""WAN benchmark: one seed, one leech, a link with a one-way delay and a rate cap between them.

Run through bench/wan (it finds the JDK and builds the CLI jar). The kernel's netem is not needed: the
seed, the leech and a user-space relay (bench/relay/Relay.java, run with `java Relay.java`) live in a network
namespace the bench creates, on 198.18.0.1 (seed), .2 (leech) and .3 (relay). The leech is given only the
relay's address; the relay forwards to the seed and holds each direction's bytes for the one-way delay, at
most the rate, in a queue bounded to delay x rate plus a router buffer, so TCP backpressure slows the sender
instead of an unbounded buffer hiding it. The relay's sockets are local: what is emulated is the delay and
capacity the clients' request pipelines see, not TCP's own window growth over a long path.

For each scenario (delay and rate), each run and each pair (pairs alternate within a run), it starts a
seed, the relay, then the leech. MB/s (10^6 bytes per second) is the payload over the time from the first
byte the relay delivers to the leech until the leech exits; "% of cap" compares it with the link's rate;
"steady" is the median per-second rate through the relay after the first 3 s. Also: the leech's CPU seconds
and peak RSS, the relay's CPU seconds while the leech ran, a byte-exact check (cmp) of the output, and, for
a Spate leech, the requests it keeps outstanding to the seed against its pipeline's target (from
`spate download --peers --peers-interval 1`), printed per second in the log and summarised in the table.

Without --delay and --rate it runs the two scenarios 25 ms each way at 200 Mbit/s and 100 ms each way at
400 Mbit/s. Needs root (the namespace); DHT, LSD/LPD, PEX, UPnP and NAT-PMP are off in every client.

Pairs (seed -> leech): spate (plaintext, as bench/swarm's spate pair), libtorrent (python3-libtorrent via
spate-engine/src/test/resources/it/lt_peer.py), spate-from-libtorrent, libtorrent-from-spate.

--mixed runs a mixed swarm instead: one Spate leech given several Spate seeds (--mixed-seeds), each behind its
own route of the relay with its own delay and rate. Per seed: its share of the bytes the leech received (the
relay's count for its route) against its share of the capacity, and its per-second rate, which shows whether
the picker keeps every seed busy and whether the last pieces wait for the slow ones or come from all of them.
"""
import argparse
import datetime
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
sys.dont_write_bytecode = True  # no __pycache__ left in bench/ by the import
import swarm  # noqa: E402  (bench/swarm.py: processes, payloads, torrents, namespaces)
from swarm import BenchError, Proc, CACHE, RESULTS, ROOT, JAR, LT_PEER, PY  # noqa: E402

RELAY_SRC = os.path.join(BENCH, "relay", "Relay.java")
PAIRS = {
    "spate": ("spate", "spate"),
    "libtorrent": ("libtorrent", "libtorrent"),
    "spate-from-libtorrent": ("libtorrent", "spate"),
    "libtorrent-from-spate": ("spate", "libtorrent"),
}
DEFAULT_SCENARIOS = [(0.025, 200e6), (0.100, 400e6)]
DEFAULT_MIXED = "10ms:100mbit,50ms:100mbit,25ms:20mbit,150ms:50mbit"
SEED, LEECH, RELAY = "198.18.0.1", "198.18.0.2", "198.18.0.3"
LEECH_TIMEOUT = 1800
# Seconds of the transfer left out of the "steady" rate: connection set-up and slow start.
STEADY_AFTER = 3


def log(*parts):
    print("wan:", *parts, file=sys.stderr, flush=True)


def parse_delay(text):
    m = re.fullmatch(r"([0-9.]+)\s*(ms|s|us)?", text.strip())
    if not m:
        raise argparse.ArgumentTypeError("delay like 25ms, 0.1s: " + text)
    return float(m.group(1)) * {"ms": 1e-3, "s": 1.0, "us": 1e-6, None: 1e-3}[m.group(2)]


def parse_rate(text):
    m = re.fullmatch(r"([0-9.]+)\s*(bit|kbit|mbit|gbit)?", text.strip().lower())
    if not m:
        raise argparse.ArgumentTypeError("rate like 200mbit, 1gbit: " + text)
    return float(m.group(1)) * {"bit": 1, "kbit": 1e3, "mbit": 1e6, "gbit": 1e9, None: 1e6}[m.group(2)]


def scenario_name(delay, rate):
    r = "%ggbit" % (rate / 1e9) if rate >= 1e9 else "%gmbit" % (rate / 1e6)
    return "%gms/%s" % (delay * 1e3, r)


def ns_exec(ns, cmd):
    return swarm.ns_exec(ns, cmd)


def parse_stat(line):
    """A relay's STAT line as a dict of numbers, or None."""
    if not line.startswith("STAT "):
        return None
    out = {}
    for field in line.split()[1:]:
        key, _, value = field.partition("=")
        out[key] = float(value.rstrip("ms")) if key in ("t", "mono", "cpu", "downlate", "downwrite") else int(value)
    return out


class LogTail:
    """The lines a process has written to its log since the last look, each stamped with when it was seen."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = ""

    def new_lines(self):
        try:
            with open(self.path, errors="replace") as f:
                f.seek(self.offset)
                text = f.read()
                self.offset = f.tell()
        except OSError:
            return []
        text = self.partial + text
        lines = text.split("\n")
        self.partial = lines.pop()
        now = time.monotonic()
        return [(now, line) for line in lines]


class Wan:
    def __init__(self, args, java_home):
        self.args = args
        self.java_home = java_home
        self.spate = [os.path.join(ROOT, "spate")]

    # Each seed_* returns (proc, port); each leech_* the leech proc, dialling the relay at addr.

    def seed_spate(self, ctx):
        p = Proc("seed-spate", ns_exec(ctx["ns"], self.spate + [
            "seed", "--no-lsd", "--no-dht", "--no-pex", ctx["torrent"], "-d", ctx["data"], "--port", "0",
            "--bind", ctx["seed_addr"], "--state", os.path.join(CACHE, "state"), "--encryption", "tolerate"]),
            ctx["logdir"])
        return p, int(p.wait_for(r"^seeding .* on port (\d+)", 600).group(1))

    def leech_spate(self, ctx, addr):
        return Proc("leech-spate", ns_exec(ctx["ns"], self.spate + [
            "download", "--no-lsd", "--no-dht", "--no-pex", ctx["torrent"], "-o", ctx["out"], "--peer", addr,
            "--port", "0", "--bind", ctx["leech_addr"], "--state", os.path.join(ctx["work"], "state"),
            "--encryption", "tolerate", "--peers", "--peers-interval", "1"]), ctx["logdir"])

    def seed_libtorrent(self, ctx):
        p = Proc("seed-libtorrent", ns_exec(ctx["ns"], [
            PY, LT_PEER, "seed", "--torrent", ctx["torrent"], "--dir", ctx["data"], "--listen",
            ctx["seed_addr"] + ":0", "--no-trackers", "--timeout", "100000"]), ctx["logdir"])
        port = int(p.wait_for(r"^LISTENING (\d+)", 120).group(1))
        p.wait_for(r"^SEEDING", 600)
        return p, port

    def leech_libtorrent(self, ctx, addr):
        return Proc("leech-libtorrent", ns_exec(ctx["ns"], [
            PY, LT_PEER, "download", "--torrent", ctx["torrent"], "--dir", ctx["out"], "--listen",
            ctx["leech_addr"] + ":0", "--peer", addr, "--no-trackers", "--timeout", str(LEECH_TIMEOUT)]),
            ctx["logdir"])

    def relay(self, ctx, routes):
        """The relay, one route per (target port, delay, rate); returns (proc, [listening port per route])."""
        cmd = [os.path.join(self.java_home, "bin", "java"), "-XX:+UseSerialGC", "-Xmx128m",
               "-XX:MaxDirectMemorySize=256m", RELAY_SRC]
        for target_addr, target_port, delay, rate in routes:
            buffer = self.args.buffer if self.args.buffer is not None else max(256 << 10, int(rate / 8 * delay / 4))
            cmd += ["--route", "%s:0,%s:%d,%.3f,%.0f,%d" % (ctx["relay_addr"], target_addr, target_port, delay * 1e3,
                                                            rate, buffer)]
        p = Proc("relay", ns_exec(ctx["ns"], cmd), ctx["logdir"])
        ports = []
        for i in range(len(routes)):
            ports.append(int(p.wait_for(r"^RELAY LISTENING %d [^ ]+:(\d+) " % i, 120).group(1)))
        return p, ports


def run_pair(wan, pair, scenario, payload, run_no, logroot, ns):
    delay, rate = scenario
    seed_kind, leech_kind = PAIRS[pair]
    logdir = os.path.join(logroot, "%s-%s-run%d" % (scenario_name(delay, rate).replace("/", "-"), pair, run_no))
    os.makedirs(logdir)
    work = tempfile.mkdtemp(prefix="spate-bench-wan-", dir=os.path.join(CACHE, "tmp"))
    os.chmod(work, 0o755)
    out = os.path.join(work, "out")
    os.makedirs(out)
    ctx = dict(payload, logdir=logdir, work=work, out=out, **ns)
    cleanup = []
    try:
        seed, seed_port = getattr(wan, "seed_" + seed_kind)(ctx)
        cleanup.append(seed.stop)
        relay, (relay_port,) = wan.relay(ctx, [(ctx["seed_addr"], seed_port, delay, rate)])
        cleanup.append(relay.stop)
        relay_tail = LogTail(relay.log_path)
        relay_tail.new_lines()
        relay_cpu0 = swarm.cpu_seconds(relay.pid)
        seed_cpu0 = swarm.cpu_seconds(seed.pid)
        t0 = time.monotonic()
        leech = getattr(wan, "leech_" + leech_kind)(ctx, "%s:%d" % (ctx["relay_addr"], relay_port))
        cleanup.append(leech.stop)
        leech.wait_in_background()
        leech_tail = LogTail(leech.log_path)
        row = re.compile(r"^%s:%d\s.*?\s(\d+)/(\d+)\s" % (re.escape(ctx["relay_addr"]), relay_port))
        stats, queue, first = [], [], None
        deadline = t0 + LEECH_TIMEOUT

        def look():
            nonlocal first
            for seen, line in relay_tail.new_lines():
                m = re.match(r"^FIRST route=0 dir=down mono=([0-9.]+)", line)
                if m and first is None:
                    first = float(m.group(1))
                st = parse_stat(line)
                if st and st["route"] == 0:
                    stats.append(st)
            for seen, line in leech_tail.new_lines():
                m = row.match(line)
                if m:
                    queue.append((seen, int(m.group(1)), int(m.group(2))))

        while leech.poll() is None:
            if seed.poll() is not None:
                raise BenchError("%s seed exited %s; log %s:\n%s" % (seed_kind, seed.code, seed.log_path,
                                                                    swarm.tail(seed.output())))
            if relay.poll() is not None:
                raise BenchError("relay exited %s; log %s:\n%s" % (relay.code, relay.log_path,
                                                                 swarm.tail(relay.output())))
            if time.monotonic() > deadline:
                raise BenchError("%s leech did not finish in %ds" % (leech_kind, LEECH_TIMEOUT))
            look()
            time.sleep(0.05)
        t1 = leech.ended
        if leech.code != 0:
            raise BenchError("%s leech exited %d; log %s:\n%s" % (leech_kind, leech.code, leech.log_path,
                                                                 swarm.tail(leech.output())))
        relay_cpu = swarm.cpu_seconds(relay.pid) - relay_cpu0
        seed_cpu = swarm.cpu_seconds(seed.pid) - seed_cpu0
        seed.sample()
        time.sleep(1.1)  # the relay's last second
        look()
        leech_cpu = leech.rusage.ru_utime + leech.rusage.ru_stime
        swarm.verify(payload["data"], out, payload["rel"])
        if first is None or first > t1:
            first = t0
        size = payload["size"]
        cap = rate / 8 / 1e6
        series = []
        for st in stats:
            mono = st["mono"]
            if mono < first or mono > t1 + 1:
                continue
            q = [x for x in queue if x[0] <= mono + 0.05]
            series.append({"t": round(mono - first, 1), "mb_per_s": round(st["down"] / 1e6, 2),
                           "relay_held": st["downq"], "relay_late_ms": st["downlate"],
                           "relay_write_blocked_ms": st["downwrite"],
                           "outstanding": q[-1][1] if q else None, "target": q[-1][2] if q else None})
        steady_part = [s for s in series if STEADY_AFTER <= s["t"] and s["mb_per_s"] > 0][:-1]
        steady = statistics.median(s["mb_per_s"] for s in steady_part) if steady_part else None
        outstanding = [s["outstanding"] for s in steady_part if s["outstanding"] is not None]
        targets = [s["target"] for s in series if s["target"] is not None]
        seconds = t1 - first
        result = {
            "scenario": scenario_name(delay, rate), "delay_s": delay, "rate_bit_s": rate, "pair": pair,
            "run": run_no, "seed": seed_kind, "leech": leech_kind, "bytes": size,
            "seconds": round(seconds, 3), "wall_seconds": round(t1 - t0, 3), "mb_per_s": round(size / seconds / 1e6, 2),
            "cap_mb_per_s": cap, "percent_of_cap": round(100 * size / seconds / 1e6 / cap, 1),
            "steady_mb_per_s": steady, "leech_cpu_s": round(leech_cpu, 2), "seed_cpu_s": round(seed_cpu, 2),
            "relay_cpu_s": round(relay_cpu, 2), "leech_peak_rss_mib": round(leech.peak_kib / 1024, 1),
            "seed_peak_rss_mib": round(seed.peak_kib / 1024, 1),
            "outstanding_median": statistics.median(outstanding) if outstanding else None,
            "outstanding_max": max(outstanding) if outstanding else None,
            "target_max": max(targets) if targets else None,
            "relay_late_ms_max": max((x["relay_late_ms"] for x in series), default=None),
            "relay_write_blocked_s": round(sum(x["relay_write_blocked_ms"] for x in series) / 1e3, 2),
            "verified": True, "series": series,
        }
        with open(os.path.join(logdir, "series.tsv"), "w") as f:
            f.write("t_s\tmb_per_s\trelay_held_bytes\trelay_late_ms\trelay_write_blocked_ms\toutstanding\ttarget\n")
            for s in series:
                f.write("%s\t%s\t%s\t%s\t%s\t%s\t%s\n" % (s["t"], s["mb_per_s"], s["relay_held"], s["relay_late_ms"],
                                                       s["relay_write_blocked_ms"], s["outstanding"], s["target"]))
        log("%-10s %-22s run %d: %6.1f MB/s (%3.0f%% of %.0f), steady %s, %.1f s, leech cpu %.2f s, relay cpu %.2f s,"
            " rss %.0f MiB" % (result["scenario"], pair, run_no, result["mb_per_s"], result["percent_of_cap"], cap,
                               "%.1f" % steady if steady else "-", seconds, leech_cpu, relay_cpu,
                               result["leech_peak_rss_mib"]))
        cells = ["%g %.1f %s" % (s["t"], s["mb_per_s"], "%s/%s" % (s["outstanding"], s["target"])
                                 if s["outstanding"] is not None else "-") for s in series]
        log("  relay: latest write %.0f ms after its moment at worst (the relay short of CPU), writes blocked %.1f s"
            " in all (the leech not reading)" % (result["relay_late_ms_max"] or 0, result["relay_write_blocked_s"]))
        log("  series (t s, MB/s through the relay, requests outstanding/target):")
        for i in range(0, len(cells), 8):
            log("    " + " | ".join(cells[i:i + 8]))
        return result
    finally:
        swarm.run_cleanup(cleanup, log)
        shutil.rmtree(work, ignore_errors=True)


def parse_seeds(text):
    """--mixed-seeds: DELAY:RATE,DELAY:RATE,... (one-way delay, rate of each direction)."""
    seeds = []
    for part in text.split(","):
        delay, _, rate = part.strip().partition(":")
        if not rate:
            raise argparse.ArgumentTypeError("seeds like 10ms:100mbit,100ms:50mbit: " + text)
        seeds.append((parse_delay(delay), parse_rate(rate)))
    if not 2 <= len(seeds) <= 6:
        raise argparse.ArgumentTypeError("2 to 6 seeds: " + text)
    return seeds


def run_mixed(wan, seeds, payload, run_no, logroot, ns):
    """One Spate leech from several Spate seeds, each behind its own route of one relay: what each seed gave."""
    logdir = os.path.join(logroot, "mixed-run%d" % run_no)
    os.makedirs(logdir)
    work = tempfile.mkdtemp(prefix="spate-bench-wan-", dir=os.path.join(CACHE, "tmp"))
    os.chmod(work, 0o755)
    out = os.path.join(work, "out")
    os.makedirs(out)
    cleanup = []
    try:
        ports = []
        for i, _ in enumerate(seeds):
            addr = "198.18.0.%d" % (10 + i)
            ctx = dict(payload, logdir=logdir, work=work, out=out, **dict(ns, seed_addr=addr))
            # Each seed its own resume data (kept with the payload's cache), so none waits on another's lock.
            state = os.path.join(CACHE, "state-wan-seed%d" % i)
            p = Proc("seed%d-spate" % i, ns_exec(ns["ns"], wan.spate + [
                "seed", "--no-lsd", "--no-dht", "--no-pex", ctx["torrent"], "-d", ctx["data"], "--port", "0",
                "--bind", addr, "--state", state, "--encryption", "tolerate"]), logdir)
            cleanup.append(p.stop)
            ports.append((addr, int(p.wait_for(r"^seeding .* on port (\d+)", 600).group(1))))
        ctx = dict(payload, logdir=logdir, work=work, out=out, **ns)
        relay, relay_ports = wan.relay(ctx, [(a, port, d, r) for (a, port), (d, r) in zip(ports, seeds)])
        cleanup.append(relay.stop)
        tail = LogTail(relay.log_path)
        tail.new_lines()
        t0 = time.monotonic()
        cmd = wan.spate + ["download", "--no-lsd", "--no-dht", "--no-pex", ctx["torrent"], "-o", out, "--port", "0",
                           "--bind", ns["leech_addr"], "--state", os.path.join(work, "state"), "--encryption",
                           "tolerate", "--peers", "--peers-interval", "1"]
        for port in relay_ports:
            cmd += ["--peer", "%s:%d" % (ns["relay_addr"], port)]
        leech = Proc("leech-spate", ns_exec(ns["ns"], cmd), logdir)
        cleanup.append(leech.stop)
        leech.wait_in_background()
        stats = []
        while leech.poll() is None:
            if time.monotonic() > t0 + LEECH_TIMEOUT:
                raise BenchError("the leech did not finish in %ds" % LEECH_TIMEOUT)
            stats += [st for _, line in tail.new_lines() for st in [parse_stat(line)] if st]
            time.sleep(0.1)
        t1 = leech.ended
        if leech.code != 0:
            raise BenchError("the leech exited %d; log %s:\n%s" % (leech.code, leech.log_path, swarm.tail(leech.output())))
        time.sleep(1.1)
        stats += [st for _, line in tail.new_lines() for st in [parse_stat(line)] if st]
        swarm.verify(payload["data"], out, payload["rel"])
        summary = re.search(r"received in .*?, (\d+) hash failures?, (.+?) wasted", leech.output())
        seconds = t1 - t0
        total_cap = sum(r for _, r in seeds) / 8 / 1e6
        per_route = [[st for st in stats if st["route"] == i] for i in range(len(seeds))]
        seconds_seen = min(len(r) for r in per_route)
        totals = [sum(r[k]["down"] for r in per_route) for k in range(seconds_seen)]
        # The relay prints every route's line of a second together: the transfer's final (partial) second
        # is the last with bytes, and the one before it its last full second. What each seed gave in them
        # shows whether the last pieces came from every seed or waited for the slow ones.
        last = max((k for k in range(seconds_seen) if totals[k] > 0), default=0)
        per_seed = []
        for i, (delay, rate) in enumerate(seeds):
            mine = per_route[i]
            got = max((st["downtotal"] for st in mine), default=0)
            active = [st for st in mine if st["down"] > 0]
            per_seed.append({"seed": i, "delay_s": delay, "rate_bit_s": rate, "bytes": got,
                             "share": round(got / max(1, payload["size"]), 3),
                             "rate_share": round(rate / 8 / 1e6 / total_cap, 3), "active_s": len(active),
                             "last_full_second_percent_of_cap":
                                 round(100 * mine[last - 1]["down"] / (rate / 8), 1) if last > 0 else None,
                             "final_second_bytes": mine[last]["down"] if mine else 0,
                             "series_mb_per_s": [round(st["down"] / 1e6, 2) for st in mine if t0 - 1 <= st["mono"] <= t1 + 1]})
        result = {"run": run_no, "seconds": round(seconds, 2), "mb_per_s": round(payload["size"] / seconds / 1e6, 2),
                  "sum_of_caps_mb_per_s": round(total_cap, 2), "wasted": summary.group(2) if summary else None,
                  "leech_cpu_s": round(leech.rusage.ru_utime + leech.rusage.ru_stime, 2),
                  "leech_peak_rss_mib": round(leech.peak_kib / 1024, 1), "seeds": per_seed, "verified": True}
        log("mixed run %d: %.1f MB/s of %.1f (the seeds' caps together), %.1f s (leech start to exit), %s wasted"
            % (run_no, result["mb_per_s"], total_cap, seconds, result["wasted"]))
        for s in per_seed:
            log("  seed %d (%s): %5.1f%% of the bytes (%.1f%% of the capacity), %d s delivering, %s%% of its rate in"
                " the last full second, %.1f MB in the final one; MB/s: %s"
                % (s["seed"], scenario_name(s["delay_s"], s["rate_bit_s"]), 100 * s["share"], 100 * s["rate_share"],
                   s["active_s"], s["last_full_second_percent_of_cap"], s["final_second_bytes"] / 1e6,
                   " ".join("%.1f" % x for x in s["series_mb_per_s"])))
        return result
    finally:
        swarm.run_cleanup(cleanup, log)
        shutil.rmtree(work, ignore_errors=True)


def mixed_table(results):
    header = ["seed", "delay each way", "rate", "share of the capacity", "share of the bytes (median)", "min", "max",
              "% of its rate in the last full second (median)", "MB in the final second (median)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for i, s in enumerate(results[0]["seeds"]):
        shares = [r["seeds"][i]["share"] for r in results]
        lines.append("| " + " | ".join([
            str(i), "%g ms" % (s["delay_s"] * 1e3), "%g Mbit/s" % (s["rate_bit_s"] / 1e6), "%.1f%%" % (100 * s["rate_share"]),
            "%.1f%%" % (100 * statistics.median(shares)), "%.1f%%" % (100 * min(shares)), "%.1f%%" % (100 * max(shares)),
            "%.0f%%" % statistics.median(r["seeds"][i]["last_full_second_percent_of_cap"] or 0 for r in results),
            "%.1f" % (statistics.median(r["seeds"][i]["final_second_bytes"] for r in results) / 1e6)]) + " |")
    rates = [r["mb_per_s"] for r in results]
    lines.append("")
    lines.append("leech: %.1f MB/s median (min %.1f, max %.1f) of %.1f MB/s, the seeds' caps together; start to exit;"
                 " wasted %s" % (statistics.median(rates), min(rates), max(rates), results[0]["sum_of_caps_mb_per_s"],
                                 ", ".join(str(r["wasted"]) for r in results)))
    return "\n".join(lines)


def table(results, scenarios, pairs):
    header = ["scenario", "pair (seed -> leech)", "runs", "MB/s median", "min", "max", "% of cap", "steady MB/s",
              "leech CPU s", "relay CPU s", "leech peak RSS MiB", "requests outstanding median/max", "target max"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for delay, rate in scenarios:
        name = scenario_name(delay, rate)
        for pair in pairs:
            rs = [r for r in results if r["pair"] == pair and r["scenario"] == name]
            if not rs:
                continue
            med = lambda key: statistics.median(r[key] for r in rs)
            steady = [r["steady_mb_per_s"] for r in rs if r["steady_mb_per_s"] is not None]
            outs = [r for r in rs if r["outstanding_median"] is not None]
            seed, leech = PAIRS[pair]
            lines.append("| " + " | ".join([
                name, "%s (%s -> %s)" % (pair, seed, leech), str(len(rs)), "%.1f" % med("mb_per_s"),
                "%.1f" % min(r["mb_per_s"] for r in rs), "%.1f" % max(r["mb_per_s"] for r in rs),
                "%.0f%%" % med("percent_of_cap"), "%.1f" % statistics.median(steady) if steady else "-",
                "%.2f" % med("leech_cpu_s"), "%.2f" % med("relay_cpu_s"),
                "%.0f" % max(r["leech_peak_rss_mib"] for r in rs),
                "%.0f/%d" % (statistics.median(r["outstanding_median"] for r in outs),
                             max(r["outstanding_max"] for r in outs)) if outs else "-",
                str(max(r["target_max"] for r in outs)) if outs else "-"]) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(prog="bench/wan", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delay", type=parse_delay, help="one-way delay, e.g. 25ms (default: both scenarios)")
    parser.add_argument("--rate", type=parse_rate, help="each direction's rate, e.g. 200mbit (default: both scenarios)")
    parser.add_argument("--buffer", type=swarm.parse_size,
                        help="the relay's router buffer beyond delay x rate (default: a quarter of that, >= 256K)")
    parser.add_argument("--size", type=swarm.parse_size, default=swarm.parse_size("1G"), help="default 1G")
    parser.add_argument("--piece-size", type=swarm.parse_size, default=swarm.parse_size("1M"), help="default 1M")
    parser.add_argument("--runs", type=int, default=3, help="runs of each pair, pairs alternating (default 3)")
    parser.add_argument("--pairs", default="spate,libtorrent", help="comma-separated, of: " + ", ".join(PAIRS))
    parser.add_argument("--mixed", action="store_true",
                        help="instead: one Spate leech from several Spate seeds behind routes of different delays and"
                             " rates (--mixed-seeds); per seed, the share of the bytes it gave")
    parser.add_argument("--mixed-seeds", type=parse_seeds, default=parse_seeds(DEFAULT_MIXED),
                        help="DELAY:RATE,... of each seed (default %s)" % DEFAULT_MIXED)
    args = parser.parse_args()
    pairs = [p.strip() for p in args.pairs.split(",") if p.strip()]
    for p in pairs:
        if p not in PAIRS:
            parser.error("unknown pair %r; pairs: %s" % (p, ", ".join(PAIRS)))
    if args.delay is None and args.rate is None:
        scenarios = DEFAULT_SCENARIOS
    else:
        scenarios = [(args.delay if args.delay is not None else 0.025, args.rate if args.rate is not None else 200e6)]
    java_home = os.environ.get("SPATE_JAVA_HOME")
    if not java_home or not os.path.exists(JAR):
        parser.error("run through bench/wan (it finds a JDK 21+ and builds %s)" % JAR)
    if os.geteuid() != 0:
        parser.error("needs root: the seed, the leech and the relay run in a network namespace of their own")
    notes = []
    pairs = [p for p in (["spate"] if args.mixed else pairs) if swarm.available(p, notes)]
    for n in notes:
        log(n)
    if not pairs:
        log("nothing to run")
        return 1
    wan = Wan(args, java_home)
    os.makedirs(os.path.join(CACHE, "tmp"), exist_ok=True)
    data, name, rel = swarm.make_payload(args.size, 1)
    torrent, info_hash = swarm.make_torrent(data, name, args.piece_size, wan.spate)
    payload = {"data": data, "name": name, "rel": rel, "torrent": torrent, "info_hash": info_hash, "size": args.size}
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    os.makedirs(RESULTS, exist_ok=True)
    logroot = os.path.join(RESULTS, stamp + "-wan-logs")
    log("payload %s, piece size %s, %d run(s) of %s; logs in %s"
        % (name, swarm.human(args.piece_size), args.runs, "the mixed swarm (%s)" % ", ".join(
            scenario_name(*s) for s in args.mixed_seeds) if args.mixed else "%s over %s" % (
            ", ".join(pairs), ", ".join(scenario_name(*s) for s in scenarios)), logroot))
    # SIGTERM ends the bench as Ctrl-C does: through the finally blocks that stop processes and drop the namespace.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    namespace = swarm.Namespace(16)  # .1-.3 as above, .10-.15 the mixed swarm's seeds
    ns = {"ns": namespace.name, "seed_addr": SEED, "leech_addr": LEECH, "relay_addr": RELAY}
    results, failures = [], []
    try:
        for run_no in range(1, args.runs + 1) if args.mixed else ():
            try:
                results.append(run_mixed(wan, args.mixed_seeds, payload, run_no, logroot, ns))
            except BenchError as e:
                log("mixed run %d FAILED: %s" % (run_no, e))
                failures.append({"scenario": "mixed", "pair": "spate", "run": run_no, "error": str(e)})
        for scenario in () if args.mixed else scenarios:
            for run_no in range(1, args.runs + 1):
                for pair in pairs:
                    try:
                        results.append(run_pair(wan, pair, scenario, payload, run_no, logroot, ns))
                    except BenchError as e:
                        log("%s %s run %d FAILED: %s" % (scenario_name(*scenario), pair, run_no, e))
                        failures.append({"scenario": scenario_name(*scenario), "pair": pair, "run": run_no,
                                         "error": str(e)})
    finally:
        namespace.close()
    report = {
        "timestamp": stamp, "command": "bench/wan " + " ".join(sys.argv[1:]), "machine": swarm.machine(),
        "versions": swarm.versions(java_home), "spate_java_opts": os.environ.get("SPATE_JAVA_OPTS", ""),
        "size": args.size, "piece_size": args.piece_size, "runs": args.runs, "pairs": pairs,
        "scenarios": [{"name": scenario_name(d, r), "delay_s": d, "rate_bit_s": r} for d, r in scenarios]
        if not args.mixed else [{"name": "mixed", "seeds": [{"delay_s": d, "rate_bit_s": r} for d, r in args.mixed_seeds]}],
        "notes": notes, "results": results, "failures": failures,
    }
    path = os.path.join(RESULTS, stamp + "-wan.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    m = report["machine"]
    print("%s payload, %s pieces, %d run(s); delay each way, rate each direction; %d x %s; MB = 10^6 bytes"
          % (swarm.human(args.size), swarm.human(args.piece_size), args.runs, m["nproc"], m["cpu"]))
    if args.mixed:
        print("mixed swarm: one Spate leech, %d Spate seeds, each behind its own route" % len(args.mixed_seeds))
        if results:
            print(mixed_table(results))
    else:
        print(table(results, scenarios, pairs))
    for n in notes:
        print("note:", n)
    for f in failures:
        print("FAILED: %s %s run %d (see %s)" % (f["scenario"], f["pair"], f["run"], logroot))
    print("results:", os.path.relpath(path, ROOT))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
