import DNSClient
import DNSWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Sends one query to one upstream and waits for the matching answer. UDP goes through a small
/// pool of 16 connected sockets per upstream and event loop, each replaced after 32 queries or
/// 1 s, so source ports keep changing (the kernel picks them at random) while a miss under load
/// does not pay for a new socket; IDs are random; an answer counts only if it comes from the
/// address queried and matches the ID and the question. A truncated UDP answer is asked again
/// over TCP.
public struct UpstreamTransport: Sendable {
    public enum Failure: Error, Sendable, Equatable {
        case timeout
        case network(String)
        case malformed
    }

    let group: any EventLoopGroup
    private let pools = NIOLockedValueBox<[PoolKey: UpstreamSocketPool]>([:])
    private let timers = NIOLockedValueBox<[ObjectIdentifier: LoopTimers]>([:])

    struct PoolKey: Hashable {
        var loop: ObjectIdentifier
        var upstream: Upstream
    }

    public init(group: any EventLoopGroup) {
        self.group = group
    }

    /// The timers of `loop`'s queries (made on first use).
    func timers(on loop: any EventLoop) -> LoopTimers {
        timers.withLockedValue { table in
            if let timers = table[ObjectIdentifier(loop)] { return timers }
            let timers = LoopTimers(loop: loop)
            table[ObjectIdentifier(loop)] = timers
            return timers
        }
    }

    /// The pool of `upstream`'s sockets on `loop` (made on first use; its socket address is
    /// worked out once, not per query).
    func pool(on loop: any EventLoop, to upstream: Upstream) throws(Failure) -> UpstreamSocketPool {
        let key = PoolKey(loop: ObjectIdentifier(loop), upstream: upstream)
        if let pool = pools.withLockedValue({ $0[key] }) { return pool }
        let remote = try Self.socketAddress(upstream)
        let timers = timers(on: loop)
        return pools.withLockedValue { pools in
            if let pool = pools[key] { return pool }
            let pool = UpstreamSocketPool(loop: loop, remote: remote, timers: timers)
            pools[key] = pool
            return pool
        }
    }

    public func exchange(_ query: Message, with upstream: Upstream, timeout: Double) async throws(Failure) -> Message {
        let answer = try await udp(query, upstream, timeout: timeout)
        if answer.header.truncated {
            return try await tcp(query, upstream, timeout: timeout)
        }
        return answer
    }

    /// The same on `loop`, without leaving it (but for the rare TCP retry of a truncated answer):
    /// `completion` is called once, on `loop`. Call on `loop`.
    func exchange(_ query: Message, with upstream: Upstream, timeout: Double, on loop: any EventLoop,
                  completion: @escaping UpstreamSocketPool.Completion) {
        let pool: UpstreamSocketPool
        do {
            pool = try self.pool(on: loop, to: upstream)
        } catch {
            completion(.failure(error))
            return
        }
        pool.exchange(query, timeout: .nanoseconds(Int64(timeout * 1e9))) { result in
            guard case .success(let answer) = result, answer.header.truncated else {
                completion(result)
                return
            }
            let retry = loop.makePromise(of: Message.self)
            retry.completeWithTask { try await self.tcp(query, upstream, timeout: timeout) }
            retry.futureResult.assumeIsolated().whenComplete { result in
                completion(result.mapError { $0 as? Failure ?? .network("\($0)") })
            }
        }
    }

    /// The async form (probes, tests): on one of the group's loops, waiting for the completion.
    func udp(_ query: Message, _ upstream: Upstream, timeout: Double) async throws(Failure) -> Message {
        let loop = group.next()
        let pool = try self.pool(on: loop, to: upstream)
        let promise = loop.makePromise(of: Message.self)
        loop.execute {
            pool.exchange(query, timeout: .nanoseconds(Int64(timeout * 1e9))) { result in promise.completeWith(result.mapError { $0 as any Error }) }
        }
        return try await Self.wait(promise)
    }

    static func socketAddress(_ upstream: Upstream) throws(Failure) -> SocketAddress {
        do {
            return try SocketAddress(ipAddress: upstream.address.description, port: upstream.port)
        } catch {
            throw .network("\(error)")
        }
    }

    static func matches(_ answer: Message, _ query: Message) -> Bool {
        answer.header.isResponse && answer.header.id == query.header.id
            && answer.questions.count == 1 && answer.questions.first?.name == query.questions.first?.name
            && answer.questions.first?.type == query.questions.first?.type
            && answer.questions.first?.recordClass == query.questions.first?.recordClass
    }

    static func wait(_ promise: EventLoopPromise<Message>) async throws(Failure) -> Message {
        do {
            return try await promise.futureResult.get()
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .network("\(error)")
        }
    }

    /// The TCP retry of a truncated answer, through the shared client: the first framed answer
    /// that matches the query.
    func tcp(_ query: Message, _ upstream: Upstream, timeout: Double) async throws(Failure) -> Message {
        let server = Endpoint(address: upstream.address, port: upstream.port)
        do {
            let bytes = try await DNSClient.tcpAnswer(query.serialize(), to: server, timeout: .nanoseconds(Int64(timeout * 1e9)),
                                                      group: group) { bytes in
                guard let answer = try? Message(bytes: bytes) else { throw Failure.malformed }
                return Self.matches(answer, query)
            }
            guard let answer = try? Message(bytes: bytes) else { throw Failure.malformed }
            return answer
        } catch let failure as Failure {
            throw failure
        } catch let failure as DNSClient.Failure where failure.timedOut {
            throw .timeout
        } catch {
            throw .network("\(error)")
        }
    }
}
