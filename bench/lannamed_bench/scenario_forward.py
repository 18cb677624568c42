"""Scenarios forward-warm and forward-miss: everything forwarded to an authoritative Knot, every
answer cached (warm) or every query a new name (miss): lannamed against Unbound and dnsmasq."""
import os
import shutil
import statistics
import tempfile

from .contenders import FORWARDERS, KnotUpstream
from .datasets import CORP, forward_data
from .dnsperf import dnsperf
from .dnsquery import check_answers
from .procs import rss_mib
from .report import median_of, note, summarize


def run_forwarding(kind, forwarders, rounds, duration, sizes, binary, latency_rate, baseline=None):
    """kind: 'warm' (every answer cached by a first pass over the list) or 'miss' (unique names)."""
    work = tempfile.mkdtemp(prefix=f"lannamed-bench-fw-{kind}-")
    upstream = None
    try:
        data = forward_data(sizes["names"], sizes["warm_a"], sizes["warm_aaaa"], sizes["misses"], work, binary)
        data["baseline"] = baseline
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
