"""The servers: Server (start, probe, stop) and one subclass per contender, with the config it
writes. LAN zone: lannamed, NSD, Knot, dnsmasq and the do-nothing responder; forwarding: lannamed,
Unbound, dnsmasq (and --strict-order); KnotUpstream, the authoritative upstream of the forwarders."""
import os
import signal
import subprocess
import time

from . import ROOT
from .datasets import CORP
from .dnsquery import ask, wait_answering
from .procs import CLIENT_CPU, SERVER_CPU, free_port


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
    # The data key of the binary: "binary", or "baseline" for the build compared against (--baseline).
    binary_key = "binary"

    def prepare(self):
        db = os.path.join(self.work, "lannamed.sqlite")
        if not os.path.exists(db):
            subprocess.run([self.data[self.binary_key], "hosts", "import", self.data["hosts_file"], "--database", db,
                            "--config", self.data["empty_config"]], check=True, capture_output=True)

    def command(self):
        return [self.data[self.binary_key], "run", "--listen", f"127.0.0.1:{self.port}", "--database",
                os.path.join(self.work, "lannamed.sqlite"), "--threads", str(self.threads), "--no-dhcp",
                "--no-forward", "--config", self.data["empty_config"]]


class NSD(Server):
    name = "nsd"

    def prepare(self):
        zones = "".join(f"zone:\n  name: \"{z}\"\n  zonefile: \"{os.path.join(self.data['dir'], z + 'zone')}\"\n"
                        for z in ["lan."] + self.data["reverse_zones"])
        with open(os.path.join(self.work, "nsd.conf"), "w") as f:
            f.write(nsd_server_config(self.work, self.port, self.threads, extra=["minimal-responses: yes"]) + zones)

    def command(self):
        return ["nsd", "-d", "-c", os.path.join(self.work, "nsd.conf")]


def nsd_server_config(work, port, threads, extra=()):
    """NSD's server and remote-control sections for a run in `work`, with `extra` server lines;
    the zones follow."""
    lines = "".join(f"  {line}\n" for line in extra)
    return f"""server:
  ip-address: 127.0.0.1@{port}
  server-count: {threads}
  username: ""
  chroot: ""
  zonesdir: "{work}"
  database: ""
  pidfile: "{work}/nsd.pid"
  xfrdfile: "{work}/xfrd.state"
  zonelistfile: "{work}/zone.list"
  logfile: "{work}/nsd.out"
  rrl-ratelimit: 0
{lines}remote-control:
  control-enable: no
"""


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
    binary_key = "binary"

    def command(self):
        args = [self.data[self.binary_key], "run", "--listen", f"127.0.0.1:{self.port}", "--threads", "1", "--no-dhcp"]
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


class LannamedBaseline(Lannamed):
    """Another build of lannamed (--baseline), timed in the same rounds as this one."""
    name = "lannamed-base"
    binary_key = "baseline"


class LannamedBaselineForwarder(LannamedForwarder):
    name = "lannamed-base"
    binary_key = "baseline"


SERVERS = {"lannamed": Lannamed, "lannamed-base": LannamedBaseline, "nsd": NSD, "knot": Knot, "dnsmasq": Dnsmasq, "null": NullResponder}
FORWARDERS = {"lannamed": LannamedForwarder, "lannamed-base": LannamedBaselineForwarder, "unbound": UnboundForwarder, "dnsmasq": DnsmasqForwarder,
              "dnsmasq-strict": DnsmasqStrict}
BINARIES = {"nsd": "nsd", "knot": "knotd", "dnsmasq": "dnsmasq", "unbound": "unbound", "dnsmasq-strict": "dnsmasq",
            "null": "cc"}
