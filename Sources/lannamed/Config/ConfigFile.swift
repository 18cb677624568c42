import DNSWire
import Foundation
import LANZone
import TOMLKit

/// Reads the TOML config file into `Settings`. Syntax errors carry the parser's line; unknown
/// keys and wrong values carry the line of the key, found in the text.
struct ConfigFile {
    let path: String
    let text: String
    let lines: [Substring]

    init(path: String) throws(ConfigError) {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw ConfigError(file: path, message: exists ? "the file cannot be read (permissions?)" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, message: "the file is not UTF-8 text")
        }
        self.text = text
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// Applies the file on top of `settings`.
    func apply(to settings: inout Settings) throws(ConfigError) {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(file: path, line: error.source.begin.line, message: Self.sentence(error.description))
        } catch {
            throw ConfigError(file: path, message: "\(error)")
        }
        try allow(root, table: nil, keys: ["zone", "zones", "server", "database", "dhcp", "forwarder", "transfer", "http"])

        if let zone = try table(root, "zone", in: nil) {
            try allow(zone, table: "zone", keys: ["name", "ttl", "negative-ttl", "server-name", "server-addresses", "hosts"])
            if let name = try string(zone, "name", in: "zone") {
                do {
                    settings.zone.name = try DomainName(parsing: name.hasSuffix(".") ? name : name + ".", origin: .root)
                } catch {
                    throw fail("zone", "name", "\"\(name)\" is not a valid zone name (\((error as? DNSWireError)?.reason ?? "\(error)"))")
                }
                if settings.zone.name.isRoot { throw fail("zone", "name", "the zone cannot be the root") }
            }
            if let ttl = try int(zone, "ttl", in: "zone", range: 0...604_800) { settings.zone.ttl = UInt32(ttl) }
            if let ttl = try int(zone, "negative-ttl", in: "zone", range: 0...86_400) { settings.zone.negativeTTL = UInt32(ttl) }
            if let name = try string(zone, "server-name", in: "zone") { settings.zone.serverName = name }
            if let list = try strings(zone, "server-addresses", in: "zone") {
                settings.zone.serverAddresses = try list.map { text throws(ConfigError) in
                    guard let address = IPAddress(text) else {
                        throw fail("zone", "server-addresses", "\"\(text)\" is not an IPv4 or IPv6 address")
                    }
                    return address
                }
            }
            if let hosts = zone["hosts"] {
                guard let array = hosts.array else { throw fail("zone", "hosts", "should be a list of [[zone.hosts]] tables") }
                var records: [HostRecord] = []
                for (entryIndex, entry) in array.compactMap({ $0.table }).enumerated() {
                    let n = entryIndex
                    try allow(entry, table: "zone.hosts", keys: ["name", "addresses", "aliases"], occurrence: n)
                    guard let name = try string(entry, "name", in: "zone.hosts", occurrence: n) else {
                        throw fail("zone.hosts", nil, "every [[zone.hosts]] needs a name", occurrence: n)
                    }
                    guard let texts = try strings(entry, "addresses", in: "zone.hosts", occurrence: n), !texts.isEmpty else {
                        throw fail("zone.hosts", "name", "host \"\(name)\" needs addresses = [\"...\"]", occurrence: n)
                    }
                    var addresses: [IPAddress] = []
                    for text in texts {
                        guard let address = IPAddress(text) else {
                            throw fail("zone.hosts", "addresses", "\"\(text)\" is not an IPv4 or IPv6 address", occurrence: n)
                        }
                        addresses.append(address)
                    }
                    let aliases = try strings(entry, "aliases", in: "zone.hosts", occurrence: n) ?? []
                    for (index, alias) in ([name] + aliases).enumerated() {
                        do {
                            let relative = try StaticName.relative(alias, in: settings.zone.name)
                            records.append(HostRecord(name: relative, addresses: addresses, source: .config,
                                                      publishesPTR: index == 0))
                        } catch {
                            throw fail("zone.hosts", index == 0 ? "name" : "aliases", error.description, occurrence: n)
                        }
                    }
                }
                settings.zone.hosts = records
            }
        }

        if let server = try table(root, "server", in: nil) {
            try allow(server, table: "server", keys: ["listen", "threads", "tcp-idle-timeout", "max-tcp-connections"])
            if let list = try strings(server, "listen", in: "server") {
                do { settings.server.listen = try Endpoint.parse(list, what: "listen") } catch {
                    throw fail("server", "listen", error.message)
                }
            }
            if let value = try int(server, "threads", in: "server", range: 0...256) { settings.server.threads = value }
            if let value = try int(server, "tcp-idle-timeout", in: "server", range: 1...3600) {
                settings.server.tcpIdleTimeout = Double(value)
            }
            if let value = try int(server, "max-tcp-connections", in: "server", range: 1...100_000) {
                settings.server.maxTCPConnections = value
            }
        }

        if let database = try table(root, "database", in: nil) {
            try allow(database, table: "database", keys: ["path"])
            if let path = try string(database, "path", in: "database") { settings.store.database = path }
        }

