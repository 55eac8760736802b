#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed socket call, with the call's name and `errno`.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let code: Int32
    public var description: String {
        if code == EADDRINUSE, call.hasPrefix("bind ") {
            return "Die Adresse \(call.dropFirst(5)) ist schon belegt (läuft zvt-sim bereits?); bitte mit --listen bzw. --control einen anderen Port wählen."
        }
        if code == EADDRNOTAVAIL || code == EINVAL, call.hasPrefix("bind ") || call.hasPrefix("inet_pton ") {
            return "Die Adresse \(call.split(separator: " ").last ?? "") ist hier nicht verfügbar; erwartet wird eine IPv4-Adresse dieses Rechners, z. B. 127.0.0.1."
        }
        return "Netzwerkfehler bei \(call): \(String(cString: strerror(code))) (errno \(code))."
    }
}

/// What one read on a connected socket produced.
enum ReadResult: Equatable {
    case bytes(Int)
    case timedOut
    case closed
}

/// A host and port, e.g. `127.0.0.1:20007`.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (or just `PORT`, meaning 127.0.0.1).
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 1, let port = UInt16(parts[0]) {
            self.init(host: "127.0.0.1", port: port)
        } else if parts.count == 2, !parts[0].isEmpty, let port = UInt16(parts[1]) {
            self.init(host: String(parts[0]), port: port)
        } else {
            return nil
        }
    }

    public var description: String { "\(host):\(port)" }
}

/// An owned POSIX socket descriptor: the one place that talks to the C socket API.
///
/// Every call retries on `EINTR`; errors become ``SocketError``. The descriptor is closed in
/// `deinit` (or earlier by ``close()``).
final class Socket: @unchecked Sendable {
    private(set) var descriptor: Int32
    private let lock = PThreadLock()
    /// Reused receive buffer (one reader per socket).
    private var chunk = [UInt8](repeating: 0, count: 65536)

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close() }

    /// A listening IPv4 TCP socket bound to `address` (port 0 = any free port).
    static func listen(on address: SocketAddress, backlog: Int32 = 8) throws -> Socket {
        #if canImport(Glibc)
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw SocketError(call: "socket", code: errno) }
        let socket = Socket(descriptor: fd)
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = try makeAddress(address)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw SocketError(call: "bind \(address)", code: errno) }
        guard Glibc_listen(fd, backlog) == 0 else { throw SocketError(call: "listen", code: errno) }
        return socket
    }

    /// Connects to `address` (used by tests and the bench as the register side).
    static func connect(to address: SocketAddress) throws -> Socket {
        #if canImport(Glibc)
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw SocketError(call: "socket", code: errno) }
        let socket = Socket(descriptor: fd)
        var addr = try makeAddress(address)
        while true {
            let result = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc_connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if result == 0 { break }
            if errno == EINTR { continue }
            throw SocketError(call: "connect \(address)", code: errno)
        }
        socket.setNoDelay()
        return socket
    }

    private static func makeAddress(_ address: SocketAddress) throws -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = address.port.bigEndian
        let host = address.host == "localhost" ? "127.0.0.1" : address.host
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
            throw SocketError(call: "inet_pton \(address.host)", code: EINVAL)
        }
        return addr
    }

    /// The port the socket is bound to (useful after binding port 0).
    var localPort: UInt16 {
        var addr = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return result == 0 ? UInt16(bigEndian: addr.sin_port) : 0
    }

    /// Waits up to `timeoutMs` (negative = forever) for a connection; `nil` on time-out.
    func accept(timeoutMs: Int) throws -> Socket? {
        guard try waitReadable(timeoutMs: timeoutMs) else { return nil }
        while true {
            let fd = Glibc_accept(descriptor, nil, nil)
            if fd >= 0 {
                let socket = Socket(descriptor: fd)
                socket.setNoDelay()
                return socket
            }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED { return nil }
            throw SocketError(call: "accept", code: errno)
        }
    }

    /// Disables Nagle's algorithm so each APDU leaves at once (throughput and split-fault realism).
    func setNoDelay() {
        var one: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Whether data (or EOF) is waiting, after up to `timeoutMs` (negative = forever).
    func waitReadable(timeoutMs: Int) throws -> Bool {
        let fd = descriptor
        guard fd >= 0 else { return true }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let result = poll(&entry, 1, Int32(clamping: timeoutMs))
            if result > 0 { return true }
            if result == 0 { return false }
            if errno == EINTR { continue }
            throw SocketError(call: "poll", code: errno)
        }
    }

    /// Reads what is available into `buffer` (appending), waiting up to `timeoutMs`.
    func read(appendingTo buffer: inout [UInt8], timeoutMs: Int) -> ReadResult {
        do {
            guard try waitReadable(timeoutMs: timeoutMs) else { return .timedOut }
        } catch {
            return .closed
        }
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
                return .bytes(count)
            }
            if count == 0 { return .closed }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return .timedOut }
            return .closed
        }
    }

    /// Writes all of `bytes`; `false` if the peer is gone.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                offset += written
                continue
            }
            if written < 0 && errno == EINTR { continue }
            return false
        }
        return true
    }

    /// Ends both directions, waking a thread blocked in `poll` on this socket.
    func shutdownBoth() {
        lock.withLock {
            if descriptor >= 0 { _ = shutdown(descriptor, Int32(SHUT_RDWR)) }
        }
    }

    /// Closes the descriptor (idempotent).
    func close() {
        lock.withLock {
            if descriptor >= 0 {
                #if canImport(Glibc)
                _ = Glibc.close(descriptor)
                #else
                _ = Darwin.close(descriptor)
                #endif
                descriptor = -1
            }
        }
    }
}

/// Sleeps the calling thread for `milliseconds` (used only for configured delays).
func sleepMilliseconds(_ milliseconds: Int) {
    guard milliseconds > 0 else { return }
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

/// Milliseconds of a monotonic clock.
func monotonicMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}

private func Glibc_listen(_ fd: Int32, _ backlog: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.listen(fd, backlog)
    #else
    return Darwin.listen(fd, backlog)
    #endif
}

private func Glibc_accept(_ fd: Int32, _ addr: UnsafeMutablePointer<sockaddr>?, _ len: UnsafeMutablePointer<socklen_t>?) -> Int32 {
    #if canImport(Glibc)
    return Glibc.accept(fd, addr, len)
    #else
    return Darwin.accept(fd, addr, len)
    #endif
}

private func Glibc_connect(_ fd: Int32, _ addr: UnsafePointer<sockaddr>, _ len: socklen_t) -> Int32 {
    #if canImport(Glibc)
    return Glibc.connect(fd, addr, len)
    #else
    return Darwin.connect(fd, addr, len)
    #endif
}

/// A tiny mutex (pthread, so it needs nothing beyond the C library).
final class PThreadLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }
    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A value guarded by a lock, shared between the server thread, the control thread and tests.
final class Locked<Value>: @unchecked Sendable {
    private let lock = PThreadLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { try body(&value) }
    }
    var current: Value { lock.withLock { value } }
}
