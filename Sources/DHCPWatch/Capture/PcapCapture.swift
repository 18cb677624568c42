import CPcap
import Foundation

/// One libpcap handle: a live interface (promiscuous, immediate mode, the DHCP filter) or a
/// capture file. Frames are read on a thread of its own: `pcap_next_ex` blocks, and must never
/// run on an event loop.
public final class PcapCapture: @unchecked Sendable {
    public static let filter = "udp and (port 67 or port 68 or port 546 or port 547)"

    public enum Source: Hashable, Sendable {
        case interface(String)
        case file(String)
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public let source: Source
    let handle: OpaquePointer
    public let linkType: Int32

    public init(_ source: Source, filter: String = PcapCapture.filter) throws(Failure) {
        self.source = source
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        switch source {
        case .file(let path):
            guard let handle = pcap_open_offline(path, &errbuf) else {
                throw Failure(description: "cannot read capture \(path): \(Self.text(errbuf))")
            }
            self.handle = handle
        case .interface(let name):
            guard let handle = pcap_create(name, &errbuf) else {
                throw Failure(description: "cannot capture on \(name): \(Self.text(errbuf))")
            }
            pcap_set_snaplen(handle, 2048)
            pcap_set_promisc(handle, 1)
            pcap_set_immediate_mode(handle, 1)
            pcap_set_timeout(handle, 100)
            let status = pcap_activate(handle)
            if status < 0 {
                let reason = String(cString: pcap_geterr(handle))
                pcap_close(handle)
                throw Failure(description: Self.explain(status: status, interface: name, reason: reason))
            }
            self.handle = handle
        }
        linkType = pcap_datalink(handle)
        var program = bpf_program()
        // From here on `handle` is stored: a throw runs deinit, which closes it (closing it here
        // as well would free it twice).
        guard pcap_compile(handle, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            let reason = String(cString: pcap_geterr(handle))
            throw Failure(description: "cannot compile the filter \"\(filter)\": \(reason)")
        }
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(handle, &program) == 0 else {
            let reason = String(cString: pcap_geterr(handle))
            throw Failure(description: "cannot set the filter \"\(filter)\": \(reason)")
        }
    }

    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func explain(status: Int32, interface: String, reason: String) -> String {
        switch status {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            return "cannot capture on \(interface): no such interface (see `ip link`)"
        case PCAP_ERROR_PERM_DENIED, PCAP_ERROR_PROMISC_PERM_DENIED:
            return "cannot capture on \(interface): permission denied; run as root, or give the binary CAP_NET_RAW (`setcap cap_net_raw,cap_net_admin=eip`), as the systemd unit does"
        case PCAP_ERROR_IFACE_NOT_UP:
            return "cannot capture on \(interface): the interface is down"
        default:
            return "cannot capture on \(interface): \(reason)"
        }
    }

    deinit { pcap_close(handle) }

    public var name: String {
        switch source {
        case .interface(let name): name
        case .file(let path): path
        }
    }

    public enum Next {
        case frame(bytes: [UInt8], timestamp: Double)
        case timeout
        case end
        case failed(String)
    }

    /// Reads the next frame (blocking up to the read timeout on a live interface).
    public func next() -> Next {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let status = pcap_next_ex(handle, &header, &data)
        switch status {
        case 1:
            guard let header, let data else { return .timeout }
            let length = Int(header.pointee.caplen)
            let bytes = Array(UnsafeBufferPointer(start: data, count: length))
            let time = Double(header.pointee.ts.tv_sec) + Double(header.pointee.ts.tv_usec) / 1_000_000
            return .frame(bytes: bytes, timestamp: time)
        case 0:
            return .timeout
        case PCAP_ERROR_BREAK:
            return .end
        case -2:
            return .end
        default:
            return .failed(String(cString: pcap_geterr(handle)))
        }
    }

    /// Puts the handle in non-blocking mode: `next()` then returns `.timeout` at once when
    /// nothing is buffered, and `wait(upTo:)` does the waiting. (libpcap's read timeout does not
    /// fire on a quiet link on Linux, so a blocking read can wait forever.)
    public func setNonBlocking() -> Bool {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        return pcap_setnonblock(handle, 1, &errbuf) == 0
    }

    /// Waits until a frame may be readable or `seconds` pass (non-blocking handles).
    public func wait(upTo seconds: Double) {
        let fd = pcap_get_selectable_fd(handle)
        guard fd >= 0 else {
            Thread.sleep(forTimeInterval: min(seconds, 0.01))
            return
        }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        _ = poll(&entry, 1, Int32(max(0, min(seconds, 1)) * 1000))
    }

    /// Makes a blocked `next()` return `.end` (from any thread).
    public func stop() { pcap_breakloop(handle) }

    /// Sends a raw frame on a live interface (used for ARP probes).
    @discardableResult
    public func inject(_ frame: [UInt8]) -> Bool {
        frame.withUnsafeBytes { pcap_inject(handle, $0.baseAddress, $0.count) } == frame.count
    }
}
