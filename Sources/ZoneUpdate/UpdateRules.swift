import DNSWire
import LANZone

/// RFC 2136 sec. 3 as a pure function: an UPDATE, the zone as it is, the key's policy and the
/// records the key may never remove (the config's) in; the records to remove and to add, or the
/// RCODE, out. Nothing is applied unless every prerequisite holds and every update is allowed.
public enum UpdateRules {
    public struct Changes: Sendable, Hashable {
        public var removed: [ResourceRecord] = []
        public var added: [ResourceRecord] = []
        public var isEmpty: Bool { removed.isEmpty && added.isEmpty }
    }

    public static func evaluate(_ request: UpdateRequest, zone: some UpdatableZone, policy: UpdatePolicy,
                                fixed: Set<ResourceRecord>) -> Result<Changes, UpdateFailure> {
        let apex = zone.apex
        guard request.zoneType == .soa else { return .failure(UpdateFailure(.formErr, "the zone section's type is not SOA")) }
        if let failure = checkPrerequisites(request.prerequisites, zone: zone) { return .failure(failure) }
        // Prescan (sec. 3.4.1) and permission (sec. 3.3) before anything changes.
        for update in request.updates {
            guard update.name.isSubdomain(of: apex) else {
                return .failure(UpdateFailure(.notZone, "\(update.name) is outside the zone \(apex)"))
            }
            switch update.recordClass {
            case .in:
                guard update.data != nil, !update.type.isMetaType, update.type != .any else {
                    return .failure(UpdateFailure(.formErr, "an addition of \(update.type) without data"))
                }
            case .any:
                guard update.ttl == 0, update.data == nil, !update.type.isMetaType || update.type == .any else {
                    return .failure(UpdateFailure(.formErr, "a deletion of \(update.name) \(update.type) with a TTL or data"))
                }
            case .none:
                guard update.ttl == 0, update.data != nil, !update.type.isMetaType, update.type != .any else {
                    return .failure(UpdateFailure(.formErr, "a deletion of one \(update.type) record without its data"))
                }
            default:
                return .failure(UpdateFailure(.formErr, "an update of class \(update.recordClass)"))
            }
            guard policy.allows(update.name, update.type) else {
                return .failure(UpdateFailure(.refused, "the key may not change \(update.name) \(update.type)"))
            }
            if update.recordClass == .in, let record = update.record, !zone.addableTypes.contains(record.type) {
                return .failure(UpdateFailure(.refused, "\(record.type) records are not kept in \(apex)"))
            }
        }
        // Apply in order to a working copy of the names touched (sec. 3.4.2).
        var working: [DomainName: [ResourceRecord]] = [:]
        func current(_ name: DomainName) -> [ResourceRecord] {
            if let records = working[name] { return records }
            let records = zone.records(at: name)
            working[name] = records
            return records
        }
        for update in request.updates {
            var records = current(update.name)
            switch update.recordClass {
            case .in:
                guard let record = update.record else { continue }
                if record.type == .cname, records.contains(where: { $0.type != .cname }) { continue }
                if record.type != .cname, records.contains(where: { $0.type == .cname }) { continue }
                if record.type == .cname { records.removeAll { $0.type == .cname } }
                if let index = records.firstIndex(where: { $0.type == record.type && $0.data == record.data }) {
                    records[index].ttl = record.ttl
                } else {
                    records.append(record)
                }
            case .any where update.type == .any:
                records.removeAll { !(update.name == apex && ($0.type == .soa || $0.type == .ns)) }
            case .any:
                records.removeAll { $0.type == update.type }
            default:
                guard let data = update.data else { continue }
                records.removeAll { $0.type == update.type && $0.data == data }
            }
            working[update.name] = records
        }
        var changes = Changes()
        for (name, records) in working {
            let before = zone.records(at: name)
            for old in before where !records.contains(old) {
                if fixed.contains(old) {
                    return .failure(UpdateFailure(.refused, "\(RecordText.format(old)) comes from the config and cannot be removed"))
                }
                changes.removed.append(old)
            }
            for new in records where !before.contains(new) { changes.added.append(new) }
        }
        return .success(changes)
    }

    /// Sec. 3.2: the first prerequisite that fails, as its RCODE.
    static func checkPrerequisites(_ prerequisites: [UpdateRecord], zone: some UpdatableZone) -> UpdateFailure? {
        var expected: [RRsetKey: [RecordData]] = [:]
        for prerequisite in prerequisites {
            let name = prerequisite.name, type = prerequisite.type
            guard prerequisite.ttl == 0 else { return UpdateFailure(.formErr, "a prerequisite with a TTL") }
            guard name.isSubdomain(of: zone.apex) else { return UpdateFailure(.notZone, "\(name) is outside the zone \(zone.apex)") }
            let here = zone.records(at: name)
            switch prerequisite.recordClass {
            case .any:
                guard prerequisite.data == nil else { return UpdateFailure(.formErr, "an ANY prerequisite with data") }
                if type == .any {
                    if here.isEmpty { return UpdateFailure(.nxDomain, "\(name) is not in use") }
                } else if !here.contains(where: { $0.type == type }) {
                    return UpdateFailure(.nxRRset, "\(name) has no \(type) records")
                }
            case .none:
                guard prerequisite.data == nil else { return UpdateFailure(.formErr, "a NONE prerequisite with data") }
                if type == .any {
                    if !here.isEmpty { return UpdateFailure(.yxDomain, "\(name) is in use") }
                } else if here.contains(where: { $0.type == type }) {
                    return UpdateFailure(.yxRRset, "\(name) has \(type) records")
                }
            case .in:
                guard let data = prerequisite.data else { return UpdateFailure(.formErr, "a value prerequisite without data") }
                expected[RRsetKey(name: name, type: type), default: []].append(data)
            default:
                return UpdateFailure(.formErr, "a prerequisite of class \(prerequisite.recordClass)")
            }
        }
        for (key, values) in expected {
            let present = Set(zone.records(at: key.name).filter { $0.type == key.type }.map(\.data))
            guard present == Set(values) else {
                return UpdateFailure(.nxRRset, "\(key.name) \(key.type) is not exactly the RRset given")
            }
        }
        return nil
    }

    struct RRsetKey: Hashable {
        var name: DomainName
        var type: RecordType
    }
}
