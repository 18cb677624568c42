#!/usr/bin/env python3
"""Side-by-side DNS benchmarks: lannamed against NSD, Knot, Unbound and dnsmasq.

One command runs everything and cleans up after itself:

    bench/run.py                      # every scenario, 3 interleaved rounds (~20 minutes)
    bench/run.py --scenarios lan --hosts 1000 --rounds 5 --duration 10
    bench/run.py --scenarios forward-warm,forward-miss
    bench/run.py --smoke              # a few seconds per scenario: keeps the harness working (CI)
    bench/run.py --callgrind forward-warm   # instruction profile of lannamed (and Unbound)

Scenarios (--scenarios, comma-separated, default all):

    lan           the LAN zone (1,000 and 100,000 hosts) against NSD, Knot, dnsmasq and a do-nothing
                  responder (bench/null_responder.c: the floor for CPU per query)
    forward-warm  everything forwarded to an authoritative Knot, every answer already cached:
                  lannamed against Unbound and dnsmasq
    forward-miss  the same, every query a new name (a wildcard in Knot): each one goes upstream
    failover      a steady stream of unique names while the primary upstream is SIGKILLed (and
                  restarted) or SIGSTOPped (and continued): lannamed, dnsmasq, Unbound
    scaling       lannamed (and NSD for reference) on one core against two
    dhcp          a 100,000-lease capture replayed with --pcap-file, timed until the last name
                  answers; and 1,000 DHCP transactions/s replayed with tcpreplay onto a veth in a
                  network namespace made for the run, ACK-on-the-wire to name-answering latency

Method (see BENCHMARKS.md): the server under test is pinned to CPU 1 with taskset, dnsperf (and
any upstream server) to CPU 0; the contenders of a round run one after the other in a rotated
order; before timing, every server's answers are checked against the expected ones (a fast wrong
server must not win). Reported per server: queries/s from dnsperf, the server's own CPU time per
answered query (utime+stime of its process tree, before and after), RSS, and p50/p99 latency at a
fixed rate in a separate run. Medians over the rounds, with min-max. All DNS traffic goes to
127.0.0.1; the DHCP replay goes onto a veth pair inside the benchmark's own network namespace.
Every process the benchmark starts is stopped by its PID; every wait and loop is bounded.
"""
import argparse
import atexit
import json
import os
import random
import re
import resource
import select
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK = os.sysconf("SC_CLK_TCK")
SERVER_CPU = "1"
CLIENT_CPU = "0"
BOTH_CPUS = "0,1"
SCENARIOS = ["lan", "forward-warm", "forward-miss", "failover", "scaling", "dhcp"]
CORP = "corp.example"


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


def thread_cpu(pid):
    """utime+stime of each thread of a process tree, in seconds."""
    result = {}
    for member in process_tree(pid):
        try:
            tids = os.listdir(f"/proc/{member}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{member}/task/{tid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                result[tid] = (int(fields[11]) + int(fields[12])) / CLK
            except (OSError, IndexError, ValueError):
                continue
    return result


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


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def dig(port, name, qtype, timeout=1):
    out = subprocess.run(["dig", "-r", "+short", "+tries=1", f"+time={timeout}", "-p", str(port), "@127.0.0.1",
                          name, qtype], capture_output=True, text=True, timeout=timeout + 5)
    return [line.strip() for line in out.stdout.splitlines() if line.strip() and not line.startswith(";")]


def wait_answering(port, name, proc, log, deadline_s=120, qtype="A"):
    start = time.monotonic()
    while time.monotonic() - start < deadline_s:
        if proc.poll() is not None:
            with open(log) as f:
                raise RuntimeError(f"server exited with {proc.returncode}: {f.read()[-2000:]}")
        try:
            if dig(port, name, qtype, timeout=1):
                return time.monotonic() - start
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"server on port {port} did not answer {name} within {deadline_s} s")


# ---------------------------------------------------------------- DNS on the wire (stream client, probes)

def dns_query(qid, name, qtype):
    labels = b"".join(bytes([len(label)]) + label.encode() for label in name.strip(".").split("."))
    return struct.pack("!HHHHHH", qid & 0xFFFF, 0x0100, 1, 0, 0, 0) + labels + b"\0" + struct.pack("!HH", qtype, 1)


def _skip_name(data, offset):
    for _ in range(128):
        length = data[offset]
        if length == 0:
            return offset + 1
        if length & 0xC0 == 0xC0:
            return offset + 2
        offset += 1 + length
    raise ValueError("name too long")


def dns_parse(data):
    """(id, rcode, answer count, first TXT string or None) of a response; None if it is not one."""
    try:
        qid, flags, qdcount, ancount = struct.unpack("!HHHH", data[:8])
        if not flags & 0x8000:
            return None
        offset = 12
        for _ in range(qdcount):
            offset = _skip_name(data, offset) + 4
        txt = None
        for _ in range(ancount):
            offset = _skip_name(data, offset)
            rtype, _, _, rdlength = struct.unpack("!HHIH", data[offset:offset + 10])
            offset += 10
            if rtype == 16 and txt is None and rdlength:
                txt = data[offset + 1:offset + 1 + data[offset]].decode(errors="replace")
            offset += rdlength
        return qid, flags & 0xF, ancount, txt
    except (struct.error, IndexError, ValueError):
        return None


def ask(port, name, qtype=1, timeout=0.5):
    """One UDP question to 127.0.0.1:port: (rcode, answer count), or None on timeout."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        qid = random.randrange(0x10000)
        try:
            s.sendto(dns_query(qid, name, qtype), ("127.0.0.1", port))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                data = s.recv(4096)
                parsed = dns_parse(data)
                if parsed and parsed[0] == qid:
                    return parsed[1], parsed[2]
        except (socket.timeout, OSError):
            return None
    return None


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
            z.write(f"$ORIGIN {zone}\n" + soa + "".join(records))
    return list(reverse)


def lan_data(count, work, queries, binary):
    hosts = generate(count, work, queries)
    reverse_zones = write_zone_files(hosts, work)
    empty = os.path.join(work, "empty.toml")
    open(empty, "w").close()
    expected = []
    with open(os.path.join(work, "expected.txt")) as f:
        for line in f:
            name, qtype, want = line.split()
            expected.append((name, qtype, want))
    return {"hosts": hosts, "hosts_file": os.path.join(work, "hosts.txt"), "dir": work, "binary": binary,
            "reverse_zones": reverse_zones, "empty_config": empty, "expected": expected,
            "queries": os.path.join(work, "queries.txt")}


def corp_v4(i):
    return f"198.19.{i >> 8}.{i & 255}"


def corp_v6(i):
    return f"2001:db8:c0::{i:x}"


def corp_zone(names, marker):
    """corp.example. as the upstream serves it: `names` hosts h00000... (A, every fourth also AAAA),
    a wildcard `*` (A 192.0.2.1) so that any new name exists, and the marker: `*.w` TXT says which
    upstream answered. TTLs of an hour: nothing expires during a run."""
    lines = [f"$ORIGIN {CORP}.", "$TTL 3600", "@ SOA ns1 hostmaster 1 3600 600 86400 3600", "@ NS ns1",
             "ns1 A 127.0.0.1", f'which 0 TXT "{marker}"', f'*.w 60 TXT "{marker}"', "* A 192.0.2.1"]
    for i in range(names):
        lines.append(f"h{i:05d} A {corp_v4(i)}")
        if i % 4 == 0:
            lines.append(f"h{i:05d} AAAA {corp_v6(i)}")
    return "\n".join(lines) + "\n"


def forward_data(names, warm_a, warm_aaaa, misses, work, binary):
    """The forwarding scenarios' files: the warm question list (distinct questions that fit every
    contender's cache), the miss list (unique names, each new to the cache) and the checks."""
    rng = random.Random(1)
    questions = [(f"h{i:05d}.{CORP}", "A", corp_v4(i)) for i in rng.sample(range(names), min(warm_a, names))]
    questions += [(f"h{i:05d}.{CORP}", "AAAA", corp_v6(i))
                  for i in rng.sample(range(0, names, 4), min(warm_aaaa, len(range(0, names, 4))))]
    rng.shuffle(questions)
    warm = os.path.join(work, "warm.txt")
    with open(warm, "w") as f:
        f.writelines(f"{name} {qtype}\n" for name, qtype, _ in questions)
    miss = os.path.join(work, "miss.txt")
    with open(miss, "w") as f:
        f.writelines(f"n{i:06d}.{CORP} A\n" for i in range(misses))
    empty = os.path.join(work, "empty.toml")
    open(empty, "w").close()
    expected = questions[:25] + [(f"check-{i}.{CORP}", "A", "192.0.2.1") for i in range(5)]
    return {"binary": binary, "empty_config": empty, "warm": warm, "miss": miss, "expected": expected,
            "zone_text": corp_zone(names, "knot"), "probe": f"ns1.{CORP}", "warm_count": len(questions),
            "names": names, "misses": misses}


