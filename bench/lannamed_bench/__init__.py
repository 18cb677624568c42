"""lannamed's benchmark harness (bench/run.py is its entry point; cli.py has the options and the
overview that --help prints). Where things are:

    cli.py                the options, which scenarios run, the smoke settings, --json
    scenario_lan.py       lan: the LAN zone against NSD, Knot, dnsmasq and the do-nothing responder
    scenario_forward.py   forward-warm, forward-miss: forwarding against Unbound and dnsmasq
    scenario_failover.py  failover: the primary upstream SIGKILLed or SIGSTOPped under a query stream
    scenario_scaling.py   scaling: one core against two
    scenario_dhcp.py      dhcp: the --pcap-file replay and the live replay in a network namespace
    scenario_rfc2136.py   rfc2136: RFC 2136 UPDATEs with TSIG (dnsperf -u) against Knot and BIND 9
    scenario_dyndns2.py   dyndns2: updates over keep-alive HTTPS (wrk), update-to-answer latency
    dhcp_probe.py         the live DHCP replay's probe (run inside the namespace)
    callgrind.py          --callgrind: instruction profile under valgrind
    contenders.py         the servers and their configs (lannamed, NSD, Knot, Unbound, dnsmasq, null)
    datasets.py           the LAN zone and corp.example data sets
    dnsperf.py            running dnsperf, CPU per answered query
    dnsquery.py           dig wrappers and a tiny DNS client
    procs.py              CPU pinning, free ports, CPU time and RSS of process trees
    report.py             medians, number formats, progress notes
"""
import os

# The repository: bench/lannamed_bench/__init__.py is three levels down.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
