/// The serial transport protocol of ZVT as a sans-I/O state machine (PA00P016 §3): one end of the
/// line, the cash register's or the terminal's — the protocol is the same both ways.
///
/// Feed it what the line brought (``received(_:nowMs:)``), what the application wants sent
/// (``send(_:nowMs:)``) and the passing of time (``advance(nowMs:)``, due at ``nextDeadlineMs``);
/// each returns ``Output``s: bytes to write, APDUs to deliver, the frame in flight confirmed, or
/// a transmission error. The caller does the I/O (``SerialLine``).
///
/// - Block structure `DLE STX <APDU, DLE doubled> DLE ETX <CRC lo> <CRC hi>` (§3.1, §3.3),
///   encoded and decoded by ``SerialFrame``.
/// - Every well-formed frame is answered at once with ACK `06`, a damaged one (CRC, an escape
///   other than `10 10`/`10 03`, a gap of T1 inside it) with NAK `15` (§3.2, §3.4.1).
/// - One frame is in flight at a time; the next APDU waits until the peer acknowledged it. On NAK
///   or when no answer came within T2 the frame is repeated, at most twice; after that the
///   application is told of a transmission error (§3.4.2, §3.5). So is a third damaged frame in a
///   row from the peer.
/// - Bytes outside a frame that are neither ACK nor NAK are line noise and dropped (a `10 06`
///   "DLE ACK" some converters send is read as noise + ACK).
///
/// Two points the spec leaves open (docs/zvt-field-notes.md, serial transport):
/// - A well-formed frame of the peer while our frame still waits for its ACK confirms ours: ZVT
///   takes turns (T§5.1), so the peer answers only what it received; its ACK was lost. Repeating
///   our frame then would hand the peer the same APDU twice.
/// - A frame equal to the last one delivered, arriving before we sent a frame ourselves and
///   within the repeat window, is the peer's repetition after our ACK got lost: acknowledged
///   again, not delivered twice.
public struct SerialLink: Sendable {
    /// The timers of PA00P016 §3.4 and the repeat count of §3.5.
    public struct Timing: Sendable, Equatable {
        /// T1: the longest gap between two bytes of one frame (§3.4.1: < 200 ms).
        public var interByteMs: Int64 = 200
        /// T2: how long the sender waits for ACK/NAK after a frame (§3.4.2: < 5 s).
        public var acknowledgementMs: Int64 = 5_000
        /// How often a frame is repeated after NAK or T2 (§3.5: up to two times).
        public var repeats = 2
        /// Bytes per second the line carries, or nil (TCP, pseudo-terminal): the time a long frame
        /// takes on a slow line is added to T2, which counts from the frame's end.
        public var lineBytesPerSecond: Int? = nil

        public init() {}

        /// For a serial line of `baudRate` with 8 data bits, no parity and `stopBits` stop bits.
        public static func line(baudRate: Int, stopBits: Int = 2) -> Timing {
            var timing = Timing()
            timing.lineBytesPerSecond = max(1, baudRate / (1 + 8 + stopBits))
            return timing
        }

        func transmissionMs(_ byteCount: Int) -> Int64 {
            guard let rate = lineBytesPerSecond else { return 0 }
            return Int64(byteCount) * 1000 / Int64(rate) + 1
        }
    }

    /// What the caller must do.
    public enum Output: Equatable, Sendable {
        /// Bytes for the line, in order: a frame, or the single byte ACK `06` / NAK `15`.
        case write([UInt8])
        /// An APDU the peer sent, received error-free and acknowledged.
        case deliver([UInt8])
        /// The peer confirmed the frame of this APDU; the next one goes out.
        case confirmed([UInt8])
        /// A transmission error (§3.5): the frame in flight and every APDU queued behind it are dropped.
        case failed(SerialLinkError)
        /// Bytes dropped without an answer: noise between frames, a repeated frame (for the log).
        case ignored([UInt8], SerialLink.Ignored)
    }

    /// Why bytes were dropped.
    public enum Ignored: Equatable, Sendable {
        /// Not part of a frame (noise, a stray ACK/NAK, an unfinished frame cut off by a new one).
        case noise
        /// The peer repeated the frame just delivered (our ACK got lost); acknowledged again.
        case repetition
    }

