import Access
import Foundation
import KasseCore
import KasseCrypto
import Ledger

extension AccessControl {
    /// Records a `verify` run (`verify.run`: entries checked, problems found). Appends after the
    /// check, so the run itself is chained; a ledger that cannot be written (a read-only copy) is
    /// not an error for `verify`.
    public static func recordVerification(_ store: CredentialStore, entries: Int64, problems: Int) {
        try? store.transaction {
            _ = try store.appendAudit(
                AuditEvent(
                    .verificationRun, actor: nil,
                    fields: [
                        AuditField.result: problems == 0 ? "ok" : "problems", "entries": String(entries), "problems": String(problems),
                    ], at: Instant.now.date))
        }
    }

    /// Records `configuration.changed` / `catalogue.changed` when the SHA-256 of the config file or
    /// of the catalogue (a file, or every `.json` file of a directory, by name) differs from the last
    /// one recorded. Call at start-up (the counter screen does); returns the kinds recorded.
    @discardableResult
    public func recordFileChanges(configurationPath: String?, catalogPath: String, actor: String? = nil) throws -> [AuditEventType] {
        var recorded: [AuditEventType] = []
        for (type, path) in [(AuditEventType.configurationChanged, configurationPath), (.catalogueChanged, catalogPath as String?)] {
            guard let path, let digest = Self.digest(of: path) else { continue }
            let last = try store.auditEvents([type]).last?.event.fields[AuditField.sha256]
            guard last != digest else { continue }
            try record(type, actor: actor, fields: [AuditField.sha256: digest, AuditField.path: path])
            recorded.append(type)
        }
        return recorded
    }

    /// SHA-256 (hex) of a file, or of a directory's `.json` files (name and content, sorted by name).
    static func digest(of path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        let hasher = SHA256Hasher()
        if isDirectory.boolValue {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
            for name in names {
                guard let data = FileManager.default.contents(atPath: path + "/" + name) else { return nil }
                hasher.update(Array((name + "\n").utf8))
                hasher.update(Array(data))
            }
        } else {
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            hasher.update(Array(data))
        }
        return hasher.finalize().hexString
    }
}
