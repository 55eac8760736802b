import Access
import Foundation
import KasseCore
import KasseCrypto
import Ledger

/// The access rules' store at the centre (docs/central.md, "Bediener aus der Zentrale"): the
/// same ``CredentialStore`` the counter's ledger is, over the table `operator_events`
/// (migration 4), so `webkasse central operator …` runs the very same `AccessControl` and
/// `OperatorAdministration` rules as `webkasse operator …`. Each audit event is one row with its
/// detail as on the counter (``AuditJSON``); a PIN hash sits apart in `operator_pin_hashes` under
/// its event's `seq` while the detail carries the hash's SHA-256 (``Ledger/pinHashDigestField``),
/// so a changed hash row is refused when read (``CredentialMismatch``). Both tables are append-only.
///
/// A write transaction locks `operator_events` (EXCLUSIVE: readers go on, writers wait), so
/// nobody appends between the rules' reads and their appends, and `seq` grows in commit order:
/// a counter that has read up to N never misses an event below N.
public final class CentralOperatorStore: CredentialStore {
    public let store: CentralStore
    private var connection: PostgreSQLConnection { store.connection }

    public init(store: CentralStore) { self.store = store }

    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if connection.isInTransaction { return try body() }
        return try store.run {
            try connection.transaction {
                try connection.execute("LOCK TABLE operator_events IN EXCLUSIVE MODE")
                return try body()
            }
        }
    }

    public func readTransaction<T>(_ body: () throws -> T) throws -> T {
        if connection.isInTransaction { return try body() }
        return try store.run {
            try connection.transaction {
                try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                return try body()
            }
        }
    }

    public func lastAuditSeq() throws -> Int64 {
        try store.run { try connection.execute("SELECT coalesce(max(seq), 0) FROM operator_events").int64(0, 0) ?? 0 }
    }

    public func auditEvents(_ types: [AuditEventType]) throws -> [RecordedAuditEvent] {
        try store.run {
            let result = try connection.execute(
                """
                SELECT e.seq, e.kind, e.actor_id, e.detail, e.at_ms, h.pin_hash
                FROM operator_events e LEFT JOIN operator_pin_hashes h ON h.seq = e.seq
                WHERE e.kind = ANY($1::text[]) ORDER BY e.seq
                """, [.text(Self.textArray(types.map(\.rawValue)))])
            return try (0..<result.rowCount).map { row in
                let seq = result.int64(row, 0) ?? 0
                let event = try Self.event(
                    seq: seq, kind: result.text(row, 1) ?? "", actor: result.text(row, 2), detail: result.text(row, 3) ?? "",
                    atMs: result.int64(row, 4) ?? 0, pinHash: result.text(row, 5))
                return RecordedAuditEvent(seq: seq, event: event)
            }
        }
    }

    /// The event of a stored row, its PIN hash checked against the digest in its detail and put
    /// back into its fields. Shared with the counter's ``OperatorFollower``.
    static func event(seq: Int64, kind: String, actor: String?, detail: String, atMs: Int64, pinHash: String?) throws -> AuditEvent {
        let at = Instant(millisecondsSinceEpoch: atMs).date
        let raw = try AuditEvent(type: kind, actor: actor, detailJSON: detail, at: at)
        var fields = raw.fields
        if let digest = fields.removeValue(forKey: Ledger.pinHashDigestField) {
            guard let pinHash, Self.digest(pinHash) == digest else { throw CredentialMismatch(seq: seq) }
            fields[AuditField.pinHash] = pinHash
        }
        return AuditEvent(raw.type, actor: raw.actorID, fields: fields, at: at)
    }

    static func digest(_ pinHash: String) -> String { LibCrypto.sha256(Array(pinHash.utf8)).hexString }

    /// A PostgreSQL array literal of plain words (the audit kinds: letters, dots, underscores).
    static func textArray(_ words: [String]) -> String {
        "{" + words.map { "\"" + $0 + "\"" }.joined(separator: ",") + "}"
    }

    @discardableResult
    public func appendAudit(_ event: AuditEvent) throws -> Int64 {
        guard connection.isInTransaction else { throw LedgerError.notInTransaction }
        var fields = event.fields
        let pinHash = fields.removeValue(forKey: AuditField.pinHash)
        if let pinHash { fields[Ledger.pinHashDigestField] = Self.digest(pinHash) }
        if event.type == .operatorAdded, fields[AuditField.subject] == nil || fields[AuditField.login] == nil || fields[AuditField.name] == nil {
            throw LedgerError.invalidRecord("»\(AuditEventType.operatorAdded.rawValue)« ohne Kennung, Anmeldename oder Name")
        }
        let stored = AuditEvent(event.type, actor: event.actorID, fields: fields, at: event.at)
        return try store.run {
            let seq =
                try connection.execute(
                    "INSERT INTO operator_events (kind, actor_id, subject_id, detail, at_ms) VALUES ($1, $2, $3, $4, $5) RETURNING seq",
                    [
                        .text(event.type.rawValue), .optional(event.actorID), .optional(fields[AuditField.subject]), .text(stored.detailJSON),
                        .int(Instant(event.at).millisecondsSinceEpoch),
                    ]
                ).int64(0, 0) ?? 0
            if let pinHash {
                guard let operatorID = fields[AuditField.subject] else { throw LedgerError.invalidRecord("PIN-Hash ohne Bediener") }
                try connection.execute(
                    "INSERT INTO operator_pin_hashes (seq, operator_id, pin_hash) VALUES ($1, $2, $3)", [.int(seq), .text(operatorID), .text(pinHash)])
            }
            return seq
        }
    }

    public func operatorLogin(id: String) throws -> String? {
        try store.run {
            let result = try connection.execute(
                "SELECT detail FROM operator_events WHERE subject_id = $1 AND kind = $2 ORDER BY seq LIMIT 1",
                [.text(id), .text(AuditEventType.operatorAdded.rawValue)])
            guard let detail = result.rowCount == 1 ? result.text(0, 0) : nil else { return nil }
            return (try? AuditEvent(type: AuditEventType.operatorAdded.rawValue, actor: nil, detailJSON: detail, at: Date()))?.fields[AuditField.login]
        }
    }

    /// The centre books nothing that an approval could back.
    public func isApprovalUsed(_ approvalSeq: Int64) throws -> Bool { false }

    public func recordApprovalUse(approvalSeq: Int64, bookingSeq: Int64, action: ApprovableAction) throws {
        throw CentralError.invalidMasterData("Die Zentrale bucht nichts, was eine Freigabe decken könnte.")
    }
}
