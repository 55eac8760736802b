#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The one file that reads `errno`: each wrapper of a POSIX call that can fail turns `-1` + `errno`
// into a thrown ``Errno`` and retries on `EINTR` where the call may be repeated (swift-system
// `Sources/System/Internals/Syscalls.swift`, `Util.swift`).

/// A POSIX error number as the C library reports it (swift-system `Errno`).
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's error number now; read right after the failed call.
    static var current: Errno { Errno(rawValue: errno) }

    /// A signal arrived during the call (`EINTR`); the wrappers retry these.
    public static let interrupted = Errno(rawValue: EINTR)
    /// Nothing to read or no room to write right now (`EAGAIN`, `EWOULDBLOCK`).
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    public static let noSuchFileOrDirectory = Errno(rawValue: ENOENT)
    public static let fileExists = Errno(rawValue: EEXIST)
    public static let ioError = Errno(rawValue: EIO)
    public static let invalidArgument = Errno(rawValue: EINVAL)
    public static let inProgress = Errno(rawValue: EINPROGRESS)
    public static let connectionAborted = Errno(rawValue: ECONNABORTED)
    public static let connectionRefused = Errno(rawValue: ECONNREFUSED)
    public static let addressInUse = Errno(rawValue: EADDRINUSE)
    public static let addressNotAvailable = Errno(rawValue: EADDRNOTAVAIL)

    /// The C library's sentence for the error (`strerror`), as the till's messages quote it.
    public var message: String { String(cString: strerror(rawValue)) }

    /// The same error as the platform's `POSIXErrorCode` (for `POSIXError`).
    public var code: POSIXErrorCode { POSIXErrorCode(rawValue: rawValue) ?? .EIO }

    public var description: String { "\(message) (errno \(rawValue))" }
}

/// `value`, or the current ``Errno`` if the call returned -1.
@inline(__always)
func valueOrErrno<I: FixedWidthInteger>(_ value: I) -> Result<I, Errno> {
    value == -1 ? .failure(.current) : .success(value)
}

/// Runs `call` until it does not fail with `EINTR` (if `retryOnInterrupt`); its value or the error.
@inline(__always)
func valueOrErrno<I: FixedWidthInteger>(retryOnInterrupt: Bool, _ call: () -> I) -> Result<I, Errno> {
    while true {
        switch valueOrErrno(call()) {
        case .success(let value): return .success(value)
        case .failure(let error):
            guard retryOnInterrupt && error == .interrupted else { return .failure(error) }
        }
    }
}

/// Like ``valueOrErrno(retryOnInterrupt:_:)`` for calls whose only result is success.
@inline(__always)
func nothingOrErrno<I: FixedWidthInteger>(retryOnInterrupt: Bool, _ call: () -> I) -> Result<Void, Errno> {
    valueOrErrno(retryOnInterrupt: retryOnInterrupt, call).map { _ in () }
}

/// Thin wrappers of the POSIX calls the till makes.
public enum Syscall {
    // MARK: Files

    /// `open(2)`; returns the descriptor.
    public static func open(_ path: String, _ flags: Int32, permissions: mode_t = 0) throws(Errno) -> Int32 {
        try valueOrErrno(retryOnInterrupt: true) { system_open(path, flags, permissions) }.get()
    }

    /// `close(2)`. Not retried: on Linux the descriptor is released even when close reports EINTR,
    /// and a retry could close a descriptor another thread has just been given.
    public static func close(_ descriptor: Int32) {
        _ = system_close(descriptor)
    }

    /// `read(2)` of up to `buffer.count` bytes into the start of `buffer`; 0 means end of file.
    public static func read(_ descriptor: Int32, into buffer: inout [UInt8]) throws(Errno) -> Int {
        try buffer.withUnsafeMutableBytes { raw in
            valueOrErrno(retryOnInterrupt: true) { system_read(descriptor, raw.baseAddress, raw.count) }
        }.get()
    }

