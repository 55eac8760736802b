import Foundation

/// A byte pipe to the terminal (PA00P016 §4: TCP carries bare APDUs). The driver owns exactly one.
///
/// Implementations: ``TCPTransport`` for real terminals and the simulator, ``InMemoryTransport`` for tests.
public protocol ZVTTransport: AnyObject {
    var isConnected: Bool { get }
    func connect() throws
    func send(_ bytes: [UInt8]) throws
    /// Waits up to `timeoutMs` for bytes; returns `[]` when none came. Throws ``ZVTTransportError/closed``
    /// when the peer closed the connection.
    func receive(timeoutMs: Int) throws -> [UInt8]
    func close()
}

/// Why the transport failed. The description is one German sentence naming the terminal.
public enum ZVTTransportError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotResolve(String)
    case connectFailed(String, reason: String)
    case connectTimeout(String)
    case closed
    case notConnected
    case io(String)

    public var description: String {
        switch self {
        case .cannotResolve(let host): return "Der Terminal-Rechner »\(host)« ist unbekannt."
        case .connectFailed(let target, let reason): return "Keine Verbindung zum Terminal \(target): \(reason)."
        case .connectTimeout(let target): return "Das Terminal \(target) antwortet nicht (Verbindungsaufbau abgelaufen)."
        case .closed: return "Das Terminal hat die Verbindung geschlossen."
        case .notConnected: return "Keine Verbindung zum Terminal."
        case .io(let reason): return "Übertragungsfehler zum Terminal: \(reason)."
        }
    }
}

/// Monotonic milliseconds, injected so that tests control time.
public protocol MonotonicClock: Sendable {
    func nowMs() -> Int64
}

/// The system's monotonic clock.
public struct SystemClock: MonotonicClock {
    public init() {}
    public func nowMs() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// A clock that only moves when told to (tests). ``InMemoryTransport`` advances it while "waiting".
// @unchecked Sendable: `now` is only read and written under `lock`.
public final class ManualClock: MonotonicClock, @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64

    public init(startMs: Int64 = 0) { now = startMs }

    public func nowMs() -> Int64 { lock.withLock { now } }

    public func advance(byMs ms: Int64) { lock.withLock { now += ms } }
}

/// An in-memory transport with a scripted terminal behind it, for tests of the driver and the counter.
///
/// The script answers each APDU the driver sends with a list of ``Step``s, delivered one by one as the
/// driver reads. Waiting advances the ``ManualClock``, so T3/T4 expire instantly in tests.
// @unchecked Sendable: every mutable property is stored privately and only reached under `lock`.
public final class InMemoryTransport: ZVTTransport, @unchecked Sendable {
    public enum Step: Sendable {
        /// Bytes from the terminal (may hold several APDUs or part of one).
        case bytes([UInt8])
        /// Silence for this long (advances the clock while the driver waits).
        case delay(ms: Int64)
        /// The terminal closes the connection.
        case close
        /// Runs code at this point (e.g. the clerk presses abort).
        case run(@Sendable () -> Void)
    }

    private let lock = NSLock()
    private let clock: ManualClock
    private var steps: [Step] = []
    private var connected = false
    private var _sent: [[UInt8]] = []
    private var sendBuffer: [UInt8] = []
    private var _script: @Sendable (APDU) -> [Step]
    private var _connectError: ZVTTransportError?
    private var _failingSends: Set<Int> = []
    private var _connectCount = 0

    public init(clock: ManualClock, script: @escaping @Sendable (APDU) -> [Step] = { _ in [] }) {
        self.clock = clock
        self._script = script
    }

    /// Answers each complete APDU the driver sends.
    public var script: @Sendable (APDU) -> [Step] {
        get { lock.withLock { _script } }
        set { lock.withLock { _script = newValue } }
    }
    /// When set, ``connect()`` fails with this error.
    public var connectError: ZVTTransportError? {
        get { lock.withLock { _connectError } }
        set { lock.withLock { _connectError = newValue } }
    }
    /// When set, ``send(_:)`` fails for sends whose index (0-based) is in this set.
    public var failingSends: Set<Int> {
        get { lock.withLock { _failingSends } }
        set { lock.withLock { _failingSends = newValue } }
    }
    /// How often ``connect()`` was called.
    public var connectCount: Int { lock.withLock { _connectCount } }

    /// Every byte block the driver sent, in order.
    public var sent: [[UInt8]] { lock.withLock { _sent } }

    /// The APDUs the driver sent.
    public var sentAPDUs: [APDU] {
        var buffer = sent.flatMap { $0 }
        var skipped: [UInt8] = []
        return APDUDecoder.decodeAll(&buffer, skipped: &skipped)
    }

    /// Queues steps as if the terminal sent them unprompted (e.g. stale bytes before a command).
    public func inject(_ newSteps: [Step]) { lock.withLock { steps += newSteps } }

    public var isConnected: Bool { lock.withLock { connected } }

    public func connect() throws {
        try lock.withLock {
            _connectCount += 1
            if let _connectError { throw _connectError }
            connected = true
            sendBuffer = []
        }
    }

    public func send(_ bytes: [UInt8]) throws {
        let answers: [Step] = try lock.withLock {
            guard connected else { throw ZVTTransportError.notConnected }
            let index = _sent.count
            _sent.append(bytes)
            if _failingSends.contains(index) {
                connected = false
                throw ZVTTransportError.closed
            }
            sendBuffer += bytes
            var skipped: [UInt8] = []
            let apdus = APDUDecoder.decodeAll(&sendBuffer, skipped: &skipped)
            return apdus.flatMap { _script($0) }
        }
        lock.withLock { steps += answers }
    }

    public func receive(timeoutMs: Int) throws -> [UInt8] {
        var waited: Int64 = 0
        while true {
            let step: Step? = lock.withLock {
                guard connected else { return nil }
                return steps.isEmpty ? nil : steps.removeFirst()
            }
            guard isConnected else { throw ZVTTransportError.closed }
            guard let step else {
                clock.advance(byMs: Int64(timeoutMs) - waited)
                return []
            }
            switch step {
            case .bytes(let bytes):
                return bytes
            case .delay(let ms):
                let left = Int64(timeoutMs) - waited
                if ms > left {
                    clock.advance(byMs: left)
                    lock.withLock { steps.insert(.delay(ms: ms - left), at: 0) }
                    return []
                }
                clock.advance(byMs: ms)
                waited += ms
            case .close:
                lock.withLock { connected = false }
                throw ZVTTransportError.closed
            case .run(let body):
                body()
            }
        }
    }

    public func close() { lock.withLock { connected = false } }
}