# ---------------------------------------------------------------- servers

class Server:
    name = "?"
    cpus = SERVER_CPU

    def __init__(self, work, data, threads=1, cpus=None):
        self.work = work
        self.data = data
        self.threads = threads
        if cpus:
            self.cpus = cpus
        self.port = free_port()
        self.proc = None
        self.log = os.path.join(self.work, f"{self.name}.log")

    def command(self):
        raise NotImplementedError

    def prepare(self):
        pass

    def launch(self):
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(["taskset", "-c", self.cpus] + self.command(), stdout=log, stderr=log,
                                         cwd=self.work, start_new_session=True)

    def start(self):
        os.makedirs(self.work, exist_ok=True)
        self.prepare()
        self.launch()
        self.startup = wait_answering(self.port, self.probe_name(), self.proc, self.log)
        return self.startup

    def probe_name(self):
        return f"{self.data['hosts'][0][1]}.lan"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGCONT)
                self.proc.send_signal(signal.SIGTERM)
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
                os.path.join(self.work, "lannamed.sqlite"), "--threads", str(self.threads), "--no-dhcp",
                "--no-forward", "--config", self.data["empty_config"]]


class NSD(Server):
    name = "nsd"

    def prepare(self):
        zones = "".join(f"zone:\n  name: \"{z}\"\n  zonefile: \"{os.path.join(self.data['dir'], z + 'zone')}\"\n"
                        for z in ["lan."] + self.data["reverse_zones"])
        with open(os.path.join(self.work, "nsd.conf"), "w") as f:
            f.write(f"""server:
  ip-address: 127.0.0.1@{self.port}
  server-count: {self.threads}
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


def knot_config(work, port, zones, threads=1):
    """zones: [(domain, zone file path)]."""
    listed = "".join(f"  - domain: {domain}\n    file: \"{path}\"\n" for domain, path in zones)
    os.makedirs(os.path.join(work, "knot-db"), exist_ok=True)
    path = os.path.join(work, "knot.conf")
    with open(path, "w") as f:
        f.write(f"""server:
  rundir: "{work}"
  listen: 127.0.0.1@{port}
  udp-workers: {threads}
  tcp-workers: 1
  background-workers: 1
database:
  storage: "{work}/knot-db"
log:
  - target: stderr
    any: error
template:
  - id: default
    storage: "{work}/knot-db"
    semantic-checks: off
    zonefile-load: whole
    journal-content: none
zone:
{listed}""")
    return path


class Knot(Server):
    name = "knot"

    def prepare(self):
        knot_config(self.work, self.port, [(z, os.path.join(self.data["dir"], z + "zone"))
                                           for z in ["lan."] + self.data["reverse_zones"]], self.threads)

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


class NullResponder(Server):
    """The do-nothing responder (bench/null_responder.c, compiled here with cc -O2): every query
    comes back as it was, QR set, with recvmmsg/sendmmsg batches of 32. The floor for CPU per
    query on this machine; it answers nothing, so it is not checked, and it has no start-up."""
    name = "null"
    checked = False

    def prepare(self):
        os.makedirs(self.work, exist_ok=True)
        self.binary = os.path.join(self.work, "null_responder")
        subprocess.run(["cc", "-O2", "-o", self.binary, os.path.join(ROOT, "bench", "null_responder.c")], check=True,
                       capture_output=True, timeout=120)

    def command(self):
        return [self.binary, str(self.port)]

    def start(self):
        os.makedirs(self.work, exist_ok=True)
        self.prepare()
        self.launch()
        start = time.monotonic()
        while time.monotonic() - start < 10:
            if self.proc.poll() is not None:
                raise RuntimeError(f"null responder exited with {self.proc.returncode}")
            if ask(self.port, "probe.lan", 1, 0.2):
                self.startup = time.monotonic() - start
                return self.startup
            time.sleep(0.02)
        raise RuntimeError("null responder did not answer")


class KnotUpstream(Server):
    """An authoritative Knot for corp.example on CPU 0 (with the client, so its work is never
    charged to the server under test)."""
    name = "knot-upstream"
    cpus = CLIENT_CPU

    def prepare(self):
        zone = os.path.join(self.work, f"{CORP}.zone")
        with open(zone, "w") as f:
            f.write(self.data["zone_text"])
        knot_config(self.work, self.port, [(f"{CORP}.", zone)])

    def command(self):
        return ["knotd", "-c", os.path.join(self.work, "knot.conf")]

    def probe_name(self):
        return f"ns1.{CORP}"


def loopback_upstreams(data):
    ports = data["upstreams"]
    # Never anything but our own upstreams on 127.0.0.1 (lannamed's default is /etc/resolv.conf).
    if not ports or not all(isinstance(p, int) and 0 < p < 65536 for p in ports):
        raise RuntimeError(f"forwarder without loopback upstreams: {ports}")
    return ports


class LannamedForwarder(Server):
    name = "lannamed"

    def command(self):
        args = [self.data["binary"], "run", "--listen", f"127.0.0.1:{self.port}", "--threads", "1", "--no-dhcp"]
        for port in loopback_upstreams(self.data):
            args += ["--upstream", f"127.0.0.1:{port}"]
        return args + ["--config", self.data["empty_config"], "--database", os.path.join(self.work, "forwarder.sqlite")]

    def probe_name(self):
        return self.data["probe"]


class UnboundForwarder(Server):
    name = "unbound"

    def prepare(self):
        addresses = "".join(f"  forward-addr: 127.0.0.1@{port}\n" for port in loopback_upstreams(self.data))
        with open(os.path.join(self.work, "unbound.conf"), "w") as f:
            f.write(f"""server:
  interface: 127.0.0.1@{self.port}
  port: {self.port}
  num-threads: 1
  so-reuseport: no
  do-ip6: no
  outgoing-interface: 127.0.0.1
  do-not-query-localhost: no
  chroot: ""
  username: ""
  directory: "{self.work}"
  pidfile: "{self.work}/unbound.pid"
  use-syslog: no
  logfile: "{self.work}/unbound.out"
  verbosity: 0
  module-config: "iterator"
  qname-minimisation: no
  access-control: 127.0.0.0/8 allow
  msg-cache-size: 128m
  rrset-cache-size: 256m
remote-control:
  control-enable: no
forward-zone:
  name: "."
{addresses}""")

    def command(self):
        return ["unbound", "-d", "-c", os.path.join(self.work, "unbound.conf")]

    def probe_name(self):
        return self.data["probe"]


class DnsmasqForwarder(Server):
    name = "dnsmasq"
    strict = False

    def command(self):
        servers = [f"--server=127.0.0.1#{port}" for port in loopback_upstreams(self.data)]
        return (["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts"] + servers +
                ["--listen-address=127.0.0.1", "--bind-interfaces", f"--port={self.port}", "--cache-size=10000",
                 "--dns-forward-max=1000", f"--pid-file={self.work}/dnsmasq.pid", "--user=root", "--group=root",
                 "--log-facility=-", "--dhcp-leasefile=/dev/null"] + (["--strict-order"] if self.strict else []))

    def probe_name(self):
        return self.data["probe"]


class DnsmasqStrict(DnsmasqForwarder):
    name = "dnsmasq-strict"
    strict = True


SERVERS = {"lannamed": Lannamed, "nsd": NSD, "knot": Knot, "dnsmasq": Dnsmasq, "null": NullResponder}
FORWARDERS = {"lannamed": LannamedForwarder, "unbound": UnboundForwarder, "dnsmasq": DnsmasqForwarder,
              "dnsmasq-strict": DnsmasqStrict}
BINARIES = {"nsd": "nsd", "knot": "knotd", "dnsmasq": "dnsmasq", "unbound": "unbound", "dnsmasq-strict": "dnsmasq",
            "null": "cc"}


# ---------------------------------------------------------------- measuring

def check_answers(server, expected, limit=30):
    wrong = []
    for name, qtype, want in expected[:limit]:
        got = dig(server.port, name, qtype)
        if want.lower() not in [g.lower() for g in got]:
            wrong.append(f"{name} {qtype}: want {want}, got {got}")
    return wrong


def dnsperf(server, queries, duration, rate=None, cpus=CLIENT_CPU, clients=1, threads=1, outstanding=100,
            maxruns=None, timeout=None, watch=None):
    """dnsperf against server; the server's CPU (and that of `watch`, e.g. the upstream) before and after."""
    args = ["taskset", "-c", cpus, "dnsperf", "-s", "127.0.0.1", "-p", str(server.port), "-d", queries,
            "-l", str(duration), "-c", str(clients), "-q", str(outstanding)]
    if threads > 1:
        args += ["-T", str(threads)]
    if maxruns:
        args += ["-n", str(maxruns)]
    if timeout:
        args += ["-t", str(timeout)]
    if rate:
        args += ["-Q", str(rate), "-v"]
    before = cpu_seconds(server.proc.pid)
    watch_before = cpu_seconds(watch.proc.pid) if watch else 0
    threads_before = thread_cpu(server.proc.pid)
    client_before = children_cpu()
    out = subprocess.run(args, capture_output=True, text=True, timeout=duration + 60).stdout
    client_after = children_cpu()
    after = cpu_seconds(server.proc.pid)
    threads_after = thread_cpu(server.proc.pid)
    result = {"cpu": after - before, "client_cpu": client_after - client_before}
    if watch:
        result["upstream_cpu"] = cpu_seconds(watch.proc.pid) - watch_before
    busy = sorted((threads_after.get(t, 0) - threads_before.get(t, 0) for t in threads_after), reverse=True)
    result["thread_cpu"] = [b for b in busy if b > 0.01][:4]
    latencies = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("Queries completed:"):
            result["completed"] = int(line.split()[2])
        elif line.startswith("Queries lost:"):
            result["lost"] = int(line.split()[2])
        elif line.startswith("Queries per second:"):
            result["qps"] = float(line.split()[3])
        elif rate and (line.startswith("> NOERROR") or line.startswith("> NXDOMAIN")):
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
    result["client_us_per_query"] = result["client_cpu"] / completed * 1e6 if completed else float("nan")
    if watch:
        result["upstream_us_per_query"] = result["upstream_cpu"] / completed * 1e6 if completed else float("nan")
    return result


def summarize(values, digits=1):
    values = [v for v in values if v is not None and v == v]
    if not values:
        return "-"
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:,.{digits}f}"
    return f"{median:,.{digits}f} ({min(values):,.{digits}f}-{max(values):,.{digits}f})"


