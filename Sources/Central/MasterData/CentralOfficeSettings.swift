import Foundation
import KasseCore
import SystemCalls

/// A version of the office's settings published by the centre (`webkasse central settings
/// publish`, docs/central.md "Dienststelle und Konten aus der Zentrale"): the `[office]` and
/// `[accounts]` sections of webkasse.conf as written, checked as a counter reads them.
public struct PublishedOfficeSettings: Equatable, Sendable {
    /// 1, 2, 3 … in the order published.
    public let version: Int64
    public let content: String
    public let publishedBy: String
    public let publishedAt: String
}

extension CentralStore {
    /// Publishes `content` (read from `file`) as the next version unless the newest has the same
    /// text. A section other than `[office]` and `[accounts]`, an unknown key or a bad value is
    /// refused naming the file and line; nothing is written then.
    public func publishOfficeSettings(content: String, file: String, by publisher: String) throws -> (PublishedOfficeSettings, isNew: Bool) {
        do { _ = try Configuration.checkCentral(text: content, file: file) } catch { throw CentralError.invalidMasterData("\(error)") }
        let settings = content.split(separator: "\n").filter {
            let line = $0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            return line.contains("=")
        }
        guard !settings.isEmpty else { throw CentralError.invalidMasterData("\(file): keine Einstellung in [office] oder [accounts].") }
        return try run {
            try connection.transaction {
                // One publisher at a time: the version numbers stay gapless.
                try connection.execute("LOCK TABLE office_settings IN EXCLUSIVE MODE")
                if let newest = try newestOfficeSettings(), newest.content == content { return (newest, false) }
                try connection.execute(
                    "INSERT INTO office_settings (version, content, published_by) SELECT coalesce(max(version), 0) + 1, $1, $2 FROM office_settings",
                    [.text(content), .text(publisher)])
                guard let stored = try newestOfficeSettings() else { throw CentralError.invalidMasterData("Die neue Version fehlt nach dem Schreiben.") }
                return (stored, true)
            }
        }
    }

    /// The newest published version, nil when none.
    public func newestOfficeSettings() throws -> PublishedOfficeSettings? {
        try run {
            let result = try connection.execute(
                """
                SELECT version, content, published_by, to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                FROM office_settings ORDER BY version DESC LIMIT 1
                """)
            guard result.rowCount == 1, let version = result.int64(0, 0) else { return nil }
            return PublishedOfficeSettings(
                version: version, content: result.text(0, 1) ?? "", publishedBy: result.text(0, 2) ?? "", publishedAt: result.text(0, 3) ?? "")
        }
    }
}

/// Follows the centre's office settings into the counter's copy (`<register>/zentrale.conf`,
/// ``Configuration/load(path:environment:centralCopy:)`` reads it at the next start), from the
/// delivery's background thread at most every ``intervalMs``. The copy names its version in its
/// first line; it is replaced atomically (temporary file, fsync, rename) and kept offline.
public final class OfficeSettingsFollower: @unchecked Sendable {
    public let path: String
    public static let intervalMs: Int64 = 30_000
    private var lastAsked: Int64?
    private let lock = NSLock()
    private var problem: String?

    public init(path: String) { self.path = path }

    /// Why the last fetch failed, nil when it went well.
    public var lastProblem: String? { lock.withLock { problem } }

    /// The version of the copy on disk, nil when there is none.
    public var currentVersion: Int64? {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8),
            let first = text.split(separator: "\n", maxSplits: 1).first, first.hasPrefix(Self.marker)
        else { return nil }
        return Int64(first.dropFirst(Self.marker.count).prefix { $0.isNumber })
    }

    private static let marker = "# Zentrale, Version "

    /// Fetches and writes the newest version if it is not the copy's; returns it when it did.
    @discardableResult
    public func follow(_ store: CentralStore, now: Instant) -> Int64? {
        if let lastAsked, now.millisecondsSinceEpoch - lastAsked < Self.intervalMs { return nil }
        lastAsked = now.millisecondsSinceEpoch
        do {
            guard let newest = try store.newestOfficeSettings(), newest.version != currentVersion else { return nil }
            // Checked again as this counter reads it: a version it cannot read is not taken.
            _ = try Configuration.checkCentral(text: newest.content, file: "Zentrale, Version \(newest.version)")
            let text =
                Self.marker + "\(newest.version) (veröffentlicht \(newest.publishedAt) von \(newest.publishedBy)); "
                + "nicht von Hand ändern: webkasse central settings publish\n" + newest.content + (newest.content.hasSuffix("\n") ? "" : "\n")
            try Syscall.replaceFile(path, with: Array(text.utf8), syncDirectory: true)
            lock.withLock { problem = nil }
            return newest.version
        } catch {
            lock.withLock { problem = "Einstellungen der Zentrale: \(error)" }
            return nil
        }
    }
}
