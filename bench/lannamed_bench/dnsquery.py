"""DNS questions: dig wrappers (start-up probe, answer checks) and a tiny wire-format client
(one question, parsing a response) for the stream client, the probes and the DHCP probe."""
import random
import socket
import struct
import subprocess
import time


def dig(port, name, qtype, timeout=1):
    out = subprocess.run(["dig", "-r", "+short", "+tries=1", f"+time={timeout}", "-p", str(port), "@127.0.0.1",
                          name, qtype], capture_output=True, text=True, timeout=timeout + 5)
    return [line.strip() for line in out.stdout.splitlines() if line.strip() and not line.startswith(";")]


def wait_answering(port, name, proc, log, deadline_s=120, qtype="A"):
    start = time.monotonic()
    while time.monotonic() - start < deadline_s:
        if proc.poll() is not None:
            with open(log) as f:
                raise RuntimeError(f"server exited with {proc.returncode}: {f.read()[-2000:]}")
        try:
            if dig(port, name, qtype, timeout=1):
                return time.monotonic() - start
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"server on port {port} did not answer {name} within {deadline_s} s")


def check_answers(server, expected, limit=30):
    wrong = []
    for name, qtype, want in expected[:limit]:
        got = dig(server.port, name, qtype)
        if want.lower() not in [g.lower() for g in got]:
            wrong.append(f"{name} {qtype}: want {want}, got {got}")
    return wrong


def dns_query(qid, name, qtype):
    labels = b"".join(bytes([len(label)]) + label.encode() for label in name.strip(".").split("."))
    return struct.pack("!HHHHHH", qid & 0xFFFF, 0x0100, 1, 0, 0, 0) + labels + b"\0" + struct.pack("!HH", qtype, 1)


def _skip_name(data, offset):
    for _ in range(128):
        length = data[offset]
        if length == 0:
            return offset + 1
        if length & 0xC0 == 0xC0:
            return offset + 2
        offset += 1 + length
    raise ValueError("name too long")


def dns_parse(data):
    """(id, rcode, answer count, first TXT string or None) of a response; None if it is not one."""
    try:
        qid, flags, qdcount, ancount = struct.unpack("!HHHH", data[:8])
        if not flags & 0x8000:
            return None
        offset = 12
        for _ in range(qdcount):
            offset = _skip_name(data, offset) + 4
        txt = None
        for _ in range(ancount):
            offset = _skip_name(data, offset)
            rtype, _, _, rdlength = struct.unpack("!HHIH", data[offset:offset + 10])
            offset += 10
            if rtype == 16 and txt is None and rdlength:
                txt = data[offset + 1:offset + 1 + data[offset]].decode(errors="replace")
            offset += rdlength
        return qid, flags & 0xF, ancount, txt
    except (struct.error, IndexError, ValueError):
        return None


def ask(port, name, qtype=1, timeout=0.5):
    """One UDP question to 127.0.0.1:port: (rcode, answer count), or None on timeout."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        qid = random.randrange(0x10000)
        try:
            s.sendto(dns_query(qid, name, qtype), ("127.0.0.1", port))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                data = s.recv(4096)
                parsed = dns_parse(data)
                if parsed and parsed[0] == qid:
                    return parsed[1], parsed[2]
        except (socket.timeout, OSError):
            return None
    return None
