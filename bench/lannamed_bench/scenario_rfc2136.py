"""Scenario rfc2136: RFC 2136 UPDATEs signed with TSIG (dnsperf -u) on a hosted zone of 100,000
names (dyn.example.net, h00001... with an A record each), one delete+add of one name's A per
update, 20 outstanding: lannamed against Knot (journal on) and BIND 9 (update-policy).

Every contender starts from the same zone, with the same key (the one `lannamed keys add` made).
Before timing, a sample of names must answer their first address; after the run, a sample of the
names updated must answer the last address sent to them (each name is sent one new address, in a
shuffled order, so the last one sent is known)."""
import os
import random
import re
import shutil
import subprocess
import tempfile
import time

from .contenders import Server
from .dnsquery import check_answers
from .procs import CLIENT_CPU, busiest_threads, children_cpu, cpu_seconds, rss_mib, threads_by_name
from .report import fmt, note, summarize

ZONE = "dyn.example.net"
KEY = "bench."
OUTSTANDING = 20


def host(i):
    return f"h{i:05d}"


def first_address(i):
    return f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}"


def new_address(i):
    return f"100.{64 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}"


def write_data(names, work, binary):
    """The zone (records for `lannamed records import`, a zone file for Knot and BIND), the update
    list, and lannamed's database with the records and the key; the key for everyone."""
    empty = os.path.join(work, "empty.toml")
    open(empty, "w").close()
    records = os.path.join(work, "records.txt")
    with open(records, "w") as f:
        f.write(f"$ORIGIN {ZONE}.\n")
        f.writelines(f"{host(i)} 60 A {first_address(i)}\n" for i in range(1, names + 1))
    zonefile = os.path.join(work, "dyn.zone")
    with open(zonefile, "w") as f:
        f.write(f"$ORIGIN {ZONE}.\n$TTL 3600\n@ SOA ns1 hostmaster 1 3600 600 1209600 60\n@ NS ns1\nns1 A 127.0.0.1\n")
        f.writelines(f"{host(i)} 60 A {first_address(i)}\n" for i in range(1, names + 1))
    order = list(range(1, names + 1))
    random.Random(3).shuffle(order)
    updates = os.path.join(work, "updates.txt")
    with open(updates, "w") as f:
        for i in order:
            f.write(f"{ZONE}\ndelete {host(i)} A\nadd {host(i)} 60 A {new_address(i)}\nsend\n")
    db = os.path.join(work, "base.sqlite")
    common = ["--database", db, "--config", empty, "--hosted-zone", ZONE]
    start = time.monotonic()
    subprocess.run([binary, "records", "import", records] + common, check=True, capture_output=True, timeout=600)
    imported = time.monotonic() - start
    key = subprocess.run([binary, "keys", "add", KEY.rstrip("."), "--zone", ZONE] + common, check=True,
                         capture_output=True, text=True, timeout=60).stdout.strip().splitlines()[-1]
    algorithm, name, secret = key.split(":", 2)
    return {"names": names, "zonefile": zonefile, "updates": updates, "order": order, "db": db, "binary": binary,
            "empty_config": empty, "key": (algorithm, name, secret), "import_s": imported,
            "expected": [(f"{host(i)}.{ZONE}", "A", first_address(i)) for i in random.Random(4).sample(range(1, names + 1), 20)]}


class UpdateServer(Server):
    def probe_name(self):
        return f"{host(1)}.{ZONE}"


def copy_database(source, work):
    """A fresh copy of the prepared database (with its WAL) for one run of lannamed."""
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(source + suffix):
            shutil.copy(source + suffix, os.path.join(work, "lannamed.sqlite" + suffix))


class LannamedHosted(UpdateServer):
    """lannamed serving the zone from its database; errors logged only (as Knot's and BIND's)."""
    name = "lannamed"

    def prepare(self):
        copy_database(self.data["db"], self.work)

    def command(self):
        return [self.data["binary"], "run", "--listen", f"127.0.0.1:{self.port}", "--database",
                os.path.join(self.work, "lannamed.sqlite"), "--threads", "1", "--no-dhcp", "--no-forward",
                "--hosted-zone", ZONE, "--log-level", "error", "--config", self.data["empty_config"]]


class KnotUpdates(UpdateServer):
    """Knot with one UDP worker, the key in an update ACL, changes kept in its journal (the zone
    file is not rewritten after each update: zonefile-sync -1)."""
    name = "knot"

    def prepare(self):
        algorithm, name, secret = self.data["key"]
        zone = os.path.join(self.work, "dyn.zone")
        shutil.copy(self.data["zonefile"], zone)
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
key:
  - id: {name}
    algorithm: {algorithm}
    secret: {secret}
