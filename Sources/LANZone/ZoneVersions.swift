import DNSWire

/// One zone's published version: its SOA serial and the digest of its content.
public struct ZoneVersion: Sendable, Hashable {
    public var apex: DomainName
    public var serial: UInt32
    public var digest: UInt64

    public init(apex: DomainName, serial: UInt32, digest: UInt64) {
        self.apex = apex
        self.serial = serial
        self.digest = digest
    }
}

/// One IXFR journal entry: the zone went from serial `from` to serial `to` by these changes.
public struct JournalEntry: Sendable, Hashable {
    public var apex: DomainName
    public var from: UInt32
    public var to: UInt32
    public var change: ZoneChange

    public init(apex: DomainName, from: UInt32, to: UInt32, change: ZoneChange) {
        self.apex = apex
        self.from = from
        self.to = to
        self.change = change
    }
}

/// Per-zone SOA serials for transfers. Every zone keeps its own serial, which moves only when
/// that zone's content changes (a DHCP lease in the LAN zone does not make a secondary of an
/// untouched reverse zone transfer it). A serial never goes backwards, across restarts too: the
/// stored versions come back at start, and a zone whose content differs from its stored digest
/// (changed while the daemon was down, e.g. by `lannamed hosts add`) gets a newer serial and
/// loses its journal (secondaries then take an AXFR).
///
/// A value type: `start` and `advance` return what to store; the caller writes it in one
/// transaction, then publishes the snapshot they return.
public struct ZoneVersions: Sendable {
    public private(set) var versions: [DomainName: ZoneVersion] = [:]

    /// What one step produced.
    public struct Step: Sendable {
        /// The snapshot to publish, with every zone's own serial.
        public var snapshot: ZoneSnapshot
        /// Versions to store (changed or new zones).
        public var updated: [ZoneVersion] = []
        /// Journal entries to append.
        public var entries: [JournalEntry] = []
        /// Zones whose journal must be dropped (no chain reaches their new version).
        public var resets: [DomainName] = []
        /// Zones whose serial moved (NOTIFY goes out for these).
        public var changed: [DomainName] = []
    }

    public init() {}

    /// The first snapshot after start, against the stored versions.
    public mutating func start(_ snapshot: ZoneSnapshot, stored: [ZoneVersion]) -> Step {
        versions = Dictionary(stored.map { ($0.apex, $0) }, uniquingKeysWith: { $1 })
        var step = Step(snapshot: snapshot)
        var serials: [DomainName: UInt32] = [:]
        for apex in snapshot.transferApexes {
            guard let digest = snapshot.digest(of: apex) else { continue }
            if let version = versions[apex], version.digest == digest {
                serials[apex] = version.serial
                continue
            }
            let serial = Self.serial(after: versions[apex]?.serial, candidate: snapshot.serial)
            let version = ZoneVersion(apex: apex, serial: serial, digest: digest)
            versions[apex] = version
            serials[apex] = serial
            step.updated.append(version)
            step.resets.append(apex)
            step.changed.append(apex)
        }
        step.snapshot = snapshot.withSerials(serials)
        return step
    }

    /// A new snapshot built after `published` (the one served now, with per-zone serials).
    public mutating func advance(from published: ZoneSnapshot, to snapshot: ZoneSnapshot) -> Step {
        var step = Step(snapshot: snapshot)
        let changes = snapshot.changes(since: published)
        let before = Set(published.transferApexes)
        var serials: [DomainName: UInt32] = [:]
        for apex in snapshot.transferApexes {
            let current = versions[apex]
            if before.contains(apex), let current, let oldSerial = published.serial(of: apex), oldSerial == current.serial {
                guard let change = changes[apex], !(change.removed.isEmpty && change.added.isEmpty) else {
                    serials[apex] = current.serial
                    continue
                }
                let serial = Self.serial(after: current.serial, candidate: snapshot.serial)
                let version = ZoneVersion(apex: apex, serial: serial, digest: ZoneDigest.adjust(current.digest, by: change))
                versions[apex] = version
                serials[apex] = serial
                step.updated.append(version)
                step.entries.append(JournalEntry(apex: apex, from: current.serial, to: serial, change: change))
                step.changed.append(apex)
            } else {
                // A zone new to this process (a /24 that got its first host), or one whose
                // history is not known: a fresh version, and AXFR for whoever held it.
                guard let digest = snapshot.digest(of: apex) else { continue }
                if let current, current.digest == digest {
                    serials[apex] = current.serial
                    continue
                }
                let serial = Self.serial(after: current?.serial, candidate: snapshot.serial)
                let version = ZoneVersion(apex: apex, serial: serial, digest: digest)
                versions[apex] = version
                serials[apex] = serial
                step.updated.append(version)
                step.resets.append(apex)
                step.changed.append(apex)
            }
        }
        step.snapshot = snapshot.withSerials(serials)
        return step
    }

    /// The store's serial when it is newer than the zone's last one, else the next number.
    public static func serial(after current: UInt32?, candidate: UInt32) -> UInt32 {
        guard let current else { return candidate }
        return SerialNumber.isNewer(candidate, than: current) ? candidate : current &+ 1
    }
}
