import DNSWire

/// Reads the hosts-file format (`ADDRESS NAME [ALIAS...]`, `#` comments), as /etc/hosts and
/// dnsmasq's addn-hosts use it.
public enum HostsFile {
    public struct Entry: Sendable, Hashable {
        public var line: Int
        public var address: IPAddress
        public var names: [String]
    }

    /// Parses the text; a line that is not `ADDRESS NAME...` is an error naming its line.
    public static func parse(_ text: String) throws(ZoneError) -> [Entry] {
        var entries: [Entry] = []
        var number = 0
        // `\r\n` is one Character in Swift: split on every kind of line end.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let fields = line.split(whereSeparator: \.isWhitespace)
            if fields.isEmpty { continue }
            guard let address = IPAddress(fields[0]) else {
                throw ZoneError.hostsFile(line: number, "\"\(fields[0])\" is not an IPv4 or IPv6 address")
            }
            guard fields.count >= 2 else {
                throw ZoneError.hostsFile(line: number, "an address needs at least one name after it")
            }
            entries.append(Entry(line: number, address: address, names: fields.dropFirst().map(String.init)))
        }
        return entries
    }

    /// Names every hosts file carries that are not the office's hosts: loopback and the IPv6
    /// multicast groups of Debian's default /etc/hosts.
    static func isSystemEntry(_ entry: Entry) -> Bool {
        switch entry.address {
        case .v4(let v4): return v4.bytes[0] == 127
        // ff00::/8 multicast, ::1, and Debian's old `fe00::0 ip6-localnet`.
        case .v6(let v6): return v6.bytes[0] == 0xFF || v6 == IPv6Address("::1")! || v6 == IPv6Address("fe00::")!
        }
    }

    /// Turns entries into hosts of the zone: the first name of a line publishes the PTR, the
    /// aliases do not; a name on several lines gets all their addresses. Loopback and multicast
    /// lines and names outside the zone are skipped and reported.
    public static func hosts(from entries: [Entry], origin: DomainName, source: HostSource = .static)
        -> (hosts: [HostRecord], skipped: [String]) {
        var order: [String] = []
        var byName: [String: HostRecord] = [:]
        var skipped: [String] = []
        for entry in entries {
            if isSystemEntry(entry) {
                skipped.append("line \(entry.line): \(entry.address) is a loopback or multicast address")
                continue
            }
            for (index, text) in entry.names.enumerated() {
                let name: String
                do {
                    // Hosts files hold single labels or full names: `nas.example.org` is a full
                    // name (outside the zone unless it ends in it), not `nas.example.org.lan`.
                    let absolute = text.contains(".") && !text.hasSuffix(".") ? text + "." : text
                    name = try StaticName.relative(absolute, in: origin)
                } catch {
                    // Report the name as the file has it.
                    let reported: ZoneError = switch error {
                    case .invalidName(_, let why): .invalidName(text, why)
                    case .outsideZone(_, let zone): .outsideZone(text, zone)
                    default: error
                    }
                    skipped.append("line \(entry.line): \(reported)")
                    continue
                }
                let key = name.lowercased()
                if var host = byName[key] {
                    if !host.addresses.contains(entry.address) { host.addresses.append(entry.address) }
                    host.publishesPTR = host.publishesPTR || index == 0
                    byName[key] = host
                } else {
                    order.append(key)
                    byName[key] = HostRecord(name: name, addresses: [entry.address], source: source, publishesPTR: index == 0)
                }
            }
        }
        return (order.map { byName[$0]! }, skipped)
    }
}
