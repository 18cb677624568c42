import DNSWire
import LANZone
import TOMLKit

extension ConfigFile {
    /// `[[zones]]`: the hosted zones, each checked key by key with the line of a wrong value.
    func applyHostedZones(_ root: TOMLTable, to settings: inout Settings) throws(ConfigError) {
        guard let value = root["zones"] else { return }
        guard let array = value.array else { throw fail(nil, "zones", "should be a list of [[zones]] tables") }
        let section = "zones"
        for (n, entry) in array.compactMap({ $0.table }).enumerated() {
            try allow(entry, table: section, keys: ["name", "ns", "ns-addresses", "primary", "contact", "ttl",
                                                    "dynamic-ttl", "negative-ttl", "records", "notify"], occurrence: n)
            guard let text = try string(entry, "name", in: section, occurrence: n) else {
                throw fail(section, nil, "every [[zones]] needs a name", occurrence: n)
            }
            var zone: Settings.HostedZone
            do throws(ConfigError) {
                let name = try Settings.parseZoneName(text, what: "zone")
                try settings.checkHostedZone(name)
                guard !settings.hosted.contains(where: { $0.name == name }) else {
                    throw ConfigError(message: "zone \(name) is listed twice")
                }
                zone = Settings.HostedZone(name: name)
            } catch {
                throw fail(section, "name", error.message, occurrence: n)
            }
            func name(_ text: String, _ key: String) throws(ConfigError) -> DomainName {
                do { return try DomainName(parsing: text.hasSuffix(".") ? text : text + ".", origin: .root) } catch {
                    throw fail(section, key, "\"\(text)\" is not a valid name", occurrence: n)
                }
            }
            if let list = try strings(entry, "ns", in: section, occurrence: n) {
                for text in list { zone.nameServers.append(try name(text, "ns")) }
            }
            if let glue = entry["ns-addresses"] {
                guard let table = glue.table else {
                    throw fail(section, "ns-addresses", "should be a table: { \"ns1.example.net\" = [\"203.0.113.53\"] }", occurrence: n)
                }
                for key in table.keys {
                    let server = try name(key, "ns-addresses")
                    guard let texts = try strings(table, key, in: section, occurrence: n) else { continue }
                    var addresses: [IPAddress] = []
                    for text in texts {
                        guard let address = IPAddress(text) else {
                            throw fail(section, "ns-addresses", "\"\(text)\" is not an IPv4 or IPv6 address", occurrence: n)
                        }
                        addresses.append(address)
                    }
                    zone.nameServerAddresses[server] = addresses
                }
            }
            if let text = try string(entry, "primary", in: section, occurrence: n) { zone.primary = try name(text, "primary") }
            if let text = try string(entry, "contact", in: section, occurrence: n) {
                guard let contact = Self.mailbox(text) else {
                    throw fail(section, "contact", "\"\(text)\" is not a mail address (hostmaster@example.net)", occurrence: n)
                }
                zone.contact = contact
            }
            if let value = try int(entry, "ttl", in: section, range: 0...604_800) { zone.ttl = UInt32(value) }
            if let value = try int(entry, "dynamic-ttl", in: section, range: 0...86_400) { zone.dynamicTTL = UInt32(value) }
            if let value = try int(entry, "negative-ttl", in: section, range: 0...86_400) { zone.negativeTTL = UInt32(value) }
            if let list = try strings(entry, "records", in: section, occurrence: n) {
                for line in list {
                    let record: ResourceRecord
                    do { record = try RecordText.parse(line, origin: zone.name, defaultTTL: zone.ttl) } catch {
                        throw fail(section, "records", error.description, occurrence: n)
                    }
                    if let problem = HostedRecordRules.problem(adding: record, existing: zone.records, apex: zone.name),
                       !(record.type == .ns && record.name == zone.name) {
                        throw fail(section, "records", problem, occurrence: n)
                    }
                    zone.records.append(record)
                }
            }
            if let list = try strings(entry, "notify", in: section, occurrence: n) {
                do { zone.notify = try Endpoint.parse(list, what: "notify", destinations: true) } catch {
                    throw fail(section, "notify", error.message, occurrence: n)
                }
            }
            settings.hosted.append(zone)
        }
    }

    /// `hostmaster@example.net` as an SOA RNAME (`hostmaster.example.net.`; dots in the local
    /// part escaped, RFC 1035 sec. 8), or a name already in that form.
    static func mailbox(_ text: String) -> DomainName? {
        guard let at = text.lastIndex(of: "@") else {
            return try? DomainName(parsing: text.hasSuffix(".") ? text : text + ".", origin: .root)
        }
        let local = text[..<at], domain = text[text.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty, let base = try? DomainName(parsing: domain + ".", origin: .root) else { return nil }
        return try? base.prepending(Array(local.utf8))
    }
}
