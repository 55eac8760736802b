import Foundation
import KasseCore
import Ledger
import SystemCalls

/// The counter's copy of the centre's catalogue (docs/central.md, "Stammdaten"): each version
/// fetched in its own directory `<register>/katalog/<n>/`, and the file `katalog/aktuell` naming
/// the one in use, replaced atomically (temporary file, fsync, rename) only after the version's
/// files are complete and validated. The counter keeps selling on the last good version while the
/// centre is unreachable; a running counter takes a new one within a minute, between two baskets
/// (`CatalogWatcher` on ``currentDirectory``).
public struct CatalogCache: Sendable {
    public let directory: String

    /// The cache of the register whose data lives in `registerDirectory`.
    public init(registerDirectory: String) { directory = registerDirectory + "/katalog" }

    private var pointerPath: String { directory + "/aktuell" }

    /// The centre's version number in use, nil before the first fetch.
    public var currentVersion: Int64? {
        guard let data = FileManager.default.contents(atPath: pointerPath) else { return nil }
        return Int64(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The directory of the version in use, nil before the first fetch (or if it was removed).
    public var currentDirectory: String? {
        guard let version = currentVersion else { return nil }
        let path = directory + "/\(version)"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Takes version `version` with its files: validated first (a catalogue with problems is
    /// refused with them and nothing changes), then written and synced, then made current.
    public func install(version: Int64, files: [(name: String, bytes: [UInt8])]) throws {
        let (_, problems) = TariffCatalogLoader.parse(sources: files.map { ("\(version)/\($0.name)", $0.bytes) })
        guard problems.isEmpty else {
            throw CatalogCacheError.invalid(version: version, problems: problems)
        }
        for file in files where file.name.contains("/") || file.name.hasPrefix(".") || !file.name.hasSuffix(".json") {
            throw CatalogCacheError.badName(version: version, name: file.name)
        }
        try DataDirectory.createDirectory(directory)
        let target = directory + "/\(version)"
        let staging = directory + "/.\(version).tmp"
        try? FileManager.default.removeItem(atPath: staging)
        try DataDirectory.createDirectory(staging)
        for file in files { try Self.writeSynced(file.bytes, to: staging + "/" + file.name) }
        try? FileManager.default.removeItem(atPath: target)
        try Syscall.rename(staging, to: target)
        try Self.writeSynced(Array("\(version)\n".utf8), to: pointerPath + ".tmp")
        try Syscall.rename(pointerPath + ".tmp", to: pointerPath)
        // The renames themselves reach the disk.
        let fd = try Syscall.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC, permissions: 0)
        defer { Syscall.close(fd) }
        try Syscall.fsync(fd)
    }

    private static func writeSynced(_ bytes: [UInt8], to path: String) throws {
        let fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions: 0o600)
        defer { Syscall.close(fd) }
        try Syscall.writeAll(fd, bytes)
        try Syscall.fsync(fd)
    }
}

public enum CatalogCacheError: Error, Equatable, CustomStringConvertible {
    case invalid(version: Int64, problems: [CatalogProblem])
    case badName(version: Int64, name: String)

    public var description: String {
        switch self {
        case .invalid(let version, let problems):
            "Der Katalog Version \(version) der Zentrale ist fehlerhaft und wird nicht übernommen: "
                + problems.prefix(3).map(\.description).joined(separator: "; ")
        case .badName(let version, let name):
            "Der Katalog Version \(version) der Zentrale hat eine Datei »\(name)«, die kein Katalogname ist (NAME.json)."
        }
    }
}
