#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// ZVT over TCP/IP (PA00P016 §4, digest D15): the ECR connects to the terminal (default port 20007)
/// and the stream carries bare APDUs. This is the one file that talks to the socket API.
public final class TCPTransport: ZVTTransport, @unchecked Sendable {
    public static let defaultPort: UInt16 = 20007

    public let host: String
    public let port: UInt16
    public let connectTimeoutMs: Int
    private let lock = NSLock()
    private var fd: Int32 = -1

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

    public var isConnected: Bool { lock.withLock { fd >= 0 } }

    public func connect() throws {
        close()
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>? = nil
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw ZVTTransportError.cannotResolve(host)
        }
        defer { freeaddrinfo(list) }
        var lastError = ZVTTransportError.connectFailed(target, reason: "keine Adresse")
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let socketFD = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if socketFD < 0 { continue }
            do {
                try connect(socketFD, info.pointee.ai_addr, info.pointee.ai_addrlen)
                configure(socketFD)
                lock.withLock { fd = socketFD }
                return
            } catch let error as ZVTTransportError {
                _ = systemClose(socketFD)
                lastError = error
            }
        }
        throw lastError
    }

    private func connect(_ socketFD: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: socklen_t) throws {
        let flags = fcntl(socketFD, F_GETFL, 0)
        _ = fcntl(socketFD, F_SETFL, flags | O_NONBLOCK)
        let result = systemConnect(socketFD, address, length)
        if result != 0 && errno != EINPROGRESS {
            throw ZVTTransportError.connectFailed(target, reason: String(cString: strerror(errno)))
        }
        if result != 0 {
            var pfd = pollfd(fd: socketFD, events: Int16(POLLOUT), revents: 0)
            var ready: Int32
            repeat { ready = poll(&pfd, 1, Int32(connectTimeoutMs)) } while ready < 0 && errno == EINTR
            guard ready > 0 else { throw ZVTTransportError.connectTimeout(target) }
            var error: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(socketFD, SOL_SOCKET, SO_ERROR, &error, &size)
            if error != 0 { throw ZVTTransportError.connectFailed(target, reason: String(cString: strerror(error))) }
        }
        _ = fcntl(socketFD, F_SETFL, flags & ~O_NONBLOCK)
    }

    /// Keepalive (a terminal that vanishes is noticed) and no Nagle delay (acks must go out at once).
    private func configure(_ socketFD: Int32) {
        var one: Int32 = 1
        setsockopt(socketFD, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        #if canImport(Glibc)
        var idle: Int32 = 30, interval: Int32 = 10, count: Int32 = 3
        setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_KEEPINTVL, &interval, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_KEEPCNT, &count, socklen_t(MemoryLayout<Int32>.size))
        #endif
    }

    public func send(_ bytes: [UInt8]) throws {
        let socketFD = lock.withLock { fd }
        guard socketFD >= 0 else { throw ZVTTransportError.notConnected }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                systemSend(socketFD, raw.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close()
                throw ZVTTransportError.io(reason)
            }
            offset += written
        }
    }

    public func receive(timeoutMs: Int) throws -> [UInt8] {
        let socketFD = lock.withLock { fd }
        guard socketFD >= 0 else { throw ZVTTransportError.notConnected }
        var pfd = pollfd(fd: socketFD, events: Int16(POLLIN), revents: 0)
        var ready: Int32
        repeat { ready = poll(&pfd, 1, Int32(max(0, timeoutMs))) } while ready < 0 && errno == EINTR
        if ready == 0 { return [] }
        if ready < 0 { throw ZVTTransportError.io(String(cString: strerror(errno))) }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var count: Int
        repeat {
            count = buffer.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress, $0.count, 0) }
        } while count < 0 && errno == EINTR
        if count == 0 {
            close()
            throw ZVTTransportError.closed
        }
        if count < 0 {
            let reason = String(cString: strerror(errno))
            close()
            throw ZVTTransportError.io(reason)
        }
        return Array(buffer[0..<count])
    }

    public func close() {
        lock.withLock {
            if fd >= 0 {
                _ = systemClose(fd)
                fd = -1
            }
        }
    }

    deinit { close() }
}

#if canImport(Glibc)
private let systemClose = Glibc.close
private let systemConnect = Glibc.connect
private let systemSend = Glibc.send
#else
private let systemClose = Darwin.close
private let systemConnect = Darwin.connect
private let systemSend = Darwin.send
#endif
