import DNSWire
import Timekeeping

/// The TSIG key (RFC 8945) that signs this server's transfers and NOTIFY messages, or none. With
/// a key, transfer requests and NOTIFY must be signed with it; without one, messages go unsigned.
public struct TransferAuth: Sendable {
    public let key: TSIGKey?
    /// TSIG's time signed (RFC 8945 sec. 5.2.3: checked within the fudge).
    let clock: ServerClock

    public init(key: TSIGKey?, clock: ServerClock = .system) {
        self.key = key
        self.clock = clock
    }

    public static let none = TransferAuth(key: nil)

    /// Seconds since 1970, as TSIG carries them.
    func now() -> UInt64 { UInt64(max(0, clock.now())) }

    /// Signs a request (NOTIFY, SOA check, transfer request); the MAC is what the answer must cover.
    func sign(_ message: [UInt8]) -> (bytes: [UInt8], mac: [UInt8]?) {
        guard let key, let signed = try? TSIG.sign(message, key: key, now: now()) else { return (message, nil) }
        return (signed.bytes, signed.mac)
    }

    enum Check: Equatable {
        case ok
        case failed(String)
    }

    /// Checks a single answer to a request we signed.
    func checkResponse(_ bytes: [UInt8], to requestMAC: [UInt8]?) -> Check {
        guard let key, let requestMAC else { return .ok }
        let verification = TSIG.verify(bytes, key: key, now: now(), requestMAC: requestMAC)
        return verification.isValid ? .ok : .failed(verification.description)
    }

    /// A request that arrived, as far as signatures go.
    enum Incoming {
        /// Unsigned, and no key is configured.
        case open
        /// Unsigned while a key is configured: refuse it.
        case unsigned
        /// Signed with our key; the response is signed over `mac`.
        case signed(mac: [UInt8])
        /// Signed wrongly (or with a key we do not know): this is the error response to send.
        case rejected(reply: [UInt8], why: String)
    }

    /// Checks a request; `errorBase` is the reply to build an error on (header + question, QR set).
    func checkRequest(_ bytes: [UInt8], errorBase: () -> [UInt8]) -> Incoming {
        let verification = TSIG.verify(bytes, keys: key.map { [$0] } ?? [], now: now())
        switch verification {
        case .unsigned:
            return key == nil ? .open : .unsigned
        case .valid(_, let mac, _):
            return .signed(mac: mac)
        default:
            let reply = (try? TSIG.errorResponse(errorBase(), for: verification, now: now())) ?? errorBase()
            return .rejected(reply: reply, why: verification.description)
        }
    }

    /// Signs a single response to a signed request.
    func signResponse(_ bytes: [UInt8], requestMAC: [UInt8]?) -> [UInt8] {
        guard let key, let requestMAC,
              let signed = try? TSIG.sign(bytes, key: key, now: now(), requestMAC: requestMAC) else { return bytes }
        return signed.bytes
    }

    /// Signs every message of a transfer stream answering a signed request.
    func signStream(_ messages: [[UInt8]], requestMAC: [UInt8]?) -> [[UInt8]] {
        guard let key, let requestMAC else { return messages }
        var signer = TSIGStreamSigner(key: key, requestMAC: requestMAC)
        let now = now()
        return messages.map { (try? signer.sign($0, now: now)) ?? $0 }
    }

    /// A checker for a transfer stream answering our signed request; nil when unsigned.
    func streamVerifier(requestMAC: [UInt8]?) -> TSIGStreamVerifier? {
        guard let key, let requestMAC else { return nil }
        return TSIGStreamVerifier(key: key, requestMAC: requestMAC)
    }
}
