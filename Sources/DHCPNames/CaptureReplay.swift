import DHCPWatch

/// Replays a capture file through the same decoder and tracker, as though it had just happened:
/// timestamps are shifted so that the last packet is now.
enum CaptureReplay {
    struct Summary: Sendable {
        var frames = 0
        var messages = 0
        var malformed = 0
        var events = 0
        var shift = 0.0
    }

    static func replay(path: String, into queue: LeaseQueue, now: Double) throws(PcapCapture.Failure) -> Summary {
        let capture = try PcapCapture(.file(path))
        var frames: [(bytes: [UInt8], timestamp: Double)] = []
        loop: while true {
            switch capture.next() {
            case .frame(let bytes, let timestamp): frames.append((bytes, timestamp))
            case .timeout: continue
            case .end: break loop
            case .failed(let reason): throw PcapCapture.Failure(description: "cannot read capture \(path): \(reason)")
            }
        }
        var summary = Summary(frames: frames.count)
        summary.shift = now - (frames.map(\.timestamp).max() ?? now)
        var tracker = LeaseTracker()
        var items: [LeaseQueue.Item] = []
        for frame in frames {
            do {
                let packet = try FrameDecoder.decode(frame.bytes, linkType: capture.linkType,
                                                     timestamp: frame.timestamp + summary.shift)
                summary.messages += 1
                let events = tracker.ingest(packet)
                summary.events += events.count
                items += events.map { LeaseQueue.Item(event: $0, interface: nil) }
            } catch {
                summary.malformed += 1
            }
            if items.count >= 4096 {
                queue.push(items)
                items = []
            }
        }
        queue.push(items)
        return summary
    }
}
