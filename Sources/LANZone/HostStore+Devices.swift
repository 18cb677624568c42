import DNSWire
import GRDB

/// One address a device holds, as the daemon learned it (from DHCP today, later from the API).
public struct DeviceRegistration: Sendable, Hashable {
    /// The sanitised host label the device asked for; nil to attach the address to the name the
    /// device (same MAC) already has.
    public var name: String?
    public var mac: MACAddress
    public var address: IPAddress
    public var leaseEnd: Double
    public var state: LeaseState
    public var relayed: Bool
    public var interface: String?
    public var seenAt: Double
    /// When the device was first seen, when that was before `seenAt` (a REQUEST folded into its
    /// ACK by `DeviceChange.collapsingRepeats`); a device new to the store starts then.
    public var firstSeen: Double?

    public init(name: String?, mac: MACAddress, address: IPAddress, leaseEnd: Double, state: LeaseState, relayed: Bool = false,
                interface: String? = nil, seenAt: Double, firstSeen: Double? = nil) {
        self.name = name
        self.mac = mac
        self.address = address
        self.leaseEnd = leaseEnd
        self.state = state
        self.relayed = relayed
        self.interface = interface
        self.seenAt = seenAt
        self.firstSeen = firstSeen
    }

    /// Whether registering `self` and then `next` leaves the store as registering `next` alone
    /// would (but for the first-seen time): the same device, name, address, relay and interface,
    /// seen again no earlier, and no acknowledged address followed by a mere request (which keeps
    /// the acknowledgement).
    func isRepeated(by next: DeviceRegistration) -> Bool {
        mac == next.mac && name == next.name && address == next.address && relayed == next.relayed
            && interface == next.interface && next.seenAt >= seenAt
            && (state == next.state || next.state == .acknowledged)
    }
}

/// One change to a learned device, in the order it happened.
public enum DeviceChange: Sendable, Hashable {
    case register(DeviceRegistration)
    /// The device gave the address back.
    case release(mac: MACAddress, address: IPAddress, at: Double)
    /// A requested address was refused or declined: it goes only while still `requested`.
    case cancel(mac: MACAddress, address: IPAddress, at: Double)
}

extension DeviceChange {
    /// `changes` without each registration that the change right after it repeats (a REQUEST
    /// followed by its ACK, a client retrying): the store ends the same with half the writes. The
    /// registration kept carries the dropped one's time as `firstSeen`.
    public static func collapsingRepeats(_ changes: [DeviceChange]) -> [DeviceChange] {
        var kept: [DeviceChange] = []
        kept.reserveCapacity(changes.count)
        for change in changes {
            if case .register(var next) = change, case .register(let previous)? = kept.last, previous.isRepeated(by: next) {
                next.firstSeen = min(previous.firstSeen ?? previous.seenAt, next.firstSeen ?? next.seenAt)
                kept[kept.count - 1] = .register(next)
            } else {
                kept.append(change)
            }
        }
        return kept
    }
}

/// What `apply` did with each change.
public enum DeviceChangeOutcome: Sendable, Hashable {
    case registration(DeviceRegistration, RegistrationOutcome)
    case removal(DeviceChange, removed: Bool)
}

/// What a registration did, for the log.
public enum RegistrationOutcome: Sendable, Hashable {
    case registered(name: String)
    /// Only the lease end or last-seen time moved: nothing DNS-visible changed.
    case renewed(name: String)
    /// The device already had another name: it now answers under the new one only.
    case renamed(from: String, to: String)
    /// Another device held the name: the newest lease wins, the other goes to `previousNowAs`.
    case displaced(name: String, previousMAC: MACAddress, previousNowAs: String)
    /// A static host or a protected name holds it: the device is published as `registeredAs`.
    case refused(name: String, reason: String, registeredAs: String)
    /// No name from the client and no earlier name for this MAC: not registered.
    case unnamed
    /// A DHCP server's UPDATE registered the address as `name` already: nothing to add.
    case heldByUpdate(name: String)
}

/// An address whose lease has ended, for the daemon to probe or drop.
public struct ExpiredLease: Sendable, Hashable {
    public var name: String
    public var mac: MACAddress
    public var address: IPAddress
    public var leaseEnd: Double
    public var relayed: Bool
    public var interface: String?
}

