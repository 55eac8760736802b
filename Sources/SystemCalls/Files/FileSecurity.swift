import Foundation

/// Owner-only files for everything the till writes (ledger, receipts, exports, logs): directories
/// 0700, files 0600 — or 0770/0660 with a group the office names (`[register] file_group`).
///
/// The process file-creation mask is set when the first ledger opens, so files other parts create
/// afterwards get the same rights without each writer having to remember.
public enum FileSecurity {
    /// The group id files are shared with, or nil for owner-only. Set once at start (``configure(group:)``).
    nonisolated(unsafe) private static var sharedGroup: gid_t?

    /// Uses `group` (a group name; empty = owner-only) for files created from now on.
    /// Throws ``FileSecurityError/unknownGroup(_:)`` if the system has no such group.
    public static func configure(group: String) throws(FileSecurityError) {
        if group.isEmpty {
            sharedGroup = nil
        } else {
            guard let id = Syscall.groupID(named: group) else { throw .unknownGroup(group) }
            sharedGroup = id
        }
        applyProcessMask()
    }

    /// Sets the process umask: 077 (owner-only) or 007 (owner and group).
    public static func applyProcessMask() {
        Syscall.setFileCreationMask(sharedGroup == nil ? 0o077 : 0o007)
    }

    /// The mode a file or directory gets.
    public static func mode(directory: Bool) -> mode_t {
        switch (directory, sharedGroup != nil) {
        case (true, false): return 0o700
        case (true, true): return 0o770
        case (false, false): return 0o600
        case (false, true): return 0o660
        }
    }

    /// Gives an existing file or directory the till's rights (and group, if configured).
    public static func secure(_ path: String, directory: Bool = false) {
        if let group = sharedGroup { try? Syscall.changeGroup(path, group) }
        try? Syscall.changeMode(path, mode(directory: directory))
    }

    /// Creates `path` (and parents) as a directory with the till's rights.
    public static func createDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: Int(mode(directory: true))])
        secure(path, directory: true)
    }

    /// The permission bits of `path`, or nil if it does not exist.
    public static func permissions(_ path: String) -> mode_t? {
        guard let info = try? Syscall.status(path) else { return nil }
        return info.st_mode & 0o7777
    }

    /// Refuses a ledger that anyone may write (the file or its directory): its contents could have
    /// been replaced. Called before the ledger is opened.
    public static func checkLedger(_ path: String) throws(FileSecurityError) {
        if let bits = permissions(path), bits & 0o002 != 0 {
            throw .worldWritable(path: path, mode: bits, directory: false)
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, let bits = permissions(directory), bits & 0o002 != 0, bits & 0o1000 == 0 {
            throw .worldWritable(path: directory, mode: bits, directory: true)
        }
    }

    /// Gives the ledger's directory, the ledger file and SQLite's companion files (-wal, -shm) the
    /// till's rights.
    public static func secureLedgerFiles(_ path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { secure(directory, directory: true) }
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            secure(file)
        }
    }
}

/// A file-rights problem, as one German sentence naming the path and the fix.
public enum FileSecurityError: Error, Equatable, CustomStringConvertible {
    case worldWritable(path: String, mode: mode_t, directory: Bool)
    case unknownGroup(String)

    public var description: String {
        switch self {
        case .worldWritable(let path, let mode, let directory):
            let octal = String(mode, radix: 8)
            if directory {
                return
                    "Das Verzeichnis \(path) des Kassenbuchs ist für alle beschreibbar (Rechte \(octal)); das Kassenbuch wird deshalb nicht benutzt. Bitte mit »chmod 700 \(path)« einschränken."
            }
            return
                "Das Kassenbuch \(path) ist für alle beschreibbar (Rechte \(octal)) und wird deshalb nicht benutzt; jemand könnte es verändert haben. Bitte prüfen und mit »chmod 600 \(path)« einschränken."
        case .unknownGroup(let group):
            return "register.file_group: Die Gruppe »\(group)« gibt es auf diesem System nicht."
        }
    }
}
