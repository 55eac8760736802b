import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A socket call that failed, as one sentence naming the address and, where there is one, the fix.
public enum SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `call` (with its address, e.g. `bind 127.0.0.1:20007`) failed with `code`.
    case failed(call: String, code: Errno)
    /// The host name has no address.
    case cannotResolve(host: String)
    /// The peer did not accept the connection within the time allowed.
    case connectTimedOut(address: String)

    public var description: String {
        switch self {
        case .failed(let call, let code):
            if code == .addressInUse, call.hasPrefix("bind ") {
                return
                    "Die Adresse \(call.dropFirst(5)) ist schon belegt (läuft zvt-sim bereits?); bitte mit --listen bzw. --control einen anderen Port wählen."
            }
            if code == .addressNotAvailable || code == .invalidArgument, call.hasPrefix("bind ") || call.hasPrefix("inet_pton ") {
                return
                    "Die Adresse \(call.split(separator: " ").last ?? "") ist hier nicht verfügbar; erwartet wird eine IPv4-Adresse dieses Rechners, z. B. 127.0.0.1."
            }
            return "Netzwerkfehler bei \(call): \(code)."
        case .cannotResolve(let host):
            return "Der Rechnername »\(host)« lässt sich nicht auflösen."
        case .connectTimedOut(let address):
            return "\(address) hat die Verbindung nicht rechtzeitig angenommen."
        }
    }
}

/// What one read on a connected socket produced.
public enum ReadResult: Equatable, Sendable {
    case bytes(Int)
    case timedOut
    case closed
}

/// An owned TCP stream socket: a connection (ZVT transport, the simulator's register link) or a
/// listener (the simulator). Errors become ``SocketError``; the descriptor is closed in `deinit`
/// (or earlier by ``close()``).
// @unchecked Sendable: the descriptor is read and changed only under `lock`; the rest is constant.
public final class StreamSocket: @unchecked Sendable {
    private let lock = NSLock()
    private var fd: Int32
    /// Bytes one ``read(appendingTo:timeoutMs:)`` takes at most.
    private static let chunkBytes = 65_536

    private init(descriptor: Int32) { fd = descriptor }

    deinit { close() }

    /// The descriptor, or -1 once closed.
    public var descriptor: Int32 { lock.withLock { fd } }

    /// A listening IPv4 socket bound to `host`:`port` (port 0 = any free port).
    public static func listen(host: String, port: UInt16, backlog: Int32 = 8) throws(SocketError) -> StreamSocket {
        let socket = try open(family: AF_INET, type: Syscall.streamType, protocolNumber: 0)
        let name = "\(host):\(port)"
        try? Syscall.setOption(socket.fd, level: SOL_SOCKET, SO_REUSEADDR, 1)
        guard let address = Syscall.ipv4Address(host == "localhost" ? "127.0.0.1" : host, port: port) else {
            throw .failed(call: "inet_pton \(host)", code: .invalidArgument)
        }
        do { try Syscall.bind(socket.fd, address) } catch { throw .failed(call: "bind \(name)", code: error) }
        do { try Syscall.listen(socket.fd, backlog: backlog) } catch { throw .failed(call: "listen", code: error) }
        return socket
    }