    /// `write(2)` of all of `bytes`, continuing after partial writes.
    public static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) throws(Errno) {
        try bytes.withUnsafeBytes { raw in
            transferAll(raw) { system_write(descriptor, $0.baseAddress, $0.count) }
        }.get()
    }

    /// `pwrite(2)` of all of `bytes` at `offset`, continuing after partial writes (the file
    /// position is not moved).
    public static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], at offset: Int64) throws(Errno) {
        var done = 0
        try bytes.withUnsafeBytes { raw in
            transferAll(raw) { rest in
                let moved = pwrite(descriptor, rest.baseAddress, rest.count, off_t(offset) + off_t(done))
                if moved > 0 { done += moved }
                return moved
            }
        }.get()
    }

    /// `fsync(2)`: the file's data and metadata reach the disk.
    public static func fsync(_ descriptor: Int32) throws(Errno) {
        try nothingOrErrno(retryOnInterrupt: true) { system_fsync(descriptor) }.get()
    }

    /// `fdatasync(2)`: the file's data (and the size, if it changed) reach the disk.
    public static func fdatasync(_ descriptor: Int32) throws(Errno) {
        try nothingOrErrno(retryOnInterrupt: true) { system_fdatasync(descriptor) }.get()
    }

    /// `ftruncate(2)`: cuts the file to `length` bytes (a torn last record away).
    public static func truncate(_ descriptor: Int32, length: Int64) throws(Errno) {
        try nothingOrErrno(retryOnInterrupt: true) { ftruncate(descriptor, off_t(length)) }.get()
    }

    /// `lseek(2)` to the end; the file's size.
    public static func seekToEnd(_ descriptor: Int32) throws(Errno) -> Int64 {
        Int64(try valueOrErrno(retryOnInterrupt: false) { lseek(descriptor, 0, SEEK_END) }.get())
    }

    /// `rename(2)`: atomically replaces `destination`.
    public static func rename(_ source: String, to destination: String) throws(Errno) {
        try nothingOrErrno(retryOnInterrupt: false) { system_rename(source, destination) }.get()
    }

    /// Replaces the file at `path` with `bytes` atomically: `path.tmp` written and fsynced, then
    /// renamed over `path` (a reader sees the old file or the new one, never a part); with
    /// `syncDirectory`, the directory is fsynced too, so the rename itself survives a power loss.
    public static func replaceFile(_ path: String, with bytes: [UInt8], permissions: mode_t = 0o600, syncDirectory: Bool = false) throws(Errno) {
        let temporary = path + ".tmp"
        let descriptor = try open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions: permissions)
        do {
            try writeAll(descriptor, bytes)
            try fsync(descriptor)
        } catch {
            close(descriptor)
            throw error
        }
        close(descriptor)
        try rename(temporary, to: path)
        guard syncDirectory else { return }
        let parent = path.lastIndex(of: "/").map { path[..<$0].isEmpty ? "/" : String(path[..<$0]) } ?? "."
        let directory = try open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(directory) }
        try fsync(directory)
    }

    /// `link(2)`: a second name; fails with ``Errno/fileExists`` if `destination` exists.
    public static func link(_ source: String, to destination: String) throws(Errno) {
        try nothingOrErrno(retryOnInterrupt: false) { system_link(source, destination) }.get()
    }

    /// `unlink(2)`.
    public static func unlink(_ path: String) throws(Errno) {
        try nothingOrErrno(retryOnInterrupt: false) { system_unlink(path) }.get()
    }

    /// Whether anything exists at `path` (`access(2)` with `F_OK`).
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// `stat(2)` of `path`.
    public static func status(_ path: String) throws(Errno) -> stat {
        var info = stat()
        try nothingOrErrno(retryOnInterrupt: false) { stat(path, &info) }.get()
        return info
    }

    /// `chmod(2)`.
    public static func changeMode(_ path: String, _ mode: mode_t) throws(Errno) {
        try nothingOrErrno(retryOnInterrupt: false) { chmod(path, mode) }.get()
    }

    /// `chown(2)` to this process's user and `group`.
    public static func changeGroup(_ path: String, _ group: gid_t) throws(Errno) {
        try nothingOrErrno(retryOnInterrupt: false) { chown(path, getuid(), group) }.get()
    }

    /// `umask(2)`: the bits removed from the rights of every file this process creates.
    public static func setFileCreationMask(_ mask: mode_t) { _ = umask(mask) }

    /// The id of the group named `name` (`getgrnam(3)`), or nil if there is none.
    public static func groupID(named name: String) -> gid_t? { getgrnam(name).map { $0.pointee.gr_gid } }

    // MARK: Processes and time

    /// `wait4(2)`: waits for child `pid` to end; its wait status, and its resource usage in `usage`.
    public static func waitForChild(_ pid: pid_t, usage: inout rusage) throws(Errno) -> Int32 {
        var status: Int32 = 0
        _ = try valueOrErrno(retryOnInterrupt: true) { wait4(pid, &status, 0, &usage) }.get()
        return status
    }

    /// Sleeps the calling thread for `milliseconds`, the whole time even when signals arrive.
    public static func sleep(milliseconds: Int) {
        guard milliseconds > 0 else { return }
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && Errno.current == .interrupted { request = remaining }
    }

    // MARK: Sockets (used by ``StreamSocket``)

    static func socket(_ family: Int32, _ type: Int32, _ protocolNumber: Int32) throws(Errno) -> Int32 {
        try valueOrErrno(retryOnInterrupt: false) { system_socket(family, type, protocolNumber) }.get()
    }

    /// `connect(2)`; on a non-blocking socket ``Errno/inProgress`` means "wait until writable".
    /// Not retried on EINTR: the connection attempt goes on and is awaited with `poll`.
    static func connect(_ descriptor: Int32, _ address: ResolvedAddress) throws(Errno) {
        try address.withSockaddr { raw, length in
            nothingOrErrno(retryOnInterrupt: false) { system_connect(descriptor, raw, length) }
        }.get()
    }

    /// `bind(2)` to an IPv4 address.
    static func bind(_ descriptor: Int32, _ address: sockaddr_in) throws(Errno) {
        var address = address
        try withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                nothingOrErrno(retryOnInterrupt: false) { system_bind(descriptor, raw, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }.get()
    }

    static func listen(_ descriptor: Int32, backlog: Int32) throws(Errno) {
        try nothingOrErrno(retryOnInterrupt: false) { system_listen(descriptor, backlog) }.get()
    }

    static func accept(_ descriptor: Int32) throws(Errno) -> Int32 {
        try valueOrErrno(retryOnInterrupt: true) { system_accept(descriptor, nil, nil) }.get()
    }

    /// `poll(2)` on one descriptor for up to `timeoutMs` (negative = forever); the returned events,
    /// or nil on time-out. After EINTR it waits again for the full time.
    static func poll(_ descriptor: Int32, events: Int16, timeoutMs: Int) throws(Errno) -> Int16? {
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        let ready = try valueOrErrno(retryOnInterrupt: true) { system_poll(&entry, 1, Int32(clamping: timeoutMs)) }.get()
        return ready == 0 ? nil : entry.revents
    }

    /// `recv(2)` into `buffer`; 0 means the peer closed its side.
    public static func receive(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try valueOrErrno(retryOnInterrupt: true) { system_recv(descriptor, buffer.baseAddress, buffer.count, 0) }.get()
    }

    /// `send(2)` of all of `bytes` without SIGPIPE, continuing after partial sends.
    public static func sendAll(_ descriptor: Int32, _ bytes: [UInt8]) throws(Errno) {
        try bytes.withUnsafeBytes { raw in
            transferAll(raw) { system_send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }.get()
    }

    /// `setsockopt(2)` of an `Int32` option.
    static func setOption(_ descriptor: Int32, level: Int32, _ option: Int32, _ value: Int32) throws(Errno) {
        var value = value
        try nothingOrErrno(retryOnInterrupt: false) {
            setsockopt(descriptor, level, option, &value, socklen_t(MemoryLayout<Int32>.size))
        }.get()
    }

    /// The pending error of a socket (`SO_ERROR`), e.g. the outcome of a non-blocking connect.
    static func pendingError(_ descriptor: Int32) throws(Errno) -> Errno? {
        var value: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        try nothingOrErrno(retryOnInterrupt: false) { getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &value, &size) }.get()
        return value == 0 ? nil : Errno(rawValue: value)
    }

    /// The IPv4 port a socket is bound to (`getsockname(2)`).
    static func localPort(_ descriptor: Int32) throws(Errno) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try nothingOrErrno(retryOnInterrupt: false) {
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
        }.get()
        return UInt16(bigEndian: address.sin_port)
    }

    /// `shutdown(2)` of both directions (wakes a thread blocked in `poll` on the socket).
    static func shutdownBoth(_ descriptor: Int32) { _ = shutdown(descriptor, Int32(SHUT_RDWR)) }

    /// Sets or clears `O_NONBLOCK`.
    static func setNonBlocking(_ descriptor: Int32, _ on: Bool) throws(Errno) {
        let flags = try valueOrErrno(retryOnInterrupt: true) { fcntl(descriptor, F_GETFL, 0) }.get()
        try nothingOrErrno(retryOnInterrupt: true) {
            fcntl(descriptor, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK)
        }.get()
    }

    /// An IPv4 address from dotted text (`inet_pton(3)`); nil if `host` is not one.
    static func ipv4Address(_ host: String, port: UInt16) -> sockaddr_in? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        return address
    }

    /// The stream-socket addresses of `host`:`port` (`getaddrinfo(3)`), in the resolver's order;
    /// nil if the name does not resolve.
    static func streamAddresses(host: String, port: UInt16) -> [ResolvedAddress]? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = streamType
        var list: UnsafeMutablePointer<addrinfo>? = nil
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(list) }
        var addresses: [ResolvedAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry?.pointee {
            entry = info.ai_next
            guard let address = info.ai_addr else { continue }
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(info.ai_addrlen))) }
            addresses.append(
                ResolvedAddress(family: info.ai_family, type: info.ai_socktype, protocolNumber: info.ai_protocol, storage: storage, length: info.ai_addrlen))
        }
        return addresses
    }

    #if canImport(Glibc)
        static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
        static let streamType = SOCK_STREAM
    #endif

    /// Calls `transfer` until all of `bytes` went out; a call that moves nothing counts as `EIO`.
    private static func transferAll(_ bytes: UnsafeRawBufferPointer, _ transfer: (UnsafeRawBufferPointer) -> Int) -> Result<Void, Errno> {
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            switch valueOrErrno(retryOnInterrupt: true, { transfer(rest) }) {
            case .success(let moved) where moved > 0: offset += moved
            case .success: return .failure(.ioError)
            case .failure(let error): return .failure(error)
            }
        }
        return .success(())
    }
}

