"""Data sets: the LAN zone (hosts, zone files, queries, expected answers, from bench/gen_hosts.py)
and corp.example, the zone the forwarders' upstream Knot serves (warm and miss question lists)."""
import os
import random
import subprocess
import sys

from . import ROOT


CORP = "corp.example"


def generate(count, outdir, queries):
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_hosts.py"), str(count), outdir,
                    "--queries", str(queries)], check=True)
    hosts = []
    with open(os.path.join(outdir, "hosts.txt")) as f:
        for line in f:
            address, name = line.split()
            hosts.append((address, name))
    return hosts


def reverse_name(address):
    if ":" in address:
        import ipaddress
        return ipaddress.ip_address(address).reverse_pointer + "."
    return ".".join(reversed(address.split("."))) + ".in-addr.arpa."


def write_zone_files(hosts, outdir):
    """lan. plus the reverse zones 18.198.in-addr.arpa., 19.198.in-addr.arpa. and the ip6.arpa /48."""
    soa = "@ 60 IN SOA ns.lan. hostmaster.lan. 1 3600 600 604800 60\n@ 60 IN NS ns.lan.\n"
    with open(os.path.join(outdir, "lan.zone"), "w") as z:
        z.write("$ORIGIN lan.\n" + soa + "ns 60 IN A 127.0.0.1\n")
        for address, name in hosts:
            z.write(f"{name} 60 IN {'AAAA' if ':' in address else 'A'} {address}\n")
    reverse = {"18.198.in-addr.arpa.": [], "19.198.in-addr.arpa.": [], "1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.": []}
    for address, name in hosts:
        owner = reverse_name(address)
        for zone in reverse:
            if owner.endswith(zone):
                reverse[zone].append(f"{owner} 60 IN PTR {name}.lan.\n")
    for zone, records in reverse.items():
        with open(os.path.join(outdir, zone + "zone"), "w") as z:
            z.write(f"$ORIGIN {zone}\n" + soa + "".join(records))
    return list(reverse)


def lan_data(count, work, queries, binary):
    hosts = generate(count, work, queries)
    reverse_zones = write_zone_files(hosts, work)
    empty = os.path.join(work, "empty.toml")
    open(empty, "w").close()
    expected = []
    with open(os.path.join(work, "expected.txt")) as f:
        for line in f:
            name, qtype, want = line.split()
            expected.append((name, qtype, want))
    return {"hosts": hosts, "hosts_file": os.path.join(work, "hosts.txt"), "dir": work, "binary": binary,
            "reverse_zones": reverse_zones, "empty_config": empty, "expected": expected,
            "queries": os.path.join(work, "queries.txt")}


def corp_v4(i):
    return f"198.19.{i >> 8}.{i & 255}"


def corp_v6(i):
    return f"2001:db8:c0::{i:x}"


def corp_zone(names, marker):
    """corp.example. as the upstream serves it: `names` hosts h00000... (A, every fourth also AAAA),
    a wildcard `*` (A 192.0.2.1) so that any new name exists, and the marker: `*.w` TXT says which
    upstream answered. TTLs of an hour: nothing expires during a run."""
    lines = [f"$ORIGIN {CORP}.", "$TTL 3600", "@ SOA ns1 hostmaster 1 3600 600 86400 3600", "@ NS ns1",
             "ns1 A 127.0.0.1", f'which 0 TXT "{marker}"', f'*.w 60 TXT "{marker}"', "* A 192.0.2.1"]
    for i in range(names):
        lines.append(f"h{i:05d} A {corp_v4(i)}")
        if i % 4 == 0:
            lines.append(f"h{i:05d} AAAA {corp_v6(i)}")
    return "\n".join(lines) + "\n"


def forward_data(names, warm_a, warm_aaaa, misses, work, binary):
    """The forwarding scenarios' files: the warm question list (distinct questions that fit every
    contender's cache), the miss list (unique names, each new to the cache) and the checks."""
    rng = random.Random(1)
    questions = [(f"h{i:05d}.{CORP}", "A", corp_v4(i)) for i in rng.sample(range(names), min(warm_a, names))]
    questions += [(f"h{i:05d}.{CORP}", "AAAA", corp_v6(i))
                  for i in rng.sample(range(0, names, 4), min(warm_aaaa, len(range(0, names, 4))))]
    rng.shuffle(questions)
    warm = os.path.join(work, "warm.txt")
    with open(warm, "w") as f:
        f.writelines(f"{name} {qtype}\n" for name, qtype, _ in questions)
    miss = os.path.join(work, "miss.txt")
    with open(miss, "w") as f:
        f.writelines(f"n{i:06d}.{CORP} A\n" for i in range(misses))
    empty = os.path.join(work, "empty.toml")
    open(empty, "w").close()
    expected = questions[:25] + [(f"check-{i}.{CORP}", "A", "192.0.2.1") for i in range(5)]
    return {"binary": binary, "empty_config": empty, "warm": warm, "miss": miss, "expected": expected,
            "zone_text": corp_zone(names, "knot"), "probe": f"ns1.{CORP}", "warm_count": len(questions),
            "names": names, "misses": misses}
