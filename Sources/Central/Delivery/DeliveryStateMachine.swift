import KasseCore

/// What the counter's delivery to the centre does next (docs/central.md, "Delivery"): sans-I/O,
/// like the ZVT session. The driver (``CentralDelivery``) connects, asks, sends and reports back;
/// this decides what to ask or send and what an answer means.
///
/// The truth is the centre's head for the register (`max(seq)` there): after every (re)connect it
/// is asked again, and the entries after it are sent in journal order, in batches, each batch in
/// one transaction of the centre. A batch that committed moves the head; one that did not (lost
/// connection, `kill -9`) left nothing at the centre and is sent again. An entry the centre holds
/// with the same hash is skipped there, one it holds with another hash is a fork: the machine
/// stops until the fork is cleared by hand (a fork is never resolved by overwriting).
public struct DeliveryStateMachine: Sendable, Equatable {
    /// What the driver is asked to do.
    public enum Action: Equatable, Sendable {
        /// Connect (if not connected) and ask the centre for its head of this register.
        case askHead
        /// Send the local entries with `seq` in `range` in one transaction.
        case send(ClosedRange<Int64>)
        /// Nothing to send until `Instant` (backoff after a failure).
        case wait(until: Instant)
        /// Everything the counter holds is at the centre.
        case upToDate
        /// Delivery stopped: the centre holds another entry under this number.
        case stopped(fork: Int64)
    }

    public enum Phase: Equatable, Sendable {
        /// The centre's head is not known (start, or after a failure).
        case headUnknown
        /// The centre holds every entry up to `acknowledged`.
        case known(acknowledged: Int64)
        case forked(seq: Int64)
    }

    public private(set) var phase: Phase = .headUnknown
    /// Failures in a row since the last success (for the backoff).
    public private(set) var failures = 0
    /// No new attempt before this instant (after a failure).
    public private(set) var retryAt: Instant?
    /// The last head the centre acknowledged, kept across failures (for the status line).
    public private(set) var lastAcknowledged: Int64?
    public let batchSize: Int
    public let backoff: Backoff

    public init(batchSize: Int = 500, backoff: Backoff = Backoff()) {
        precondition(batchSize > 0)
        self.batchSize = batchSize
        self.backoff = backoff
    }

    /// The next step, given the local chain head and the time.
    public mutating func next(localHead: Int64, now: Instant) -> Action {
        if case .forked(let seq) = phase { return .stopped(fork: seq) }
        if let retryAt, now < retryAt { return .wait(until: retryAt) }
        switch phase {
        case .headUnknown: return .askHead
        case .known(let acknowledged):
            guard localHead > acknowledged else { return .upToDate }
            let last = min(localHead, acknowledged + Int64(batchSize))
            return .send((acknowledged + 1)...last)
        case .forked(let seq): return .stopped(fork: seq)
        }
    }

    /// The centre answered: it holds this register's entries up to `seq` (0: none).
    public mutating func headReceived(_ seq: Int64) {
        guard !isForked else { return }
        phase = .known(acknowledged: seq)
        lastAcknowledged = seq
        retryAt = nil
    }

    /// A batch committed at the centre: it now holds everything up to `seq`.
    public mutating func delivered(through seq: Int64) {
        guard !isForked else { return }
        phase = .known(acknowledged: seq)
        lastAcknowledged = seq
        failures = 0
        retryAt = nil
    }

    /// The centre holds another entry under `seq` (the entries before it in the batch committed).
    public mutating func forkFound(at seq: Int64) {
        phase = .forked(seq: seq)
        lastAcknowledged = seq - 1
    }

    /// Connecting, asking or sending failed: nothing of the batch is at the centre, and the head
    /// is asked again after the backoff.
    public mutating func failed(now: Instant) {
        guard !isForked else { return }
        failures += 1
        phase = .headUnknown
        retryAt = now.adding(milliseconds: backoff.delayMs(afterFailures: failures))
    }

    public var isForked: Bool {
        if case .forked = phase { return true }
        return false
    }
}

/// Exponential backoff: `firstMs`, doubling per failure, at most `maximumMs`.
public struct Backoff: Sendable, Equatable {
    public let firstMs: Int64
    public let maximumMs: Int64

    public init(firstMs: Int64 = 1000, maximumMs: Int64 = 60_000) {
        self.firstMs = firstMs
        self.maximumMs = maximumMs
    }

    public func delayMs(afterFailures failures: Int) -> Int64 {
        guard failures > 0 else { return 0 }
        var delay = firstMs
        for _ in 1..<min(failures, 32) {
            delay *= 2
            if delay >= maximumMs { return maximumMs }
        }
        return min(delay, maximumMs)
    }
}

extension Instant {
    func adding(milliseconds: Int64) -> Instant { Instant(millisecondsSinceEpoch: millisecondsSinceEpoch + milliseconds) }
}