    /// Faults on the line, applied once each (the simulator's serial faults, docs/zvt-sim.md).
    public struct LineFaults: Sendable, Equatable {
        /// The next well-formed frame from the peer is answered with NAK and not delivered.
        public var refuseNextFrame = false
        /// The next well-formed frame from the peer is delivered but its ACK is not sent.
        public var withholdNextAcknowledgement = false
        /// The next frame we send goes out with a wrong CRC (the peer must NAK it).
        public var corruptNextFrame = false
        /// The next frame we send is lost (not written; T2 must expire).
        public var loseNextFrame = false

        public init() {}
    }

    public let timing: Timing
    /// Faults to apply (all off unless a simulator switches them on).
    public var faults = LineFaults()

    /// APDUs waiting for the frame in flight to be confirmed.
    private var queue: [[UInt8]] = []
    /// The APDU whose frame was sent and awaits ACK/NAK.
    private var inFlight: [UInt8]?
    private var sends = 0
    private var acknowledgementDeadlineMs: Int64?
    /// Received bytes not yet decoded (part of a frame).
    private var buffer: [UInt8] = []
    private var lastByteMs: Int64 = 0
    /// Damaged frames from the peer in a row.
    private var damagedInARow = 0
    /// The last APDU delivered and when, until we send a frame ourselves.
    private var lastDelivered: (apdu: [UInt8], atMs: Int64)?

    public init(timing: Timing = Timing()) {
        self.timing = timing
    }

    /// Whether a frame of ours awaits the peer's ACK.
    public var isAwaitingAcknowledgement: Bool { inFlight != nil }

    /// Whether APDUs are still to be sent or confirmed.
    public var hasPendingSends: Bool { inFlight != nil || !queue.isEmpty }

    /// When ``advance(nowMs:)`` must be called next: T2 of the frame in flight, T1 of a partial frame.
    public var nextDeadlineMs: Int64? {
        let t1 = receivingFrame ? lastByteMs + timing.interByteMs : nil
        switch (acknowledgementDeadlineMs, t1) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }

    /// Whether a frame has begun (`DLE STX` seen) and not ended.
    private var receivingFrame: Bool { buffer.count >= 2 && buffer[0] == SerialFrame.dle && buffer[1] == SerialFrame.stx }

    // MARK: Events

    /// The application wants `apdu` sent; it goes out now or after the frames before it.
    public mutating func send(_ apdu: [UInt8], nowMs: Int64) -> [Output] {
        queue.append(apdu)
        var outputs: [Output] = []
        startNext(nowMs: nowMs, into: &outputs)
        return outputs
    }

    /// Bytes from the line.
    public mutating func received(_ bytes: [UInt8], nowMs: Int64) -> [Output] {
        var outputs = advance(nowMs: nowMs)
        guard !bytes.isEmpty else { return outputs }
        buffer += bytes
        lastByteMs = nowMs
        while let event = SerialFrame.decode(&buffer) {
            handle(event, nowMs: nowMs, into: &outputs)
        }
        return outputs
    }

    /// Time passed: T1 of a partial frame (§3.4.1) and T2 of the frame in flight (§3.4.2).
    public mutating func advance(nowMs: Int64) -> [Output] {
        var outputs: [Output] = []
        if !buffer.isEmpty, nowMs - lastByteMs >= timing.interByteMs {
            let partial = buffer
            buffer.removeAll()
            if partial.count >= 2 && partial[0] == SerialFrame.dle && partial[1] == SerialFrame.stx {
                refuseDamagedFrame(into: &outputs)
            } else {
                outputs.append(.ignored(partial, .noise))
            }
        }
        if let deadline = acknowledgementDeadlineMs, nowMs >= deadline {
            repeatOrGiveUp(.acknowledgementTimeout, nowMs: nowMs, into: &outputs)
        }
        return outputs
    }

    // MARK: Internals

