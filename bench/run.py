#!/usr/bin/env python3
"""Side-by-side DNS benchmarks: lannamed against NSD, Knot and dnsmasq on the same data.

One command runs everything and cleans up after itself:

    bench/run.py                      # 1,000 and 100,000 hosts, 3 interleaved rounds
    bench/run.py --hosts 1000 --rounds 5 --duration 10
    bench/run.py --smoke              # a few seconds: keeps the harness working (CI)

Method (see BENCHMARKS.md): each server is pinned to CPU 1 with taskset, dnsperf to CPU 0; the
servers of a round run one after the other in a rotated order; before timing, every server's
answers are checked against the expected ones (a fast wrong server must not win). Reported per
server: queries/s from dnsperf, the server's own CPU time per answered query (utime+stime of its
process, before and after), RSS, start-up time to the first answer, and p50/p99 latency at a fixed
rate in a separate run. Medians over the rounds, with min-max, and ratios to NSD taken within the
same run. All traffic goes to 127.0.0.1.
"""
import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK = os.sysconf("SC_CLK_TCK")
SERVER_CPU = "1"
CLIENT_CPU = "0"


def free_port():
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    raise RuntimeError("no free port")


def _stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def process_tree(pid):
    """pid and all its descendants (NSD serves from a forked child)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(_stat(entry)[1])
            except (OSError, IndexError):
                continue
    tree, frontier = {pid}, [pid]
    while frontier:
        current = frontier.pop()
        for child, parent in parents.items():
            if parent == current and child not in tree:
                tree.add(child)
                frontier.append(child)
    return tree


def cpu_seconds(pid):
    """utime+stime (and reaped children's) of a process tree, in seconds."""
    total = 0
    for member in process_tree(pid):
        try:
            total += sum(int(x) for x in _stat(member)[11:15])
        except OSError:
            continue
    return total / CLK


def rss_mib(pid):
    total = 0
    for member in process_tree(pid):
        try:
            with open(f"/proc/{member}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def dig(port, name, qtype, timeout=1):
    out = subprocess.run(["dig", "-r", "+short", "+tries=1", f"+time={timeout}", "-p", str(port), "@127.0.0.1",
                          name, qtype], capture_output=True, text=True, timeout=timeout + 5)
    return [line.strip() for line in out.stdout.splitlines() if line.strip() and not line.startswith(";")]


def wait_answering(port, name, proc, log, deadline_s=120):
    start = time.monotonic()
    while time.monotonic() - start < deadline_s:
        if proc.poll() is not None:
            with open(log) as f:
                raise RuntimeError(f"server exited with {proc.returncode}: {f.read()[-2000:]}")
        try:
            if dig(port, name, "A", timeout=1):
                return time.monotonic() - start
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"server on port {port} did not answer {name} within {deadline_s} s")


# ---------------------------------------------------------------- data sets

def generate(count, outdir, queries):
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_hosts.py"), str(count), outdir,
                    "--queries", str(queries)], check=True)
    hosts = []
    with open(os.path.join(outdir, "hosts.txt")) as f:
        for line in f:
            address, name = line.split()
            hosts.append((address, name))
    return hosts


def reverse_name(address):
    if ":" in address:
        import ipaddress
        return ipaddress.ip_address(address).reverse_pointer + "."
    return ".".join(reversed(address.split("."))) + ".in-addr.arpa."


