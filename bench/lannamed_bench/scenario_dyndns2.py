"""Scenario dyndns2: dyndns2 updates over keep-alive HTTPS (wrk with a Lua script: Basic auth,
a different host and `myip` in each request) against `lannamed run --hosted-zone dyn.example.net
--http-listen ... --tls-cert ... --tls-key ...`, with all the hosts in one account; and, at a fixed
low rate, the time from sending an update until lannamed answers the new address (polled over UDP).

The update service lets one token make at most 30 requests a minute (AbuseLimiter's default, not
configurable): one token is shown against that limit, and the load itself is spread over a pool of
tokens of the same account, each kept under the limit for the run."""
import base64
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import statistics
import subprocess
import tempfile
import threading
import time

from .contenders import Server, nsd_server_config
from .dnsquery import dns_query
from .procs import CLIENT_CPU, busiest_threads, cpu_seconds, free_port, rss_mib, threads_by_name
from .report import fmt, note, summarize
from .scenario_rfc2136 import ZONE, copy_database, wait_idle

ACCOUNT = "fleet"
PER_TOKEN = 25          # requests per token and run: under the limit of 30 a minute
CONNECTIONS = 20


def host(i):
    return f"h{i:05d}"


def self_signed(work):
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=60)
    return cert, key


def make_tokens(binary, common, count):
    tokens = []
    for _ in range(count):
        out = subprocess.run([binary, "ddns", "token", "create", "--account", ACCOUNT] + common, check=True,
                             capture_output=True, text=True, timeout=60).stdout.strip().splitlines()
        tokens.append(out[-1])
    return tokens


def write_data(names, work, binary, load_tokens, sample_tokens):
    empty = os.path.join(work, "empty.toml")
    open(empty, "w").close()
    db = os.path.join(work, "base.sqlite")
    common = ["--database", db, "--config", empty, "--hosted-zone", ZONE]
    subprocess.run([binary, "ddns", "plan", "add", "bench", "--max-hosts", str(names + 10), "--min-interval", "0"] + common,
                   check=True, capture_output=True, timeout=60)
    subprocess.run([binary, "ddns", "account", "add", ACCOUNT, "--plan", "bench"] + common, check=True,
                   capture_output=True, timeout=60)
    listing = os.path.join(work, "hosts.txt")
    with open(listing, "w") as f:
        f.writelines(f"{host(i)}.{ZONE}\n" for i in range(1, names + 1))
    start = time.monotonic()
    subprocess.run([binary, "ddns", "host", "import", listing, "--account", ACCOUNT] + common, check=True,
                   capture_output=True, timeout=600)
    imported = time.monotonic() - start
    start = time.monotonic()
    tokens = make_tokens(binary, common, load_tokens + sample_tokens)
    per_token_create = (time.monotonic() - start) / max(1, len(tokens))
    cert, key = self_signed(work)
    return {"names": names, "db": db, "binary": binary, "empty_config": empty, "cert": cert, "key": key,
            "load_tokens": tokens[:load_tokens], "sample_tokens": tokens[load_tokens:], "import_s": imported,
            "token_create_s": per_token_create}


class LannamedWeb(Server):
    """lannamed with the HTTPS listener; with `secondary`, it also offers the zone to 127.0.0.1 and
    sends NOTIFY to that port after each change. Errors logged only."""
    name = "lannamed"

    def __init__(self, work, data, secondary=None):
        super().__init__(work, data)
        self.http_port = free_port()
        self.secondary = secondary

    def prepare(self):
        copy_database(self.data["db"], self.work)

    def command(self):
        return [self.data["binary"], "run", "--listen", f"127.0.0.1:{self.port}", "--database",
                os.path.join(self.work, "lannamed.sqlite"), "--threads", "1", "--no-dhcp", "--no-forward",
                "--hosted-zone", ZONE, "--http-listen", f"127.0.0.1:{self.http_port}", "--tls-cert", self.data["cert"],
                "--tls-key", self.data["key"], "--log-level", "error", "--config", self.data["empty_config"]] + (
                    ["--allow-transfer", "127.0.0.1/32", "--notify", f"127.0.0.1:{self.secondary}"] if self.secondary else [])

    def probe_name(self):
        return ZONE

    def start(self):
        os.makedirs(self.work, exist_ok=True)
        self.prepare()
        self.launch()
        from .dnsquery import wait_answering
        self.startup = wait_answering(self.port, ZONE, self.proc, self.log, qtype="SOA")
        # DNS answering does not mean the HTTPS listener is up yet: wait for it too (bounded).
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.http_port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"lannamed's HTTPS listener on {self.http_port} never accepted a connection")
                time.sleep(0.02)
        return self.startup


