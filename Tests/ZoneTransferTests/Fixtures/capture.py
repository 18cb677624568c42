#!/usr/bin/env python3
"""Loopback-only capture helper used to make the TSIG golden fixtures (not run by `swift test`).

  capture.py proxy LISTEN_PORT SERVER_PORT OUTDIR SECONDS
      Relays DNS over UDP and TCP from 127.0.0.1:LISTEN_PORT to 127.0.0.1:SERVER_PORT for at most
      SECONDS and writes every message it sees to OUTDIR/NNN-{udp,tcp}-{query,response}.bin.
  capture.py send SERVER_PORT QUERY_FILE OUT_FILE
      Sends the query in QUERY_FILE over TCP to 127.0.0.1:SERVER_PORT and writes every response
      message to OUT_FILE as 2-byte length-prefixed frames (the DNS-over-TCP framing), stopping
      after the second SOA-ending frame or after 5 s of silence.
"""
import os, select, socket, struct, sys, time

HOST = "127.0.0.1"

def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data

def read_frame(sock):
    (length,) = struct.unpack("!H", read_exact(sock, 2))
    return read_exact(sock, length)

def proxy(listen_port, server_port, outdir, seconds):
    os.makedirs(outdir, exist_ok=True)
    counter = [0]
    def save(kind, data):
        counter[0] += 1
        with open(os.path.join(outdir, "%03d-%s.bin" % (counter[0], kind)), "wb") as f:
            f.write(data)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind((HOST, listen_port))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); tcp.bind((HOST, listen_port)); tcp.listen(4)
    deadline = time.time() + seconds
    while time.time() < deadline:
        ready, _, _ = select.select([udp, tcp], [], [], 0.5)
        if udp in ready:
            query, client = udp.recvfrom(65535)
            save("udp-query", query)
            up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); up.settimeout(3)
            up.sendto(query, (HOST, server_port))
            try:
                response, _ = up.recvfrom(65535)
                save("udp-response", response)
                udp.sendto(response, client)
            except socket.timeout:
                pass
            up.close()
        if tcp in ready:
            conn, _ = tcp.accept(); conn.settimeout(5)
            up = socket.create_connection((HOST, server_port), timeout=5)
            try:
                query = read_frame(conn)
                save("tcp-query", query)
                up.sendall(struct.pack("!H", len(query)) + query)
                while True:
                    response = read_frame(up)
                    save("tcp-response", response)
                    conn.sendall(struct.pack("!H", len(response)) + response)
            except (EOFError, socket.timeout, ConnectionError):
                pass
            conn.close(); up.close()

def send(server_port, query_file, out_file):
    query = open(query_file, "rb").read()
    sock = socket.create_connection((HOST, server_port), timeout=5)
    sock.sendall(struct.pack("!H", len(query)) + query)
    frames = b""
    soa_seen = 0
    try:
        while soa_seen < 2:
            response = read_frame(sock)
            frames += struct.pack("!H", len(response)) + response
            rcode = response[3] & 0x0F
            print("frame of %d bytes, rcode %d, ancount %d" % (len(response), rcode, struct.unpack("!H", response[6:8])[0]))
            if rcode != 0:
                break
            soa_seen += response.count(b"\x00\x06\x00\x01")  # rough: SOA type+class markers
    except (EOFError, socket.timeout):
        pass
    sock.close()
    open(out_file, "wb").write(frames)

if __name__ == "__main__":
    if sys.argv[1] == "proxy":
        proxy(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
    elif sys.argv[1] == "send":
        send(int(sys.argv[2]), sys.argv[3], sys.argv[4])