def write_zone_files(hosts, outdir):
    """lan. plus the reverse zones 18.198.in-addr.arpa., 19.198.in-addr.arpa. and the ip6.arpa /48."""
    soa = "@ 60 IN SOA ns.lan. hostmaster.lan. 1 3600 600 604800 60\n@ 60 IN NS ns.lan.\n"
    with open(os.path.join(outdir, "lan.zone"), "w") as z:
        z.write("$ORIGIN lan.\n" + soa + "ns 60 IN A 127.0.0.1\n")
        for address, name in hosts:
            z.write(f"{name} 60 IN {'AAAA' if ':' in address else 'A'} {address}\n")
    reverse = {"18.198.in-addr.arpa.": [], "19.198.in-addr.arpa.": [], "1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.": []}
    for address, name in hosts:
        owner = reverse_name(address)
        for zone in reverse:
            if owner.endswith(zone):
                reverse[zone].append(f"{owner} 60 IN PTR {name}.lan.\n")
    for zone, records in reverse.items():
        with open(os.path.join(outdir, zone + "zone"), "w") as z:
            z.write(f"$ORIGIN {zone}\n" + soa.replace("@ 60 IN SOA ns.lan.", "@ 60 IN SOA ns.lan.") + "".join(records))
    return list(reverse)


# ---------------------------------------------------------------- servers

class Server:
    name = "?"

    def __init__(self, work, data):
        self.work = work
        self.data = data
        self.port = free_port()
        self.proc = None

    def command(self):
        raise NotImplementedError

    def prepare(self):
        pass

    def start(self):
        self.prepare()
        path = os.path.join(self.work, f"{self.name}.log")
        log = open(path, "w")
        self.proc = subprocess.Popen(["taskset", "-c", SERVER_CPU] + self.command(), stdout=log, stderr=log,
                                     cwd=self.work, start_new_session=True)
        self.startup = wait_answering(self.port, self.probe_name(), self.proc, path)
        return self.startup

    def probe_name(self):
        return f"{self.data['hosts'][0][1]}.lan"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None


class Lannamed(Server):
    name = "lannamed"

    def prepare(self):
        db = os.path.join(self.work, "lannamed.sqlite")
        if not os.path.exists(db):
            subprocess.run([self.data["binary"], "hosts", "import", self.data["hosts_file"], "--database", db,
                            "--config", self.data["empty_config"]], check=True, capture_output=True)

    def command(self):
        return [self.data["binary"], "run", "--listen", f"127.0.0.1:{self.port}", "--database",
                os.path.join(self.work, "lannamed.sqlite"), "--threads", "1", "--no-dhcp", "--no-forward",
                "--config", self.data["empty_config"]]


class NSD(Server):
    name = "nsd"

    def prepare(self):
        zones = "".join(f"zone:\n  name: \"{z}\"\n  zonefile: \"{os.path.join(self.data['dir'], z + 'zone')}\"\n"
                        for z in ["lan."] + self.data["reverse_zones"])
        with open(os.path.join(self.work, "nsd.conf"), "w") as f:
            f.write(f"""server:
  ip-address: 127.0.0.1@{self.port}
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: "{self.work}"
  database: ""
  pidfile: "{self.work}/nsd.pid"
  xfrdfile: "{self.work}/xfrd.state"
  zonelistfile: "{self.work}/zone.list"
  logfile: "{self.work}/nsd.out"
  rrl-ratelimit: 0
  minimal-responses: yes
remote-control:
  control-enable: no
{zones}""")

    def command(self):
        return ["nsd", "-d", "-c", os.path.join(self.work, "nsd.conf")]


class Knot(Server):
    name = "knot"

    def prepare(self):
        zones = "".join(f"  - domain: {z}\n    file: \"{os.path.join(self.data['dir'], z + 'zone')}\"\n"
                        for z in ["lan."] + self.data["reverse_zones"])
        os.makedirs(os.path.join(self.work, "knot-db"), exist_ok=True)
        with open(os.path.join(self.work, "knot.conf"), "w") as f:
            f.write(f"""server:
  rundir: "{self.work}"
  listen: 127.0.0.1@{self.port}
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1
database:
  storage: "{self.work}/knot-db"
log:
  - target: stderr
    any: error
template:
  - id: default
    storage: "{self.work}/knot-db"
    semantic-checks: off
    zonefile-load: whole
    journal-content: none
zone:
{zones}""")

    def command(self):
        return ["knotd", "-c", os.path.join(self.work, "knot.conf")]


