"""Scenario lan: the LAN zone against NSD, Knot, dnsmasq and the do-nothing responder."""
import os
import shutil
import statistics
import tempfile

from .contenders import SERVERS
from .datasets import lan_data
from .dnsperf import dnsperf
from .dnsquery import check_answers
from .procs import rss_mib
from .report import note, summarize


def run_scenario(label, count, servers, rounds, duration, queries, binary, latency_rate, baseline=None):
    work = tempfile.mkdtemp(prefix=f"lannamed-bench-{count}-")
    try:
        data = lan_data(count, work, queries, binary)
        data["baseline"] = baseline
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
