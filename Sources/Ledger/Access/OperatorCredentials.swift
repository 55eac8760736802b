import Access
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

/// The access rules' store in the ledger (docs/access.md): audit events are journal entries in
/// the hash chain; a PIN hash sits in `operator_credentials` under its event's `seq` while the
/// event's chained detail carries the hash's SHA-256 (``pinHashDigestField``), so a changed
/// credential row is refused when read (``CredentialMismatch``); `approval_uses` holds which
/// booking each four-eyes approval backs. The tables come from migrations 2 and 5
/// (`Sources/Ledger/Storage/Migrations.swift`).
extension Ledger: CredentialStore {
    /// The detail field that carries the SHA-256 (hex) of a stored PIN hash.
    public static let pinHashDigestField = "pin_hash_sha256"

    /// SHA-256 (hex) of a PIN hash string: what the audit event's detail carries.
    static func pinHashDigest(_ pinHash: String) -> String {
        LibCrypto.sha256(Array(pinHash.utf8)).hexString
    }

    @discardableResult
    public func appendAudit(_ event: AuditEvent) throws -> Int64 {
        let at = Instant(event.at)
        var fields = event.fields
        let pinHash = fields.removeValue(forKey: AuditField.pinHash)
        if let pinHash { fields[Self.pinHashDigestField] = Self.pinHashDigest(pinHash) }
        if event.type == .operatorAdded {
            guard let id = fields[AuditField.subject], let login = fields[AuditField.login], let name = fields[AuditField.name] else {
                throw LedgerError.invalidRecord("»\(AuditEventType.operatorAdded.rawValue)« ohne Kennung, Anmeldename oder Name")
            }
            try append(.operatorAdded(OperatorRecord(id: id, login: login, name: name, createdAt: at)), at: at)
        }
        let stored = AuditEvent(event.type, actor: event.actorID, fields: fields, at: event.at)
        let record = AuditRecord(id: UUID().uuidString.lowercased(), kind: event.type.rawValue, operatorId: event.actorID, detail: stored.detailJSON, at: at)
        let entry = try append(.audit(record), at: at)
        if let pinHash {
            guard let operatorId = fields[AuditField.subject] else { throw LedgerError.invalidRecord("PIN-Hash ohne Bediener") }
            try wrap { () throws(SQLiteError) in
                try insert("operator_credentials", ["seq", "operator_id", "pin_hash"], [.integer(entry.seq), .text(operatorId), .text(pinHash)])
            }
        }
        return entry.seq
    }

    public func auditEvents(_ types: [AuditEventType]) throws -> [RecordedAuditEvent] {
        try auditEvents(kinds: types.map(\.rawValue)).map { stored in
            let at = stored.record.at.date
            let raw = try AuditEvent(type: stored.record.kind, actor: stored.record.operatorId, detailJSON: stored.record.detail, at: at)
            var fields = raw.fields
            if let digest = fields.removeValue(forKey: Self.pinHashDigestField) {
                guard let hash = stored.pinHash, Self.pinHashDigest(hash) == digest else { throw CredentialMismatch(seq: stored.seq) }
                fields[AuditField.pinHash] = hash
            }
            return RecordedAuditEvent(seq: stored.seq, event: AuditEvent(raw.type, actor: raw.actorID, fields: fields, at: at))
        }
    }

    /// Audit events in journal order, optionally only of `kinds`, as stored (PIN hashes apart).
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
                    let record = AuditRecord(
                        id: r.text(), kind: r.text(), operatorId: r.optionalText(), detail: r.text(), at: Instant(millisecondsSinceEpoch: r.int64()))
                    events.append(StoredAuditEvent(seq: seq, record: record, pinHash: r.optionalText()))
                }
                return events
            }
        }
    }

    /// The journal position of the newest audit event (0 if none): a cheap change marker.
    public func lastAuditSeq() throws -> Int64 { try seq("SELECT max(seq) FROM audit_events") ?? 0 }

    public func operatorLogin(id: String) throws -> String? { try operatorRecord(id: id)?.login }

    public func isApprovalUsed(_ approvalSeq: Int64) throws -> Bool {
        try seq("SELECT seq FROM approval_uses WHERE approval_seq = ?", [.integer(approvalSeq)]) != nil
    }

    public func recordApprovalUse(approvalSeq: Int64, bookingSeq: Int64, action: ApprovableAction) throws {
        guard db.isInTransaction else { throw LedgerError.notInTransaction }
        // Inside the booking's write transaction (BEGIN IMMEDIATE) no other writer runs between
        // this check and the insert; the UNIQUE column holds even if a caller skipped the check.
        guard try !isApprovalUsed(approvalSeq) else { throw AccessError.approvalAlreadyUsed(action) }
        try wrap { () throws(SQLiteError) in
            try insert("approval_uses", ["seq", "approval_seq"], [.integer(bookingSeq), .integer(approvalSeq)])
        }
    }
}