    /// Connects to `host`:`port`, trying each address the name resolves to, each for up to
    /// `timeoutMs` (negative = as long as the system allows). Nagle's algorithm is off, so each
    /// APDU leaves at once.
    public static func connect(host: String, port: UInt16, timeoutMs: Int = -1) throws(SocketError) -> StreamSocket {
        let name = "\(host):\(port)"
        guard let addresses = Syscall.streamAddresses(host: host, port: port), !addresses.isEmpty else {
            throw .cannotResolve(host: host)
        }
        var lastError = SocketError.cannotResolve(host: host)
        for address in addresses {
            do {
                let socket = try open(family: address.family, type: address.type, protocolNumber: address.protocolNumber)
                try socket.connect(address, name: name, timeoutMs: timeoutMs)
                socket.setNoDelay()
                return socket
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private static func open(family: Int32, type: Int32, protocolNumber: Int32) throws(SocketError) -> StreamSocket {
        do {
            return StreamSocket(descriptor: try Syscall.socket(family, type, protocolNumber))
        } catch {
            throw .failed(call: "socket", code: error)
        }
    }

    /// A non-blocking connect awaited with `poll`, so the wait has a limit; blocking again after.
    private func connect(_ address: ResolvedAddress, name: String, timeoutMs: Int) throws(SocketError) {
        let connected: Bool
        do {
            try Syscall.setNonBlocking(fd, true)
            connected = try connectNonBlocking(address, timeoutMs: timeoutMs)
            try Syscall.setNonBlocking(fd, false)
        } catch {
            throw .failed(call: "connect \(name)", code: error)
        }
        guard connected else { throw .connectTimedOut(address: name) }
    }

    /// Starts the connect and waits for its outcome; false on time-out.
    private func connectNonBlocking(_ address: ResolvedAddress, timeoutMs: Int) throws(Errno) -> Bool {
        do {
            try Syscall.connect(fd, address)
            return true
        } catch  where error == .inProgress || error == .interrupted {
            guard try Syscall.poll(fd, events: Int16(POLLOUT), timeoutMs: timeoutMs) != nil else { return false }
            if let pending = try Syscall.pendingError(fd) { throw pending }
            return true
        }
    }

    /// The port the socket is bound to (useful after binding port 0); 0 if unknown.
    public var localPort: UInt16 { (try? Syscall.localPort(descriptor)) ?? 0 }

    /// Waits up to `timeoutMs` (negative = forever) for a connection; `nil` on time-out or when the
    /// connection was given up before it was taken.
    public func accept(timeoutMs: Int) throws(SocketError) -> StreamSocket? {
        guard try waitReadable(timeoutMs: timeoutMs) else { return nil }
        do {
            let socket = StreamSocket(descriptor: try Syscall.accept(descriptor))
            socket.setNoDelay()
            return socket
        } catch  where error == .wouldBlock || error == .connectionAborted {
            return nil
        } catch {
            throw .failed(call: "accept", code: error)
        }
    }

    /// Disables Nagle's algorithm so each APDU leaves at once (acks, throughput, split-fault realism).
    public func setNoDelay() {
        try? Syscall.setOption(descriptor, level: Int32(IPPROTO_TCP), TCP_NODELAY, 1)
    }

    /// Keepalive probes, so a peer that vanishes without closing is noticed: the first after
    /// `idleSeconds` of silence, then every `intervalSeconds`, given up after `probes`.
    public func enableKeepalive(idleSeconds: Int32, intervalSeconds: Int32, probes: Int32) {
        let socket = descriptor
        try? Syscall.setOption(socket, level: SOL_SOCKET, SO_KEEPALIVE, 1)
        #if canImport(Glibc)
            try? Syscall.setOption(socket, level: Int32(IPPROTO_TCP), TCP_KEEPIDLE, idleSeconds)
            try? Syscall.setOption(socket, level: Int32(IPPROTO_TCP), TCP_KEEPINTVL, intervalSeconds)
            try? Syscall.setOption(socket, level: Int32(IPPROTO_TCP), TCP_KEEPCNT, probes)
        #endif
    }

    /// Whether data (or the end of the stream) is waiting, after up to `timeoutMs` (negative = forever).
    public func waitReadable(timeoutMs: Int) throws(SocketError) -> Bool {
        let socket = descriptor
        guard socket >= 0 else { return true }
        do {
            return try Syscall.poll(socket, events: Int16(POLLIN), timeoutMs: timeoutMs) != nil
        } catch {
            throw .failed(call: "poll", code: error)
        }
    }

    /// Reads what is available (at most 64 KiB) onto the end of `buffer`, waiting up to `timeoutMs`
    /// (negative = forever).
    public func read(appendingTo buffer: inout [UInt8], timeoutMs: Int) throws(SocketError) -> ReadResult {
        let socket = descriptor
        guard socket >= 0 else { return .closed }
        guard try waitReadable(timeoutMs: timeoutMs) else { return .timedOut }
        do {
            return try withUnsafeTemporaryAllocation(byteCount: Self.chunkBytes, alignment: 1) { (chunk) throws(Errno) in
                let count = try Syscall.receive(socket, into: chunk)
                guard count > 0 else { return .closed }
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
                return .bytes(count)
            }
        } catch  where error == .wouldBlock {
            return .timedOut
        } catch {
            throw .failed(call: "recv", code: error)
        }
    }

    /// Writes all of `bytes` (SIGPIPE suppressed: a vanished peer is an error, not a signal).
    public func write(_ bytes: [UInt8]) throws(SocketError) {
        let socket = descriptor
        do {
            try Syscall.sendAll(socket, bytes)
        } catch {
            throw .failed(call: "send", code: error)
        }
    }

    /// Ends both directions, waking a thread blocked in `poll` on this socket.
    public func shutdown() {
        lock.withLock {
            if fd >= 0 { Syscall.shutdownBoth(fd) }
        }
    }

    /// Closes the descriptor (idempotent).
    public func close() {
        lock.withLock {
            if fd >= 0 {
                Syscall.close(fd)
                fd = -1
            }
        }
    }
}