        if let dhcp = try table(root, "dhcp", in: nil) {
            try allow(dhcp, table: "dhcp", keys: ["enabled", "interfaces", "pcap-files", "protected-names", "requested-lifetime"])
            if let value = dhcp["enabled"] {
                guard let flag = value.bool else { throw fail("dhcp", "enabled", "should be true or false") }
                settings.dhcp.enabled = flag
            }
            if let list = try strings(dhcp, "interfaces", in: "dhcp") { settings.dhcp.interfaces = list }
            if let list = try strings(dhcp, "pcap-files", in: "dhcp") { settings.dhcp.pcapFiles = list }
            if let list = try strings(dhcp, "protected-names", in: "dhcp") { settings.dhcp.protectedNames = list }
            if let value = try int(dhcp, "requested-lifetime", in: "dhcp", range: 60...604_800) {
                settings.dhcp.requestedLifetime = Double(value)
            }
        }

        if let forwarder = try table(root, "forwarder", in: nil) {
            try allow(forwarder, table: "forwarder", keys: ["enabled", "upstreams", "allow", "cache-size", "domains"])
            if let value = forwarder["enabled"] {
                guard let flag = value.bool else { throw fail("forwarder", "enabled", "should be true or false") }
                settings.forwarding.enabled = flag
            }
            if let list = try strings(forwarder, "upstreams", in: "forwarder") {
                do { settings.forwarding.upstreams = try Settings.parseUpstreams(list) } catch {
                    throw fail("forwarder", "upstreams", error.message)
                }
            }
            if let list = try strings(forwarder, "allow", in: "forwarder") {
                do { settings.forwarding.allow = try Settings.parsePrefixes(list) } catch {
                    throw fail("forwarder", "allow", error.message)
                }
            }
            if let value = try int(forwarder, "cache-size", in: "forwarder", range: 0...10_000_000) {
                settings.forwarding.cacheSize = value
            }
            if let domains = forwarder["domains"] {
                guard let array = domains.array else { throw fail("forwarder", "domains", "should be [[forwarder.domains]] tables") }
                for (n, entry) in array.compactMap({ $0.table }).enumerated() {
                    try allow(entry, table: "forwarder.domains", keys: ["name", "upstreams"], occurrence: n)
                    guard let name = try string(entry, "name", in: "forwarder.domains", occurrence: n),
                          let list = try strings(entry, "upstreams", in: "forwarder.domains", occurrence: n) else {
                        throw fail("forwarder.domains", nil, "each [[forwarder.domains]] needs name and upstreams", occurrence: n)
                    }
                    do {
                        let (domain, upstreams) = try Settings.parseDomain(name, list)
                        settings.forwarding.domains[domain] = upstreams
                    } catch {
                        throw fail("forwarder.domains", "name", error.message, occurrence: n)
                    }
                }
            }
        }

        if let transfer = try table(root, "transfer", in: nil) {
            try allow(transfer, table: "transfer", keys: ["allow", "notify", "tsig", "secondary-of", "notify-interval",
                                                          "journal-entries"])
            if let list = try strings(transfer, "allow", in: "transfer") {
                do { settings.transfer.allow = try Settings.parsePrefixes(list) } catch {
                    throw fail("transfer", "allow", error.message)
                }
            }
            if let list = try strings(transfer, "notify", in: "transfer") {
                do { settings.transfer.notify = try Endpoint.parse(list, what: "notify", destinations: true) } catch {
                    throw fail("transfer", "notify", error.message)
                }
            }
            if let key = try string(transfer, "tsig", in: "transfer") {
                do { _ = try Settings.parseTSIG(key) } catch { throw fail("transfer", "tsig", error.message) }
                settings.transfer.tsig = key
            }
            if let primary = try string(transfer, "secondary-of", in: "transfer") {
                do { settings.transfer.secondaryOf = try Endpoint(destination: primary) } catch {
                    throw fail("transfer", "secondary-of", error.message)
                }
            }
            if let value = try seconds(transfer, "notify-interval", in: "transfer", range: 0...3600) {
                settings.transfer.notifyInterval = value
            }
            if let value = try int(transfer, "journal-entries", in: "transfer", range: 1...1_000_000) {
                settings.transfer.journalEntries = value
            }
        }
        if let http = try table(root, "http", in: nil) {
            try allow(http, table: "http", keys: ["listen", "tls-cert", "tls-key", "trusted-proxies", "admin-allow"])
            if let text = try string(http, "listen", in: "http") {
                settings.http.listenChosen = true
                if text == "off" {
                    settings.http.listen = nil
                } else {
                    do { settings.http.listen = try Endpoint(setting: text, defaultPort: 443) } catch {
                        throw fail("http", "listen", error.message)
                    }
                }
            }
            if let path = try string(http, "tls-cert", in: "http") { settings.http.tlsCertificate = path }
            if let path = try string(http, "tls-key", in: "http") { settings.http.tlsKey = path }
            if let list = try strings(http, "trusted-proxies", in: "http") {
                do { settings.http.trustedProxies = try Settings.parsePrefixes(list) } catch {
                    throw fail("http", "trusted-proxies", error.message)
                }
            }
            if let list = try strings(http, "admin-allow", in: "http") {
                do { settings.http.adminAllow = try Settings.parsePrefixes(list) } catch {
                    throw fail("http", "admin-allow", error.message)
                }
            }
        }

