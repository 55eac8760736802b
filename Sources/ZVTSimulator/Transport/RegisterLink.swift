import SystemCalls
import ZVT

/// What the register side of the connection produced.
enum LinkEvent: Equatable {
    case apdu(APDU)
    case timedOut
    case closed
}

/// The terminal's end of one register connection: cuts APDUs out of the TCP byte stream
/// (codec ``APDUDecoder``) and writes APDUs, applying the write faults.
///
/// Bytes that cannot start an APDU (a register's noise) are dropped and logged. A partial APDU
/// whose rest does not arrive within T3 closes the connection (PA00P016 §5.2.5, "case b").
final class RegisterLink {
    let socket: StreamSocket
    private var buffer: [UInt8] = []
    private var held: [UInt8] = []
    private let reassemblyMs: Int
    private let log: (String) -> Void
    private let logAPDUs: Bool
    /// Write each APDU one byte at a time (fault `split-bytes`).
    var splitBytes = false
    private(set) var isClosed = false

    init(socket: StreamSocket, reassemblyMs: Int, logAPDUs: Bool, log: @escaping (String) -> Void) {
        self.socket = socket
        self.reassemblyMs = reassemblyMs
        self.logAPDUs = logAPDUs
        self.log = log
    }

    /// The next APDU from the register, waiting up to `timeoutMs` (negative = until it comes or the
    /// connection ends).
    func receive(timeoutMs: Int) -> LinkEvent {
        if isClosed { return .closed }
        let start = monotonicMilliseconds()
        while true {
            do {
                if let apdu = try APDUDecoder.decode(&buffer) {
                    if logAPDUs { log("  ECR→PT \(apdu)") }
                    return .apdu(apdu)
                }
            } catch ZVTCodecError.unexpectedBytes(let bytes) {
                log("  ECR→PT \(bytes.count) Byte ohne ZVT-Anfang verworfen: \(Hex.string(bytes.prefix(16)))")
                continue
            } catch {
                buffer.removeAll()
                continue
            }
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

    /// Whether the register has sent something (non-blocking look).
    func hasInput() -> Bool {
        if !buffer.isEmpty { return true }
        return (try? socket.waitReadable(timeoutMs: 0)) ?? true
    }

    /// Sends `apdu`; with `hold`, keeps it to go out together with the next one (fault `merge-writes`).
    @discardableResult
    func send(_ apdu: APDU, hold: Bool = false) -> Bool {
        if logAPDUs { log("  PT→ECR \(apdu)") }
        held += apdu.bytes
        if hold { return !isClosed }
        return flush()
    }

    /// Writes raw bytes (banner, garbage) after anything held.
    @discardableResult
    func sendRaw(_ bytes: [UInt8]) -> Bool {
        if logAPDUs { log("  PT→ECR roh \(Hex.string(bytes.prefix(32)))") }
        held += bytes
        return flush()
    }

    /// Writes what is held.
    @discardableResult
    func flush() -> Bool {
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

    func close() {
        isClosed = true
        socket.shutdown()
        socket.close()
    }
}
