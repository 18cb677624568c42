"""Scenario dhcp: a capture replayed with --pcap-file, timed until the last name answers; and DHCP
transactions replayed with tcpreplay onto a veth in a network namespace made for the run, ACK on
the wire to name answering (measured by dhcp_probe.py inside the namespace)."""
import atexit
import json
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from . import ROOT
from .dnsquery import ask
from .procs import CLIENT_CPU, SERVER_CPU, cpu_seconds, free_port, rss_mib, stop_pid
from .report import fmt, note, summarize


def gen_pcap(count, path, seconds):
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_dhcp_pcap.py"), str(count), path,
                    "--seconds", str(seconds)], check=True, timeout=600)


def run_dhcp_replay(leases, rounds, binary, smoke=False):
    """lannamed run --pcap-file: seconds from exec until the capture's last name answers."""
    work = tempfile.mkdtemp(prefix="lannamed-bench-dhcp-")
    try:
        pcap = os.path.join(work, "leases.pcap")
        gen_pcap(leases, pcap, 100.0)
        empty = os.path.join(work, "empty.toml")
        open(empty, "w").close()
        last = f"host-{leases - 1:06d}.lan"
        rng = random.Random(2)
        sample = [f"host-{i:06d}.lan" for i in rng.sample(range(leases), min(20, leases))]
        results = []
        for round_index in range(rounds):
            directory = os.path.join(work, f"round-{round_index}")
            os.makedirs(directory)
            port = free_port()
            log_path = os.path.join(directory, "lannamed.log")
            args = [binary, "run", "--listen", f"127.0.0.1:{port}", "--threads", "1", "--no-forward",
                    "--pcap-file", pcap, "--database", os.path.join(directory, "lannamed.sqlite"), "--config", empty]
            with open(log_path, "w") as log:
                start = time.monotonic()
                proc = subprocess.Popen(args, stdout=log, stderr=log, cwd=directory, start_new_session=True)
            try:
                first = answered = None
                deadline = start + 300
                while time.monotonic() < deadline:
                    if proc.poll() is not None:
                        raise RuntimeError(f"lannamed exited with {proc.returncode}: {open(log_path).read()[-2000:]}")
                    if first is None and ask(port, "lan", 6, 0.2):
                        first = time.monotonic() - start
                    got = ask(port, last, 1, 0.2)
                    if got and got[0] == 0 and got[1] > 0:
                        answered = time.monotonic() - start
                        first = answered if first is None else first
                        break
                    time.sleep(0.01)
                if answered is None:
                    raise RuntimeError(f"{last} did not answer within 300 s")
                missing = [n for n in sample if not (lambda g: g and g[0] == 0 and g[1] > 0)(ask(port, n, 1, 0.5))]
                text = open(log_path).read()
                registered = sum(int(m) for m in re.findall(r"registered (\d+) names in a burst", text))
                result = {"last_answer_s": answered, "start_s": first, "missing": len(missing),
                          "registered": registered, "rss": rss_mib(proc.pid)}
                # lannamed hands the burst's memory back at most every 10 s: RSS once that passed.
                if not smoke:
                    time.sleep(11)
                    result["rss_later"] = rss_mib(proc.pid)
                results.append(result)
                note(f"  round {round_index + 1}: last of {leases:,} names answers {answered:.2f} s after exec "
                     f"(DNS up after {fmt(first, 2)} s), {len(missing)} of {len(sample)} sampled names missing, "
                     f"rss {result['rss']:.1f} MiB")
            finally:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        proc.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait(timeout=5)
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


class Namespace:
    """A network namespace of the benchmark's own, with a veth pair inside it (nothing is added to
    the host's namespace). Deleted by name on exit, also on failure."""

    def __init__(self):
        self.name = f"lnbench-{os.getpid()}"
        self.created = False

    def __enter__(self):
        existing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10).stdout
        if any(line.split()[0] == self.name for line in existing.splitlines() if line.strip()):
            raise RuntimeError(f"namespace {self.name} exists already")
        subprocess.run(["ip", "netns", "add", self.name], check=True, timeout=10)
        self.created = True
        atexit.register(self.delete)
        for args in (["link", "set", "lo", "up"],
                     ["link", "add", "lnb0", "type", "veth", "peer", "name", "lnb1"],
                     ["link", "set", "lnb0", "up"], ["link", "set", "lnb1", "up"],
                     ["addr", "add", "198.18.0.2/15", "dev", "lnb1"]):
            subprocess.run(["ip", "-n", self.name] + args, check=True, timeout=10)
        return self

    def exec(self, args):
        return ["ip", "netns", "exec", self.name] + args

    def delete(self):
        if self.created:
            subprocess.run(["ip", "netns", "del", self.name], timeout=10, capture_output=True)
            self.created = False

    def __exit__(self, *exc):
        self.delete()


