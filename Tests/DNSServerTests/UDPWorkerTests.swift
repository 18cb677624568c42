import DNSClient
import DNSWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

@testable import DNSServer

/// The raw socket plumbing of the UDP workers: addresses to and from the kernel's form, and the
/// socket options a worker's socket gets.
@Suite struct UDPWorkerTests {
    @Test(arguments: ["127.0.0.1", "198.51.100.20", "0.0.0.0", "::1", "2001:db8::21", "fe80::1:2:3:4", "::"])
    func socketAddressesRoundTrip(text: String) throws {
        let address = try #require(IPAddress(text))
        var storage = sockaddr_storage()
        let length = SocketAddressBytes.fill(&storage, address: address, port: 5353)
        let back = withUnsafePointer(to: &storage) { SocketAddressBytes.address(of: $0) }
        #expect(back == address)
        let destination = Destination(storage: storage, length: length)
        let nio = try #require(destination.socketAddress)
        #expect(nio.port == 5353)
        #expect(IPAddress(try #require(nio.ipAddress)) == address)
        switch address {
        case .v4: #expect(length == socklen_t(MemoryLayout<sockaddr_in>.size))
        case .v6: #expect(length == socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
    }

    @Test func anUnknownFamilyHasNoAddress() {
        var storage = sockaddr_storage()
        storage.ss_family = sa_family_t(AF_UNIX)
        #expect(withUnsafePointer(to: &storage) { SocketAddressBytes.address(of: $0) } == nil)
        #expect(Destination(storage: storage, length: 2).socketAddress == nil)
    }

    @Test func twoWorkersShareAPortAndAThirdSocketOfAnotherKindDoesNot() throws {
        // SO_REUSEPORT: one socket per thread on the same address and port.
        let first = try UDPWorker.openSocket(Endpoint(address: IPAddress("127.0.0.1")!, port: 0))
        defer { close(first) }
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(first, $0, &length) }
        }
        #expect(named == 0)
        let port = Int(UInt16(bigEndian: bound.sin_port))
        let second = try UDPWorker.openSocket(Endpoint(address: IPAddress("127.0.0.1")!, port: port))
        close(second)
        // A port taken without SO_REUSEPORT is refused with the system's reason.
        let plain = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(plain) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let plainBound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(plain, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(plainBound == 0)
        var taken = sockaddr_in()
        var takenLength = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &taken) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(plain, $0, &takenLength) }
        }
        let error = #expect(throws: UDPWorker.SocketFailure.self) {
            try UDPWorker.openSocket(Endpoint(address: IPAddress("127.0.0.1")!, port: Int(UInt16(bigEndian: taken.sin_port))))
        }
        #expect(error?.call == "bind")
        #expect(error?.description.contains("in use") == true)
    }
}
