"""--callgrind: an instruction profile of lannamed (and Unbound) under valgrind instead of timing."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from .contenders import KnotUpstream, Lannamed, LannamedForwarder, UnboundForwarder
from .datasets import forward_data, lan_data
from .dnsquery import wait_answering


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
