import SystemCalls
import ZVT

/// What the register side of the connection produced.
enum LinkEvent: Equatable {
    case apdu(APDU)
    case timedOut
    case closed
}

/// The terminal's end of one register connection: cuts APDUs out of the byte stream and writes
/// APDUs, applying the write faults.
///
/// Two framings: bare APDUs on TCP (PA00P016 §4; codec ``APDUDecoder``) and the serial transport
/// protocol (§3) through a ``SerialLine`` — on a pseudo-terminal, a serial device, or a TCP
/// connection that stands for a LAN-serial converter. On TCP a partial APDU whose rest does not
/// arrive within T3 closes the connection (§5.2.5, "case b"); bytes that cannot start an APDU
/// (a register's noise) are dropped and logged, on both framings.
final class RegisterLink {
    private enum Framing {
        case bare(StreamSocket)
        /// `closeChannel` ends the connection below (TCP); nil for a serial device, which stays
        /// open for the next register session.
        case serial(SerialLine, closeChannel: (() -> Void)?)
    }

    private let framing: Framing
    private var buffer: [UInt8] = []
    private var held: [UInt8] = []
    private let reassemblyMs: Int
    private let log: (String) -> Void
    private let logAPDUs: Bool
    /// Asked between waits on a serial line (which no other thread can interrupt): stop serving.
    private let shouldStop: () -> Bool
    /// Write each APDU one byte at a time (fault `split-bytes`).
    var splitBytes = false
    private(set) var isClosed = false
    /// The line itself went away (a serial device hung up), not only this register session.
    private(set) var lineLost = false

    /// Bare APDUs on a TCP connection.
    init(socket: StreamSocket, reassemblyMs: Int, logAPDUs: Bool, log: @escaping (String) -> Void) {
        framing = .bare(socket)
        self.reassemblyMs = reassemblyMs
        self.logAPDUs = logAPDUs
        self.log = log
        shouldStop = { false }
    }

    /// Serial frames on `line`; `closeChannel` ends the connection under it, if there is one.
    init(
        serial line: SerialLine, closeChannel: (() -> Void)?, reassemblyMs: Int, logAPDUs: Bool, log: @escaping (String) -> Void,
        shouldStop: @escaping () -> Bool
    ) {
        framing = .serial(line, closeChannel: closeChannel)
        self.reassemblyMs = reassemblyMs
        self.logAPDUs = logAPDUs
        self.log = log
        self.shouldStop = shouldStop
    }

    /// The next APDU from the register, waiting up to `timeoutMs` (negative = until it comes or the
    /// connection ends).
    func receive(timeoutMs: Int) -> LinkEvent {
        if isClosed { return .closed }
        switch framing {
        case .bare(let socket): return receiveBare(socket, timeoutMs: timeoutMs)
        case .serial(let line, _): return receiveSerial(line, timeoutMs: timeoutMs)
        }
    }

    private func receiveBare(_ socket: StreamSocket, timeoutMs: Int) -> LinkEvent {
        let start = monotonicMilliseconds()
        while true {
            if let apdu = decodeBuffered() { return .apdu(apdu) }
            var wait: Int
            if timeoutMs < 0 {
                wait = -1
            } else {
                wait = max(0, timeoutMs - Int(monotonicMilliseconds() - start))
            }
            let partial = !buffer.isEmpty
            if partial { wait = wait < 0 ? reassemblyMs : min(wait, reassemblyMs) }
            switch (try? socket.read(appendingTo: &buffer, timeoutMs: wait)) ?? .closed {
            case .bytes:
                continue
            case .closed:
                isClosed = true
                return .closed
            case .timedOut:
                if partial && (timeoutMs < 0 || wait == reassemblyMs) {
                    log("  ECR→PT unvollständiges APDU länger als T3: Verbindung wird geschlossen (\(Hex.string(buffer.prefix(16))))")
                    close()
                    return .closed
                }
                return .timedOut
            }
        }
    }

