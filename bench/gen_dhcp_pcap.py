#!/usr/bin/env python3
"""Writes a pcap of DHCP traffic for benchmarks: N clients, each a broadcast REQUEST (hostname
option 12, requested address option 50) followed by the server's ACK (lease time option 51),
spaced evenly over --seconds. Addresses come from 198.18.0.0/15 (RFC 2544 benchmarking), MACs
are locally administered (02:...). Only for reading with --pcap-file or tcpreplay onto a veth
in a namespace the benchmark makes itself.
"""
import argparse
import ipaddress
import struct


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def frame(src_mac, dst_mac, src_ip, dst_ip, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src_ip, dst_ip)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + udp


def dhcp(op, xid, mac, yiaddr, options):
    header = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, 1, 6, 0, xid, 0, 0x8000, b"\0" * 4, yiaddr, b"\0" * 4,
                         b"\0" * 4, mac + b"\0" * 10, b"\0" * 64, b"\0" * 128)
    body = b"".join(struct.pack("!BB", code, len(value)) + value for code, value in options)
    return header + b"\x63\x82\x53\x63" + body + b"\xff"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int)
    parser.add_argument("output")
    parser.add_argument("--seconds", type=float, default=100.0, help="span of the capture")
    parser.add_argument("--lease", type=int, default=86400)
    args = parser.parse_args()
    server_mac = bytes.fromhex("020000000001")
    server_ip = ipaddress.IPv4Address("198.18.0.1").packed
    base = int(ipaddress.IPv4Address("198.18.0.10"))
    broadcast_mac = b"\xff" * 6
    with open(args.output, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        step = args.seconds / max(1, args.count)
        for i in range(args.count):
            mac = bytes.fromhex("02%010x" % (i + 1))
            address = ipaddress.IPv4Address(base + i).packed
            name = f"host-{i:06d}".encode()
            xid = 0x10000000 + i
            t = 1_700_000_000 + i * step
            request = dhcp(1, xid, mac, b"\0" * 4, [(53, b"\x03"), (50, address), (54, server_ip), (12, name)])
            ack = dhcp(2, xid, mac, address, [(53, b"\x05"), (54, server_ip), (51, struct.pack("!I", args.lease))])
            for when, packet in ((t, frame(mac, broadcast_mac, b"\0" * 4, b"\xff" * 4, 68, 67, request)),
                                 (t + step / 2, frame(server_mac, mac, server_ip, address, 67, 68, ack))):
                seconds = int(when)
                micros = int((when - seconds) * 1_000_000)
                out.write(struct.pack("<IIII", seconds, micros, len(packet), len(packet)))
                out.write(packet)


if __name__ == "__main__":
    main()