def benchmark_range_free():
    """198.18.0.0/15 must not be routed anywhere but the default route on this machine."""
    show = subprocess.run(["ip", "-4", "route", "show", "match", "198.18.0.1"], capture_output=True, text=True,
                          timeout=10).stdout
    specific = [line for line in show.splitlines() if line.strip() and not line.startswith("default")]
    get = subprocess.run(["ip", "route", "get", "198.18.0.1"], capture_output=True, text=True, timeout=10)
    return not specific, (get.stdout.strip().splitlines() or [get.stderr.strip()])[0] + (
        f"; specific routes: {specific}" if specific else "")


def run_dhcp_live(rate, seconds, sample_every, rounds, binary):
    """tcpreplay of `rate` REQUEST+ACK transactions per second onto lnb0 in our namespace;
    lannamed captures on lnb1; a probe (in the namespace, on CPU 0) sees each sampled ACK on lnb1
    and asks for the name every 2 ms until it answers."""
    for tool in ("tcpreplay", "ip"):
        if shutil.which(tool) is None:
            return {"skipped": f"{tool} is not installed (apt-get install -y {tool})"}
    free, route = benchmark_range_free()
    if not free:
        return {"skipped": f"198.18.0.0/15 is routed on this machine ({route}): no namespace made"}
    count = int(rate * seconds)
    work = tempfile.mkdtemp(prefix="lannamed-bench-dhcp-live-")
    results = []
    try:
        pcap = os.path.join(work, "leases.pcap")
        gen_pcap(count, pcap, seconds)
        canary = os.path.join(work, "canary.pcap")
        gen_pcap(1, canary, 0.01)
        empty = os.path.join(work, "empty.toml")
        open(empty, "w").close()
        for round_index in range(rounds):
            directory = os.path.join(work, f"round-{round_index}")
            os.makedirs(directory)
            log_path = os.path.join(directory, "lannamed.log")
            port = 5353
            lannamed = probe = None
            with Namespace() as ns:
                try:
                    with open(log_path, "w") as log:
                        lannamed = subprocess.Popen(ns.exec(
                            ["taskset", "-c", SERVER_CPU, binary, "run", "--listen", f"127.0.0.1:{port}", "--threads",
                             "1", "--no-forward", "--interface", "lnb1", "--log-level", "debug", "--database",
                             os.path.join(directory, "lannamed.sqlite"), "--config", empty]),
                            stdout=log, stderr=log, cwd=directory, start_new_session=True)
                    # Capturing: a one-lease canary, replayed until its name answers (bounded).
                    live = False
                    for _ in range(40):
                        if lannamed.poll() is not None:
                            raise RuntimeError(f"lannamed exited: {open(log_path).read()[-2000:]}")
                        subprocess.run(ns.exec(["tcpreplay", "-q", "-i", "lnb0", canary]), capture_output=True,
                                       timeout=20)
                        out = subprocess.run(ns.exec(["dig", "+short", "+tries=1", "+time=1", "-p", str(port),
                                                      "@127.0.0.1", "host-000000.lan", "A"]),
                                             capture_output=True, text=True, timeout=10).stdout
                        if out.strip():
                            live = True
                            break
                        time.sleep(0.25)
                    if not live:
                        raise RuntimeError("the canary lease never answered: capture not working")
                    probe = subprocess.Popen(ns.exec(
                        ["taskset", "-c", CLIENT_CPU, sys.executable, os.path.join(ROOT, "bench", "run.py"), "--dhcp-probe",
                         f"lnb1,{port},{sample_every},{count},{seconds + 15}"]),
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
                    ready, _, _ = select.select([probe.stdout], [], [], 15)
                    if not ready or probe.stdout.readline().strip() != "ready":
                        raise RuntimeError(f"the DHCP probe did not start: {probe.stderr.read()[-1000:] if probe.poll() is not None else ''}")
                    cpu_before = cpu_seconds(lannamed.pid)
                    replay = subprocess.run(ns.exec(["taskset", "-c", CLIENT_CPU, "nice", "-n", "19", "tcpreplay", "-i", "lnb0", pcap]),
                                            capture_output=True, text=True, timeout=seconds + 60)
                    try:
                        out, err = probe.communicate(timeout=seconds + 30)
                    except subprocess.TimeoutExpired:
                        probe.kill()
                        out, err = probe.communicate(timeout=5)
                    cpu_used = cpu_seconds(lannamed.pid) - cpu_before
                    lines = [line for line in out.splitlines() if line.startswith("{")]
                    if not lines:
                        raise RuntimeError(f"the DHCP probe gave no result: {err[-1000:]}")
                    result = json.loads(lines[-1])
                    match = re.search(r"Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps", replay.stdout)
                    sent = re.search(r"Actual: (\d+) packets .* in ([\d.]+) seconds", replay.stdout)
                    result["pps"] = float(match.group(1)) if match else None
                    result["frames_sent"] = int(sent.group(1)) if sent else None
                    result["replay_s"] = float(sent.group(2)) if sent else None
                    text = open(log_path).read()
                    logged = sorted(int(v) for v in re.findall(r"capture_to_answer_ms=(\d+)", text))
                    result["republishes"] = len(logged)
                    if logged:
                        result["log_p50_ms"] = logged[len(logged) // 2]
                        result["log_p99_ms"] = logged[min(len(logged) - 1, int(len(logged) * 0.99))]
                    result["rss"] = rss_mib(lannamed.pid) if lannamed.poll() is None else None
                    result["cpu_s"] = cpu_used
                    results.append(result)
                    note(f"  round {round_index + 1}: {fmt(result['pps'], 0)} frames/s replayed, "
                         f"{result['answered']}/{result['samples']} sampled names answered, latency p50 "
                         f"{fmt(result.get('p50_ms'))} ms, p99 {fmt(result.get('p99_ms'))} ms, max "
                         f"{fmt(result.get('max_ms'))} ms; lannamed's log: {len(logged)} republishes, p50 "
                         f"{result.get('log_p50_ms')} ms, p99 {result.get('log_p99_ms')} ms; lannamed CPU {cpu_used:.1f} s")
                finally:
                    if probe and probe.poll() is None:
                        probe.kill()
                        probe.wait(timeout=5)
                    stop_pid(lannamed)
        return {"rounds": results, "route": route}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report_dhcp(replay, leases, live, live_params):
    lines = []
    if replay is not None:
        lines += [f"### DHCP: a {leases:,}-lease capture replayed with --pcap-file", "",
                  "| round | last name answers, s after exec | DNS up, s | sampled names missing | registered | RSS MiB "
                  "| RSS MiB 11 s later |",
                  "|---|---|---|---|---|---|---|"]
        for index, r in enumerate(replay):
            lines.append(f"| {index + 1} | {r['last_answer_s']:.2f} | {fmt(r['start_s'], 2)} | {r['missing']} | "
                         f"{r['registered']:,} | {r['rss']:.1f} | {fmt(r.get('rss_later'))} |")
        lines.append(f"| median | {summarize([r['last_answer_s'] for r in replay], 2)} | | | | | |")
        lines.append("")
    if live is not None:
        rate, seconds, sample_every = live_params
        lines += [f"### DHCP: {rate:,} transactions/s (REQUEST + ACK) for {seconds:.0f} s, tcpreplay onto a veth "
                  f"in a namespace; every {sample_every}th name probed", ""]
        if "skipped" in live:
            lines.append(f"Not run: {live['skipped']}.")
        else:
            lines += ["| round | frames/s replayed | ACKs seen | sampled names answered | ACK to answer p50 ms | "
                      "p99 ms | max ms | lannamed's log: republishes, capture_to_answer p50 / p99 ms | "
                      "lannamed CPU s / replay s | RSS MiB |",
                      "|---|---|---|---|---|---|---|---|---|---|"]
            for index, r in enumerate(live["rounds"]):
                lines.append(f"| {index + 1} | {fmt(r.get('pps'), 0)} | {r['acks_seen']:,} | {r['answered']}/{r['samples']} | "
                             f"{fmt(r.get('p50_ms'))} | {fmt(r.get('p99_ms'))} | {fmt(r.get('max_ms'))} | "
                             f"{r.get('republishes')}, {r.get('log_p50_ms')} / {r.get('log_p99_ms')} | "
                             f"{fmt(r.get('cpu_s'))} / {fmt(r.get('replay_s'))} | {fmt(r.get('rss'))} |")
            rounds = live["rounds"]
            lines.append(f"| median | | | | {summarize([r.get('p50_ms') for r in rounds])} | "
                         f"{summarize([r.get('p99_ms') for r in rounds])} | {summarize([r.get('max_ms') for r in rounds])} | | | |")
            lines += ["", f"`ip route get 198.18.0.1` on the host before the run: `{live['route']}`."]
    return "\n".join(lines)
