import Foundation
import KasseCore
import KasseCrypto

/// An audit event as stored, with its journal position and (for PIN events) the PIN hash from
/// `operator_credentials`.
public struct StoredAuditEvent: Equatable, Sendable {
    public let seq: Int64
    public let record: AuditRecord
    /// The stored PIN hash string for `operator.added` / `operator.pin_changed`, else nil.
    public let pinHash: String?
}

/// A credential row that does not match the digest its audit event carries.
public struct CredentialMismatch: Error, CustomStringConvertible {
    public let seq: Int64
    public init(seq: Int64) { self.seq = seq }
    public var description: String {
        "Eintrag \(seq): der gespeicherte PIN-Hash passt nicht zur Prüfsumme im Prüfprotokoll; er wurde nach der Buchung verändert."
    }
}

extension Ledger {
    /// The detail field that carries the SHA-256 (hex) of a stored PIN hash.
    public static let pinHashDigestField = "pin_hash_sha256"

    /// SHA-256 (hex) of a PIN hash string: what the audit event's detail carries.
    public static func pinHashDigest(_ pinHash: String) -> String {
        LibCrypto.sha256(Array(pinHash.utf8)).hexString
    }

    /// Books `record` as an audit event and, if given, the PIN hash it refers to (same `seq`).
    /// The caller puts ``pinHashDigest(_:)`` into the record's detail. Must run inside ``transaction(_:)``.
    @discardableResult
    public func appendAudit(_ record: AuditRecord, pinHash: String? = nil, operatorId: String? = nil, at recordedAt: Instant) throws -> JournalEntry {
        let entry = try append(.audit(record), at: recordedAt)
        if let pinHash {
            guard let operatorId else { throw LedgerError.invalidRecord("PIN-Hash ohne Bediener") }
            guard record.detail.contains(Self.pinHashDigest(pinHash)) else {
                throw LedgerError.invalidRecord("PIN-Hash ohne Prüfsumme im Prüfprotokoll-Eintrag")
            }
            try wrap { () throws(SQLiteError) in
                try insert("operator_credentials", ["seq", "operator_id", "pin_hash"], [.integer(entry.seq), .text(operatorId), .text(pinHash)])
            }
        }
        return entry
    }

    /// Audit events in journal order, optionally only of `kinds`, with their PIN hashes.
    public func auditEvents(kinds: [String]? = nil) throws -> [StoredAuditEvent] {
        var sql = """
            SELECT a.seq, a.id, a.kind, a.operator_id, a.detail, a.at_ms, c.pin_hash
            FROM audit_events a LEFT JOIN operator_credentials c ON c.seq = a.seq
            """
        var values: [SQLiteValue] = []
        if let kinds {
            sql += " WHERE a.kind IN (\(Array(repeating: "?", count: kinds.count).joined(separator: ", ")))"
            values = kinds.map { .text($0) }
        }
        sql += " ORDER BY a.seq"
        return try readTransaction {
            try wrap { () throws(SQLiteError) -> [StoredAuditEvent] in
                let s = try db.prepare(sql)
                try s.bind(values)
                var events: [StoredAuditEvent] = []
                while try s.step() {
                    var r = ColumnReader(s)
                    let seq = r.int64()
                    let record = AuditRecord(id: r.text(), kind: r.text(), operatorId: r.optionalText(), detail: r.text(), at: Instant(millisecondsSinceEpoch: r.int64()))
                    events.append(StoredAuditEvent(seq: seq, record: record, pinHash: r.optionalText()))
                }
                return events
            }
        }
    }

    /// The journal position of the newest audit event (0 if none): a cheap change marker.
    public func lastAuditSeq() throws -> Int64 { try seq("SELECT max(seq) FROM audit_events") ?? 0 }

    /// Whether no operator exists yet (first start).
    public func hasNoOperators() throws -> Bool { (try seq("SELECT count(*) FROM operators") ?? 0) == 0 }

    /// Every operator record, in the order they were added.
    public func operatorRecords() throws -> [OperatorRecord] {
        try wrap { () throws(SQLiteError) -> [OperatorRecord] in
            let s = try db.prepare("SELECT id, login, name, created_at_ms FROM operators ORDER BY seq")
            try s.bind([])
            var records: [OperatorRecord] = []
            while try s.step() {
                var r = ColumnReader(s)
                records.append(OperatorRecord(id: r.text(), login: r.text(), name: r.text(), createdAt: Instant(millisecondsSinceEpoch: r.int64())))
            }
            return records
        }
    }
}
