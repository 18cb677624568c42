#!/usr/bin/env python3
"""Generates a realistic office data set for the benchmarks.

Writes, into OUTDIR:
  hosts.txt        hosts-file format (ADDRESS NAME), the names as DHCP clients send them
  queries.txt      dnsperf input: a mix of A, AAAA and PTR questions for those hosts
  expected.txt     NAME TYPE ANSWER lines to check a server's answers before timing it

Addresses come from 198.18.0.0/15 (RFC 2544 benchmarking) and 2001:db8::/32 (documentation).
"""
import argparse
import ipaddress
import random

PREFIXES = ["laptop", "desktop", "DESKTOP", "iPhone-de", "Galaxy", "android", "printer", "HP-LaserJet",
            "nas", "raspberrypi", "MacBook-Pro-de", "ipad", "tv", "cam", "voip", "scanner", "ws", "srv"]
PEOPLE = ["anna", "bob", "chloe", "david", "emma", "felix", "gina", "hugo", "ines", "jan", "kim", "lea",
          "marc", "nina", "otto", "paula", "rui", "sara", "tom", "ute", "vera", "will", "yann", "zoe"]


def name_for(rng, index):
    prefix = rng.choice(PREFIXES)
    style = rng.randrange(4)
    if style == 0:
        base = f"{prefix}-{rng.choice(PEOPLE)}"
    elif style == 1:
        base = f"{prefix}-{rng.randrange(16**6):06X}"
    elif style == 2:
        base = f"{prefix}-{rng.choice(PEOPLE)}-{rng.randrange(100)}"
    else:
        base = f"{prefix}{rng.randrange(1000):03d}"
    return f"{base}-{index:x}"  # unique


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int)
    parser.add_argument("outdir")
    parser.add_argument("--zone", default="lan")
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--v6-share", type=float, default=0.5, help="share of hosts that also have an IPv6 address")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    v4base = int(ipaddress.IPv4Address("198.18.0.10"))
    v6base = int(ipaddress.IPv6Address("2001:db8:1::"))
    hosts = []
    with open(f"{args.outdir}/hosts.txt", "w") as out:
        for i in range(args.count):
            name = name_for(rng, i)
            v4 = ipaddress.IPv4Address(v4base + i)
            v6 = ipaddress.IPv6Address(v6base + i + 1) if rng.random() < args.v6_share else None
            out.write(f"{v4} {name}\n")
            if v6:
                out.write(f"{v6} {name}\n")
            hosts.append((name, v4, v6))

    with open(f"{args.outdir}/queries.txt", "w") as q, open(f"{args.outdir}/expected.txt", "w") as e:
        for _ in range(args.queries):
            name, v4, v6 = rng.choice(hosts)
            kind = rng.random()
            if kind < 0.6:
                q.write(f"{name}.{args.zone} A\n")
            elif kind < 0.8 and v6:
                q.write(f"{name}.{args.zone} AAAA\n")
            else:
                q.write(f"{v4.reverse_pointer} PTR\n")
        for name, v4, v6 in hosts[:50]:
            e.write(f"{name}.{args.zone} A {v4}\n")
            if v6:
                e.write(f"{name}.{args.zone} AAAA {v6}\n")
            e.write(f"{v4.reverse_pointer} PTR {name}.{args.zone}.\n")


if __name__ == "__main__":
    main()
