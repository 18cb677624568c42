#!/usr/bin/env python3
"""Side-by-side DNS benchmarks: lannamed against NSD, Knot, Unbound and dnsmasq.

The entry point only: the code is the package bench/lannamed_bench/ (its __init__.py says which
module holds what; cli.py has the options and the overview that --help prints).
"""
import signal

from lannamed_bench.cli import _terminate, main

if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    main()
