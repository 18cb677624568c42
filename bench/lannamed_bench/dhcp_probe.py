"""The live DHCP scenario's probe, run as `bench/run.py --dhcp-probe ...` inside the namespace."""
import json
import select
import socket
import struct
import time

from .dnsquery import dns_parse, dns_query


def dhcp_probe(spec):
    """Runs inside the namespace: sees each sampled ACK on the interface (AF_PACKET) and asks
    lannamed for its name every 2 ms until it answers; prints one JSON line at the end."""
    interface, port, sample_every, count, limit = spec.split(",")
    port, sample_every, count, limit = int(port), int(sample_every), int(count), float(limit)
    offset = sample_every // 2 if sample_every > 1 else 0
    expected = len(range(offset, count, sample_every))
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    raw.bind((interface, 0x0800))
    raw.setblocking(False)
    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.connect(("127.0.0.1", port))
    dns.setblocking(False)
    acks = {}       # lease index -> monotonic time its ACK was seen
    waiting = {}    # lease index -> last time asked, until its name answers
    latency = {}
    polls = 0
    acks_seen = 0
    print("ready", flush=True)
    start = time.monotonic()
    while time.monotonic() - start < limit:
        ready, _, _ = select.select([raw, dns], [], [], 0.002)
        now = time.monotonic()
        if raw in ready:
            for _ in range(512):
                try:
                    frame, address = raw.recvfrom(2048)
                except (BlockingIOError, InterruptedError):
                    break
                seen = time.monotonic()
                if address[2] == socket.PACKET_OUTGOING or len(frame) < 14 + 20 + 8 + 240:
                    continue
                ihl = (frame[14] & 0x0F) * 4
                udp = 14 + ihl
                if frame[23] != 17 or struct.unpack("!H", frame[udp:udp + 2])[0] != 67:
                    continue
                bootp = udp + 8
                if frame[bootp] != 2:
                    continue
                xid = struct.unpack("!I", frame[bootp + 4:bootp + 8])[0]
                options = bootp + 240
                kind = None
                while options + 1 < len(frame) and frame[options] != 255:
                    if frame[options] == 0:
                        options += 1
                        continue
                    if frame[options] == 53:
                        kind = frame[options + 2]
                        break
                    options += 2 + frame[options + 1]
                if kind != 5:
                    continue
                acks_seen += 1
                index = xid - 0x10000000
                if 0 <= index < count and index % sample_every == offset and index not in acks:
                    acks[index] = seen
                    waiting[index] = 0.0
        if dns in ready:
            for _ in range(512):
                try:
                    data = dns.recv(4096)
                except (BlockingIOError, InterruptedError):
                    break
                parsed = dns_parse(data)
                if parsed and parsed[1] == 0 and parsed[2] > 0 and parsed[0] in waiting:
                    latency[parsed[0]] = time.monotonic() - acks[parsed[0]]
                    del waiting[parsed[0]]
        now = time.monotonic()
        for index, asked in list(waiting.items()):
            if now - asked < 0.002:
                continue
            waiting[index] = now
            polls += 1
            try:
                dns.send(dns_query(index, f"host-{index:06d}.lan", 1))
            except OSError:
                pass
        if len(latency) >= expected:
            break
        if acks and len(acks) >= expected and now - max(acks.values()) > 10:
            break
    values = sorted(v * 1000 for v in latency.values())
    result = {"samples": expected, "acks_seen": acks_seen, "sampled_acks": len(acks), "answered": len(values),
              "polls": polls}
    if values:
        result.update(p50_ms=values[len(values) // 2], p99_ms=values[min(len(values) - 1, int(len(values) * 0.99))],
                      max_ms=values[-1])
    print(json.dumps(result), flush=True)