/// One result of ``Syscall/streamAddresses(host:port:)``.
struct ResolvedAddress {
    let family: Int32
    let type: Int32
    let protocolNumber: Int32
    var storage: sockaddr_storage
    let length: socklen_t

    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var copy = storage
        return withUnsafePointer(to: &copy) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in body(address, length) }
        }
    }
}

// The C functions under names apart from the wrappers of the same name in ``Syscall``.
@inline(__always) private func system_open(_ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
@inline(__always) private func system_close(_ fd: Int32) -> Int32 { close(fd) }
@inline(__always) private func system_read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
@inline(__always) private func system_write(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }
@inline(__always) private func system_fsync(_ fd: Int32) -> Int32 { fsync(fd) }
#if canImport(Glibc)
    @inline(__always) private func system_fdatasync(_ fd: Int32) -> Int32 { fdatasync(fd) }
#else
    @inline(__always) private func system_fdatasync(_ fd: Int32) -> Int32 { fsync(fd) }
#endif
@inline(__always) private func system_rename(_ old: UnsafePointer<CChar>, _ new: UnsafePointer<CChar>) -> Int32 { rename(old, new) }
@inline(__always) private func system_link(_ old: UnsafePointer<CChar>, _ new: UnsafePointer<CChar>) -> Int32 { link(old, new) }
@inline(__always) private func system_unlink(_ path: UnsafePointer<CChar>) -> Int32 { unlink(path) }
@inline(__always) private func system_socket(_ family: Int32, _ type: Int32, _ proto: Int32) -> Int32 { socket(family, type, proto) }
@inline(__always) private func system_connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(fd, address, length)
}
@inline(__always) private func system_bind(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    bind(fd, address, length)
}
@inline(__always) private func system_listen(_ fd: Int32, _ backlog: Int32) -> Int32 { listen(fd, backlog) }
@inline(__always) private func system_accept(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: UnsafeMutablePointer<socklen_t>?) -> Int32 {
    accept(fd, address, length)
}
@inline(__always) private func system_poll(_ entries: UnsafeMutablePointer<pollfd>, _ count: nfds_t, _ timeoutMs: Int32) -> Int32 {
    poll(entries, count, timeoutMs)
}
@inline(__always) private func system_recv(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int, _ flags: Int32) -> Int {
    recv(fd, buffer, count, flags)
}
@inline(__always) private func system_send(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int {
    send(fd, buffer, count, flags)
}