class Dnsmasq(Server):
    name = "dnsmasq"

    def command(self):
        return ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                f"--addn-hosts={self.data['hosts_file']}", "--expand-hosts", "--domain=lan", "--local=/lan/",
                "--listen-address=127.0.0.1", "--bind-interfaces", f"--port={self.port}", "--cache-size=10000",
                "--dns-forward-max=1000", f"--pid-file={self.work}/dnsmasq.pid", "--user=root", "--group=root",
                "--log-facility=-", "--dhcp-leasefile=/dev/null"]


SERVERS = {"lannamed": Lannamed, "nsd": NSD, "knot": Knot, "dnsmasq": Dnsmasq}
BINARIES = {"nsd": "nsd", "knot": "knotd", "dnsmasq": "dnsmasq"}


# ---------------------------------------------------------------- measuring

def check_answers(server, expected, limit=30):
    wrong = []
    for name, qtype, want in expected[:limit]:
        got = dig(server.port, name, qtype)
        if want.lower() not in [g.lower() for g in got]:
            wrong.append(f"{name} {qtype}: want {want}, got {got}")
    return wrong


def dnsperf(server, queries, duration, rate=None):
    args = ["taskset", "-c", CLIENT_CPU, "dnsperf", "-s", "127.0.0.1", "-p", str(server.port), "-d", queries,
            "-l", str(duration), "-c", "1", "-q", "100"]
    if rate:
        args += ["-Q", str(rate), "-v"]
    before = cpu_seconds(server.proc.pid)
    out = subprocess.run(args, capture_output=True, text=True, timeout=duration + 60).stdout
    after = cpu_seconds(server.proc.pid)
    result = {"cpu": after - before}
    latencies = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("Queries completed:"):
            result["completed"] = int(line.split()[2])
        elif line.startswith("Queries lost:"):
            result["lost"] = int(line.split()[2])
        elif line.startswith("Queries per second:"):
            result["qps"] = float(line.split()[3])
        elif rate and line.startswith("> NOERROR") or (rate and line.startswith("> NXDOMAIN")):
            try:
                latencies.append(float(line.split()[-1]))
            except ValueError:
                pass
    if latencies:
        latencies.sort()
        result["p50"] = latencies[len(latencies) // 2] * 1e6
        result["p99"] = latencies[int(len(latencies) * 0.99)] * 1e6
    completed = result.get("completed", 0)
    result["us_per_query"] = result["cpu"] / completed * 1e6 if completed else float("nan")
    return result


def summarize(values):
    values = [v for v in values if v == v]
    if not values:
        return "-"
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:,.1f}"
    return f"{median:,.1f} ({min(values):,.1f}-{max(values):,.1f})"


