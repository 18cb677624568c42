import Foundation
import Testing

/// One resource record as dig, kdig and drill print it.
package struct RR: Equatable, CustomStringConvertible, Sendable {
    package var name: String
    package var ttl: Int
    package var rrClass: String
    package var type: String
    package var data: String

    package init(_ name: String, _ ttl: Int, _ rrClass: String, _ type: String, _ data: String) {
        self.name = name
        self.ttl = ttl
        self.rrClass = rrClass
        self.type = type
        self.data = data
    }

    package var description: String { "\(name) \(ttl) \(rrClass) \(type) \(data)" }
}

/// What dig, kdig and drill print for one response, read back into its parts.
package struct DNSReply: CustomStringConvertible {
    package var raw: String
    package var opcode: String?
    package var status: String?
    package var id: Int?
    package var flags: [String] = []
    package var answer: [RR] = []
    package var authority: [RR] = []
    package var additional: [RR] = []
    package var hasOPT = false
    package var ednsVersion: Int?
    package var truncatedRetry = false

    package var description: String { raw }

    /// Parses the last response in the text (dig may print a truncated UDP answer, then the TCP one).
    package init(_ text: String) {
        raw = text
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Start at the last header, so a retried query is read as the final answer.
        let lastHeader = lines.lastIndex { $0.contains("->>HEADER<<-") } ?? 0
        truncatedRetry = text.contains("Truncated, retrying in TCP mode")
        var section: String? = nil
        for line in lines[lastHeader...] {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.contains("->>HEADER<<-") {
                opcode = Self.word(after: "opcode: ", in: trimmed)
                status = Self.word(after: "status: ", in: trimmed) ?? Self.word(after: "rcode: ", in: trimmed)
                id = Self.word(after: "id: ", in: trimmed).flatMap { Int($0) }
                continue
            }
            if trimmed.lowercased().hasPrefix(";; flags:") {
                let rest = trimmed.dropFirst(";; flags:".count)
                let flagText = rest.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                flags = flagText.split(separator: " ").map(String.init)
                continue
            }
            if trimmed.hasPrefix(";; OPT PSEUDOSECTION") || trimmed.hasPrefix(";; EDNS PSEUDOSECTION") {
                hasOPT = true
                section = nil
                continue
            }
            if trimmed.hasPrefix("; EDNS: version:") || trimmed.hasPrefix(";; Version:") {
                let marker = trimmed.hasPrefix("; EDNS") ? "version: " : "Version: "
                ednsVersion = Self.word(after: marker, in: trimmed).flatMap { Int($0) }
                continue
            }
            if trimmed.hasPrefix(";; ANSWER SECTION") { section = "answer"; continue }
            if trimmed.hasPrefix(";; AUTHORITY SECTION") { section = "authority"; continue }
            if trimmed.hasPrefix(";; ADDITIONAL SECTION") { section = "additional"; continue }
            if trimmed.isEmpty { section = nil; continue }
            if trimmed.hasPrefix(";") { continue }
            guard let current = section else { continue }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= 5, let ttl = Int(fields[1]) else { continue }
            let record = RR(fields[0], ttl, fields[2], fields[3], fields[4...].joined(separator: " "))
            switch current {
            case "answer": answer.append(record)
            case "authority": authority.append(record)
            default: additional.append(record)
            }
        }
    }

    /// The run of letters, digits and dashes after `marker`.
    package static func word(after marker: String, in line: String) -> String? {
        guard let range = line.range(of: marker) else { return nil }
        let word = line[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" }
        return word.isEmpty ? nil : String(word)
    }

    package var isAuthoritative: Bool { flags.contains("aa") }
    package var isTruncated: Bool { flags.contains("tc") }

    /// The SOA rdata split into its seven fields.
    package static func soaFields(_ record: RR) -> [String] {
        record.data.split(separator: " ").map(String.init)
    }
}

extension E2E {
    /// `dig -r @SERVER -p PORT ARGS` (-r: no ~/.digrc), optionally from `source`; bounded: one
    /// try of `time` seconds. Loopback only. A failed dig leaves its exit status in the text.
    package static func dig(port: UInt16, _ args: [String], server: String = "127.0.0.1", source: String? = nil,
                            time: Int = 2) -> DNSReply {
        precondition(server == "127.0.0.1" || server == "::1", "loopback only")
        let from = source.map { ["-b", $0] } ?? []
        let output = run("dig", ["-r", "@\(server)", "-p", "\(port)", "+time=\(time)", "+tries=1"] + from + args,
                         timeout: Double(time) * 3 + 3)
        return DNSReply(output.stdout + (output.status == 0 ? "" : "\n;; dig exit \(output.status): \(output.stderr)"))
    }

    /// `lan` or `lan.` → `lan.` (lowercased, one trailing dot).
    package static func fqdn(_ zone: String) -> String {
        let trimmed = zone.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "." || trimmed.isEmpty { return "." }
        return trimmed.hasSuffix(".") ? trimmed : trimmed + "."
    }

    /// The SOA serial `port` answers for `zone` (authoritative NOERROR only), asked with dig.
    package static func soaSerial(port: UInt16, zone: String) -> UInt32? {
        let reply = dig(port: port, ["+norec", fqdn(zone), "SOA"], time: 1)
        guard reply.status == "NOERROR",
              let soa = reply.answer.first(where: { $0.type == "SOA" && $0.name.lowercased() == fqdn(zone) }) else { return nil }
        let fields = DNSReply.soaFields(soa)
        return fields.count >= 3 ? UInt32(fields[2]) : nil
    }
}