    private mutating func handle(_ event: SerialFrame.Event, nowMs: Int64, into outputs: inout [Output]) {
        switch event {
        case .ack:
            guard let apdu = inFlight else {
                outputs.append(.ignored([SerialFrame.ack], .noise))
                return
            }
            confirm(apdu, nowMs: nowMs, into: &outputs)
        case .nak:
            guard inFlight != nil else {
                outputs.append(.ignored([SerialFrame.nak], .noise))
                return
            }
            repeatOrGiveUp(.refused, nowMs: nowMs, into: &outputs)
        case .frame(let apdu):
            if faults.refuseNextFrame {
                faults.refuseNextFrame = false
                outputs.append(.write([SerialFrame.nak]))
                return
            }
            damagedInARow = 0
            if faults.withholdNextAcknowledgement {
                faults.withholdNextAcknowledgement = false
            } else {
                outputs.append(.write([SerialFrame.ack]))
            }
            if let last = lastDelivered, last.apdu == apdu, nowMs - last.atMs <= repeatWindowMs {
                outputs.append(.ignored(apdu, .repetition))
                return
            }
            lastDelivered = (apdu, nowMs)
            outputs.append(.deliver(apdu))
            // The peer answered: it has our frame, whose ACK went missing.
            if let ours = inFlight { confirm(ours, nowMs: nowMs, into: &outputs) }
        case .badCRC, .badEscape:
            refuseDamagedFrame(into: &outputs)
        case .noise(let bytes):
            if !bytes.isEmpty { outputs.append(.ignored(bytes, .noise)) }
        }
    }

    /// How long after a delivery an equal frame still counts as its repetition: the original and
    /// its repeats, each after T2 (§3.5).
    private var repeatWindowMs: Int64 { Int64(timing.repeats + 1) * timing.acknowledgementMs }

    private mutating func refuseDamagedFrame(into outputs: inout [Output]) {
        outputs.append(.write([SerialFrame.nak]))
        damagedInARow += 1
        if damagedInARow > timing.repeats {
            damagedInARow = 0
            outputs.append(.failed(.receiveFailed(frames: timing.repeats + 1)))
        }
    }

    private mutating func confirm(_ apdu: [UInt8], nowMs: Int64, into outputs: inout [Output]) {
        inFlight = nil
        acknowledgementDeadlineMs = nil
        sends = 0
        outputs.append(.confirmed(apdu))
        startNext(nowMs: nowMs, into: &outputs)
    }

    private mutating func repeatOrGiveUp(_ reason: SerialLinkError.Reason, nowMs: Int64, into outputs: inout [Output]) {
        guard let apdu = inFlight else { return }
        if sends > timing.repeats {
            inFlight = nil
            acknowledgementDeadlineMs = nil
            queue.removeAll()
            outputs.append(.failed(.notAcknowledged(apdu: apdu, sends: sends, reason: reason)))
            sends = 0
            return
        }
        transmit(apdu, nowMs: nowMs, into: &outputs)
    }

    private mutating func startNext(nowMs: Int64, into outputs: inout [Output]) {
        guard inFlight == nil, !queue.isEmpty else { return }
        let apdu = queue.removeFirst()
        inFlight = apdu
        sends = 0
        lastDelivered = nil
        transmit(apdu, nowMs: nowMs, into: &outputs)
    }

    private mutating func transmit(_ apdu: [UInt8], nowMs: Int64, into outputs: inout [Output]) {
        sends += 1
        var frame = SerialFrame.encode(apdu)
        acknowledgementDeadlineMs = nowMs + timing.acknowledgementMs + timing.transmissionMs(frame.count)
        if faults.loseNextFrame {
            faults.loseNextFrame = false
            return
        }
        if faults.corruptNextFrame {
            faults.corruptNextFrame = false
            frame[frame.count - 1] ^= 0xFF
        }
        outputs.append(.write(frame))
    }
}

/// A transmission error of the serial line (PA00P016 §3.5), as one German sentence.
public enum SerialLinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Why the peer did not take a frame.
    public enum Reason: Equatable, Sendable {
        /// It answered NAK.
        case refused
        /// No ACK/NAK within T2.
        case acknowledgementTimeout
    }

    /// Our frame of `apdu` was sent `sends` times and never acknowledged.
    case notAcknowledged(apdu: [UInt8], sends: Int, reason: Reason)
    /// The peer's frames arrived damaged `frames` times in a row.
    case receiveFailed(frames: Int)

    public var description: String {
        switch self {
        case .notAcknowledged(let apdu, let sends, let reason):
            let command = Hex.string(apdu.prefix(2))
            let why = reason == .refused ? "mit NAK abgelehnt" : "nicht innerhalb T2 bestätigt"
            return "der Block \(command) wurde \(sends)-mal gesendet und jedes Mal \(why) (PA00P016 §3.5)"
        case .receiveFailed(let frames):
            return "\(frames) Blöcke in Folge kamen fehlerhaft an (Prüfsumme, Steuerzeichen oder Pause über T1; PA00P016 §3.5)"
        }
    }
}
