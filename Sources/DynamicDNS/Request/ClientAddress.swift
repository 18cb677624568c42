import DNSWire

/// The address a request comes from: the peer, or, when the peer is a trusted reverse proxy, the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy (entries further left were
/// written by the client and prove nothing).
public enum ClientAddress {
    /// - Parameters:
    ///   - peer: the TCP peer.
    ///   - forwardedFor: every `X-Forwarded-For` header value, in the order received.
    ///   - trustedProxies: proxies whose `X-Forwarded-For` is believed.
    public static func resolve(peer: IPAddress, forwardedFor: [String], trustedProxies: [AddressPrefix]) -> IPAddress {
        var client = normalised(peer)
        guard isTrusted(client, trustedProxies) else { return client }
        let entries = forwardedFor.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
        for entry in entries.reversed() {
            // A garbled entry ends the chain: the last proxy we believe is the best we know.
            guard let address = parseEntry(entry) else { return client }
            client = address
            if !isTrusted(address, trustedProxies) { return client }
        }
        return client
    }

    /// The client address of a request given as header fields.
    public static func resolve(peer: IPAddress, headers: [(name: String, value: String)], trustedProxies: [AddressPrefix]) -> IPAddress {
        let forwarded = headers.filter { $0.name.lowercased() == "x-forwarded-for" }.map(\.value)
        return resolve(peer: peer, forwardedFor: forwarded, trustedProxies: trustedProxies)
    }

    /// `::ffff:a.b.c.d` (an IPv4 client on a dual-stack socket) as the IPv4 address.
    public static func normalised(_ address: IPAddress) -> IPAddress {
        if case .v6(let v6) = address, v6.high == 0, v6.low >> 32 == 0xFFFF {
            return .v4(IPv4Address(uint32: UInt32(truncatingIfNeeded: v6.low)))
        }
        return address
    }

    static func isTrusted(_ address: IPAddress, _ proxies: [AddressPrefix]) -> Bool {
        proxies.contains { $0.contains(address) }
    }

    /// `198.51.100.7`, `198.51.100.7:4711`, `2001:db8::7`, `[2001:db8::7]:4711`, with spaces around.
    static func parseEntry(_ raw: Substring) -> IPAddress? {
        let text = raw.trimmingSpaces
        if let address = IPAddress(text) { return normalised(address) }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            return IPAddress(text[text.index(after: text.startIndex)..<close]).map(normalised)
        }
        if let colon = text.lastIndex(of: ":"), text.firstIndex(of: ":") == colon,
           let v4 = IPv4Address(text[..<colon]) {
            return .v4(v4)
        }
        return nil
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
