"""Scenario scaling: lannamed (and NSD for reference) on one core against two."""
import os
import shutil
import tempfile

from .contenders import SERVERS
from .datasets import lan_data
from .dnsperf import dnsperf
from .dnsquery import check_answers
from .procs import BOTH_CPUS, CLIENT_CPU, SERVER_CPU
from .report import median_of, note, summarize


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