acl:
  - id: update
    key: {name}
    action: update
zone:
  - domain: {ZONE}
    file: "{zone}"
    storage: "{self.work}/knot-db"
    semantic-checks: off
    journal-content: changes
    zonefile-sync: -1
    acl: update
""")

    def command(self):
        return ["knotd", "-c", os.path.join(self.work, "knot.conf")]


class BindUpdates(UpdateServer):
    """BIND 9 with one worker thread (-n 1), the key in an update-policy, its journal beside the
    zone file; errors logged only (as Knot's), never each update."""
    name = "bind"

    def prepare(self):
        algorithm, name, secret = self.data["key"]
        zone = os.path.join(self.work, "dyn.zone")
        shutil.copy(self.data["zonefile"], zone)
        with open(os.path.join(self.work, "named.conf"), "w") as f:
            f.write(f"""options {{
  directory "{self.work}";
  pid-file "{self.work}/named.pid";
  session-keyfile "{self.work}/session.key";
  listen-on port {self.port} {{ 127.0.0.1; }};
  listen-on-v6 {{ none; }};
  recursion no;
  notify no;
}};
logging {{
  channel errors {{ file "{self.work}/named.out"; severity error; }};
  category default {{ errors; }};
  category update {{ null; }};
  category update-security {{ null; }};
}};
controls {{ }};
key "{name}" {{ algorithm {algorithm}; secret "{secret}"; }};
zone "{ZONE}" {{
  type primary;
  file "{zone}";
  update-policy {{ grant {name} zonesub ANY; }};
}};
""")

    def command(self):
        return ["named", "-f", "-n", "1", "-c", os.path.join(self.work, "named.conf")]


UPDATERS = {"lannamed": LannamedHosted, "knot": KnotUpdates, "bind": BindUpdates}
BINARIES = {"knot": "knotd", "bind": "named"}


def wait_idle(pid, quiet=0.3, limit=60):
    """Waits until the server's CPU time stops moving (it finished the updates still queued)."""
    deadline = time.monotonic() + limit
    last = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = cpu_seconds(pid)
        if now - last < 0.02:
            return now
        last = now
    return last


def dnsperf_updates(server, data, duration):
    algorithm, name, secret = data["key"]
    args = ["taskset", "-c", CLIENT_CPU, "dnsperf", "-u", "-s", "127.0.0.1", "-p", str(server.port), "-d",
            data["updates"], "-l", str(duration), "-q", str(OUTSTANDING), "-t", "30", "-y",
            f"{algorithm}:{name}:{secret}", "-n", "1"]
    before = cpu_seconds(server.proc.pid)
    threads_before = threads_by_name(server.proc.pid)
    client_before = children_cpu()
    start = time.monotonic()
    out = subprocess.run(args, capture_output=True, text=True, timeout=duration + 90).stdout
    elapsed = time.monotonic() - start
    client_after = children_cpu()
    # Updates still queued in the server when dnsperf stopped are finished (and charged) too.
    after = wait_idle(server.proc.pid)
    result = {"cpu": after - before, "client_cpu": client_after - client_before, "elapsed": elapsed, "rcodes": {},
              "threads": busiest_threads(threads_before, threads_by_name(server.proc.pid))}
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("Updates sent:"):
            result["sent"] = int(line.split()[2])
        elif line.startswith("Updates completed:"):
            result["completed"] = int(line.split()[2])
        elif line.startswith("Updates lost:"):
            result["lost"] = int(line.split()[2])
        elif line.startswith("Updates per second:"):
            result["ups"] = float(line.split()[3])
        elif line.startswith("Average Latency"):
            match = re.search(r"Average Latency \(s\):\s+([\d.]+)", line)
            if match:
                result["avg_latency_ms"] = float(match.group(1)) * 1000
        elif line.startswith("Response codes:"):
            for code, count in re.findall(r"([A-Z]+) (\d+)", line):
                result["rcodes"][code] = int(count)
    ok = result["rcodes"].get("NOERROR", 0)
    result["ok"] = ok
    # Every update sent is applied, answered in time or not: CPU over those sent.
    sent = result.get("sent", 0)
    result["us_per_update"] = result["cpu"] / sent * 1e6 if sent else float("nan")
    if not ok:
        result["dnsperf_output"] = out[-1500:]
    return result


def run_rfc2136(names, servers, rounds, duration, binary, smoke=False):
    work = tempfile.mkdtemp(prefix=f"lannamed-bench-rfc2136-{names}-")
    try:
        data = write_data(names, work, binary)
        note(f"  {names:,} records imported into lannamed's database in {data['import_s']:.1f} s")
        results = {name: [] for name in servers}
        order = list(servers)
        for round_index in range(rounds):
            for name in order:
                server = UPDATERS[name](os.path.join(work, f"{name}-{round_index}"), data)
                try:
                    startup = server.start()
                    wrong = check_answers(server, data["expected"])
                    if wrong:
                        note(f"  {name}: WRONG ANSWERS before the updates, not timed: {wrong[:3]}")
                        results[name].append({"wrong": len(wrong)})
                        continue
                    result = dnsperf_updates(server, data, duration)
                    result["startup"] = startup
                    result["rss"] = rss_mib(server.proc.pid)
                    # The names sent (dnsperf goes through the list in order): each answers its new address.
                    sent = min(result.get("sent", 0), len(data["order"]))
                    rng = random.Random(5 + round_index)
                    sample = rng.sample(data["order"][:sent], min(20, sent)) if sent else []
                    if sent < len(data["order"]):
                        sample += data["order"][-2:]     # never sent: still the first address
                    expected = [(f"{host(i)}.{ZONE}", "A", new_address(i) if k < min(20, sent) else first_address(i))
                                for k, i in enumerate(sample)]
                    wrong = check_answers(server, expected)
                    result["checked"] = len(expected)
                    result["wrong_after"] = len(wrong)
                    if wrong:
                        note(f"  {name}: {len(wrong)} of {len(expected)} sampled names wrong after the run: {wrong[:3]}")
                    results[name].append(result)
                    note(f"  round {round_index + 1} {name}: {result.get('ups', 0):,.0f} updates/s, "
                         f"{result['us_per_update']:,.0f} us/update, {result['ok']:,} NOERROR of {result.get('sent', 0):,} sent, "
                         f"rcodes {result['rcodes']}, rss {result['rss']:.1f} MiB, start {startup:.2f} s, "
                         f"busiest threads (CPU s) {result['threads']}")
                    if smoke and not result["ok"]:
                        note(result.get("dnsperf_output", ""))
                finally:
                    server.stop()
            order = order[1:] + order[:1]
        return {"names": names, "import_s": data["import_s"], "rounds": results}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def valid(rounds):
    return [r for r in rounds if r.get("ok") and not r.get("wrong_after")]


def report_rfc2136(results, duration):
    names, rounds = results["names"], results["rounds"]
    lines = [f"### RFC 2136 UPDATE with TSIG: {names:,}-name zone, one delete+add per update, {OUTSTANDING} outstanding "
             f"(dnsperf -u, {duration:g} s)", "",
             "| server | updates/s | CPU us/update | vs Knot (CPU) | vs Knot (updates/s) | NOERROR / sent | "
             "avg latency ms | sampled names right after | RSS MiB | start s |",
             "|---|---|---|---|---|---|---|---|---|---|"]

    def median_of(name, key):
        import statistics
        values = [r[key] for r in valid(rounds.get(name, [])) if r.get(key) is not None]
        return statistics.median(values) if values else None
    knot_cpu, knot_ups = median_of("knot", "us_per_update"), median_of("knot", "ups")
    for name, runs in rounds.items():
        ok = valid(runs)
        if not ok:
            why = "wrong answers" if any("wrong" in r or r.get("wrong_after") for r in runs) else "no update answered"
            lines.append(f"| {name} | {why} | | | | | | | | |")
            continue
        cpu, ups = median_of(name, "us_per_update"), median_of(name, "ups")
        lines.append(
            f"| {name} | {summarize([r.get('ups') for r in ok], 0)} | {summarize([r['us_per_update'] for r in ok], 0)} | "
            f"{f'{cpu / knot_cpu:.2f}x' if knot_cpu else '-'} | {f'{ups / knot_ups:.2f}x' if knot_ups else '-'} | "
            f"{', '.join('{:,}/{:,}'.format(r['ok'], r.get('sent', 0)) for r in ok)} | "
            f"{summarize([r.get('avg_latency_ms') for r in ok], 1)} | "
            f"{', '.join('{}/{}'.format(r['checked'] - r['wrong_after'], r['checked']) for r in ok)} | "
            f"{summarize([r['rss'] for r in ok])} | {summarize([r['startup'] for r in ok], 2)} |")
    lines += ["", f"lannamed's database took {fmt(results['import_s'])} s to import the {names:,} records "
              f"(`lannamed records import`). CPU per update is the server's CPU time (utime+stime of its process "
              f"tree, until it is idle after the run) over the updates sent."]
    for name, runs in rounds.items():
        if runs and runs[-1].get("threads"):
            lines.append(f"Busiest threads of {name} in the last round (CPU s): {runs[-1]['threads']}.")
    return "\n".join(lines)