extension HostStore {
    /// Registers what one device holds, in one transaction, following the conflict rules:
    /// one name, one device (the newest lease wins; the previous holder stays reachable as
    /// `NAME-XXXX`, the last four hex digits of its MAC); static hosts and protected names are
    /// never taken (the device gets `NAME-XXXX` instead); a device that changes its name keeps
    /// its address under the new name only; a device that moves keeps its name on the new address
    /// only; an address taken over by another device leaves its previous holder.
    @discardableResult
    public func register(_ registration: DeviceRegistration, protected: Set<String>) throws(ZoneError) -> RegistrationOutcome {
        try write { db in
            let (outcome, visible) = try Self.register(db, registration, protected: protected)
            if visible { try Self.bump(db, now: registration.seenAt) }
            return outcome
        }
    }

    /// Applies a batch of device changes in order, in one transaction (a replayed capture, a
    /// burst of ACKs). The serial moves once, and only if something DNS-visible changed.
    public func apply(_ changes: [DeviceChange], protected: Set<String>) throws(ZoneError) -> [DeviceChangeOutcome] {
        guard !changes.isEmpty else { return [] }
        return try write { db in
            var outcomes: [DeviceChangeOutcome] = []
            var anyVisible = false
            var last = 0.0
            for change in changes {
                switch change {
                case .register(let registration):
                    let (outcome, visible) = try Self.register(db, registration, protected: protected)
                    outcomes.append(.registration(registration, outcome))
                    anyVisible = anyVisible || visible
                    last = max(last, registration.seenAt)
                case .release(let mac, let address, let at), .cancel(let mac, let address, let at):
                    var onlyRequested = false
                    if case .cancel = change { onlyRequested = true }
                    let removed = try Self.removeAddress(db, mac: mac, address: address, onlyRequested: onlyRequested)
                    outcomes.append(.removal(change, removed: removed))
                    anyVisible = anyVisible || removed
                    last = max(last, at)
                }
            }
            if anyVisible { try Self.bump(db, now: last) }
            return outcomes
        }
    }

    /// A device gave `address` back: only that device's binding of it goes. Returns whether
    /// anything was removed.
    @discardableResult
    public func release(mac: MACAddress, address: IPAddress, at time: Double, onlyRequested: Bool = false) throws(ZoneError) -> Bool {
        try write { db in
            let removed = try Self.removeAddress(db, mac: mac, address: address, onlyRequested: onlyRequested)
            if removed { try Self.bump(db, now: time) }
            return removed
        }
    }

