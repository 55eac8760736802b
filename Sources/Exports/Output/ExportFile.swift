import Foundation
import KasseCrypto
import SystemCalls

/// Where an export's bytes go.
public protocol ExportOutput: AnyObject {
    func write(_ bytes: [UInt8]) throws
}

/// Collects the bytes in memory (tests, small previews).
public final class MemoryOutput: ExportOutput {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ bytes: [UInt8]) throws { self.bytes.append(contentsOf: bytes) }
}

/// Writes an export to a hidden temporary file beside its final name, hashing as it goes, and
/// gives it the final name only in ``commit()`` — so a crash never leaves half a file there.
///
/// The final name is taken with `link(2)`, which fails if the name exists: an export never
/// overwrites an earlier one, not even in a race with another export.
public final class ExportFile: ExportOutput {
    public let path: String
    public let temporaryPath: String
    private var descriptor: Int32
    private let hasher = SHA256Hasher()
    public private(set) var byteCount: Int64 = 0
    private var finished = false

    public init(path: String) throws {
        self.path = path
        if Syscall.exists(path) { throw ExportError.outputExists(path: path) }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporaryPath = (directory.isEmpty ? "" : directory + "/") + ".\(name).\(getpid()).tmp"
        do {
            descriptor = try Syscall.open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions: 0o644)
        } catch {
            throw ExportError.cannotCreate(path: path, reason: error.message)
        }
    }

    deinit {
        if !finished { abandon() }
    }

    public func write(_ bytes: [UInt8]) throws {
        precondition(!finished, "write after commit or abandon")
        hasher.update(bytes)
        do { try Syscall.writeAll(descriptor, bytes) } catch { throw ExportError.writeFailed(path: path, reason: error.message) }
        byteCount += Int64(bytes.count)
    }

    /// Flushes to disk, gives the file its final name and returns the SHA-256 (hex) of its bytes.
    public func commit() throws -> String {
        precondition(!finished, "commit twice")
        do { try Syscall.fsync(descriptor) } catch {
            abandon()
            throw ExportError.writeFailed(path: path, reason: error.message)
        }
        Syscall.close(descriptor)
        descriptor = -1
        do { try Syscall.link(temporaryPath, to: path) } catch {
            abandon()
            if error == .fileExists { throw ExportError.outputExists(path: path) }
            throw ExportError.writeFailed(path: path, reason: error.message)
        }
        try? Syscall.unlink(temporaryPath)
        finished = true
        return hasher.finalize().hexString
    }

    /// Removes the temporary file (on any error); the final name is never created.
    public func abandon() {
        if descriptor >= 0 {
            Syscall.close(descriptor)
            descriptor = -1
        }
        try? Syscall.unlink(temporaryPath)
        finished = true
    }
}
