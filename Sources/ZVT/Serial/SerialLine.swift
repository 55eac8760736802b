import SystemCalls

/// A byte stream a ``SerialLine`` runs over: a serial port, one end of a pseudo-terminal, or a
/// TCP connection to a LAN-serial converter.
public protocol ByteChannel: AnyObject {
    /// Reads what is available onto `buffer`, waiting up to `timeoutMs` (negative = forever).
    func read(appendingTo buffer: inout [UInt8], timeoutMs: Int) throws -> ReadResult
    func write(_ bytes: [UInt8]) throws
}

extension StreamSocket: ByteChannel {}
extension SerialPort: ByteChannel {}

/// Why a ``SerialLine`` stopped.
public enum SerialLineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The channel ended (end of file, hang-up, the TCP peer closed).
    case closed
    /// Reading or writing the channel failed.
    case io(String)
    /// The serial protocol gave up (PA00P016 §3.5).
    case transmission(SerialLinkError)

    public var description: String {
        switch self {
        case .closed: return "die Leitung wurde geschlossen"
        case .io(let reason): return reason
        case .transmission(let error): return error.description
        }
    }
}

/// The ``SerialLink`` state machine run over a ``ByteChannel``, blocking: ``send(_:)`` returns
/// once the peer acknowledged the frame (PA00P016 §3.2), ``receive(timeoutMs:)`` returns the
/// next APDU. Frames that arrive while a send waits are acknowledged at once and kept for
/// ``receive(timeoutMs:)``. Used by ``SerialTransport`` (cash register) and by the simulator (terminal).
public final class SerialLine {
    public let channel: ByteChannel
    private var link: SerialLink
    private let clock: MonotonicClock
    private var delivered: [[UInt8]] = []
    /// Writes every byte on its own (the simulator's `split-bytes` fault).
    public var writesByteByByte = false
    /// Gets a line for each thing worth a log entry (noise, repetitions).
    public var log: ((String) -> Void)?

    public init(channel: ByteChannel, timing: SerialLink.Timing = SerialLink.Timing(), clock: MonotonicClock = SystemClock()) {
        self.channel = channel
        self.link = SerialLink(timing: timing)
        self.clock = clock
    }

    /// Faults to apply once each (simulator).
    public var faults: SerialLink.LineFaults {
        get { link.faults }
        set { link.faults = newValue }
    }

    /// Whether an APDU has been received and not yet taken.
    public var hasReceived: Bool { !delivered.isEmpty }

    /// Sends `apdu` in a frame and waits until the peer acknowledged it, repeating it on NAK or
    /// after T2 (§3.4.2, §3.5). Frames of the peer that come meanwhile are acknowledged and kept.
    public func send(_ apdu: [UInt8]) throws(SerialLineError) {
        try carryOut(link.send(apdu, nowMs: clock.nowMs()))
        while link.hasPendingSends {
            try step(untilMs: nil)
        }
    }

    /// The next APDU of the peer, waiting up to `timeoutMs` (negative = until one comes); nil when none came.
    public func receive(timeoutMs: Int) throws(SerialLineError) -> [UInt8]? {
        let deadline = timeoutMs < 0 ? nil : clock.nowMs() + Int64(timeoutMs)
        while delivered.isEmpty {
            if let deadline, clock.nowMs() >= deadline {
                // One look without waiting, so bytes already there are not left for the next call.
                try step(untilMs: clock.nowMs())
                break
            }
            try step(untilMs: deadline)
        }
        return delivered.isEmpty ? nil : delivered.removeFirst()
    }

    /// Writes bytes outside any frame (the simulator's banner and garbage faults).
    public func writeRaw(_ bytes: [UInt8]) throws(SerialLineError) {
        try write(bytes)
    }

    /// One wait on the channel, up to `untilMs` or the link's next timer, whichever is first.
    private func step(untilMs: Int64?) throws(SerialLineError) {
        let now = clock.nowMs()
        let wake = [untilMs, link.nextDeadlineMs].compactMap { $0 }.min()
        let timeout = wake.map { Int(max(0, $0 - now)) } ?? -1
        var bytes: [UInt8] = []
        let result: ReadResult
        do {
            result = try channel.read(appendingTo: &bytes, timeoutMs: timeout)
        } catch {
            throw .io(String(describing: error))
        }
        switch result {
        case .bytes:
            try carryOut(link.received(bytes, nowMs: clock.nowMs()))
        case .timedOut:
            try carryOut(link.advance(nowMs: clock.nowMs()))
        case .closed:
            throw .closed
        }
    }

    private func carryOut(_ outputs: [SerialLink.Output]) throws(SerialLineError) {
        var failure: SerialLinkError?
        for output in outputs {
            switch output {
            case .write(let bytes):
                try write(bytes)
            case .deliver(let apdu):
                delivered.append(apdu)
            case .confirmed:
                break
            case .failed(let error):
                failure = failure ?? error
            case .ignored(let bytes, let why):
                switch why {
                case .noise: log?("Leitung: \(bytes.count) Byte außerhalb eines Blocks verworfen: \(Hex.string(bytes.prefix(16)))")
                case .repetition: log?("Leitung: Wiederholung des Blocks \(Hex.string(bytes.prefix(3))) erneut bestätigt, nicht doppelt weitergegeben")
                }
            }
        }
        if let failure { throw .transmission(failure) }
    }

    private func write(_ bytes: [UInt8]) throws(SerialLineError) {
        do {
            if writesByteByByte {
                for byte in bytes { try channel.write([byte]) }
            } else {
                try channel.write(bytes)
            }
        } catch {
            throw .io(String(describing: error))
        }
    }
}