def median_of(rounds, key):
    values = [r[key] for r in rounds if r.get(key) is not None and r[key] == r[key]]
    return statistics.median(values) if values else None


def note(text):
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- scenario: the LAN zone

def run_scenario(label, count, servers, rounds, duration, queries, binary, latency_rate):
    work = tempfile.mkdtemp(prefix=f"lannamed-bench-{count}-")
    try:
        data = lan_data(count, work, queries, binary)
        results = {name: [] for name in servers}
        order = list(servers)
        for round_index in range(rounds):
            for name in order:
                server = SERVERS[name](os.path.join(work, f"{name}-{round_index}"), data)
                try:
                    startup = server.start()
                    wrong = check_answers(server, data["expected"]) if getattr(server, "checked", True) else []
                    if wrong:
                        note(f"  {name}: WRONG ANSWERS, not timed: {wrong[:3]}")
                        results[name].append({"wrong": len(wrong)})
                        continue
                    result = dnsperf(server, data["queries"], duration)
                    result["rss"] = rss_mib(server.proc.pid)
                    result["startup"] = startup
                    if latency_rate:
                        fixed = dnsperf(server, data["queries"], max(2, int(duration // 2)), rate=latency_rate)
                        result["p50"] = fixed.get("p50", float("nan"))
                        result["p99"] = fixed.get("p99", float("nan"))
                    results[name].append(result)
                    note(f"  round {round_index + 1} {name}: {result.get('qps', 0):,.0f} q/s, "
                         f"{result['us_per_query']:.2f} us/query, rss {result['rss']:.1f} MiB, start {startup:.2f} s")
                finally:
                    server.stop()
            order = order[1:] + order[:1]
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(label, results):
    lines = [f"### {label}", "",
             "| server | queries/s | CPU us/query | vs NSD (CPU) | vs do-nothing (CPU) | p50 us @fixed | p99 us @fixed "
             "| RSS MiB | start s |",
             "|---|---|---|---|---|---|---|---|---|"]

    def median_cpu(name):
        values = [r["us_per_query"] for r in results.get(name, []) if "us_per_query" in r]
        return statistics.median(values) if values else None
    nsd_median, null_median = median_cpu("nsd"), median_cpu("null")
    for name, rounds in results.items():
        ok = [r for r in rounds if "us_per_query" in r]
        if not ok:
            lines.append(f"| {name} | wrong answers | | | | | | | |")
            continue
        cpu = [r["us_per_query"] for r in ok]
        ratio = f"{statistics.median(cpu) / nsd_median:.2f}x" if nsd_median else "-"
        floor = f"{statistics.median(cpu) / null_median:.2f}x" if null_median else "-"
        lines.append(f"| {name} | {summarize([r.get('qps', float('nan')) for r in ok], 0)} | {summarize(cpu)} | {ratio} | "
                     f"{floor} | "
                     f"{summarize([r.get('p50', float('nan')) for r in ok], 0)} | "
                     f"{summarize([r.get('p99', float('nan')) for r in ok], 0)} | "
                     f"{summarize([r['rss'] for r in ok])} | {summarize([r['startup'] for r in ok])} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- scenarios: forwarding, warm and all misses

def run_forwarding(kind, forwarders, rounds, duration, sizes, binary, latency_rate):
    """kind: 'warm' (every answer cached by a first pass over the list) or 'miss' (unique names)."""
    work = tempfile.mkdtemp(prefix=f"lannamed-bench-fw-{kind}-")
    upstream = None
    try:
        data = forward_data(sizes["names"], sizes["warm_a"], sizes["warm_aaaa"], sizes["misses"], work, binary)
        upstream = KnotUpstream(os.path.join(work, "knot-upstream"), data)
        upstream.start()
        data["upstreams"] = [upstream.port]
        results = {name: [] for name in forwarders}
        order = list(forwarders)
        for round_index in range(rounds):
            for name in order:
                server = FORWARDERS[name](os.path.join(work, f"{name}-{round_index}"), data)
                try:
                    server.start()
                    wrong = check_answers(server, data["expected"], limit=sizes.get("checks", 30))
                    if wrong:
                        note(f"  {name}: WRONG ANSWERS, not timed: {wrong[:3]}")
                        results[name].append({"wrong": len(wrong)})
                        continue
                    if kind == "warm":
                        warm = {}
                        for _ in range(3):  # a lost query would leave a hole in the cache: once more
                            warm = dnsperf(server, data["warm"], 120, maxruns=1, timeout=2)
                            if not warm.get("lost"):
                                break
                        result = dnsperf(server, data["warm"], duration, watch=upstream)
                        result["warm_pass_qps"] = warm.get("qps")
                        if latency_rate:
                            fixed = dnsperf(server, data["warm"], max(2, int(duration // 2)), rate=latency_rate)
                            result["p50"], result["p99"] = fixed.get("p50"), fixed.get("p99")
                    else:
                        result = dnsperf(server, data["miss"], duration, maxruns=1, timeout=1, watch=upstream)
                    result["rss"] = rss_mib(server.proc.pid)
                    results[name].append(result)
                    note(f"  round {round_index + 1} {name}: {result.get('qps', 0):,.0f} q/s, "
                         f"{result['us_per_query']:.2f} us/query, lost {result.get('lost', 0)}, "
                         f"upstream {result.get('upstream_cpu', 0) * 1000:.0f} ms CPU, rss {result['rss']:.1f} MiB")
                finally:
                    server.stop()
            order = order[1:] + order[:1]
        return results
    finally:
        if upstream:
            upstream.stop()
        shutil.rmtree(work, ignore_errors=True)


def report_forwarding(kind, results, sizes):
    if kind == "warm":
        lines = [f"### Forwarded, warm cache ({sizes['names']:,} names in {CORP}, "
                 f"{sizes['warm_a'] + sizes['warm_aaaa']:,} distinct questions, all cached)", "",
                 "| server | queries/s | CPU us/query | vs Unbound (CPU) | p50 us @fixed | p99 us @fixed | "
                 "upstream CPU during run, ms | RSS MiB |",
                 "|---|---|---|---|---|---|---|---|"]
    else:
        lines = [f"### Forwarded, every query a miss ({sizes['misses']:,} unique names, a wildcard in Knot)", "",
                 "| server | queries/s | vs Unbound (q/s) | CPU us/query | vs Unbound (CPU) | lost % | "
                 "upstream CPU us/query | RSS MiB |",
                 "|---|---|---|---|---|---|---|---|"]
    unbound = [r for r in results.get("unbound", []) if "us_per_query" in r]
    unbound_cpu = median_of(unbound, "us_per_query")
    unbound_qps = median_of(unbound, "qps")
    for name, rounds in results.items():
        ok = [r for r in rounds if "us_per_query" in r]
        if not ok:
            lines.append(f"| {name} | wrong answers | | | | | | |")
            continue
        cpu = [r["us_per_query"] for r in ok]
        cpu_ratio = f"{statistics.median(cpu) / unbound_cpu:.2f}x" if unbound_cpu else "-"
        qps = [r.get("qps") for r in ok]
        if kind == "warm":
            lines.append(f"| {name} | {summarize(qps, 0)} | {summarize(cpu)} | {cpu_ratio} | "
                         f"{summarize([r.get('p50') for r in ok], 0)} | {summarize([r.get('p99') for r in ok], 0)} | "
                         f"{summarize([r.get('upstream_cpu', 0) * 1000 for r in ok], 0)} | "
                         f"{summarize([r['rss'] for r in ok])} |")
        else:
            qps_ratio = f"{median_of(ok, 'qps') / unbound_qps:.2f}x" if unbound_qps and median_of(ok, 'qps') else "-"
            lost = [100.0 * r.get("lost", 0) / max(1, r.get("lost", 0) + r.get("completed", 0)) for r in ok]
            lines.append(f"| {name} | {summarize(qps, 0)} | {qps_ratio} | {summarize(cpu)} | {cpu_ratio} | "
                         f"{summarize(lost, 2)} | {summarize([r.get('upstream_us_per_query') for r in ok])} | "
                         f"{summarize([r['rss'] for r in ok])} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- scenario: failover

def query_stream(port, rate, duration, timeout, name, events, hard_limit=60.0):
    """TXT questions for name(i) to 127.0.0.1:port at `rate` per second for `duration` seconds
    from one UDP socket; a question unanswered after `timeout` is sent once more (a new ID), and
    fails if that is unanswered too. events: [(at seconds, label, action)], run in line.
    Returns (queries, event times). Bounded by `hard_limit` seconds whatever happens."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    total = int(rate * duration)
    queries = []
    outstanding = set()
    pending = sorted(events, key=lambda e: e[0])
    fired = {}
    start = time.monotonic()
    try:
        while True:
            now = time.monotonic() - start
            if now > hard_limit:
                break
            while pending and pending[0][0] <= now:
                _, label, action = pending.pop(0)
                fired[label] = time.monotonic() - start
                action()
            now = time.monotonic() - start
            while len(queries) < total and now >= len(queries) / rate:
                index = len(queries)
                queries.append({"name": name(index), "sent": [now], "answered": None, "attempt": None,
                                "rcode": None, "marker": None, "gave_up": False})
                outstanding.add(index)
                try:
                    sock.send(dns_query(index * 2, queries[index]["name"], 16))
                except OSError:
                    pass
            for index in list(outstanding):
                q = queries[index]
                if len(q["sent"]) == 1 and now - q["sent"][0] >= timeout:
                    q["sent"].append(now)
                    try:
                        sock.send(dns_query(index * 2 + 1, q["name"], 16))
                    except OSError:
                        pass
                elif len(q["sent"]) == 2 and now - q["sent"][1] >= timeout:
                    q["gave_up"] = True
                    outstanding.discard(index)
            if len(queries) >= total and not pending and not outstanding:
                break
            next_send = len(queries) / rate if len(queries) < total else now + 0.01
            wait = max(0.0, min(next_send - now, 0.01, (pending[0][0] - now) if pending else 0.01))
            ready, _, _ = select.select([sock], [], [], wait)
            if not ready:
                continue
            for _ in range(256):
                try:
                    data = sock.recv(4096)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break
                arrived = time.monotonic() - start
                parsed = dns_parse(data)
                if not parsed:
                    continue
                qid, rcode, _, marker = parsed
                index, attempt = qid // 2, qid % 2
                if index >= len(queries) or index not in outstanding:
                    continue
                q = queries[index]
                q.update(answered=arrived, attempt=attempt if len(q["sent"]) > 1 else 0, rcode=rcode, marker=marker)
                # An answer to the first question that arrives after the retry went out still needed the retry.
                q["retried"] = len(q["sent"]) > 1
                outstanding.discard(index)
    finally:
        sock.close()
    return queries, fired


RCODES = {1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def failover_metrics(queries, fired, event, recovery):
    t_event = fired.get(event)
    t_recover = fired.get(recovery)
    failed = [q for q in queries if q["answered"] is None or q["rcode"] != 0 or q["marker"] is None]
    retried = [q for q in queries if q.get("retried") and q not in failed]
    kinds = {}
    for q in failed:
        kind = "timeout" if q["answered"] is None else RCODES.get(q["rcode"], f"rcode {q['rcode']}") if q["rcode"] else "no TXT"
        kinds[kind] = kinds.get(kind, 0) + 1
    result = {"queries": len(queries), "failed": len(failed), "retried": len(retried), "failures": kinds}
    if t_event is None:
        return result

    def share(lo, hi):
        answered = [q for q in queries if q["answered"] is not None and q["marker"] and lo <= q["sent"][0] < hi]
        if not answered:
            return None
        return sum(1 for q in answered if q["marker"] == "primary") / len(answered)

    result["primary_before"] = share(0, t_event)
    result["primary_during"] = share(t_event, t_recover if t_recover else 1e9)
    if t_recover is not None:
        result["primary_after"] = share(t_recover, 1e9)
        result["primary_last_2s"] = share(max(q["sent"][0] for q in queries) - 2.0, 1e9)
        back = [q["answered"] for q in queries if q["marker"] == "primary" and q["answered"] and q["answered"] >= t_recover]
        result["primary_back_ms"] = (min(back) - t_recover) * 1000 if back else None
    secondary = [q["answered"] for q in queries if q["marker"] == "secondary" and q["answered"] and q["answered"] >= t_event]
    result["secondary_first_ms"] = (min(secondary) - t_event) * 1000 if secondary else None
    disturbed = [q["sent"][0] for q in failed + retried if q["sent"][0] >= t_event - 1.0]
    result["disturbed_s"] = max(0.0, max(disturbed) - t_event) if disturbed else 0.0
    during = [q["answered"] - q["sent"][0] for q in queries if q["answered"] is not None and not q.get("retried")
              and t_event <= q["sent"][0] < (t_recover or 1e9)]
    if during:
        during.sort()
        result["p50_during_ms"] = during[len(during) // 2] * 1000
        result["max_during_ms"] = during[-1] * 1000
    return result


def run_failover(forwarders, modes, rounds, params, binary):
    work = tempfile.mkdtemp(prefix="lannamed-bench-failover-")
    previous = os.sched_getaffinity(0)
    try:
        empty = os.path.join(work, "empty.toml")
        open(empty, "w").close()
        results = {(name, mode): [] for name in forwarders for mode in modes}
        order = list(forwarders)
        for round_index in range(rounds):
            for name in order:
                for mode in modes:
                    tag = f"{name}-{mode}-{round_index}"
                    base = os.path.join(work, tag)
                    primary = KnotUpstream(os.path.join(base, "primary"), {"zone_text": corp_zone(10, "primary")})
                    secondary = KnotUpstream(os.path.join(base, "secondary"), {"zone_text": corp_zone(10, "secondary")})
                    server = None
                    try:
                        primary.start()
                        secondary.start()
                        data = {"binary": binary, "empty_config": empty, "probe": f"ns1.{CORP}",
                                "upstreams": [primary.port, secondary.port]}
                        server = FORWARDERS[name](os.path.join(base, name), data)
                        server.start()
                        marker = dig(server.port, f"ready.w.{CORP}", "TXT")
                        if not marker or marker[0].strip('"') not in ("primary", "secondary"):
                            note(f"  {name} {mode}: WRONG ANSWER {marker}, not run")
                            results[(name, mode)].append({"wrong": 1})
                            continue
                        if mode == "kill":
                            def event(p=primary):
                                p.proc.send_signal(signal.SIGKILL)

                            def recover(p=primary):
                                p.proc.wait(timeout=5)
                                p.launch()  # same port and files; not waited for
                        else:
                            def event(p=primary):
                                p.proc.send_signal(signal.SIGSTOP)

                            def recover(p=primary):
                                p.proc.send_signal(signal.SIGCONT)
                        os.sched_setaffinity(0, {int(CLIENT_CPU)})
                        try:
                            queries, fired = query_stream(
                                server.port, params["rate"], params["duration"], params["timeout"],
                                lambda i, t=tag: f"q{i:05d}-{t}.w.{CORP}",
                                [(params["event_at"], "event", event), (params["recover_at"], "recover", recover)],
                                hard_limit=params["duration"] + 4 * params["timeout"] + 5)
                        finally:
                            os.sched_setaffinity(0, previous)
                        result = failover_metrics(queries, fired, "event", "recover")
                        results[(name, mode)].append(result)
                        note(f"  round {round_index + 1} {name} {mode}: {result['queries']} queries, "
                             f"{result['failed']} failed {result['failures']}, {result['retried']} retried, secondary after "
                             f"{fmt(result.get('secondary_first_ms'), 0)} ms, primary back after "
                             f"{fmt(result.get('primary_back_ms'), 0)} ms, primary share "
                             f"{fmt_share(result.get('primary_before'))}/{fmt_share(result.get('primary_during'))}/"
                             f"{fmt_share(result.get('primary_after'))}")
                    finally:
                        if server:
                            server.stop()
                        primary.stop()
                        secondary.stop()
            order = order[1:] + order[:1]
        return results
    finally:
        os.sched_setaffinity(0, previous)
        shutil.rmtree(work, ignore_errors=True)


def fmt(value, digits=1):
    return "-" if value is None else f"{value:,.{digits}f}"


def fmt_share(value):
    return "-" if value is None else f"{value * 100:.0f}%"


def listing(values, formatter):
    return " / ".join(formatter(v) for v in values)


def failures(result):
    if not result["failed"]:
        return "0"
    return f"{result['failed']} (" + ", ".join(f"{n} {kind}" for kind, n in sorted(result["failures"].items())) + ")"


def report_failover(results, params):
    lines = [f"### Failover (a stream of {params['rate']} unique TXT questions/s for {params['duration']:g} s, "
             f"client timeout {params['timeout']:g} s and one retry; the primary SIGKILLed at "
             f"{params['event_at']:g} s and restarted at {params['recover_at']:g} s, or SIGSTOPped at "
             f"{params['event_at']:g} s and continued at {params['recover_at']:g} s; one value per round)", "",
             "| server | primary | failed | needed the retry | first answer from the secondary, ms after | "
             "disturbed for, s | primary's share before / during / after | primary answers again, ms after |",
             "|---|---|---|---|---|---|---|---|"]
    for (name, mode), rounds in results.items():
        ok = [r for r in rounds if "queries" in r]
        if not ok:
            lines.append(f"| {name} | {mode} | wrong answers | | | | | |")
            continue
        shares = " ; ".join(f"{fmt_share(r.get('primary_before'))} / {fmt_share(r.get('primary_during'))} / "
                            f"{fmt_share(r.get('primary_after'))}" for r in ok)
        lines.append(f"| {name} | {'SIGKILL' if mode == 'kill' else 'SIGSTOP'} | "
                     f"{listing(ok, failures)} | {listing([r['retried'] for r in ok], str)} | "
                     f"{listing([r.get('secondary_first_ms') for r in ok], lambda v: fmt(v, 0))} | "
                     f"{listing([r.get('disturbed_s') for r in ok], lambda v: fmt(v, 2))} | {shares} | "
                     f"{listing([r.get('primary_back_ms') for r in ok], lambda v: fmt(v, 0))} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- scenario: scaling with cores

SCALING = [
    # label, server, threads, server CPUs, client CPUs, dnsperf clients, dnsperf threads, outstanding
    ("lannamed, 1 thread, CPU 1; dnsperf on CPU 0", "lannamed", 1, SERVER_CPU, CLIENT_CPU, 1, 1, 100),
    ("lannamed, 2 threads, CPUs 0-1; dnsperf on CPUs 0-1", "lannamed", 2, BOTH_CPUS, BOTH_CPUS, 8, 2, 200),
    ("nsd, 1 server, CPU 1; dnsperf on CPU 0", "nsd", 1, SERVER_CPU, CLIENT_CPU, 1, 1, 100),
    ("nsd, 2 servers, CPUs 0-1; dnsperf on CPUs 0-1", "nsd", 2, BOTH_CPUS, BOTH_CPUS, 8, 2, 200),
]


def run_scaling(count, rounds, duration, binary, variants):
    work = tempfile.mkdtemp(prefix="lannamed-bench-scaling-")
    try:
        data = lan_data(count, work, max(10_000, count), binary)
        results = {v[0]: [] for v in variants}
        order = list(variants)
        for round_index in range(rounds):
            for label, name, threads, cpus, client_cpus, clients, client_threads, outstanding in order:
                server = SERVERS[name](os.path.join(work, f"{name}-{threads}-{round_index}"), data, threads=threads,
                                       cpus=cpus)
                try:
                    server.start()
                    wrong = check_answers(server, data["expected"], limit=10)
                    if wrong:
                        note(f"  {label}: WRONG ANSWERS, not timed: {wrong[:3]}")
                        results[label].append({"wrong": len(wrong)})
                        continue
                    result = dnsperf(server, data["queries"], duration, cpus=client_cpus, clients=clients,
                                     threads=client_threads, outstanding=outstanding)
                    result["server_cores"] = len(cpus.split(","))
                    results[label].append(result)
                    note(f"  round {round_index + 1} {label}: {result.get('qps', 0):,.0f} q/s, "
                         f"{result['us_per_query']:.2f} us/query, client {result['client_us_per_query']:.2f} us/query, "
                         f"threads {[round(t, 2) for t in result['thread_cpu']]}")
                finally:
                    server.stop()
            order = order[1:] + order[:1]
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report_scaling(results, count):
    lines = [f"### Scaling with cores (LAN zone, {count:,} hosts)", "",
             "| setup | queries/s | vs 1 core | server CPU us/query | dnsperf CPU us/query | busiest threads' CPU share, % | "
             "server's cores x 10^6 / CPU us per query |",
             "|---|---|---|---|---|---|---|"]
    base = {}
    for label, rounds in results.items():
        ok = [r for r in rounds if "us_per_query" in r]
        server = label.split(",")[0]
        if not ok:
            lines.append(f"| {label} | wrong answers | | | | | |")
            continue
        qps = median_of(ok, "qps")
        base.setdefault(server, qps)
        ratio = f"{qps / base[server]:.2f}x" if qps and base.get(server) else "-"
        split = []
        for r in ok:
            total = sum(r["thread_cpu"]) or 1
            split.append("/".join(f"{100 * t / total:.0f}" for t in r["thread_cpu"][:2]))
        lines.append(f"| {label} | {summarize([r.get('qps') for r in ok], 0)} | {ratio} | "
                     f"{summarize([r['us_per_query'] for r in ok])} | {summarize([r['client_us_per_query'] for r in ok])} | "
                     f"{' ; '.join(split)} | {summarize([r['server_cores'] * 1e6 / r['us_per_query'] for r in ok], 0)} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- scenario: DHCP

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


def stop_pid(proc, timeout=10):
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


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
                        ["taskset", "-c", CLIENT_CPU, sys.executable, os.path.abspath(__file__), "--dhcp-probe",
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


def dhcp_probe(spec):
    """Runs inside the namespace: sees each sampled ACK on the interface (AF_PACKET) and asks
    lannamed for its name every 2 ms until it answers; prints one JSON line at the end."""
    interface, port, sample_every, count, limit = spec.split(",")
    port, sample_every, count, limit = int(port), int(sample_every), int(count), float(limit)
    offset = sample_every // 2 if sample_every > 1 else 0
    expected = len(range(offset, count, sample_every))
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    raw.bind((interface, 0x0800))
    raw.setblocking(False)
    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.connect(("127.0.0.1", port))
    dns.setblocking(False)
    acks = {}       # lease index -> monotonic time its ACK was seen
    waiting = {}    # lease index -> last time asked, until its name answers
    latency = {}
    polls = 0
    acks_seen = 0
    print("ready", flush=True)
    start = time.monotonic()
    while time.monotonic() - start < limit:
        ready, _, _ = select.select([raw, dns], [], [], 0.002)
        now = time.monotonic()
        if raw in ready:
            for _ in range(512):
                try:
                    frame, address = raw.recvfrom(2048)
                except (BlockingIOError, InterruptedError):
                    break
                seen = time.monotonic()
                if address[2] == socket.PACKET_OUTGOING or len(frame) < 14 + 20 + 8 + 240:
                    continue
                ihl = (frame[14] & 0x0F) * 4
                udp = 14 + ihl
                if frame[23] != 17 or struct.unpack("!H", frame[udp:udp + 2])[0] != 67:
                    continue
                bootp = udp + 8
                if frame[bootp] != 2:
                    continue
                xid = struct.unpack("!I", frame[bootp + 4:bootp + 8])[0]
                options = bootp + 240
                kind = None
                while options + 1 < len(frame) and frame[options] != 255:
                    if frame[options] == 0:
                        options += 1
                        continue
                    if frame[options] == 53:
                        kind = frame[options + 2]
                        break
                    options += 2 + frame[options + 1]
                if kind != 5:
                    continue
                acks_seen += 1
                index = xid - 0x10000000
                if 0 <= index < count and index % sample_every == offset and index not in acks:
                    acks[index] = seen
                    waiting[index] = 0.0
        if dns in ready:
            for _ in range(512):
                try:
                    data = dns.recv(4096)
                except (BlockingIOError, InterruptedError):
                    break
                parsed = dns_parse(data)
                if parsed and parsed[1] == 0 and parsed[2] > 0 and parsed[0] in waiting:
                    latency[parsed[0]] = time.monotonic() - acks[parsed[0]]
                    del waiting[parsed[0]]
        now = time.monotonic()
        for index, asked in list(waiting.items()):
            if now - asked < 0.002:
                continue
            waiting[index] = now
            polls += 1
            try:
                dns.send(dns_query(index, f"host-{index:06d}.lan", 1))
            except OSError:
                pass
        if len(latency) >= expected:
            break
        if acks and len(acks) >= expected and now - max(acks.values()) > 10:
            break
    values = sorted(v * 1000 for v in latency.values())
    result = {"samples": expected, "acks_seen": acks_seen, "sampled_acks": len(acks), "answered": len(values),
              "polls": polls}
    if values:
        result.update(p50_ms=values[len(values) // 2], p99_ms=values[min(len(values) - 1, int(len(values) * 0.99))],
                      max_ms=values[-1])
    print(json.dumps(result), flush=True)


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


# ---------------------------------------------------------------- callgrind profile

SIGSUSPEND_SHIM = r"""
#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>
int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return syscall(SYS_rt_sigsuspend, &copy, _NSIG / 8);
}
"""


def run_callgrind(target, binary, queries, rate, keep, sizes):
    """lannamed (and, for forwarding, Unbound) under valgrind's callgrind, instrumentation off
    through start-up and a warm-up and 3 s for the warm-up's timeouts to fire; then 5 s idle (the
    background: timers, the store's change poll), then `queries` questions at `rate`/s and 2 s for
    their own timeouts. Instructions per query (the idle rate taken off) and the top functions by
    self cost. The callgrind files are kept in `keep`."""
    for tool in ("valgrind", "callgrind_control", "callgrind_annotate", "strip", "cc"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} is not installed (apt-get install -y valgrind binutils gcc)")
    os.makedirs(keep, exist_ok=True)
    work = tempfile.mkdtemp(prefix="lannamed-bench-callgrind-")
    upstream = None
    try:
        if target == "lan":
            data = lan_data(1000, work, 10_000, binary)
            contenders, query_file = [("lannamed", Lannamed)], data["queries"]
        else:
            data = forward_data(sizes["names"], sizes["warm_a"], sizes["warm_aaaa"], max(queries * 2, 10_000), work,
                                binary)
            upstream = KnotUpstream(os.path.join(work, "knot-upstream"), data)
            upstream.start()
            data["upstreams"] = [upstream.port]
            contenders = [("lannamed", LannamedForwarder), ("unbound", UnboundForwarder)]
            query_file = data["warm"] if target == "forward-warm" else data["miss"]
        with open(query_file) as f:
            lines = f.readlines()
        subset = os.path.join(work, "subset.txt")
        warmup = os.path.join(work, "warmup.txt")
        with open(subset, "w") as out:
            # forward-miss: the first 1,000 names warm up, the measured ones are new.
            out.writelines(lines[1000:1000 + queries] if target == "forward-miss" else lines[:queries])
        with open(warmup, "w") as out:
            out.writelines(lines[:1000] if target == "forward-miss" else lines)
        # Valgrind 3.19 (Debian 12) cannot read the DWARF 5 of Swift 6 binaries: a copy without
        # debug sections still has every function's symbol. And it writes into the signal mask
        # given to rt_sigsuspend, which libdispatch keeps in read-only memory: a preloaded
        # sigsuspend hands it a copy.
        stripped = os.path.join(work, "lannamed-nodebug")
        subprocess.run(["strip", "--strip-debug", "-o", stripped, binary], check=True, timeout=120)
        data["binary"] = stripped
        shim_source = os.path.join(work, "sigsuspend.c")
        with open(shim_source, "w") as f:
            f.write(SIGSUSPEND_SHIM)
        shim = os.path.join(work, "sigsuspend.so")
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", shim, shim_source], check=True, timeout=120)
        for name, cls in contenders:
            server = cls(os.path.join(work, name), data)
            output = os.path.join(keep, f"callgrind.{target}.{name}")
            for old in [f for f in os.listdir(keep) if f.startswith(os.path.basename(output))]:
                os.remove(os.path.join(keep, old))
            original = server.command

            def command(original=original, output=output):
                return ["env", f"LD_PRELOAD={shim}", "valgrind", "--tool=callgrind", "--instr-atstart=no",
                        f"--callgrind-out-file={output}"] + original()
            server.command = command

            def control(*args, pid=None):
                subprocess.run(["callgrind_control", *args, str(pid)], capture_output=True, timeout=120)
                time.sleep(0.5)
            try:
                os.makedirs(server.work, exist_ok=True)
                server.prepare()
                server.launch()
                pid = server.proc.pid
                wait_answering(server.port, server.probe_name(), server.proc, server.log, deadline_s=300)
                subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(server.port), "-d", warmup, "-n", "1",
                                "-Q", str(rate), "-q", "20", "-t", "5"], capture_output=True, timeout=900)
                # The warm-up's own aftermath (upstream timeouts, due 1.5 s after each query, fire
                # even for answered queries) must not count as background.
                time.sleep(3)
                control("--instr=on", pid=pid)
                control("--zero", pid=pid)
                idle_start = time.monotonic()
                time.sleep(5)
                control("--dump=idle", pid=pid)
                idle_seconds = time.monotonic() - idle_start
                started = time.monotonic()
                perf = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(server.port), "-d", subset, "-n", "1",
                                       "-Q", str(rate), "-q", "20", "-t", "5"], capture_output=True, text=True,
                                      timeout=900).stdout
                # The queries' own aftermath (their timeouts, 1.5 s later) is part of their cost.
                time.sleep(2)
                control("--dump=queries", pid=pid)
                busy_seconds = time.monotonic() - started
                completed = int(re.search(r"Queries completed:\s+(\d+)", perf).group(1))
            finally:
                server.stop()
            parts = sorted(f for f in os.listdir(keep) if f.startswith(os.path.basename(output) + "."))

            def annotate(path):
                text = subprocess.run(["callgrind_annotate", "--inclusive=no", path], capture_output=True, text=True,
                                      timeout=300).stdout
                if shutil.which("swift"):
                    text = subprocess.run(["swift", "demangle", "--simplified"], input=text, capture_output=True,
                                          text=True, timeout=300).stdout or text
                total = re.search(r"([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", text)
                return text, int(total.group(1).replace(",", "")) if total else 0
            files = {}
            for part in parts:
                with open(os.path.join(keep, part), errors="replace") as f:
                    head = f.read(4096)
                for label in ("idle", "queries"):
                    if f"Trigger: Client Request: {label}" in head or f"trigger: {label}" in head.lower() or \
                            f"Trigger: {label}" in head:
                        files[label] = os.path.join(keep, part)
            if "queries" not in files and len(parts) >= 2:
                files = {"idle": os.path.join(keep, parts[0]), "queries": os.path.join(keep, parts[1])}
            _, idle = annotate(files["idle"]) if "idle" in files else ("", 0)
            text, instructions = annotate(files["queries"])
            background = idle / idle_seconds * busy_seconds if idle_seconds else 0
            print(f"### callgrind: {name}, {target}, {completed:,} queries at {rate}/s after a warm-up\n")
            print(f"{(instructions - background) / max(1, completed):,.0f} instructions per query "
                  f"({instructions:,} while querying, less {background:,.0f} of background at the idle rate of "
                  f"{idle / max(idle_seconds, 0.001):,.0f}/s); file {files['queries']}\n")
            body = text.split("file:function", 1)[-1].splitlines()[2:32]
            print("```\n" + "\n".join(line[:220] for line in body) + "\n```\n", flush=True)
    finally:
        if upstream:
            upstream.stop()
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------- main

def require(tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        sys.exit(f"bench: not installed: {', '.join(missing)} (apt-get install knot nsd unbound dnsmasq-base dnsperf gcc)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma-separated, of: {', '.join(SCENARIOS)}")
    parser.add_argument("--hosts", type=int, action="append", help="LAN zone host counts (default 1000 and 100000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10, help="seconds per dnsperf run")
    parser.add_argument("--servers", default="lannamed,nsd,knot,dnsmasq,null",
                        help="LAN zone contenders (null: the do-nothing responder, bench/null_responder.c)")
    parser.add_argument("--forwarders", default="lannamed,unbound,dnsmasq", help="forwarding contenders")
    parser.add_argument("--failover-servers", default="lannamed,dnsmasq,dnsmasq-strict,unbound")
    parser.add_argument("--latency-rate", type=int, default=10000, help="queries/s of the fixed-rate latency run (0: skip)")
    parser.add_argument("--warm-questions", type=int, default=8000,
                        help="distinct questions of the forwarded warm-cache list (3/4 A, 1/4 AAAA)")
    parser.add_argument("--dhcp-leases", type=int, default=100_000, help="leases in the --pcap-file replay")
    parser.add_argument("--dhcp-rate", type=int, default=1000, help="DHCP transactions/s of the live replay (0: skip)")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "lannamed"))
    parser.add_argument("--json", help="also write every round's raw figures to this file")
    parser.add_argument("--callgrind", choices=["lan", "forward-warm", "forward-miss"],
                        help="instead of timing: instruction profile under valgrind")
    parser.add_argument("--callgrind-queries", type=int, default=5000)
    parser.add_argument("--callgrind-rate", type=int, default=1000, help="queries/s under callgrind")
    parser.add_argument("--callgrind-dir", default=os.path.join(tempfile.gettempdir(), "lannamed-callgrind"),
                        help="where the callgrind files are kept")
    parser.add_argument("--smoke", action="store_true", help="a few seconds per scenario, to keep the harness working")
    parser.add_argument("--dhcp-probe", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dhcp_probe:
        return dhcp_probe(args.dhcp_probe)
    scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        sys.exit(f"bench: unknown scenario {unknown}; choose from {SCENARIOS}")
    forward = {"names": 10_000, "warm_a": args.warm_questions * 3 // 4,
               "warm_aaaa": args.warm_questions - args.warm_questions * 3 // 4, "misses": 300_000}
    failover = {"rate": 50, "duration": 10.0, "event_at": 3.0, "recover_at": 6.0, "timeout": 1.0}
    failover_modes = ["kill", "stop"]
    scaling_hosts, scaling_variants = 1000, SCALING
    if args.smoke:
        args.hosts, args.rounds, args.duration, args.latency_rate = [200], 1, 0.5, 0
        forward = {"names": 300, "warm_a": 200, "warm_aaaa": 50, "misses": 2_000, "checks": 10}
        failover = {"rate": 50, "duration": 1.5, "event_at": 0.5, "recover_at": 1.0, "timeout": 0.5}
        args.failover_servers, failover_modes = "lannamed", ["kill"]
        scaling_hosts, scaling_variants = 200, SCALING[:2]
        args.dhcp_leases, args.dhcp_rate = 1000, 0
        debug = os.path.join(ROOT, ".build", "debug", "lannamed")
        if os.path.exists(debug):
            args.binary = debug
    if not os.path.exists(args.binary):
        sys.exit(f"bench: {args.binary} is missing: swift build -c release --product lannamed")
    require(["dnsperf", "dig", "taskset"])
    if args.callgrind:
        require(["knotd", "unbound"] if args.callgrind != "lan" else [])
        return run_callgrind(args.callgrind, args.binary, args.callgrind_queries, args.callgrind_rate,
                             args.callgrind_dir, forward)
    servers = [s for s in args.servers.split(",") if s]
    forwarders = [s for s in args.forwarders.split(",") if s]
    failover_servers = [s for s in args.failover_servers.split(",") if s]
    if "lan" in scenarios:
        require([BINARIES[s] for s in servers if s != "lannamed"])
    if "forward-warm" in scenarios or "forward-miss" in scenarios:
        require(["knotd"] + [BINARIES[s] for s in forwarders if s != "lannamed"])
    if "failover" in scenarios:
        require(["knotd"] + [BINARIES[s] for s in failover_servers if s != "lannamed"])
    if "scaling" in scenarios:
        require(["nsd"] if any(v[1] == "nsd" for v in scaling_variants) else [])
    raw = {}
    print(f"# lannamed benchmarks ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
          f"{args.rounds} rounds x {args.duration:g} s)\n", flush=True)
    if "lan" in scenarios:
        for count in args.hosts or [1000, 100000]:
            note(f"scenario: LAN zone, {count:,} hosts")
            results = run_scenario(f"LAN zone, {count:,} hosts", count, servers, args.rounds, args.duration,
                                   min(100_000, max(10_000, count)), args.binary, args.latency_rate)
            raw[f"lan-{count}"] = results
            print(report(f"LAN zone, {count:,} hosts", results) + "\n", flush=True)
            if args.smoke:
                bad = [n for n, r in results.items() if not any("us_per_query" in x for x in r)]
                if bad:
                    sys.exit(f"bench smoke: no valid run for {bad}")
    for kind in ("warm", "miss"):
        if f"forward-{kind}" in scenarios:
            note(f"scenario: forwarded, {'warm cache' if kind == 'warm' else 'every query a miss'}")
            results = run_forwarding(kind, forwarders, args.rounds, args.duration, forward, args.binary,
                                     args.latency_rate if kind == "warm" else 0)
            raw[f"forward-{kind}"] = results
            print(report_forwarding(kind, results, forward) + "\n", flush=True)
            if args.smoke:
                bad = [n for n, r in results.items() if not any("us_per_query" in x for x in r)]
                if bad:
                    sys.exit(f"bench smoke: no valid forwarding run for {bad}")
    if "failover" in scenarios:
        note("scenario: failover")
        results = run_failover(failover_servers, failover_modes, args.rounds, failover, args.binary)
        raw["failover"] = {f"{k[0]}/{k[1]}": v for k, v in results.items()}
        print(report_failover(results, failover) + "\n", flush=True)
        if args.smoke:
            bad = [k for k, r in results.items() if not any(x.get("queries", 0) - x.get("failed", 0) > 0 for x in r)]
            if bad:
                sys.exit(f"bench smoke: no answered failover stream for {bad}")
    if "scaling" in scenarios:
        note("scenario: scaling")
        results = run_scaling(scaling_hosts, args.rounds, args.duration, args.binary, scaling_variants)
        raw["scaling"] = results
        print(report_scaling(results, scaling_hosts) + "\n", flush=True)
        if args.smoke:
            bad = [n for n, r in results.items() if not any("us_per_query" in x for x in r)]
            if bad:
                sys.exit(f"bench smoke: no valid scaling run for {bad}")
    if "dhcp" in scenarios:
        note(f"scenario: DHCP, {args.dhcp_leases:,}-lease replay")
        replay = run_dhcp_replay(args.dhcp_leases, args.rounds, args.binary, smoke=args.smoke)
        live, live_params = None, (args.dhcp_rate, 10.0, 10)
        if args.dhcp_rate:
            note(f"scenario: DHCP, {args.dhcp_rate:,} transactions/s onto a veth in a namespace")
            live = run_dhcp_live(args.dhcp_rate, 10.0, 10, args.rounds, args.binary)
        raw["dhcp"] = {"replay": replay, "live": live}
        print(report_dhcp(replay, args.dhcp_leases, live, live_params) + "\n", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1, default=str)


def _terminate(signum, frame):
    raise SystemExit(128 + signum)   # unwinds: every finally stops its processes, removes its namespace


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    main()