    /// Serial: every frame holds one APDU, so the buffer is refilled frame by frame. Waits in
    /// slices of 200 ms so that a stopping simulator is noticed.
    private func receiveSerial(_ line: SerialLine, timeoutMs: Int) -> LinkEvent {
        let deadline = timeoutMs < 0 ? nil : monotonicMilliseconds() + Int64(timeoutMs)
        while true {
            if let apdu = decodeBuffered() { return .apdu(apdu) }
            if shouldStop() {
                close()
                return .closed
            }
            let left = deadline.map { Int(max(0, $0 - monotonicMilliseconds())) }
            do {
                if let frame = try line.receive(timeoutMs: min(left ?? 200, 200)) {
                    buffer += frame
                    continue
                }
            } catch {
                if error == .closed { lineLost = true }
                log("  Leitung: \(error) – Sitzung beendet")
                close()
                return .closed
            }
            if let left, left == 0 { return .timedOut }
        }
    }

    /// An APDU from the buffer, dropping (and logging) bytes that cannot start one.
    private func decodeBuffered() -> APDU? {
        while true {
            do {
                guard let apdu = try APDUDecoder.decode(&buffer) else { return nil }
                if logAPDUs { log("  ECR→PT \(apdu)") }
                return apdu
            } catch ZVTCodecError.unexpectedBytes(let bytes) {
                log("  ECR→PT \(bytes.count) Byte ohne ZVT-Anfang verworfen: \(Hex.string(bytes.prefix(16)))")
            } catch {
                buffer.removeAll()
            }
        }
    }

    /// Whether the register has sent something (non-blocking look).
    func hasInput() -> Bool {
        if !buffer.isEmpty { return true }
        switch framing {
        case .bare(let socket):
            return (try? socket.waitReadable(timeoutMs: 0)) ?? true
        case .serial(let line, _):
            if line.hasReceived { return true }
            guard let frame = try? line.receive(timeoutMs: 0) else { return false }
            buffer += frame
            return true
        }
    }

    /// Faults of the serial line for the next frames (PA00P016 §3; docs/zvt-sim.md): no effect on bare TCP.
    func armLineFaults(_ faults: Set<Fault>) {
        guard case .serial(let line, _) = framing else { return }
        var armed = line.faults
        if faults.contains(.serialNAK) { armed.refuseNextFrame = true }
        if faults.contains(.serialNoACK) { armed.withholdNextAcknowledgement = true }
        if faults.contains(.serialBadCRC) { armed.corruptNextFrame = true }
        if faults.contains(.serialLostFrame) { armed.loseNextFrame = true }
        line.faults = armed
    }

    /// Sends `apdu`; with `hold`, keeps it to go out together with the next one (fault `merge-writes`;
    /// on a serial line each APDU is its own frame, acknowledged before the next, so nothing is held).
    @discardableResult
    func send(_ apdu: APDU, hold: Bool = false) -> Bool {
        if logAPDUs { log("  PT→ECR \(apdu)") }
        if case .serial(let line, _) = framing {
            guard !isClosed else { return false }
            line.writesByteByByte = splitBytes
            do {
                try line.send(apdu.bytes)
                return true
            } catch {
                if error == .closed { lineLost = true }
                log("  Leitung: \(error) – Sitzung beendet")
                close()
                return false
            }
        }
        held += apdu.bytes
        if hold { return !isClosed }
        return flush()
    }

    /// Writes raw bytes (banner, garbage) after anything held.
    @discardableResult
    func sendRaw(_ bytes: [UInt8]) -> Bool {
        if logAPDUs { log("  PT→ECR roh \(Hex.string(bytes.prefix(32)))") }
        if case .serial(let line, _) = framing {
            guard !isClosed else { return false }
            if (try? line.writeRaw(bytes)) == nil { close() }
            return !isClosed
        }
        held += bytes
        return flush()
    }

    /// Writes what is held.
    @discardableResult
    func flush() -> Bool {
        guard case .bare(let socket) = framing else { return !isClosed }
        guard !held.isEmpty else { return !isClosed }
        defer { held.removeAll(keepingCapacity: true) }
        if isClosed { return false }
        if splitBytes {
            for byte in held where (try? socket.write([byte])) == nil {
                isClosed = true
                return false
            }
            return true
        }
        if (try? socket.write(held)) == nil {
            isClosed = true
            return false
        }
        return true
    }

    /// Ends this register session: closes a TCP connection; a serial device stays open.
    func close() {
        isClosed = true
        switch framing {
        case .bare(let socket):
            socket.shutdown()
            socket.close()
        case .serial(_, let closeChannel):
            closeChannel?()
        }
    }
}
