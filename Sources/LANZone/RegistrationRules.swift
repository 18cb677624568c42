import DNSWire

/// The naming rules for one device registration, apart from SQL: given the rows concerned (the
/// device, the holders of the names it may get, the other holders of its address), the actions
/// that carry the registration out, in order, and its outcome. `HostStore.register` reads the
/// rows, asks, and performs the actions in one transaction.
///
/// The rules: one name, one device (the newest lease wins; the previous holder stays reachable
/// as `NAME-XXXX`, the last four hex digits of its MAC); static hosts and protected names are
/// never taken (the device gets `NAME-XXXX` instead); a device that lost its name keeps its
/// `NAME-XXXX` while the name is held; a device that changes its name keeps its address under the
/// new name only, and the device it had displaced gets the old name back; a device that moves
/// keeps its name on the new address only (per address family); an address taken over by another
/// device leaves its previous holder, which goes when it held nothing else.
///
/// A DHCP server's UPDATE beats the sniffer (`HostSource.update`): a lease for an address an
/// updated host holds is that host's already (one host, whatever name the sniffer read), and an
/// updated host's name is never taken by a sniffed device (it gets `NAME-XXXX`, as for static
/// hosts).
///
/// Which names the rules look at depends on what they find (a displaced holder's new name depends
/// on its MAC), so the rows need not be complete: a name nobody said anything about makes
/// `decide` return `.needs` instead, and the caller reads that and asks again.
struct RegistrationRules: Sendable {
    var registration: DeviceRegistration
    /// Names no device gets, lowercased.
    var protected: Set<String>

    init(_ registration: DeviceRegistration, protected: Set<String>) {
        self.registration = registration
        self.protected = protected
    }

    // MARK: - Rows

    /// The learned host with the registration's MAC.
    struct Device: Sendable, Hashable {
        var id: Int64
        var name: String
        /// The name it lost to a newer device, and to which, while it has not got it back.
        var displaced: Displacement?
        var addresses: [Binding]

        init(id: Int64, name: String, displaced: Displacement? = nil, addresses: [Binding] = []) {
            self.id = id
            self.name = name
            self.displaced = displaced
            self.addresses = addresses
        }
    }

    /// One address a device holds.
    struct Binding: Sendable, Hashable {
        var address: IPAddress
        var state: LeaseState?
        var leaseEnd: Double?

        init(_ address: IPAddress, state: LeaseState?, leaseEnd: Double?) {
            self.address = address
            self.state = state
            self.leaseEnd = leaseEnd
        }
    }

    /// A device lost `name` to the device with MAC `by` (columns `displaced_from`, `displaced_by`).
    struct Displacement: Sendable, Hashable {
        var name: String
        var by: MACAddress

        init(_ name: String, by: MACAddress) {
            self.name = name
            self.by = by
        }

        /// What `hosts list` shows; never read back.
        var note: String { "\(name) was taken by \(by)" }
    }

    /// The host holding a name.
    struct Holder: Sendable, Hashable {
        var id: Int64
        var source: HostSource
        /// Nil for a host without one (or with one that does not read as a MAC).
        var mac: MACAddress?

        init(id: Int64, source: HostSource, mac: MACAddress? = nil) {
            self.id = id
            self.source = source
            self.mac = mac
        }
    }

    /// Another learned host holding the registration's address.
    struct AddressHolder: Sendable, Hashable {
        var id: Int64
        /// How many addresses it holds, this one included.
        var addressCount: Int

        init(id: Int64, addressCount: Int) {
            self.id = id
            self.addressCount = addressCount
        }
    }

    /// Who holds which name, as far as known. Names compare as the store's `COLLATE NOCASE` does
    /// (ASCII letters only).
    struct Names: Sendable, Hashable {
        enum Lookup: Sendable, Hashable {
            case unknown
            case free
            case held(Holder)
        }

        private var entries: [String: Holder?] = [:]

        init(held: [String: Holder] = [:], free: Set<String> = []) {
            for name in free { entries[Self.key(name)] = .some(nil) }
            for (name, holder) in held { entries[Self.key(name)] = holder }
        }

        subscript(name: String) -> Lookup {
            get {
                guard let entry = entries[Self.key(name)] else { return .unknown }
                return entry.map(Lookup.held) ?? .free
            }
            set {
                switch newValue {
                case .unknown: entries[Self.key(name)] = nil
                case .free: entries[Self.key(name)] = .some(nil)
                case .held(let holder): entries[Self.key(name)] = holder
                }
            }
        }

