"""Processes: the CPU pinning, free ports, CPU time and RSS of a process tree, stopping by PID."""
import os
import resource
import signal
import socket
import subprocess


CLK = os.sysconf("SC_CLK_TCK")
SERVER_CPU = "1"
CLIENT_CPU = "0"
BOTH_CPUS = "0,1"


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


def _threads(pid):
    """(thread id, thread name, utime+stime in seconds) of each thread of a process tree."""
    for member in process_tree(pid):
        try:
            tids = os.listdir(f"/proc/{member}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{member}/task/{tid}/stat") as f:
                    text = f.read()
                fields = text.rsplit(")", 1)[1].split()
                yield tid, text[text.index("(") + 1:text.rindex(")")], (int(fields[11]) + int(fields[12])) / CLK
            except (OSError, IndexError, ValueError):
                continue


def thread_cpu(pid):
    """utime+stime of each thread of a process tree, in seconds."""
    return {tid: seconds for tid, _, seconds in _threads(pid)}


def threads_by_name(pid):
    """CPU seconds of a process tree's threads, summed by thread name (where the time goes)."""
    totals = {}
    for _, name, seconds in _threads(pid):
        totals[name] = totals.get(name, 0) + seconds
    return totals


def busiest_threads(before, after, count=3):
    spent = {name: after[name] - before.get(name, 0) for name in after}
    return [(name, round(seconds, 2)) for name, seconds in sorted(spent.items(), key=lambda x: -x[1])[:count] if seconds > 0.01]


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


def stop_pid(proc, timeout=10):
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
