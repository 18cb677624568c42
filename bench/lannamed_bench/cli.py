"""Side-by-side DNS benchmarks: lannamed against NSD, Knot, Unbound and dnsmasq.

One command runs everything and cleans up after itself:

    bench/run.py                      # every scenario, 3 interleaved rounds (~20 minutes)
    bench/run.py --scenarios lan --hosts 1000 --rounds 5 --duration 10
    bench/run.py --scenarios forward-warm,forward-miss
    bench/run.py --smoke              # a few seconds per scenario: keeps the harness working (CI)
    bench/run.py --callgrind forward-warm   # instruction profile of lannamed (and Unbound)

Scenarios (--scenarios, comma-separated, default all):

    lan           the LAN zone (1,000 and 100,000 hosts) against NSD, Knot, dnsmasq and a do-nothing
                  responder (bench/null_responder.c: the floor for CPU per query)
    forward-warm  everything forwarded to an authoritative Knot, every answer already cached:
                  lannamed against Unbound and dnsmasq
    forward-miss  the same, every query a new name (a wildcard in Knot): each one goes upstream
    failover      a steady stream of unique names while the primary upstream is SIGKILLed (and
                  restarted) or SIGSTOPped (and continued): lannamed, dnsmasq, Unbound
    scaling       lannamed (and NSD for reference) on one core against two
    dhcp          a 100,000-lease capture replayed with --pcap-file, timed until the last name
                  answers; and 1,000 DHCP transactions/s replayed with tcpreplay onto a veth in a
                  network namespace made for the run, ACK-on-the-wire to name-answering latency
    rfc2136       RFC 2136 UPDATEs with TSIG (dnsperf -u, 20 outstanding, one delete+add each) on a
                  100,000-name hosted zone: lannamed against Knot and BIND 9
    dyndns2       dyndns2 updates over keep-alive HTTPS (wrk) to 1,000 and 100,000 hosts of one
                  account; and the time from an update until lannamed answers the new address

Method (see BENCHMARKS.md): the server under test is pinned to CPU 1 with taskset, dnsperf (and
any upstream server) to CPU 0; the contenders of a round run one after the other in a rotated
order; before timing, every server's answers are checked against the expected ones (a fast wrong
server must not win). Reported per server: queries/s from dnsperf, the server's own CPU time per
answered query (utime+stime of its process tree, before and after), RSS, and p50/p99 latency at a
fixed rate in a separate run. Medians over the rounds, with min-max. All DNS traffic goes to
127.0.0.1; the DHCP replay goes onto a veth pair inside the benchmark's own network namespace.
Every process the benchmark starts is stopped by its PID; every wait and loop is bounded.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

from . import ROOT
from .callgrind import run_callgrind
from .contenders import BINARIES
from .dhcp_probe import dhcp_probe
from .report import note
from .scenario_dhcp import report_dhcp, run_dhcp_live, run_dhcp_replay
from .scenario_dyndns2 import report_dyndns2, run_dyndns2
from .scenario_failover import report_failover, run_failover
from .scenario_forward import report_forwarding, run_forwarding
from .scenario_lan import report, run_scenario
from .scenario_rfc2136 import BINARIES as UPDATE_BINARIES, report_rfc2136, run_rfc2136
from .scenario_scaling import SCALING, report_scaling, run_scaling


SCENARIOS = ["lan", "forward-warm", "forward-miss", "failover", "scaling", "dhcp", "rfc2136", "dyndns2"]


def require(tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        sys.exit(f"bench: not installed: {', '.join(missing)} (apt-get install knot nsd unbound dnsmasq-base dnsperf gcc)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma-separated, of: {', '.join(SCENARIOS)}")
    parser.add_argument("--hosts", type=int, action="append", help="LAN zone host counts (default 1000 and 100000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10, help="seconds per dnsperf run")
    parser.add_argument("--servers", default="lannamed,nsd,knot,dnsmasq,null",
                        help="LAN zone contenders (null: the do-nothing responder, bench/null_responder.c)")
    parser.add_argument("--forwarders", default="lannamed,unbound,dnsmasq", help="forwarding contenders")
    parser.add_argument("--failover-servers", default="lannamed,dnsmasq,dnsmasq-strict,unbound")
    parser.add_argument("--latency-rate", type=int, default=10000, help="queries/s of the fixed-rate latency run (0: skip)")
    parser.add_argument("--warm-questions", type=int, default=8000,
                        help="distinct questions of the forwarded warm-cache list (3/4 A, 1/4 AAAA)")
    parser.add_argument("--dhcp-leases", type=int, default=100_000, help="leases in the --pcap-file replay")
    parser.add_argument("--dhcp-rate", type=int, default=1000, help="DHCP transactions/s of the live replay (0: skip)")
    parser.add_argument("--update-servers", default="lannamed,knot,bind", help="rfc2136 contenders (of lannamed, knot, bind)")
    parser.add_argument("--update-names", type=int, default=100_000, help="names of the rfc2136 zone")
    parser.add_argument("--ddns-hosts", type=int, action="append", help="dyndns2 host counts (default 1000 and 100000)")
    parser.add_argument("--ddns-tokens", type=int, default=3000,
                        help="dyndns2 tokens the load is spread over (each may make 30 requests a minute, so the "
                             "good updates of a run are at most 25 per token)")
    parser.add_argument("--ddns-samples", type=int, default=300, help="dyndns2 updates timed until answered (0: skip)")
    parser.add_argument("--ddns-sample-rate", type=int, default=20, help="dyndns2 timed updates per second")
    parser.add_argument("--no-ddns-secondary", dest="ddns_secondary", action="store_false",
                        help="time dyndns2 updates on lannamed only, without an NSD secondary")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "lannamed"))
    parser.add_argument("--baseline", help="another lannamed build, timed as lannamed-base in the same rounds "
                        "(lan, forward-warm, forward-miss) and run after this one (dhcp)")
    parser.add_argument("--json", help="also write every round's raw figures to this file")
    parser.add_argument("--callgrind", choices=["lan", "forward-warm", "forward-miss"],
                        help="instead of timing: instruction profile under valgrind")
    parser.add_argument("--callgrind-queries", type=int, default=5000)
    parser.add_argument("--callgrind-rate", type=int, default=1000, help="queries/s under callgrind")
    parser.add_argument("--callgrind-dir", default=os.path.join(tempfile.gettempdir(), "lannamed-callgrind"),
                        help="where the callgrind files are kept")
    parser.add_argument("--smoke", action="store_true", help="a few seconds per scenario, to keep the harness working")
    parser.add_argument("--dhcp-probe", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dhcp_probe:
        return dhcp_probe(args.dhcp_probe)
    scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        sys.exit(f"bench: unknown scenario {unknown}; choose from {SCENARIOS}")
    forward = {"names": 10_000, "warm_a": args.warm_questions * 3 // 4,
               "warm_aaaa": args.warm_questions - args.warm_questions * 3 // 4, "misses": 300_000}
    failover = {"rate": 50, "duration": 10.0, "event_at": 3.0, "recover_at": 6.0, "timeout": 1.0}
    failover_modes = ["kill", "stop"]
    scaling_hosts, scaling_variants = 1000, SCALING
    if args.smoke:
        args.hosts, args.rounds, args.duration, args.latency_rate = [200], 1, 0.5, 0
        forward = {"names": 300, "warm_a": 200, "warm_aaaa": 50, "misses": 2_000, "checks": 10}
        failover = {"rate": 50, "duration": 1.5, "event_at": 0.5, "recover_at": 1.0, "timeout": 0.5}
        args.failover_servers, failover_modes = "lannamed", ["kill"]
        scaling_hosts, scaling_variants = 200, SCALING[:2]
        args.dhcp_leases, args.dhcp_rate = 1000, 0
        args.update_servers, args.update_names = "lannamed", 300
        args.ddns_hosts, args.ddns_tokens, args.ddns_samples, args.ddns_secondary = [200], 20, 5, False
        debug = os.path.join(ROOT, ".build", "debug", "lannamed")
        if os.path.exists(debug):
            args.binary = debug
    if not os.path.exists(args.binary):
        sys.exit(f"bench: {args.binary} is missing: swift build -c release --product lannamed")
    require(["dnsperf", "dig", "taskset"])
    if args.callgrind:
        require(["knotd", "unbound"] if args.callgrind != "lan" else [])
        return run_callgrind(args.callgrind, args.binary, args.callgrind_queries, args.callgrind_rate,
                             args.callgrind_dir, forward)
    servers = [s for s in args.servers.split(",") if s]
    forwarders = [s for s in args.forwarders.split(",") if s]
    failover_servers = [s for s in args.failover_servers.split(",") if s]
    if args.baseline:
        if not os.path.exists(args.baseline):
            sys.exit(f"bench: --baseline {args.baseline} is missing")
        servers = [x for s in servers for x in ([s, "lannamed-base"] if s == "lannamed" else [s])]
        forwarders = [x for s in forwarders for x in ([s, "lannamed-base"] if s == "lannamed" else [s])]
    if "lan" in scenarios:
        require([BINARIES[s] for s in servers if not s.startswith("lannamed")])
    if "forward-warm" in scenarios or "forward-miss" in scenarios:
        require(["knotd"] + [BINARIES[s] for s in forwarders if not s.startswith("lannamed")])
    if "failover" in scenarios:
        require(["knotd"] + [BINARIES[s] for s in failover_servers if not s.startswith("lannamed")])
    update_servers = [s for s in args.update_servers.split(",") if s]
    if "rfc2136" in scenarios:
        require([UPDATE_BINARIES[s] for s in update_servers if s != "lannamed"])
    if "dyndns2" in scenarios:
        require(["wrk", "openssl"] + (["nsd"] if args.ddns_secondary and args.ddns_samples else []))
    if "scaling" in scenarios:
        require(["nsd"] if any(v[1] == "nsd" for v in scaling_variants) else [])
    raw = {}
    print(f"# lannamed benchmarks ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
          f"{args.rounds} rounds x {args.duration:g} s)\n", flush=True)
    if "lan" in scenarios:
        for count in args.hosts or [1000, 100000]:
            note(f"scenario: LAN zone, {count:,} hosts")
            results = run_scenario(f"LAN zone, {count:,} hosts", count, servers, args.rounds, args.duration,
                                   min(100_000, max(10_000, count)), args.binary, args.latency_rate,
                                   baseline=args.baseline)
            raw[f"lan-{count}"] = results
            print(report(f"LAN zone, {count:,} hosts", results) + "\n", flush=True)
            if args.smoke:
                bad = [n for n, r in results.items() if not any("us_per_query" in x for x in r)]
                if bad:
                    sys.exit(f"bench smoke: no valid run for {bad}")
    for kind in ("warm", "miss"):
        if f"forward-{kind}" in scenarios:
            note(f"scenario: forwarded, {'warm cache' if kind == 'warm' else 'every query a miss'}")
            results = run_forwarding(kind, forwarders, args.rounds, args.duration, forward, args.binary,
                                     args.latency_rate if kind == "warm" else 0, baseline=args.baseline)
            raw[f"forward-{kind}"] = results
            print(report_forwarding(kind, results, forward) + "\n", flush=True)
            if args.smoke:
                bad = [n for n, r in results.items() if not any("us_per_query" in x for x in r)]
                if bad:
                    sys.exit(f"bench smoke: no valid forwarding run for {bad}")
    if "failover" in scenarios:
        note("scenario: failover")
        results = run_failover(failover_servers, failover_modes, args.rounds, failover, args.binary)
        raw["failover"] = {f"{k[0]}/{k[1]}": v for k, v in results.items()}
        print(report_failover(results, failover) + "\n", flush=True)
        if args.smoke:
            bad = [k for k, r in results.items() if not any(x.get("queries", 0) - x.get("failed", 0) > 0 for x in r)]
            if bad:
                sys.exit(f"bench smoke: no answered failover stream for {bad}")
    if "scaling" in scenarios:
        note("scenario: scaling")
        results = run_scaling(scaling_hosts, args.rounds, args.duration, args.binary, scaling_variants)
        raw["scaling"] = results
        print(report_scaling(results, scaling_hosts) + "\n", flush=True)
        if args.smoke:
            bad = [n for n, r in results.items() if not any("us_per_query" in x for x in r)]
            if bad:
                sys.exit(f"bench smoke: no valid scaling run for {bad}")
    if "dhcp" in scenarios:
        note(f"scenario: DHCP, {args.dhcp_leases:,}-lease replay")
        replay = run_dhcp_replay(args.dhcp_leases, args.rounds, args.binary, smoke=args.smoke)
        live, live_params = None, (args.dhcp_rate, 10.0, 10)
        if args.dhcp_rate:
            note(f"scenario: DHCP, {args.dhcp_rate:,} transactions/s onto a veth in a namespace")
            live = run_dhcp_live(args.dhcp_rate, 10.0, 10, args.rounds, args.binary)
        raw["dhcp"] = {"replay": replay, "live": live}
        print(report_dhcp(replay, args.dhcp_leases, live, live_params) + "\n", flush=True)
        if args.baseline:
            note("scenario: DHCP again, with the baseline build")
            replay = run_dhcp_replay(args.dhcp_leases, args.rounds, args.baseline, smoke=args.smoke)
            live = run_dhcp_live(args.dhcp_rate, 10.0, 10, args.rounds, args.baseline) if args.dhcp_rate else None
            raw["dhcp-baseline"] = {"replay": replay, "live": live}
            print("Baseline build (--baseline):\n\n" + report_dhcp(replay, args.dhcp_leases, live, live_params) + "\n",
                  flush=True)
    if "rfc2136" in scenarios:
        note(f"scenario: RFC 2136 updates, {args.update_names:,}-name zone")
        update_duration = max(args.duration, 1.0)
        results = run_rfc2136(args.update_names, update_servers, args.rounds, update_duration, args.binary,
                              smoke=args.smoke)
        raw["rfc2136"] = results
        print(report_rfc2136(results, update_duration) + "\n", flush=True)
        if args.smoke:
            bad = [n for n, r in results["rounds"].items()
                   if not any(x.get("ok") and not x.get("wrong_after") for x in r)]
            if bad:
                sys.exit(f"bench smoke: no valid RFC 2136 run for {bad}")
    if "dyndns2" in scenarios:
        all_results = []
        update_duration = max(args.duration, 1.0)
        for count in args.ddns_hosts or [1000, 100000]:
            note(f"scenario: dyndns2 over HTTPS, {count:,} hosts")
            results = run_dyndns2(count, args.rounds, update_duration, args.binary, args.ddns_samples,
                                  args.ddns_sample_rate, args.ddns_tokens, secondary=args.ddns_secondary,
                                  smoke=args.smoke)
            all_results.append(results)
            if args.smoke:
                bad = [r for r in results["rounds"] if not r["good"] or (args.ddns_samples and r.get("failed"))]
                if bad or not results["rounds"]:
                    sys.exit(f"bench smoke: dyndns2 with {count} hosts: no good updates, or updates never answered")
        raw["dyndns2"] = all_results
        print(report_dyndns2(all_results, update_duration, args.ddns_sample_rate) + "\n", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1, default=str)


def _terminate(signum, frame):
    raise SystemExit(128 + signum)   # unwinds: every finally stops its processes, removes its namespace