        static func key(_ name: String) -> String {
            String(decoding: name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
    }

    /// What the store holds that the rules look at.
    struct Rows: Sendable, Hashable {
        var device: Device?
        /// The other learned hosts holding the registration's address.
        var addressHolders: [AddressHolder]
        var names: Names
        /// For a name the device may let go: the newest learned host it took that name from
        /// (nil: none), by name.
        var displaced: [String: Int64?]
        /// The name of the host a DHCP server's UPDATE registered with the registration's
        /// address, if any.
        var updatedHolder: String?

        init(device: Device?, addressHolders: [AddressHolder] = [], names: Names = Names(),
             displaced: [String: Int64?] = [:], updatedHolder: String? = nil) {
            self.device = device
            self.addressHolders = addressHolders
            self.names = names
            self.displaced = displaced
            self.updatedHolder = updatedHolder
        }
    }

    /// What to read before asking again.
    struct Lookups: Sendable, Hashable {
        /// Names whose holder is needed.
        var holders: [String] = []
        /// Names whose displaced holder (`Rows.displaced`) is needed.
        var displaced: [String] = []
    }

    // MARK: - Actions

    /// One write. "The device" is the registering device (inserted by `insertDevice` when new).
    enum Action: Sendable, Hashable {
        /// Another device loses a name to the registering one: it goes to `to`, remembering
        /// what it lost to whom (and showing it as its note).
        case displace(host: Int64, to: String, Displacement)
        /// The device takes another name; its note becomes `note` and what it had lost is forgotten.
        case renameDevice(to: String, note: String?)
        /// A displaced host gets its name back (its note and displacement go).
        case restore(host: Int64, name: String)
        /// A new device, with the registration's MAC, times, lease and state.
        case insertDevice(name: String, note: String?)
        /// Another host loses the registration's address.
        case deleteBinding(host: Int64, address: IPAddress)
        /// Another host that held nothing else goes.
        case deleteHost(Int64)
        /// The device moved within an address family: the old address goes.
        case deleteDeviceBinding(IPAddress)
        case addBinding(IPAddress, leaseEnd: Double, state: LeaseState)
        /// The device holds the address already: only its lease end and state move.
        case updateBinding(IPAddress, leaseEnd: Double, state: LeaseState)
        /// The device's summary row: last seen (never backwards), relay, interface (kept when
        /// nil; a new note forgets a displacement), the latest lease end and the best state of its
        /// addresses.
        case updateDevice(seenAt: Double, relayed: Bool, interface: String?, note: String?, leaseEnd: Double, state: LeaseState)

        /// Whether the action changes names or addresses (what DNS answers).
        var isVisible: Bool {
            switch self {
            case .updateBinding, .updateDevice: false
            default: true
            }
        }
    }

    struct Decision: Sendable, Hashable {
        var actions: [Action]
        var outcome: RegistrationOutcome

        /// Whether DNS-visible data changes (the serial moves).
        var isVisible: Bool { actions.contains { $0.isVisible } }
    }

    enum Step: Sendable, Hashable {
        case decided(Decision)
        /// The rows lack something the rules look at.
        case needs(Lookups)
    }

    // MARK: - The rules

    func decide(_ rows: Rows) -> Step {
        let r = registration
        let device = rows.device
        // The DHCP server told us of this lease by UPDATE: the sniffed copy adds nothing, and a
        // second name for the same address would only compete for its PTR.
        if let updated = rows.updatedHolder {
            return .decided(Decision(actions: [], outcome: .heldByUpdate(name: updated)))
        }
        guard var name = r.name ?? device?.name else { return .decided(Decision(actions: [], outcome: .unnamed)) }
        var names = rows.names
        if let device { names[device.name] = .held(Holder(id: device.id, source: .dhcp, mac: r.mac)) }

        // A device that lost its name to a newer one keeps its NAME-XXXX through renewals: the
        // two would otherwise swap the name at every renewal.
        if let device, device.name != name, device.displaced?.name == name {
            switch names[name] {
            case .unknown: return .needs(Lookups(holders: [name]))
            case .held: name = device.name
            case .free: break
            }
        }
        var outcome: RegistrationOutcome = .registered(name: name)
        var actions: [Action] = []
        let wanted = name

        // Protected names and names of administrators' hosts are never taken.
        // (A device that already holds exactly this name is its holder: no lookup needed.)
        if protected.contains(name.lowercased()) {
            guard let free = freeName(base: Self.suffixed(wanted, r.mac.suffix), mac: r.mac, in: names) else {
                return .needs(Lookups(holders: [nextUnknown(base: Self.suffixed(wanted, r.mac.suffix), in: names)]))
            }
            name = free
            outcome = .refused(name: wanted, reason: "\(wanted) is a protected name", registeredAs: name)
        } else if device?.name != name {
            switch names[name] {
            case .unknown:
                return .needs(Lookups(holders: [name]))
            case .free:
                break
            case .held(let holder) where holder.mac != r.mac || holder.source != .dhcp:
                // (A learned host without a readable MAC cannot be told apart: it keeps the name.)
                guard holder.source == .dhcp, let previousMAC = holder.mac else {
                    let base = Self.suffixed(wanted, r.mac.suffix)
                    guard let free = freeName(base: base, mac: r.mac, in: names) else {
                        return .needs(Lookups(holders: [nextUnknown(base: base, in: names)]))
                    }
                    name = free
                    let article = holder.source == .update ? "an" : "a"
                    outcome = .refused(name: wanted, reason: "\(wanted) belongs to \(article) \(holder.source.rawValue) host",
                                       registeredAs: name)
                    break
                }
                // Another device holds it: the newest lease wins; the previous holder stays
                // reachable under its MAC suffix.
                let base = Self.suffixed(wanted, previousMAC.suffix)
                guard let moved = freeName(base: base, mac: previousMAC, in: names) else {
                    return .needs(Lookups(holders: [nextUnknown(base: base, in: names)]))
                }
                actions.append(.displace(host: holder.id, to: moved, Displacement(wanted, by: r.mac)))
                names[wanted] = .free
                names[moved] = .held(holder)
                outcome = .displaced(name: wanted, previousMAC: previousMAC, previousNowAs: moved)
            case .held:
                break
            }
        }
        let note: String? = {
            if case .refused(_, let reason, _) = outcome { return reason }
            return nil
        }()

        if let device, device.name != name {
            actions.append(.renameDevice(to: name, note: note))
            names[device.name] = .free
            names[name] = .held(Holder(id: device.id, source: .dhcp, mac: r.mac))
            if case .registered = outcome { outcome = .renamed(from: device.name, to: name) }
            // The device it had displaced from its old name gets that name back.
            if case .free = names[device.name] {
                guard let displaced = rows.displaced[device.name] else {
                    return .needs(Lookups(displaced: [device.name]))
                }
                if let displaced { actions.append(.restore(host: displaced, name: device.name)) }
            }
        }
        if device == nil { actions.append(.insertDevice(name: name, note: note)) }

        // The address now belongs to this device only.
        for other in rows.addressHolders {
            actions.append(.deleteBinding(host: other.id, address: r.address))
            if other.addressCount <= 1 { actions.append(.deleteHost(other.id)) }
        }
        // A device that moves keeps its name on the new address only (per address family).
        var already = false
        var previousState: LeaseState?
        // What stays besides this address, for the host row's summary below.
        var latestEnd = r.leaseEnd
        var anyAcknowledged = false
        for binding in device?.addresses ?? [] {
            if binding.address == r.address {
                already = true
                previousState = binding.state
            } else if binding.address.isV4 == r.address.isV4 {
                actions.append(.deleteDeviceBinding(binding.address))
            } else {
                if let end = binding.leaseEnd { latestEnd = max(latestEnd, end) }
                if binding.state == .acknowledged { anyAcknowledged = true }
            }
        }
        // A REQUEST seen after the ACK must not demote an acknowledged address.
        let state: LeaseState = previousState == .acknowledged && r.state == .requested ? .acknowledged : r.state
        actions.append(already ? .updateBinding(r.address, leaseEnd: r.leaseEnd, state: state)
                               : .addBinding(r.address, leaseEnd: r.leaseEnd, state: state))
        let hostState: LeaseState = anyAcknowledged || state == .acknowledged ? .acknowledged : .requested
        // The insert already wrote this summary for a new device.
        if !(device == nil && hostState == r.state && latestEnd == r.leaseEnd) {
            actions.append(.updateDevice(seenAt: r.seenAt, relayed: r.relayed, interface: r.interface, note: note,
                                         leaseEnd: latestEnd, state: hostState))
        }
        var decision = Decision(actions: actions, outcome: outcome)
        if !decision.isVisible, case .registered(let name) = outcome { decision.outcome = .renewed(name: name) }
        return .decided(decision)
    }

    // MARK: - Names

    /// The names `freeName` tries, in order: `base`, `base-2` ... `base-64`, each a valid label.
    static func candidates(base: String) -> [String] {
        (1...64).map { $0 == 1 ? base : suffixed(base, "\($0)") }
    }

    /// The first candidate no other host holds (`mac`'s own device may hold it), else the base
    /// with the whole MAC; nil when a candidate tried is unknown in `names`.
    func freeName(base: String, mac: MACAddress, in names: Names) -> String? {
        for candidate in Self.candidates(base: base) {
            switch names[candidate] {
            case .unknown: return nil
            case .free: return candidate
            case .held(let holder) where holder.source == .dhcp && holder.mac == mac: return candidate
            case .held: continue
            }
        }
        return Self.suffixed(base, mac.hexDigits)
    }

    /// The first candidate `freeName` needs to know about.
    func nextUnknown(base: String, in names: Names) -> String {
        Self.candidates(base: base).first { names[$0] == .unknown } ?? base
    }

    /// `name-suffix` in at most 63 characters: the name is shortened, never the suffix.
    static func suffixed(_ name: String, _ suffix: String) -> String {
        var head = String(name.prefix(max(1, 63 - suffix.count - 1)))
        while head.hasSuffix("-") { head.removeLast() }
        return head + "-" + suffix
    }
}

extension IPAddress {
    fileprivate var isV4: Bool {
        if case .v4 = self { return true }
        return false
    }
}