        // After [zone]: a hosted zone is checked against the LAN zone's name.
        try applyHostedZones(root, to: &settings)
    }

    // MARK: - Typed access with errors that point at a line

    func allow(_ table: TOMLTable, table name: String?, keys: Set<String>, occurrence: Int? = nil) throws(ConfigError) {
        for key in table.keys where !keys.contains(key) {
            let place = name.map { "in [\($0)]" } ?? "at the top level"
            throw fail(name, key, "unknown setting \"\(key)\" \(place); known: \(keys.sorted().joined(separator: ", "))",
                       occurrence: occurrence)
        }
    }

    func table(_ parent: TOMLTable, _ key: String, in name: String?) throws(ConfigError) -> TOMLTable? {
        guard let value = parent[key] else { return nil }
        guard let table = value.table else { throw fail(name, key, "\"\(key)\" should be a table ([\(key)])") }
        return table
    }

    func string(_ table: TOMLTable, _ key: String, in name: String, occurrence: Int? = nil) throws(ConfigError) -> String? {
        guard let value = table[key] else { return nil }
        guard let string = value.string else {
            throw fail(name, key, "\"\(key)\" should be a string in quotes", occurrence: occurrence)
        }
        return string
    }

    func strings(_ table: TOMLTable, _ key: String, in name: String, occurrence: Int? = nil) throws(ConfigError) -> [String]? {
        guard let value = table[key] else { return nil }
        if let single = value.string { return [single] }
        guard let array = value.array else {
            throw fail(name, key, "\"\(key)\" should be a list of strings", occurrence: occurrence)
        }
        var out: [String] = []
        for element in array {
            guard let string = element.string else {
                throw fail(name, key, "\"\(key)\" should hold only strings", occurrence: occurrence)
            }
            out.append(string)
        }
        return out
    }

    func int(_ table: TOMLTable, _ key: String, in name: String, range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let value = table[key] else { return nil }
        guard let number = value.int else { throw fail(name, key, "\"\(key)\" should be a whole number") }
        guard range.contains(number) else {
            throw fail(name, key, "\"\(key)\" = \(number) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// A duration in seconds, whole (`5`) or not (`0.25`).
    func seconds(_ table: TOMLTable, _ key: String, in name: String, range: ClosedRange<Double>) throws(ConfigError) -> Double? {
        guard let value = table[key] else { return nil }
        guard let number = value.int.map(Double.init) ?? value.double else {
            throw fail(name, key, "\"\(key)\" should be a number of seconds")
        }
        guard range.contains(number) else {
            func text(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
            throw fail(name, key, "\"\(key)\" = \(text(number)) is outside \(text(range.lowerBound))...\(text(range.upperBound))")
        }
        return number
    }

    func fail(_ table: String?, _ key: String?, _ message: String, occurrence: Int? = nil) -> ConfigError {
        ConfigError(file: path, line: line(of: key, in: table, occurrence: occurrence), message: message)
    }

    /// The 1-based line where `key` is set inside `[table]` (the `occurrence`-th `[[table]]` for
    /// arrays of tables), dotted keys included (`server.listen = ...` at the top level), or the
    /// line of the table's header; found by reading the text.
    func line(of key: String?, in table: String?, occurrence: Int? = nil) -> Int? {
        var current = ""
        var seen: [String: Int] = [:]
        var headerLine: Int?
        let wantedTable = table ?? ""
        let target = [table, key].compactMap { $0 }.joined(separator: ".")
        for (index, raw) in lines.enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || line.isEmpty { continue }
            if line.hasPrefix("[") {
                if let close = line.lastIndex(of: "]") { line = String(line[...close]) }
                current = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] \t")).replacingOccurrences(of: "\"", with: "")
                seen[current, default: 0] += 1
                // A top-level key that is a table: its header is the place.
                if table == nil, let key, current == key || current.hasPrefix(key + ".") { return index + 1 }
                if current == wantedTable, headerLine == nil, occurrence == nil || seen[current] == occurrence! + 1 {
                    headerLine = index + 1
                }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let keyText = line[..<equals].split(separator: ".").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            }.joined(separator: ".")
            let path = current.isEmpty ? keyText : current + "." + keyText
            guard key != nil, path == target else { continue }
            if let occurrence, current == wantedTable, seen[current] != occurrence + 1 { continue }
            return index + 1
        }
        return headerLine
    }

    /// toml++ messages start lower-case and lack a full stop.
    static func sentence(_ text: String) -> String {
        guard let first = text.first else { return "syntax error" }
        return first.uppercased() + text.dropFirst()
    }
}
