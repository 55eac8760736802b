import Foundation
import SystemCalls

/// ZVT with the serial transport protocol (PA00P016 §3: frames with CRC, ACK/NAK, T1/T2,
/// repeats) over a serial port — RS232, or USB in serial mode (§2.1, §2.3) — or over a TCP
/// connection to a LAN-serial converter, which passes the framed bytes through unchanged.
///
/// Each APDU the driver sends goes out as one frame; ``send(_:)`` returns when the terminal
/// acknowledged it, so an acknowledgement of a Status-Information that could not be delivered
/// shows as a failed send, as on TCP. ``receive(timeoutMs:)`` returns the terminal's APDUs,
/// already acknowledged on the line.
// @unchecked Sendable: the configuration is constant; the line is used by the driver's one thread
// and replaced only under `lock`.
public final class SerialTransport: ZVTTransport, @unchecked Sendable {
    /// Where the frames travel.
    public enum Line: Equatable, Sendable, CustomStringConvertible {
        /// A serial device, e.g. `/dev/ttyUSB0`, 8 data bits, no parity, `stopBits` stop bits.
        case device(path: String, baudRate: Int, stopBits: Int)
        /// TCP to a LAN-serial converter (or `zvt-sim --framed`).
        case tcp(host: String, port: UInt16)

        public var description: String {
            switch self {
            case .device(let path, let baudRate, _): return "\(path) (\(baudRate) Baud)"
            case .tcp(let host, let port): return "\(host):\(port) (seriell über TCP)"
            }
        }
    }

    public let line: Line
    public let timing: SerialLink.Timing
    public let connectTimeoutMs: Int
    private let lock = NSLock()
    private var serial: SerialLine?
    private var closeChannel: (() -> Void)?
    /// Bytes the driver sent that do not yet make a whole APDU.
    private var unsent: [UInt8] = []

    public init(line: Line, timing: SerialLink.Timing? = nil, connectTimeoutMs: Int = 5_000) {
        self.line = line
        if let timing {
            self.timing = timing
        } else if case .device(_, let baudRate, let stopBits) = line {
            self.timing = .line(baudRate: baudRate, stopBits: stopBits)
        } else {
            self.timing = SerialLink.Timing()
        }
        self.connectTimeoutMs = connectTimeoutMs
    }

    public var isConnected: Bool { lock.withLock { serial != nil } }

    public func connect() throws {
        close()
        let channel: ByteChannel
        let closer: () -> Void
        switch line {
        case .device(let path, let baudRate, let stopBits):
            let port: SerialPort
            do {
                port = try SerialPort.open(path: path, baudRate: baudRate, stopBits: stopBits)
            } catch {
                var reason = error.description
                if reason.hasSuffix(".") { reason.removeLast() }
                throw ZVTTransportError.connectFailed(path, reason: reason)
            }
            channel = port
            closer = { port.close() }
        case .tcp(let host, let port):
            let target = "\(host):\(port)"
            let socket: StreamSocket
            do {
                socket = try StreamSocket.connect(host: host, port: port, timeoutMs: connectTimeoutMs)
            } catch .cannotResolve {
                throw ZVTTransportError.cannotResolve(host)
            } catch .connectTimedOut {
                throw ZVTTransportError.connectTimeout(target)
            } catch .failed(_, let code) {
                throw ZVTTransportError.connectFailed(target, reason: code.message)
            }
            socket.enableKeepalive(idleSeconds: 30, intervalSeconds: 10, probes: 3)
            channel = socket
            closer = { socket.close() }
        }
        let serialLine = SerialLine(channel: channel, timing: timing)
        lock.withLock {
            serial = serialLine
            closeChannel = closer
            unsent = []
        }
    }

    public func send(_ bytes: [UInt8]) throws {
        guard let serial = lock.withLock({ serial }) else { throw ZVTTransportError.notConnected }
        unsent += bytes
        var skipped: [UInt8] = []
        let apdus = APDUDecoder.decodeAll(&unsent, skipped: &skipped)
        for apdu in apdus {
            do {
                try serial.send(apdu.bytes)
            } catch {
                close()
                throw Self.transportError(error)
            }
        }
    }

    public func receive(timeoutMs: Int) throws -> [UInt8] {
        guard let serial = lock.withLock({ serial }) else { throw ZVTTransportError.notConnected }
        do {
            var bytes = try serial.receive(timeoutMs: max(0, timeoutMs)) ?? []
            // Frames already acknowledged go up together, as TCP would have delivered them.
            while serial.hasReceived, let more = try serial.receive(timeoutMs: 0) { bytes += more }
            return bytes
        } catch {
            close()
            throw Self.transportError(error)
        }
    }

    public func close() {
        let closing = lock.withLock {
            defer {
                serial = nil
                closeChannel = nil
            }
            return closeChannel
        }
        closing?()
    }

    deinit { close() }

    private static func transportError(_ error: SerialLineError) -> ZVTTransportError {
        switch error {
        case .closed: return .closed
        case .io(let reason): return .io(reason)
        case .transmission(let problem): return .io(problem.description)
        }
    }
}
