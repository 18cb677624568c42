import DNSWire

extension DynDNSRequest {
    /// The most addresses one parameter may list.
    static let maximumAddresses = 16

    /// A parameter's comma list, split by family.
    struct AddressList {
        var v4: [IPAddress] = []
        var v6: [IPAddress] = []
        var v6Prefix: AddressPrefix?
        var preserve = false
        var empty = false

        var v4Instruction: AddressInstruction? {
            if preserve { return .keep }
            return v4.isEmpty ? nil : .set(AddressInstruction.sorted(v4))
        }

        var v6Instruction: AddressInstruction? {
            if preserve { return .keep }
            if let v6Prefix { return .prefix(v6Prefix) }
            return v6.isEmpty ? nil : .set(AddressInstruction.sorted(v6))
        }
    }

    /// Instructions from `myip`, `myipv4`, `myipv6`, `ip`, `ipv6`; nil when none of them says anything.
    static func globalInstructions(_ query: QueryParameters) throws(DynDNSProtocolError) -> AddressInstructions? {
        let myipv4 = try query.value("myipv4").map { value throws(DynDNSProtocolError) in
            try familyInstruction(value, v4: true, parameter: "myipv4")
        }
        let myipv6 = try query.value("myipv6").map { value throws(DynDNSProtocolError) in
            try familyInstruction(value, v4: false, parameter: "myipv6")
        }
        let ipv6 = try query.value("ipv6").map { value throws(DynDNSProtocolError) in
            try familyInstruction(value, v4: false, parameter: "ipv6")
        }
        let myip = try query.value("myip").map { value throws(DynDNSProtocolError) in try addressList(value, parameter: "myip") }
        let ip = try query.value("ip").map { value throws(DynDNSProtocolError) in try addressList(value, parameter: "ip") }

        let v4 = myipv4 ?? myip?.v4Instruction ?? ip?.v4Instruction
        let v6 = myipv6 ?? ipv6 ?? myip?.v6Instruction ?? ip?.v6Instruction
        guard v4 != nil || v6 != nil else { return nil }
        return AddressInstructions(ipv4: v4 ?? .keep, ipv6: v6 ?? .keep)
    }

    /// A family-specific value: empty deletes, `preserve` keeps, else addresses of that family
    /// (or, for IPv6, one prefix).
    static func familyInstruction(_ value: String, v4: Bool, parameter: String) throws(DynDNSProtocolError) -> AddressInstruction {
        let list = try addressList(value, parameter: parameter)
        if list.empty { return .delete }
        if v4 {
            guard list.v6.isEmpty, list.v6Prefix == nil else {
                throw DynDNSProtocolError(.malformed, "\(parameter) holds an IPv6 address")
            }
            return list.v4Instruction ?? .keep
        }
        guard list.v4.isEmpty else { throw DynDNSProtocolError(.malformed, "\(parameter) holds an IPv4 address") }
        return list.v6Instruction ?? .keep
    }

    /// `preserve`, empty, or comma-separated addresses of either family, fully expanded IPv6
    /// included, at most one IPv6 prefix and then no other IPv6 address.
    static func addressList(_ value: String, parameter: String) throws(DynDNSProtocolError) -> AddressList {
        var list = AddressList()
        let trimmed = Substring(value).trimmingSpaces
        if trimmed.isEmpty {
            list.empty = true
            return list
        }
        if trimmed.lowercased() == "preserve" {
            list.preserve = true
            return list
        }
        let entries = trimmed.split(separator: ",", omittingEmptySubsequences: false)
        guard entries.count <= maximumAddresses else {
            throw DynDNSProtocolError(.malformed, "\(parameter) lists \(entries.count) addresses")
        }
        for raw in entries {
            let entry = raw.trimmingSpaces
            if entry.contains("/") {
                guard let prefix = try? AddressPrefix(parsing: String(entry)), case .v6 = prefix.address,
                      list.v6Prefix == nil
                else { throw DynDNSProtocolError(.malformed, "\(parameter): \(LogText.clean(String(entry.prefix(60)))) is not one IPv6 prefix") }
                list.v6Prefix = prefix
                continue
            }
            guard let address = IPAddress(entry) else {
                throw DynDNSProtocolError(.malformed, "\(parameter): \(LogText.clean(String(entry.prefix(60)))) is not an address")
            }
            switch ClientAddress.normalised(address) {
            case .v4(let v4): list.v4.append(.v4(v4))
            case .v6(let v6): list.v6.append(.v6(v6))
            }
        }
        guard list.v6Prefix == nil || list.v6.isEmpty else {
            throw DynDNSProtocolError(.malformed, "\(parameter) mixes an IPv6 prefix with IPv6 addresses")
        }
        return list
    }
}
