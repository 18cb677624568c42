/// How a message travels: UDP (size-limited, truncation) or a TCP stream.
public enum DNSTransport: Sendable {
    case udp, tcp
}
