import HostSystem
import DHCPWatch
import Foundation
import Logging
import NIOConcurrencyHelpers

/// Reads one live interface on a thread of its own, decodes and tracks, and queues the events.
/// A capture that fails later (the interface went away) is logged and reopened every two seconds.
public final class CaptureWorker: @unchecked Sendable {
    let interface: String
    let queue: LeaseQueue
    let logger: Logger
    private let state = NIOLockedValueBox<(stopped: Bool, capture: PcapCapture?)>((false, nil))
    let counters = NIOLockedValueBox(Counters())

    struct Counters {
        var frames = 0
        var malformed = 0
        var events = 0
    }

    /// Opens the interface now, so a bad name or missing permission fails at start.
    init(interface: String, queue: LeaseQueue, logger: Logger) throws(PcapCapture.Failure) {
        self.interface = interface
        self.queue = queue
        self.logger = logger
        let capture = try PcapCapture(.interface(interface))
        state.withLockedValue { $0.capture = capture }
    }

    func start() {
        startThread(named: "capture-\(interface)") { [self] in loop() }
    }

    func stop() {
        let capture = state.withLockedValue { state -> PcapCapture? in
            state.stopped = true
            return state.capture
        }
        capture?.stop()
    }

    private var stopped: Bool { state.withLockedValue { $0.stopped } }

    private func loop() {
        var tracker = LeaseTracker()
        while !stopped {
            guard let capture = state.withLockedValue({ $0.capture }) else {
                Thread.sleep(forTimeInterval: 2)
                if stopped { return }
                do {
                    let reopened = try PcapCapture(.interface(interface))
                    state.withLockedValue { $0.capture = reopened }
                    logger.info("capturing DHCP again", metadata: ["interface": "\(interface)"])
                } catch {
                    continue
                }
                continue
            }
            switch capture.next() {
            case .frame(let bytes, let timestamp):
                counters.withLockedValue { $0.frames += 1 }
                do {
                    let packet = try FrameDecoder.decode(bytes, linkType: capture.linkType, timestamp: timestamp,
                                                         interface: interface)
                    let events = tracker.ingest(packet)
                    if !events.isEmpty {
                        counters.withLockedValue { $0.events += events.count }
                        queue.push(events.map { LeaseQueue.Item(event: $0, interface: interface) })
                    }
                } catch {
                    counters.withLockedValue { $0.malformed += 1 }
                    logger.debug("skipped a frame", metadata: ["interface": "\(interface)", "reason": "\(error)"])
                }
            case .timeout:
                continue
            case .end:
                if stopped { return }
                state.withLockedValue { $0.capture = nil }
            case .failed(let reason):
                logger.error("DHCP capture failed; retrying every 2 s", metadata: ["interface": "\(interface)", "error": "\(reason)"])
                state.withLockedValue { $0.capture = nil }
            }
        }
    }
}
