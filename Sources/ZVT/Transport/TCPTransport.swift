import Foundation
import SystemCalls

/// ZVT over TCP/IP (PA00P016 §4): the ECR connects to the terminal (default port 20007)
/// and the stream carries bare APDUs over a ``StreamSocket``.
// @unchecked Sendable: the configuration is constant and the socket is read and replaced only under `lock`.
public final class TCPTransport: ZVTTransport, @unchecked Sendable {
    public static let defaultPort: UInt16 = 20007

    public let host: String
    public let port: UInt16
    public let connectTimeoutMs: Int
    private let lock = NSLock()
    private var socket: StreamSocket?

    public init(host: String, port: UInt16 = TCPTransport.defaultPort, connectTimeoutMs: Int = 5_000) {
        self.host = host
        self.port = port
        self.connectTimeoutMs = connectTimeoutMs
    }

    /// Parses `HOST[:PORT]` (IPv6 as `[addr]:port`); `nil` if the port is not a number 1–65535.
    public static func parse(_ target: String) -> (host: String, port: UInt16)? {
        var host = target
        var port = defaultPort
        if target.hasPrefix("["), let close = target.firstIndex(of: "]") {
            host = String(target[target.index(after: target.startIndex)..<close])
            let rest = target[target.index(after: close)...]
            if rest.hasPrefix(":") {
                guard let p = UInt16(rest.dropFirst()), p > 0 else { return nil }
                port = p
            } else if !rest.isEmpty {
                return nil
            }
        } else if let colon = target.lastIndex(of: ":"), target.filter({ $0 == ":" }).count == 1 {
            host = String(target[..<colon])
            guard let p = UInt16(target[target.index(after: colon)...]), p > 0 else { return nil }
            port = p
        }
        return host.isEmpty ? nil : (host, port)
    }

    private var target: String { "\(host):\(port)" }

    public var isConnected: Bool { lock.withLock { socket != nil } }

    public func connect() throws {
        close()
        let connected: StreamSocket
        do {
            connected = try StreamSocket.connect(host: host, port: port, timeoutMs: connectTimeoutMs)
        } catch .cannotResolve {
            throw ZVTTransportError.cannotResolve(host)
        } catch .connectTimedOut {
            throw ZVTTransportError.connectTimeout(target)
        } catch .failed(_, let code) {
            throw ZVTTransportError.connectFailed(target, reason: code.message)
        }
        // Keepalive: a terminal that vanishes is noticed (no Nagle delay either: acks must go out at once).
        connected.enableKeepalive(idleSeconds: 30, intervalSeconds: 10, probes: 3)
        lock.withLock { socket = connected }
    }

    public func send(_ bytes: [UInt8]) throws {
        guard let socket = lock.withLock({ socket }) else { throw ZVTTransportError.notConnected }
        do {
            try socket.write(bytes)
        } catch {
            close()
            throw ZVTTransportError.io(error.reason)
        }
    }

    public func receive(timeoutMs: Int) throws -> [UInt8] {
        guard let socket = lock.withLock({ socket }) else { throw ZVTTransportError.notConnected }
        var bytes: [UInt8] = []
        let result: ReadResult
        do {
            result = try socket.read(appendingTo: &bytes, timeoutMs: max(0, timeoutMs))
        } catch {
            close()
            throw ZVTTransportError.io(error.reason)
        }
        switch result {
        case .bytes: return bytes
        case .timedOut: return []
        case .closed:
            close()
            throw ZVTTransportError.closed
        }
    }

    public func close() {
        let closing = lock.withLock {
            defer { socket = nil }
            return socket
        }
        closing?.close()
    }

    deinit { close() }
}

extension SocketError {
    /// The system's sentence for a failed read or write, as ``ZVTTransportError/io(_:)`` carries it.
    fileprivate var reason: String {
        if case .failed(_, let code) = self { return code.message }
        return description
    }
}
