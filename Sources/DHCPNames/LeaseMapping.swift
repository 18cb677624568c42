import DHCPWatch
import DNSWire
import LANZone

/// The one rule from lease events to store changes, pure: a lease asking for no DNS update is
/// skipped; a lease without an end lives `requestedLifetime` when only requested, ten years when
/// acknowledged (an infinite lease); a registration repeated by the next one is folded into it
/// (a REQUEST and its ACK in one batch: one write).
public enum LeaseMapping {
    /// A lease left out or worth a log line, with why.
    public enum Note: Equatable, Sendable {
        /// The client set the FQDN N flag.
        case noDNSUpdate(mac: MACAddress)
        /// The hostname sanitises to nothing: only an earlier name of the device is kept.
        case unusableName(mac: MACAddress, raw: [UInt8])
    }

    /// An acknowledged lease without an end: ten years.
    public static let infiniteLease = 315_360_000.0

    public static func changes(for items: [LeaseQueue.Item], requestedLifetime: Double,
                               collapse: Bool = true) -> (changes: [DeviceChange], notes: [Note]) {
        var changes: [DeviceChange] = []
        var notes: [Note] = []
        for item in items {
            switch item.event {
            case .bound(let lease):
                if lease.noDNSUpdate {
                    notes.append(.noDNSUpdate(mac: lease.mac))
                    continue
                }
                if lease.name == nil, let raw = lease.rawName { notes.append(.unusableName(mac: lease.mac, raw: raw)) }
                let end = lease.leaseEnd
                    ?? (lease.state == .requested ? lease.seenAt + requestedLifetime : lease.seenAt + infiniteLease)
                changes.append(.register(DeviceRegistration(
                    name: lease.name, mac: lease.mac, address: lease.address, leaseEnd: end,
                    state: LeaseState(lease.state), relayed: lease.relayed, interface: item.interface, seenAt: lease.seenAt)))
            case .released(let mac, let address, let at):
                changes.append(.release(mac: mac, address: address, at: at))
            case .cancelled(let mac, let address, let at):
                changes.append(.cancel(mac: mac, address: address, at: at))
            }
        }
        return (collapse ? DeviceChange.collapsingRepeats(changes) : changes, notes)
    }

    /// When the newest of `items` was seen (the capture-to-answer latency starts there).
    public static func newest(_ items: [LeaseQueue.Item]) -> Double {
        items.map { item -> Double in
            switch item.event {
            case .bound(let lease): lease.seenAt
            case .released(_, _, let at), .cancelled(_, _, let at): at
            }
        }.max() ?? 0
    }
}

extension LeaseState {
    /// The store's state for a lease as the tracker saw it.
    init(_ state: Lease.State) {
        switch state {
        case .requested: self = .requested
        case .acknowledged: self = .acknowledged
        }
    }
}
