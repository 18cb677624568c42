import DNSWire
import Testing
@testable import DHCPWatch

/// Seeded, bounded random mutation of real frames and messages: the parsers must never trap,
/// and may only fail with a DHCPError (their typed throws make any other error impossible; the
/// point here is that nothing crashes: out-of-range slices, overflows, unbounded recursion).
@Suite("Random mutation")
struct MutationTests {
    struct Sample {
        var frame: [UInt8]
        var linkType: Int32
        /// The UDP payload (the DHCP message) and whether it is DHCPv6.
        var payload: [UInt8]
        var isV6: Bool
    }

    /// The UDP payload of an untagged Ethernet frame with a plain IPv4 or IPv6 header.
    static func payload(of frame: [UInt8]) -> (bytes: [UInt8], isV6: Bool)? {
        guard frame.count > 14 else { return nil }
        if frame[12] == 0x08, frame[13] == 0x00 {
            let start = 14 + Int(frame[14] & 0x0F) * 4 + 8
            return start <= frame.count ? (Array(frame[start...]), false) : nil
        }
        if frame[12] == 0x86, frame[13] == 0xDD, frame.count >= 62 {
            return (Array(frame[62...]), true)
        }
        return nil
    }

    static let corpus: [Sample] = {
        var samples: [Sample] = []
        let files = ["lan-kea.pcap"] + PublicCaptureTests.bindings.map(\.file) + PublicCaptureTests.robustnessOnly
        for name in files {
            guard let file = try? Captures.read(name) else { continue }
            for frame in file.frames {
                guard let (payload, isV6) = payload(of: frame.bytes) else { continue }
                samples.append(Sample(frame: frame.bytes, linkType: file.linkType, payload: payload, isV6: isV6))
            }
        }
        return samples
    }()

    /// One to eight random edits: flips, interesting values, truncation, insertion, deletion,
    /// duplication of a slice, or a length field set to something large.
    static func mutate(_ input: [UInt8], using g: inout SplitMix64) -> [UInt8] {
        var bytes = input
        let interesting: [UInt8] = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x0C, 0x11, 0x27, 0x34, 0x35, 0x3F,
                                    0x40, 0x51, 0x63, 0x7F, 0x80, 0xC0, 0xFE, 0xFF]
        for _ in 0..<Int.random(in: 1...8, using: &g) {
            switch Int.random(in: 0..<9, using: &g) {
            case 0 where !bytes.isEmpty:
                let i = Int.random(in: 0..<bytes.count, using: &g)
                bytes[i] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &g)
            case 1 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &g)] = interesting.randomElement(using: &g)!
            case 2 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &g)] = UInt8.random(in: 0...255, using: &g)
            case 3:
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &g)))
            case 4:
                let at = Int.random(in: 0...bytes.count, using: &g)
                let count = Int.random(in: 1...16, using: &g)
                bytes.insert(contentsOf: (0..<count).map { _ in interesting.randomElement(using: &g)! }, at: at)
            case 5 where !bytes.isEmpty:
                let at = Int.random(in: 0..<bytes.count, using: &g)
                let count = Int.random(in: 1...min(32, bytes.count - at), using: &g)
                bytes.removeSubrange(at..<at + count)
            case 6 where bytes.count >= 2:
                let at = Int.random(in: 0..<bytes.count - 1, using: &g)
                let count = Int.random(in: 1...min(64, bytes.count - at), using: &g)
                let slice = Array(bytes[at..<at + count])
                bytes.insert(contentsOf: slice, at: Int.random(in: 0...bytes.count, using: &g))
            case 7 where bytes.count >= 2:
                // A 16-bit field (a length, a port, a type) set to an edge value.
                let at = Int.random(in: 0..<bytes.count - 1, using: &g)
                let value: UInt16 = [0, 1, 7, 8, 9, 0x3F, 0x40, 0xFF, 0x100, 0x7FFF, 0xFFFF].randomElement(using: &g)!
                bytes[at] = UInt8(value >> 8)
                bytes[at + 1] = UInt8(value & 0xFF)
            default:
                bytes.append(UInt8.random(in: 0...255, using: &g))
            }
        }
        return bytes
    }

    @Test func theCorpusIsLarge() {
        #expect(Self.corpus.count >= 100)
        #expect(Self.corpus.contains { $0.isV6 })
        #expect(Self.corpus.contains { !$0.isV6 })
        // Every payload of the corpus is a valid message as it stands, except the two malformed
        // LEASEQUERYs of tcpdump-dhcp-rfc4388.pcap.
        let invalid = Self.corpus.filter { sample in
            sample.isV6 ? (try? DHCPv6Message(bytes: sample.payload)) == nil : (try? DHCPv4Message(bytes: sample.payload)) == nil
        }
        #expect(invalid.count == 2)
    }

    @Test func mutatedInputsNeverCrash() {
        var g = SplitMix64(seed: 0xD4C9_2024)
        var tracker = LeaseTracker()
        var decoded = 0
        var failed: [DHCPError.Code: Int] = [:]
        var events = 0
        let linkTypes: [LinkType] = [.ethernet, .rawIP, .rawIPAlt, .linuxSLL, .linuxSLL2]
        let corpus = Self.corpus
        for iteration in 0..<20_000 {
            let sample = corpus[Int.random(in: 0..<corpus.count, using: &g)]
            // 1. The whole frame, usually as Ethernet, sometimes as another link type.
            let frame = Self.mutate(sample.frame, using: &g)
            let linkType = iteration % 10 == 0 ? linkTypes.randomElement(using: &g)!.rawValue : sample.linkType
            do {
                let packet = try FrameDecoder.decode(frame, linkType: linkType, timestamp: Double(iteration))
                decoded += 1
                events += tracker.ingest(packet).count
            } catch {
                failed[error.code, default: 0] += 1
            }
            // 2. The DHCP message alone, read as what it is and as the other protocol.
            let payload = Self.mutate(sample.payload, using: &g)
            do {
                let m = try DHCPv4Message(bytes: payload)
                _ = (m.clientMAC, m.hostName.flatMap(HostnameSanitizer.sanitize), m.clientFQDN, m.leaseTime,
                     m.requestedAddress, m.serverIdentifier, m.messageType)
                decoded += 1
            } catch {
                failed[error.code, default: 0] += 1
            }
            do {
                let m = try DHCPv6Message(bytes: payload)
                _ = (m.leasedAddresses, m.clientFQDN, m.clientDUID.flatMap(DHCPv6Message.mac(fromDUID:)), m.rapidCommit)
                decoded += 1
            } catch {
                failed[error.code, default: 0] += 1
            }
            // 3. Option bodies on their own.
            let option = Array(payload.suffix(Int.random(in: 0...40, using: &g)))
            _ = try? ClientFQDN(v4Option: option)
            _ = try? ClientFQDN(v6Option: option)
            _ = HostnameSanitizer.sanitize(option)
        }
        // The mutations hit both sides: plenty still decode, plenty fail, in several ways.
        #expect(decoded > 5_000)
        #expect(failed.values.reduce(0, +) > 5_000)
        #expect(failed.keys.count >= 4, "\(failed)")
        #expect(events > 0)
    }

    @Test func deepRelayNestingFromRandomBytesIsBounded() {
        // A message made only of RELAY-FORW headers, each claiming the rest as its option 9.
        var bytes = DHCPv6MessageTests.solicit
        for _ in 0..<1000 { bytes = V6.relayForward(bytes, withInterfaceID: false) ; if bytes.count > 60_000 { break } }
        #expect(dhcpError { () throws(DHCPError) in try DHCPv6Message(bytes: bytes) }?.code == .badOption)
    }
}
