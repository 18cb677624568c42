"""Scenario failover: a steady stream of unique names while the primary upstream is SIGKILLed (and
restarted) or SIGSTOPped (and continued)."""
import os
import select
import shutil
import signal
import socket
import tempfile
import time

from .contenders import FORWARDERS, KnotUpstream
from .datasets import CORP, corp_zone
from .dnsquery import dig, dns_parse, dns_query
from .procs import CLIENT_CPU
from .report import fmt, fmt_share, note


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