    /// Addresses of learned hosts whose lease ended before `now`.
    public func expired(before now: Double) throws(ZoneError) -> [ExpiredLease] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT h.name, h.mac, h.relayed, h.interface, a.address, a.lease_end
                FROM host_address a JOIN host h ON h.id = a.host_id
                WHERE h.source = 'dhcp' AND a.lease_end IS NOT NULL AND a.lease_end < ?
                ORDER BY a.lease_end
                """), arguments: [now]).compactMap { row in
                guard let address = IPAddress(row["address"] as String), let mac = MACAddress(row["mac"] as String? ?? "") else {
                    return nil
                }
                return ExpiredLease(name: row["name"], mac: mac, address: address,
                                    leaseEnd: row["lease_end"], relayed: row["relayed"], interface: row["interface"])
            }
        }
    }

    /// A device still answers after its lease ended: it keeps the address until `until`.
    public func extend(mac: MACAddress, address: IPAddress, until: Double, seenAt: Double) throws(ZoneError) {
        try write { db in
            try db.cachedStatement(sql: """
                UPDATE host_address SET lease_end = ? WHERE address = ? AND host_id IN
                    (SELECT id FROM host WHERE source = 'dhcp' AND mac = ?)
                """).execute(arguments: [until, address.description, mac.description])
            try db.cachedStatement(sql: """
                UPDATE host SET last_seen = max(last_seen, ?), lease_end = max(coalesce(lease_end, 0), ?)
                WHERE source = 'dhcp' AND mac = ?
                """).execute(arguments: [seenAt, until, mac.description])
        }
    }

    // MARK: - The rules, inside one transaction

    struct Device {
        var id: Int64
        var name: String
    }

    static func device(_ db: Database, mac: MACAddress) throws -> Device? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT id, name FROM host WHERE source = 'dhcp' AND mac = ?"), arguments: [mac.description])
            .map { Device(id: $0["id"], name: $0["name"]) }
    }

    /// Reads the rows `RegistrationRules` look at (more when they ask), and performs the actions
    /// they decide. Returns the outcome and whether DNS-visible data (names, addresses) changed.
    static func register(_ db: Database, _ r: DeviceRegistration, protected: Set<String>) throws -> (RegistrationOutcome, Bool) {
        let rules = RegistrationRules(r, protected: protected)
        let device = try registeringDevice(db, mac: r.mac)
        var rows = RegistrationRules.Rows(device: device, addressHolders: try addressHolders(db, r.address, besides: device?.id),
                                          updatedHolder: try updatedHolder(db, r.address))
        while true {
            switch rules.decide(rows) {
            case .decided(let decision):
                try perform(db, decision.actions, for: r, device: device?.id)
                return (decision.outcome, decision.isVisible)
            case .needs(let lookups):
                for name in lookups.holders {
                    rows.names[name] = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, source, mac FROM host WHERE name = ?"),
                                                        arguments: [name])
                        .map { .held(RegistrationRules.Holder(id: $0["id"], source: HostSource(rawValue: $0["source"]) ?? .static,
                                                              mac: ($0["mac"] as String?).flatMap(MACAddress.init))) } ?? .free
                }
                for name in lookups.displaced {
                    rows.displaced[name] = .some(try displacedHolder(db, of: name, by: r.mac, besides: device?.id))
                }
            }
        }
    }

    /// The learned host with `mac`, what it lost and its addresses.
    static func registeringDevice(_ db: Database, mac: MACAddress) throws -> RegistrationRules.Device? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, name, displaced_from, displaced_by FROM host WHERE source = 'dhcp' AND mac = ?"),
                                         arguments: [mac.description]) else { return nil }
        let id: Int64 = row["id"]
        let addresses = try Row.fetchAll(db.cachedStatement(sql: "SELECT address, state, lease_end FROM host_address WHERE host_id = ?"),
                                         arguments: [id]).compactMap { row -> RegistrationRules.Binding? in
            guard let address = IPAddress(row[0] as String) else { return nil }
            return RegistrationRules.Binding(address, state: (row[1] as String?).flatMap(LeaseState.init), leaseEnd: row[2])
        }
        var displaced: RegistrationRules.Displacement?
        if let name: String = row["displaced_from"], let by = (row["displaced_by"] as String?).flatMap(MACAddress.init) {
            displaced = RegistrationRules.Displacement(name, by: by)
        }
        return RegistrationRules.Device(id: id, name: row["name"], displaced: displaced, addresses: addresses)
    }

    /// The learned hosts other than `id` holding `address`, with how many addresses each holds.
    static func addressHolders(_ db: Database, _ address: IPAddress, besides id: Int64?) throws -> [RegistrationRules.AddressHolder] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT a.host_id, (SELECT count(*) FROM host_address b WHERE b.host_id = a.host_id)
            FROM host_address a JOIN host h ON h.id = a.host_id
            WHERE a.address = ? AND h.source = 'dhcp' AND a.host_id != ?
            """), arguments: [address.description, id ?? -1]).map {
            RegistrationRules.AddressHolder(id: $0[0], addressCount: $0[1])
        }
    }

    /// The name of the host an UPDATE registered with `address`.
    static func updatedHolder(_ db: Database, _ address: IPAddress) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: """
            SELECT h.name FROM host_address a JOIN host h ON h.id = a.host_id
            WHERE a.address = ? AND h.source = 'update' LIMIT 1
            """), arguments: [address.description])
    }

    /// The newest learned host (other than `id`) that `mac`'s device took `name` from.
    static func displacedHolder(_ db: Database, of name: String, by mac: MACAddress, besides id: Int64?) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT id FROM host WHERE source = 'dhcp' AND displaced_by = ? AND displaced_from = ? AND id != ?
            ORDER BY last_seen DESC LIMIT 1
            """), arguments: [mac.description, name, id ?? -1])
    }

    /// Performs `actions` in order; `device` is the registering device's id when it exists.
    static func perform(_ db: Database, _ actions: [RegistrationRules.Action], for r: DeviceRegistration, device: Int64?) throws {
        var device = device
        func id() -> Int64 {
            guard let device else { preconditionFailure("a device action before the device was inserted") }
            return device
        }
        for action in actions {
            switch action {
            case .displace(let host, let name, let displaced):
                try db.cachedStatement(sql: "UPDATE host SET name = ?, note = ?, displaced_from = ?, displaced_by = ? WHERE id = ?")
                    .execute(arguments: [name, displaced.note, displaced.name, displaced.by.description, host])
            case .renameDevice(let name, let note):
                try db.cachedStatement(sql: "UPDATE host SET name = ?, note = ?, displaced_from = NULL, displaced_by = NULL WHERE id = ?")
                    .execute(arguments: [name, note, id()])
            case .restore(let host, let name):
                try restore(db, host: host, name: name)
            case .insertDevice(let name, let note):
                try db.cachedStatement(sql: """
                    INSERT INTO host (name, source, mac, first_seen, last_seen, lease_end, state, ptr, note, relayed, interface)
                    VALUES (?, 'dhcp', ?, ?, ?, ?, ?, 1, ?, ?, ?)
                    """).execute(arguments: [name, r.mac.description, r.firstSeen ?? r.seenAt, r.seenAt, r.leaseEnd, r.state, note, r.relayed,
                                             r.interface])
                device = db.lastInsertedRowID
            case .deleteBinding(let host, let address):
                try db.cachedStatement(sql: "DELETE FROM host_address WHERE host_id = ? AND address = ?").execute(arguments: [host, address.description])
            case .deleteHost(let host):
                try db.cachedStatement(sql: "DELETE FROM host WHERE id = ?").execute(arguments: [host])
            case .deleteDeviceBinding(let address):
                try db.cachedStatement(sql: "DELETE FROM host_address WHERE host_id = ? AND address = ?").execute(arguments: [id(), address.description])
            case .addBinding(let address, let end, let state):
                try db.cachedStatement(sql: "INSERT INTO host_address (host_id, address, lease_end, state) VALUES (?, ?, ?, ?)")
                    .execute(arguments: [id(), address.description, end, state])
            case .updateBinding(let address, let end, let state):
                try db.cachedStatement(sql: "UPDATE host_address SET lease_end = ?, state = ? WHERE host_id = ? AND address = ?")
                    .execute(arguments: [end, state, id(), address.description])
            case .updateDevice(let seenAt, let relayed, let interface, let note, let end, let state):
                try db.cachedStatement(sql: """
                    UPDATE host SET last_seen = max(last_seen, ?), relayed = ?, interface = coalesce(?, interface),
                        note = coalesce(?, note), lease_end = ?, state = ?,
                        displaced_from = CASE WHEN ? IS NULL THEN displaced_from END,
                        displaced_by = CASE WHEN ? IS NULL THEN displaced_by END
                    WHERE id = ?
                    """).execute(arguments: [seenAt, relayed, interface, note, end, state, note, note, id()])
            }
        }
    }

    static func removeAddress(_ db: Database, mac: MACAddress, address: IPAddress, onlyRequested: Bool) throws -> Bool {
        guard let device = try device(db, mac: mac) else { return false }
        let condition = onlyRequested ? " AND state = 'requested'" : ""
        try db.cachedStatement(sql: "DELETE FROM host_address WHERE host_id = ? AND address = ?" + condition).execute(arguments: [device.id, address.description])
        guard db.changesCount > 0 else { return false }
        try deleteIfEmpty(db, id: device.id)
        try restoreDisplaced(db, freedName: device.name, by: mac)
        return true
    }

    /// When the device that took a name from another lets it go (releases its last address, or
    /// renames itself), the device it displaced gets the name back.
    static func restoreDisplaced(_ db: Database, freedName: String, by mac: MACAddress) throws {
        guard try Row.fetchOne(db.cachedStatement(sql: "SELECT id FROM host WHERE name = ?"), arguments: [freedName]) == nil,
              let id = try displacedHolder(db, of: freedName, by: mac, besides: nil) else { return }
        try restore(db, host: id, name: freedName)
    }

    static func restore(_ db: Database, host: Int64, name: String) throws {
        try db.cachedStatement(sql: "UPDATE host SET name = ?, note = NULL, displaced_from = NULL, displaced_by = NULL WHERE id = ?")
            .execute(arguments: [name, host])
    }

    static func deleteIfEmpty(_ db: Database, id: Int64) throws {
        try db.cachedStatement(sql: """
            DELETE FROM host WHERE id = ? AND NOT EXISTS (SELECT 1 FROM host_address WHERE host_id = ?)
            """).execute(arguments: [id, id])
    }
}

