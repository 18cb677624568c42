import DNSWire
#if canImport(Glibc)
import Glibc
#endif

/// The machine's own addresses, to publish for the server's name when it listens on wildcards.
public enum InterfaceAddresses {
    /// Addresses of interfaces that are up, loopback and link-local excluded, IPv4 first.
    public static func current() -> [IPAddress] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }
        var v4: [IPAddress] = []
        var v6: [IPAddress] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            let flags = Int32(entry.pointee.ifa_flags)
            guard flags & Int32(IFF_UP) != 0, flags & Int32(IFF_LOOPBACK) == 0,
                  let address = entry.pointee.ifa_addr else { continue }
            switch Int32(address.pointee.sa_family) {
            case AF_INET:
                let bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
                }
                if let a = IPv4Address(bytes: bytes) { v4.append(.v4(a)) }
            case AF_INET6:
                let bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                }
                // fe80::/10 is link-local: useless to other hosts without a scope.
                if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { continue }
                if let a = IPv6Address(bytes: bytes) { v6.append(.v6(a)) }
            default:
                continue
            }
        }
        return Array(v4.prefix(1)) + Array(v6.prefix(1))
    }

    /// Every address of every interface that is up, loopback and link-local included, with its
    /// prefix length (from the netmask): the default clients the forwarder serves.
    public static func prefixes() -> [(address: IPAddress, length: Int)] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }
        var out: [(IPAddress, Int)] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard Int32(entry.pointee.ifa_flags) & Int32(IFF_UP) != 0, let address = entry.pointee.ifa_addr,
                  let mask = entry.pointee.ifa_netmask else { continue }
            func bytes<T>(_ pointer: UnsafeMutablePointer<sockaddr>, _ type: T.Type, _ field: (T) -> [UInt8]) -> [UInt8] {
                pointer.withMemoryRebound(to: type, capacity: 1) { field($0.pointee) }
            }
            switch Int32(address.pointee.sa_family) {
            case AF_INET:
                let a = bytes(address, sockaddr_in.self) { value in withUnsafeBytes(of: value.sin_addr) { Array($0) } }
                let m = bytes(mask, sockaddr_in.self) { value in withUnsafeBytes(of: value.sin_addr) { Array($0) } }
                if let v4 = IPv4Address(bytes: a) { out.append((.v4(v4), m.reduce(0) { $0 + $1.nonzeroBitCount })) }
            case AF_INET6:
                let a = bytes(address, sockaddr_in6.self) { value in withUnsafeBytes(of: value.sin6_addr) { Array($0) } }
                let m = bytes(mask, sockaddr_in6.self) { value in withUnsafeBytes(of: value.sin6_addr) { Array($0) } }
                if let v6 = IPv6Address(bytes: a) { out.append((.v6(v6), m.reduce(0) { $0 + $1.nonzeroBitCount })) }
            default:
                continue
            }
        }
        return out
    }

    /// What the server's own name resolves to: the specific listen addresses if there are any
    /// that are not wildcards, otherwise the machine's interfaces, otherwise loopback.
    public static func forServerName(listening endpoints: [Endpoint]) -> [IPAddress] {
        var specific: [IPAddress] = []
        for endpoint in endpoints where !endpoint.isWildcard && !specific.contains(endpoint.address) {
            specific.append(endpoint.address)
        }
        if !specific.isEmpty && specific.count == endpoints.count { return specific }
        let interfaces = current()
        let merged = specific + interfaces.filter { !specific.contains($0) }
        return merged.isEmpty ? [IPAddress("127.0.0.1")!] : merged
    }
}