class NSDSecondary(Server):
    """NSD as a secondary of lannamed's hosted zone (AXFR, then IXFR on each NOTIFY), on the
    client's core: its work is never charged to lannamed."""
    name = "nsd-secondary"
    cpus = CLIENT_CPU

    def prepare(self):
        with open(os.path.join(self.work, "nsd.conf"), "w") as f:
            f.write(nsd_server_config(self.work, self.port, threads=1, extra=[
                # NSD reloads at most once a second after transfers by default: an update would wait for it.
                "xfrd-reload-timeout: 0", "verbosity: 0"]) + f"""zone:
  name: "{ZONE}"
  zonefile: "{self.work}/secondary.zone"
  allow-notify: 127.0.0.1 NOKEY
  request-xfr: 127.0.0.1@{self.data['primary_port']} NOKEY
""")

    def command(self):
        return ["nsd", "-d", "-c", os.path.join(self.work, "nsd.conf")]

    def start(self):
        os.makedirs(self.work, exist_ok=True)
        self.prepare()
        self.launch()
        from .dnsquery import wait_answering
        self.startup = wait_answering(self.port, ZONE, self.proc, self.log, qtype="SOA")
        return self.startup


LUA = """
local tokens = {%(tokens)s}
local names = %(names)d
local offset = %(offset)d
function setup(thread) table.insert(threads, thread) end
threads = {}
counter = 0
counts = {}
function request()
  counter = counter + 1
  local c = counter + offset
  local t = tokens[(counter %% #tokens) + 1]
  local h = (c %% names) + 1
  local ip = string.format("100.%%d.%%d.%%d", 64 + math.floor(c / 65536) %% 64, math.floor(c / 256) %% 256, c %% 256)
  local path = string.format("/nic/update?hostname=h%%05d.%(zone)s&myip=%%s", h, ip)
  return wrk.format("GET", path, {["Authorization"] = "Basic " .. t})
end
function response(status, headers, body)
  local word = string.match(body or "", "^(%%a+)") or ("http" .. status)
  counts[word] = (counts[word] or 0) + 1
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("counts")) do io.write(string.format("COUNT %%s %%d\\n", k, v)) end
  end
  io.write(string.format("LATENCY %%d %%d %%d\\n", latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def basic(secret):
    return base64.b64encode(f"{ACCOUNT}:{secret}".encode()).decode()


def run_wrk(server, data, duration, tokens, offset, connections=CONNECTIONS):
    script = os.path.join(server.work, f"load-{offset}.lua")
    with open(script, "w") as f:
        f.write(LUA % {"tokens": ", ".join(f'"{basic(t)}"' for t in tokens), "names": data["names"], "offset": offset,
                       "zone": ZONE})
    before = cpu_seconds(server.proc.pid)
    threads_before = threads_by_name(server.proc.pid)
    args = ["taskset", "-c", CLIENT_CPU, "wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--timeout", "30s",
            "-s", script, f"https://127.0.0.1:{server.http_port}"]
    started = time.monotonic()
    out = subprocess.run(args, capture_output=True, text=True, timeout=duration + 90)
    after = wait_idle(server.proc.pid)
    busy = time.monotonic() - started
    counts = {k: int(v) for k, v in re.findall(r"^COUNT (\S+) (\d+)$", out.stdout, re.M)}
    result = {"cpu": after - before, "counts": counts, "good": counts.get("good", 0),
              "threads": busiest_threads(threads_before, threads_by_name(server.proc.pid))}
    match = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
    result["rps"] = float(match.group(1)) if match else None
    result["ups"] = result["good"] / duration
    latency = re.search(r"^LATENCY (\d+) (\d+) (\d+)$", out.stdout, re.M)
    if latency:
        result["http_p50_ms"], result["http_p99_ms"] = int(latency.group(1)) / 1000, int(latency.group(2)) / 1000
    # The server's own count of good updates: those still queued when wrk stopped were done (and
    # their CPU counted) after it, without wrk seeing their answers.
    usage = subprocess.run([data["binary"], "ddns", "usage", "--json", "--database", os.path.join(server.work, "lannamed.sqlite"),
                            "--config", data["empty_config"], "--hosted-zone", ZONE], capture_output=True, text=True, timeout=60)
    try:
        result["stored_good"] = sum(entry["good"] for entry in json.loads(usage.stdout))
    except (ValueError, KeyError, TypeError):
        result["stored_good"] = result["good"]
    done = max(result["stored_good"], result["good"])
    # Good updates a second from wrk's start until the server was idle again (the queue drained).
    result["stored_ups"] = done / busy if busy > 0 else None
    result["us_per_update"] = result["cpu"] / done * 1e6 if done else float("nan")
    if not result["good"]:
        result["wrk_output"] = (out.stdout + out.stderr)[-1500:]
    return result


def answer_a(port, name, sock):
    """The A addresses lannamed answers for name (one UDP question on an open socket)."""
    qid = int.from_bytes(os.urandom(2), "big")
    sock.sendto(dns_query(qid, name, 1), ("127.0.0.1", port))
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        try:
            data = sock.recv(4096)
        except socket.timeout:
            return None
        if len(data) < 12 or int.from_bytes(data[:2], "big") != qid:
            continue
        ancount = int.from_bytes(data[6:8], "big")
        offset = 12
        while data[offset]:
            offset += 1 + data[offset]
        offset += 5
        found = []
        for _ in range(ancount):
            if data[offset] & 0xC0 == 0xC0:
                offset += 2
            else:
                while data[offset]:
                    offset += 1 + data[offset]
                offset += 1
            rtype = int.from_bytes(data[offset:offset + 2], "big")
            rdlength = int.from_bytes(data[offset + 8:offset + 10], "big")
            offset += 10
            if rtype == 1 and rdlength == 4:
                found.append(".".join(str(b) for b in data[offset:offset + 4]))
            offset += rdlength
        return found
    return None


class SecondaryWatcher:
    """Asks the secondary, every 2 ms, for each update not yet seen there, in a thread of its
    own: the timed updates go on at their rate however slowly the secondary follows."""

    def __init__(self, port, limit=10.0):
        self.port, self.limit = port, limit
        self.pending, self.seen, self.missed = [], [], 0
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def expect(self, name, address, sent):
        with self.lock:
            self.pending.append((name, address, sent))

    def run(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(0.5)
        try:
            while True:
                with self.lock:
                    pending = list(self.pending)
                    if self.stopping and not pending:
                        return
                for entry in pending:
                    name, address, sent = entry
                    got = answer_a(self.port, name, sock)
                    now = time.monotonic()
                    done = got is not None and address in got
                    if done or now - sent > self.limit:
                        with self.lock:
                            self.pending.remove(entry)
                            if done:
                                self.seen.append((now - sent) * 1000)
                            else:
                                self.missed += 1
                time.sleep(0.002)
        finally:
            sock.close()

    def finish(self):
        with self.lock:
            self.stopping = True
        self.thread.join(self.limit + 5)
        return self.seen, self.missed


def sample_latency(server, data, samples, rate, secondary=None):
    """One update at a time, `rate` a second, each on a host not touched by the load: from the
    request leaving until lannamed answers the new address (polled every 0.5 ms, at most 5 s), and
    then until the secondary does too."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection("127.0.0.1", server.http_port, context=context, timeout=30)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.5)
    to_answer, to_reply, failed, taken = [], [], 0, 0
    # Bounded in time: a slow server gets fewer samples, never a longer run than 10 s past the plan.
    stop_at = time.monotonic() + samples / rate + 10
    watcher = SecondaryWatcher(secondary.port) if secondary is not None else None
    try:
        for k in range(samples):
            started = time.monotonic()
            if started > stop_at:
                break
            taken += 1
            i = data["names"] - k          # from the end: the load went through the hosts from the start
            address = f"198.51.{100 + (k >> 8) % 100}.{k & 255}"
            token = data["sample_tokens"][(k // PER_TOKEN) % len(data["sample_tokens"])]
            name = f"{host(i)}.{ZONE}"
            sent = time.monotonic()
            connection.request("GET", f"/nic/update?hostname={name}&myip={address}",
                               headers={"Authorization": f"Basic {basic(token)}"})
            body = connection.getresponse().read().decode(errors="replace")
            replied = time.monotonic()
            if not body.startswith("good"):
                failed += 1
                continue
            answered = None
            while time.monotonic() - sent < 5:
                got = answer_a(server.port, name, sock)
                if got and address in got:
                    answered = time.monotonic()
                    break
                time.sleep(0.0005)
            if answered is None:
                failed += 1
            else:
                to_answer.append((answered - sent) * 1000)
                to_reply.append((replied - sent) * 1000)
            if watcher is not None:
                watcher.expect(name, address, sent)
            pause = 1 / rate - (time.monotonic() - started)
            if pause > 0:
                time.sleep(pause)
    finally:
        connection.close()
        sock.close()
        to_secondary, secondary_failed = watcher.finish() if watcher is not None else ([], None)

    def pct(values, q):
        values = sorted(values)
        return values[min(len(values) - 1, int(len(values) * q))] if values else None
    return {"samples": taken, "failed": failed, "answer_p50_ms": pct(to_answer, 0.5), "answer_p99_ms": pct(to_answer, 0.99),
            "reply_p50_ms": pct(to_reply, 0.5), "reply_p99_ms": pct(to_reply, 0.99),
            "secondary_p50_ms": pct(to_secondary, 0.5), "secondary_p99_ms": pct(to_secondary, 0.99),
            "secondary_failed": secondary_failed}


def one_token(server, data):
    """One token, as the brief has it: how many of 60 back-to-back requests the limiter lets through."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection("127.0.0.1", server.http_port, context=context, timeout=30)
    token = data["sample_tokens"][-1]
    words = {}
    try:
        for k in range(60):
            connection.request("GET", f"/nic/update?hostname={host(k % data['names'] + 1)}.{ZONE}&myip=192.0.2.{k % 250 + 1}",
                               headers={"Authorization": f"Basic {basic(token)}"})
            word = connection.getresponse().read().decode(errors="replace").split()[0]
            words[word] = words.get(word, 0) + 1
    finally:
        connection.close()
    return words


def run_dyndns2(names, rounds, duration, binary, samples, sample_rate, load_tokens, secondary=True, smoke=False):
    work = tempfile.mkdtemp(prefix=f"lannamed-bench-dyndns2-{names}-")
    try:
        sample_tokens = max(2, -(-samples // PER_TOKEN) + 1)
        data = write_data(names, work, binary, load_tokens, sample_tokens)
        note(f"  {names:,} hosts imported in {data['import_s']:.1f} s; {load_tokens + sample_tokens} tokens made "
             f"({data['token_create_s'] * 1000:.0f} ms each)")
        results = []
        for round_index in range(rounds):
            server = LannamedWeb(os.path.join(work, f"lannamed-{round_index}"), data)
            try:
                startup = server.start()
                result = run_wrk(server, data, duration, data["load_tokens"], offset=round_index * 1_000_003)
                result["startup"] = startup
                result["rss"] = rss_mib(server.proc.pid)
                if round_index == 0:
                    result["one_token"] = one_token(server, data)
            finally:
                server.stop()
            if samples:
                # The latency run on a lannamed of its own, which NOTIFYs an NSD secondary (the load
                # above ran without one: no transfers charged to its CPU).
                nsd_port = free_port() if secondary else None
                timed = LannamedWeb(os.path.join(work, f"latency-{round_index}"), data, secondary=nsd_port)
                nsd = None
                try:
                    timed.start()
                    if secondary:
                        data["primary_port"] = timed.port
                        nsd = NSDSecondary(os.path.join(work, f"nsd-{round_index}"), data)
                        nsd.port = nsd_port
                        nsd.start()
                    result.update(sample_latency(timed, data, samples, sample_rate, nsd))
                finally:
                    if nsd:
                        nsd.stop()
                    timed.stop()
            results.append(result)
            note(f"  round {round_index + 1}: {result['ups']:,.0f} good updates/s ({fmt(result['rps'], 0)} requests/s, "
                 f"answers {result['counts']}, {result['stored_good']:,} good in the store), "
                 f"{result['us_per_update']:,.0f} us/update, HTTP p50 "
                 f"{fmt(result.get('http_p50_ms'))} ms; update to answer p50 {fmt(result.get('answer_p50_ms'))} ms, "
                 f"p99 {fmt(result.get('answer_p99_ms'))} ms ({result.get('samples')} timed, {result.get('failed', 0)} failed); "
                 f"by the NSD secondary "
                 f"p50 {fmt(result.get('secondary_p50_ms'))} ms, p99 {fmt(result.get('secondary_p99_ms'))} ms "
                 f"({result.get('secondary_failed')} failed); rss {result['rss']:.1f} MiB")
            if smoke and not result["good"]:
                note(result.get("wrk_output", ""))
        return {"names": names, "import_s": data["import_s"], "token_create_s": data["token_create_s"],
                "tokens": load_tokens, "rounds": results}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report_dyndns2(all_results, duration, sample_rate):
    lines = [f"### dyndns2 over keep-alive HTTPS: wrk, {CONNECTIONS} connections, {duration:g} s, one account, "
             f"a different host and address in each request", "",
             "| hosts | good updates/s (wrk) | good updates/s (server, until drained) | CPU us/update | HTTP p50 / p99 ms (load) | "
             f"update to answer p50 / p99 ms @{sample_rate}/s | by an NSD secondary p50 / p99 ms | answers (last round) | "
             "RSS MiB |",
             "|---|---|---|---|---|---|---|---|---|"]
    for results in all_results:
        rounds = results["rounds"]
        ok = [r for r in rounds if r["good"] or r.get("stored_good")]
        if not ok:
            lines.append(f"| {results['names']:,} | no good answer | | | | | | | |")
            continue
        lines.append(
            f"| {results['names']:,} | {summarize([r['ups'] for r in ok], 0)} | {summarize([r.get('stored_ups') for r in ok], 1)} | "
            f"{summarize([r['us_per_update'] for r in ok], 0)} | "
            f"{fmt(statistics.median([r.get('http_p50_ms') or 0 for r in ok]))} / "
            f"{fmt(statistics.median([r.get('http_p99_ms') or 0 for r in ok]))} | "
            f"{summarize([r.get('answer_p50_ms') for r in ok], 2)} / {summarize([r.get('answer_p99_ms') for r in ok], 2)} | "
            f"{summarize([r.get('secondary_p50_ms') for r in ok], 1)} / {summarize([r.get('secondary_p99_ms') for r in ok], 1)} | "
            f"{rounds[-1]['counts']} | {summarize([r['rss'] for r in ok])} |")
    lines.append("")
    for results in all_results:
        first = results["rounds"][0] if results["rounds"] else {}
        lines.append(f"- {results['names']:,} hosts: `ddns host import` took {fmt(results['import_s'])} s; the load used "
                     f"{results['tokens']} tokens of the account (at most {PER_TOKEN} requests each, under the limit of 30 a "
                     f"minute per token); one token alone, 60 requests back to back: {first.get('one_token')}.")
    lines.append("- Update to answer: one update at a time at the fixed rate (fewer when the server is slower than "
                 "the rate allows; at most 10 s past the plan), from the request leaving to the first UDP answer "
                 "with the new address, polled every 0.5 ms; the NSD secondary (NOTIFY, then IXFR) polled every 2 ms. "
                 "Timed updates per round: " + "; ".join(
                     f"{r['names']:,} hosts {[x.get('samples') for x in r['rounds']]}" for r in all_results) + ".")
    lines.append("- CPU per update: lannamed's CPU time (utime+stime, until idle after the run) over the good updates "
                 "it counted itself (`ddns usage`: requests still queued when wrk stopped are done after it); "
                 "updates/s: good answers wrk saw in its run. Good updates in the store per round: " + "; ".join(
                     f"{r['names']:,} hosts {[x.get('stored_good') for x in r['rounds']]}" for r in all_results) + ".")
    for results in all_results:
        if results["rounds"]:
            lines.append(f"- {results['names']:,} hosts, lannamed's busiest threads in the last round (CPU s): "
                         f"{results['rounds'][-1].get('threads')}.")
    return "\n".join(lines)
