"""Running dnsperf against a server: queries/s, lost queries, latency at a fixed rate, and the CPU
time of the server (and of a watched upstream, and of dnsperf itself) per answered query."""
import subprocess

from .procs import CLIENT_CPU, children_cpu, cpu_seconds, thread_cpu


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
