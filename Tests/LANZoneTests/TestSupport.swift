import DNSWire
import Foundation
import Testing
@testable import LANZone

// Shared helpers for the LANZone tests: address and name builders, a compact text form of
// records and answers (so answer tables read like `dig` output), and temporary databases.

/// An address from text; the tests only use valid literals.
func ip(_ text: String) -> IPAddress {
    guard let address = IPAddress(text) else { preconditionFailure("bad address literal \(text)") }
    return address
}

func ips(_ texts: String...) -> [IPAddress] { texts.map(ip) }

/// One record as `owner TTL TYPE RDATA`, keeping the case of every name.
func render(_ record: ResourceRecord) -> String {
    let rdata: String
    switch record.data {
    case .a(let a): rdata = a.description
    case .aaaa(let a): rdata = a.description
    case .ns(let name), .cname(let name), .ptr(let name): rdata = name.description
    case .soa(let soa):
        rdata = "\(soa.mname) \(soa.rname) \(soa.serial) \(soa.refresh) \(soa.retry) \(soa.expire) \(soa.minimum)"
    default: rdata = "\(record.data)"
    }
    let klass = record.recordClass == .in ? "" : " \(record.recordClass)"
    return "\(record.name) \(record.ttl)\(klass) \(record.type) \(rdata)"
}

/// An answer as one line: `answer R1 | R2 ++ GLUE1 | GLUE2`, `nodata SOA`, `nxdomain SOA` (or
/// `nxdomain -` without one) and `refused` for names outside every local zone.
func render(_ answer: ZoneAnswer) -> String {
    switch answer {
    case .answer(let records, let additional):
        let main = "answer " + records.map(render).joined(separator: " | ")
        return additional.isEmpty ? main : main + " ++ " + additional.map(render).joined(separator: " | ")
    case .noData(let soa):
        return "nodata " + render(soa)
    case .nxDomain(let soa):
        return "nxdomain " + (soa.map(render) ?? "-")
    case .notAuthoritative:
        return "refused"
    case .delegation(let ns, let glue):
        let main = "delegation " + ns.map(render).joined(separator: " | ")
        return glue.isEmpty ? main : main + " ++ " + glue.map(render).joined(separator: " | ")
    case .serverFailure:
        return "servfail"
    }
}

/// Runs `body`, expecting a `ZoneError`; returns it (or records an issue and returns nil).
@discardableResult
func zoneError<T>(_ body: () throws(ZoneError) -> T, sourceLocation: SourceLocation = #_sourceLocation) -> ZoneError? {
    do {
        let value = try body()
        Issue.record("expected a ZoneError, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// A directory of its own under the system temporary directory, removed when the value goes away.
final class TemporaryDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("lanzone-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A database path inside the directory (the file itself is created by the store).
    var databasePath: String { url.appendingPathComponent("lannamed.sqlite").path }

    func path(_ component: String) -> String { url.appendingPathComponent(component).path }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