def run_scenario(label, count, servers, rounds, duration, queries, binary, latency_rate):
    work = tempfile.mkdtemp(prefix=f"lannamed-bench-{count}-")
    try:
        hosts = generate(count, work, queries)
        reverse_zones = write_zone_files(hosts, work)
        empty = os.path.join(work, "empty.toml")
        open(empty, "w").close()
        expected = []
        with open(os.path.join(work, "expected.txt")) as f:
            for line in f:
                name, qtype, want = line.split()
                expected.append((name, qtype, want))
        data = {"hosts": hosts, "hosts_file": os.path.join(work, "hosts.txt"), "dir": work, "binary": binary,
                "reverse_zones": reverse_zones, "empty_config": empty}
        results = {name: [] for name in servers}
        order = list(servers)
        for round_index in range(rounds):
            for name in order:
                server_dir = os.path.join(work, f"{name}-{round_index}")
                os.makedirs(server_dir)
                server = SERVERS[name](server_dir, data)
                try:
                    startup = server.start()
                    wrong = check_answers(server, expected)
                    if wrong:
                        print(f"  {name}: WRONG ANSWERS, not timed: {wrong[:3]}", file=sys.stderr)
                        results[name].append({"wrong": len(wrong)})
                        continue
                    result = dnsperf(server, os.path.join(work, "queries.txt"), duration)
                    result["rss"] = rss_mib(server.proc.pid)
                    result["startup"] = startup
                    if latency_rate:
                        fixed = dnsperf(server, os.path.join(work, "queries.txt"), max(2, duration // 2), rate=latency_rate)
                        result["p50"] = fixed.get("p50", float("nan"))
                        result["p99"] = fixed.get("p99", float("nan"))
                    results[name].append(result)
                    print(f"  round {round_index + 1} {name}: {result.get('qps', 0):,.0f} q/s, "
                          f"{result['us_per_query']:.2f} us/query, rss {result['rss']:.1f} MiB, "
                          f"start {startup:.2f} s", file=sys.stderr)
                finally:
                    server.stop()
            order = order[1:] + order[:1]
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(label, results):
    lines = [f"### {label}", "",
             "| server | queries/s | CPU us/query | vs NSD (CPU) | p50 us @fixed | p99 us @fixed | RSS MiB | start s |",
             "|---|---|---|---|---|---|---|---|"]
    nsd = [r["us_per_query"] for r in results.get("nsd", []) if "us_per_query" in r]
    nsd_median = statistics.median(nsd) if nsd else None
    for name, rounds in results.items():
        ok = [r for r in rounds if "us_per_query" in r]
        if not ok:
            lines.append(f"| {name} | wrong answers | | | | | | |")
            continue
        cpu = [r["us_per_query"] for r in ok]
        ratio = f"{statistics.median(cpu) / nsd_median:.2f}x" if nsd_median else "-"
        lines.append(f"| {name} | {summarize([r.get('qps', float('nan')) for r in ok])} | {summarize(cpu)} | {ratio} | "
                     f"{summarize([r.get('p50', float('nan')) for r in ok])} | "
                     f"{summarize([r.get('p99', float('nan')) for r in ok])} | "
                     f"{summarize([r['rss'] for r in ok])} | {summarize([r['startup'] for r in ok])} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, action="append", help="host counts (default 1000 and 100000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per dnsperf run")
    parser.add_argument("--servers", default="lannamed,nsd,knot,dnsmasq")
    parser.add_argument("--latency-rate", type=int, default=10000, help="queries/s of the fixed-rate latency run (0: skip)")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "lannamed"))
    parser.add_argument("--smoke", action="store_true", help="a few seconds, to keep the harness working")
    args = parser.parse_args()
    if args.smoke:
        args.hosts, args.rounds, args.duration, args.latency_rate = [200], 1, 1, 0
        debug = os.path.join(ROOT, ".build", "debug", "lannamed")
        if os.path.exists(debug):
            args.binary = debug
    counts = args.hosts or [1000, 100000]
    servers = [s for s in args.servers.split(",") if s]
    for name in servers:
        if name != "lannamed" and shutil.which(BINARIES[name]) is None:
            sys.exit(f"bench: {BINARIES[name]} is not installed (apt-get install {name})")
    for tool in ["dnsperf", "dig", "taskset"]:
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} is not installed")
    if not os.path.exists(args.binary):
        sys.exit(f"bench: {args.binary} is missing: swift build -c release --product lannamed")
    print(f"# lannamed benchmarks ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
          f"{args.rounds} rounds x {args.duration} s)\n")
    for count in counts:
        print(f"scenario: LAN zone, {count:,} hosts", file=sys.stderr)
        results = run_scenario(f"LAN zone, {count:,} hosts", count, servers, args.rounds, args.duration,
                               min(100_000, max(10_000, count)), args.binary, args.latency_rate)
        print(report(f"LAN zone, {count:,} hosts", results))
        print()
        if args.smoke:
            bad = [n for n, r in results.items() if not any("us_per_query" in x for x in r)]
            if bad:
                sys.exit(f"bench smoke: no valid run for {bad}")


if __name__ == "__main__":
    main()
