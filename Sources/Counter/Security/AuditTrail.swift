import Access
import Foundation
import KasseCore
import Ledger

/// One line of the audit trail: an audit event, or a booking the audit trail must show
/// (shift opened, storno with its approver, cash movement, day close, export run, card payment
/// resolved at start-up). Every one is a journal entry, so `seq` places it in the hash chain.
public struct AuditTrailEntry: Equatable, Sendable {
    public let seq: Int64
    public let at: Instant
    /// `login.failed`, `storno`, `cash.movement`, … (an ``AuditEventType`` raw value).
    public let type: String
    /// The operator who did it (id), if any.
    public let operatorId: String?
    /// Details for showing (never a PIN hash).
    public let fields: [String: String]
    /// The journal entry's hash (for `--json`: lets a reader check it against `verify`).
    public let hash: String
}

/// What `webkasse audit` lists.
public struct AuditFilter: Sendable {
    public var from: Instant?
    /// Exclusive end.
    public var to: Instant?
    /// Operator id: entries by or about this operator.
    public var operatorId: String?
    /// A type (`login.failed`) or a prefix up to a dot (`login` matches `login.succeeded` and `login.failed`).
    public var type: String?
    public init(from: Instant? = nil, to: Instant? = nil, operatorId: String? = nil, type: String? = nil) {
        self.from = from
        self.to = to
        self.operatorId = operatorId
        self.type = type
    }

    func matches(_ entry: AuditTrailEntry) -> Bool {
        if let from, entry.at < from { return false }
        if let to, !(entry.at < to) { return false }
        if let operatorId, entry.operatorId != operatorId, entry.fields[AuditField.subject] != operatorId,
            entry.fields[AuditField.approver] != operatorId
        {
            return false
        }
        if let type, entry.type != type, !entry.type.hasPrefix(type + ".") { return false }
        return true
    }
}

public enum AuditTrail {
    /// The audit trail of `ledger`, in journal order, filtered.
    public static func entries(_ ledger: Ledger, filter: AuditFilter = AuditFilter()) throws -> [AuditTrailEntry] {
        var entries: [AuditTrailEntry] = []
        try ledger.forEachEvent { journal, event in
            guard let entry = entry(journal, event), filter.matches(entry) else { return }
            entries.append(entry)
        }
        return entries
    }

    /// The trail line for one booked event, or nil for bookings that are not audit matters (sales, …).
    static func entry(_ journal: JournalEntry, _ event: LedgerEvent) -> AuditTrailEntry? {
        func make(_ type: String, _ operatorId: String?, _ fields: [String: String], at: Instant? = nil) -> AuditTrailEntry {
            AuditTrailEntry(seq: journal.seq, at: at ?? journal.recordedAt, type: type, operatorId: operatorId, fields: fields, hash: journal.hash)
        }
        func withApprover(_ fields: [String: String], _ approvedBy: String?) -> [String: String] {
            var fields = fields
            if let approvedBy { fields[AuditField.approver] = approvedBy }
            return fields
        }
        switch event {
        case .audit(let r):
            var fields: [String: String]
            if let object = try? JSONSerialization.jsonObject(with: Data(r.detail.utf8)) as? [String: Any] {
                fields = object.compactMapValues { $0 as? String ?? "\($0)" }
            } else {
                fields = ["text": r.detail]
            }
            if fields.removeValue(forKey: Ledger.pinHashDigestField) != nil { fields[AuditField.pinHash] = "(neu gesetzt)" }
            return make(r.kind, r.operatorId, fields, at: r.at)
        case .shiftOpened(let r):
            return make(
                AuditEventType.shiftOpened.rawValue, r.operatorId, ["float_cents": String(r.float.cents), "shift": r.id, "business_date": r.businessDate],
                at: r.openedAt)
        case .storno(let r):
            return make(
                AuditEventType.stornoBooked.rawValue, r.operatorId,
                withApprover(["receipt": String(r.receiptNumber), "total_cents": String(r.total.cents), AuditField.reason: r.reason], r.approvedBy), at: r.at)
        case .cashMovement(let r):
            return make(
                AuditEventType.cashMovement.rawValue, r.operatorId,
                withApprover(
                    ["kind": r.kind.rawValue, AuditField.amount: String(r.amount.cents), "receipt": String(r.receiptNumber), AuditField.reason: r.reason],
                    r.approvedBy), at: r.at)
        case .dayClose(let r):
            return make(
                AuditEventType.dayClosed.rawValue, r.operatorId,
                withApprover(
                    [
                        "z": String(r.zNumber), "business_date": r.businessDate, AuditField.expected: String(r.expectedCash.cents),
                        AuditField.counted: String(r.countedCash.cents), "difference_cents": String(r.difference.cents),
                    ], r.approvedBy), at: r.closedAt)
        case .export(let r):
            return make(
                AuditEventType.exportRun.rawValue, r.operatorId,
                ["format": r.format, "file": r.fileName, AuditField.sha256: r.fileSHA256, "records": String(r.recordCount)], at: r.at)
        case .cardResolved(let r) where r.atStartup:
            var fields = ["outcome": r.outcome.rawValue, "pending": r.pendingId, "detail": r.detail]
            if let sale = r.saleId { fields["sale"] = sale }
            return make(AuditEventType.pendingCardResolved.rawValue, nil, fields, at: r.resolvedAt)
        default:
            return nil
        }
    }
}
