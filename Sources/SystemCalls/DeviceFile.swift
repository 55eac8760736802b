import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An owned device or plain file for a printer: `/dev/usb/lp0` opened read-write (the printer
/// answers status queries on the same file), or a file opened for appending (`file:PATH`).
/// Reads wait with `poll`; the descriptor is closed in `deinit`.
// @unchecked Sendable: the descriptor is changed only under `lock`; the rest is constant.
public final class DeviceFile: @unchecked Sendable {
    public let path: String
    private let lock = NSLock()
    private var fd: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        fd = descriptor
    }

    deinit { close() }

    /// Opens the device `path` read-write, without becoming its controlling terminal.
    public static func openDevice(_ path: String) throws(Errno) -> DeviceFile {
        DeviceFile(path: path, descriptor: try Syscall.open(path, O_RDWR | O_NOCTTY | O_CLOEXEC))
    }

    /// Opens `path` for appending (created 0600 if missing).
    public static func openForAppending(_ path: String) throws(Errno) -> DeviceFile {
        DeviceFile(path: path, descriptor: try Syscall.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, permissions: 0o600))
    }

    private var descriptor: Int32 { lock.withLock { fd } }

    public func write(_ bytes: [UInt8]) throws(Errno) { try Syscall.writeAll(descriptor, bytes) }

    /// Reads what is available (at most 256 bytes) onto `buffer`, waiting up to `timeoutMs`;
    /// false when nothing came in time or the device has nothing more (end of file).
    public func read(appendingTo buffer: inout [UInt8], timeoutMs: Int) throws(Errno) -> Bool {
        let file = descriptor
        guard file >= 0, try Syscall.poll(file, events: Int16(POLLIN), timeoutMs: timeoutMs) != nil else { return false }
        var chunk = [UInt8](repeating: 0, count: 256)
        let count = try Syscall.read(file, into: &chunk)
        guard count > 0 else { return false }
        buffer += chunk[0..<count]
        return true
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
