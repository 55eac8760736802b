import Access
import Foundation
import KasseCore

/// Schema added by the day close (docs/dayclose.md): the count by denomination, the difference's reason and
/// account, the terminal's End-of-Day totals, cheques, the float kept and the handover.
///
/// Each `day_close_details` row (and its `day_close_counts` rows) belongs to a `day_close.detail`
/// audit event with the same `seq`, booked in the transaction of the day close; that event's
/// detail carries the same facts as JSON, so the hash chain covers them (a changed row is refused
/// when read, see ``DayCloseDetailMismatch``). Shipped migrations are never edited: add a new one.
let dayCloseMigrations: [Migration] = [
    Migration(
        version: 3, name: "day_close_detail",
        schema: """
            CREATE TABLE day_close_details (
                seq INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
                day_close_id TEXT PRIMARY KEY REFERENCES day_closes(id),
                z_number INTEGER NOT NULL UNIQUE CHECK (z_number > 0),
                blind_count INTEGER NOT NULL CHECK (blind_count IN (0, 1)),
                count_submissions INTEGER NOT NULL CHECK (count_submissions >= 1),
                first_counted_cents INTEGER,
                total_only INTEGER NOT NULL CHECK (total_only IN (0, 1)),
                counted_cash_cents INTEGER NOT NULL CHECK (counted_cash_cents >= 0),
                reason TEXT NOT NULL,
                difference_account TEXT,
                approval_threshold_cents INTEGER NOT NULL,
                terminal_status TEXT NOT NULL CHECK (terminal_status IN ('ok', 'mismatch', 'unavailable')),
                terminal_total_cents INTEGER,
                terminal_count INTEGER,
                ledger_card_cents INTEGER NOT NULL,
                ledger_card_count INTEGER NOT NULL,
                terminal_note TEXT NOT NULL,
                cheque_count INTEGER NOT NULL CHECK (cheque_count >= 0),
                cheque_cents INTEGER NOT NULL,
                float_kept_cents INTEGER NOT NULL CHECK (float_kept_cents >= 0),
                handover_cents INTEGER NOT NULL CHECK (handover_cents >= 0)
            );
            CREATE TABLE day_close_counts (
                seq INTEGER NOT NULL REFERENCES day_close_details(seq),
                denomination_cents INTEGER NOT NULL
                    CHECK (denomination_cents IN (50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1)),
                pieces INTEGER NOT NULL CHECK (pieces > 0),
                PRIMARY KEY (seq, denomination_cents)
            );

            """, appendOnly: ["day_close_details", "day_close_counts"])
]

/// How the card terminal's End-of-Day (ZVT 06 50) compared with the card payments booked.
public enum TerminalReconciliation: String, Sendable, Equatable {
    /// Totals and counts agree.
    case ok
    /// The terminal reported other totals or counts than the ledger holds.
    case mismatch
    /// No End-of-Day: no terminal, or it could not be reached or refused.
    case unavailable
}

/// What a day close records beyond the `day_closes` row: count, reason, terminal, cheques, handover.
public struct DayCloseDetail: Equatable, Sendable {
    public let dayCloseId: String
    public let zNumber: Int64
    /// Counted before the expected amount was shown (Blindzählung).
    public let blindCount: Bool
    /// How often the clerk counted; with a recount ``firstCountedCash`` keeps the first result.
    public let countSubmissions: Int
    public let firstCountedCash: Money?
    /// The clerk entered the sum only, not the pieces per denomination.
    public let totalOnly: Bool
    /// Pieces per denomination (value in cents), only denominations counted (empty when ``totalOnly``).
    public let pieces: [Int64: Int]
    public let countedCash: Money
    /// Why counted and expected differ (empty when they agree).
    public let reason: String
    /// The account the difference goes to (Überschuss / Fehlbetrag); nil without a difference.
    public let differenceAccount: String?
    /// The approval threshold in force at the close.
    public let approvalThreshold: Money
    public let terminalStatus: TerminalReconciliation
    public let terminalTotal: Money?
    public let terminalCount: Int?
    /// Card payments the ledger holds for the period (not reversed on the terminal).
    public let ledgerCardTotal: Money
    public let ledgerCardCount: Int
    /// The terminal's answer or why there is none, for the report.
    public let terminalNote: String
    public let chequeCount: Int
    public let chequeTotal: Money
    /// Cash left in the drawer as tomorrow's float.
    public let floatKept: Money
    /// Cash handed to the Stadtkasse.
    public let handover: Money

    public init(
        dayCloseId: String, zNumber: Int64, blindCount: Bool, countSubmissions: Int, firstCountedCash: Money?, totalOnly: Bool,
        pieces: [Int64: Int], countedCash: Money, reason: String, differenceAccount: String?, approvalThreshold: Money,
        terminalStatus: TerminalReconciliation, terminalTotal: Money?, terminalCount: Int?, ledgerCardTotal: Money,
        ledgerCardCount: Int, terminalNote: String, chequeCount: Int, chequeTotal: Money, floatKept: Money, handover: Money
    ) {
        self.dayCloseId = dayCloseId
        self.zNumber = zNumber
        self.blindCount = blindCount
        self.countSubmissions = countSubmissions
        self.firstCountedCash = firstCountedCash
        self.totalOnly = totalOnly
        self.pieces = pieces.filter { $0.value != 0 }
        self.countedCash = countedCash
        self.reason = reason
        self.differenceAccount = differenceAccount
        self.approvalThreshold = approvalThreshold
        self.terminalStatus = terminalStatus
        self.terminalTotal = terminalTotal
        self.terminalCount = terminalCount
        self.ledgerCardTotal = ledgerCardTotal
        self.ledgerCardCount = ledgerCardCount
        self.terminalNote = terminalNote
        self.chequeCount = chequeCount
        self.chequeTotal = chequeTotal
        self.floatKept = floatKept
        self.handover = handover
    }

    /// The facts as flat text fields: the JSON of the chained audit event.
    public var fields: [String: String] {
        var f: [String: String] = [
            "day_close": dayCloseId, "z": String(zNumber), "blind_count": blindCount ? "1" : "0",
            "count_submissions": String(countSubmissions), "total_only": totalOnly ? "1" : "0",
            "pieces": pieces.sorted { $0.key > $1.key }.map { "\($0.key)x\($0.value)" }.joined(separator: ","),
            "counted_cents": String(countedCash.cents), "reason": reason,
            "approval_threshold_cents": String(approvalThreshold.cents), "terminal_status": terminalStatus.rawValue,
            "ledger_card_cents": String(ledgerCardTotal.cents), "ledger_card_count": String(ledgerCardCount),
            "terminal_note": terminalNote, "cheque_count": String(chequeCount), "cheque_cents": String(chequeTotal.cents),
            "float_kept_cents": String(floatKept.cents), "handover_cents": String(handover.cents),
        ]
        if let firstCountedCash { f["first_counted_cents"] = String(firstCountedCash.cents) }
        if let differenceAccount { f["difference_account"] = differenceAccount }
        if let terminalTotal { f["terminal_total_cents"] = String(terminalTotal.cents) }
        if let terminalCount { f["terminal_count"] = String(terminalCount) }
        return f
    }

    /// The canonical JSON (sorted keys) of ``fields``.
    public var json: String {
        let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// A detail row that does not match the chained audit event of its `seq`: changed after booking.
public struct DayCloseDetailMismatch: Error, CustomStringConvertible {
    public let seq: Int64
    public let zNumber: Int64
    public var description: String {
        "Eintrag \(seq): die Zähl- und Terminaldaten des Tagesabschlusses Z \(zNumber) passen nicht zum verketteten Prüfprotokoll-Eintrag; sie wurden nach der Buchung verändert."
    }
}

extension Ledger {
    /// Books `detail` for the day close it names (booked before, in the same transaction): an
    /// audit event carrying the facts as JSON plus the rows of migration 3 with the same `seq`.
    @discardableResult
    public func appendDayCloseDetail(_ detail: DayCloseDetail, auditId: String, operatorId: String, at recordedAt: Instant) throws
        -> JournalEntry
    {
        guard let close = try dayClose(zNumber: detail.zNumber), close.id == detail.dayCloseId else {
            throw LedgerError.invalidRecord("Zähldaten für einen nicht gebuchten Tagesabschluss (Z \(detail.zNumber))")
        }
        guard close.countedCash == detail.countedCash else {
            throw LedgerError.invalidRecord("Zählung \(detail.countedCash.formatted) weicht vom gebuchten Istbestand \(close.countedCash.formatted) ab")
        }
        let piecesTotal = detail.pieces.reduce(Int64(0)) { $0 + $1.key * Int64($1.value) }
        guard detail.totalOnly || piecesTotal == detail.countedCash.cents else {
            throw LedgerError.invalidRecord("die Stückelung ergibt \(Money(cents: piecesTotal).formatted), gezählt sind \(detail.countedCash.formatted)")
        }
        let entry = try append(
            .audit(AuditRecord(id: auditId, kind: AuditEventType.dayCloseDetail.rawValue, operatorId: operatorId, detail: detail.json, at: recordedAt)),
            at: recordedAt)
        func optional(_ value: Int64?) -> SQLiteValue { value.map { .integer($0) } ?? .null }
        try wrap { () throws(SQLiteError) in
            try insert(
                "day_close_details",
                [
                    "seq", "day_close_id", "z_number", "blind_count", "count_submissions", "first_counted_cents", "total_only",
                    "counted_cash_cents", "reason", "difference_account", "approval_threshold_cents", "terminal_status",
                    "terminal_total_cents", "terminal_count", "ledger_card_cents", "ledger_card_count", "terminal_note",
                    "cheque_count", "cheque_cents", "float_kept_cents", "handover_cents",
                ],
                [
                    .integer(entry.seq), .text(detail.dayCloseId), .integer(detail.zNumber), .integer(detail.blindCount ? 1 : 0),
                    .integer(Int64(detail.countSubmissions)), optional(detail.firstCountedCash?.cents),
                    .integer(detail.totalOnly ? 1 : 0), .integer(detail.countedCash.cents), .text(detail.reason),
                    detail.differenceAccount.map { .text($0) } ?? .null, .integer(detail.approvalThreshold.cents),
                    .text(detail.terminalStatus.rawValue), optional(detail.terminalTotal?.cents),
                    optional(detail.terminalCount.map(Int64.init)), .integer(detail.ledgerCardTotal.cents),
                    .integer(Int64(detail.ledgerCardCount)), .text(detail.terminalNote), .integer(Int64(detail.chequeCount)),
                    .integer(detail.chequeTotal.cents), .integer(detail.floatKept.cents), .integer(detail.handover.cents),
                ])
            for (denomination, pieces) in detail.pieces.sorted(by: { $0.key > $1.key }) {
                try insert(
                    "day_close_counts", ["seq", "denomination_cents", "pieces"],
                    [.integer(entry.seq), .integer(denomination), .integer(Int64(pieces))])
            }
        }
        return entry
    }

    /// The detail of day close `dayCloseId` (nil for closes booked without one), checked against
    /// its chained audit event. Throws ``DayCloseDetailMismatch`` when a row was changed.
    public func dayCloseDetail(dayCloseId: String) throws -> DayCloseDetail? {
        try readTransaction {
            let row = try wrap { () throws(SQLiteError) -> (Int64, DayCloseDetail)? in
                let s = try db.prepare(
                    """
                    SELECT seq, day_close_id, z_number, blind_count, count_submissions, first_counted_cents, total_only,
                           counted_cash_cents, reason, difference_account, approval_threshold_cents, terminal_status,
                           terminal_total_cents, terminal_count, ledger_card_cents, ledger_card_count, terminal_note,
                           cheque_count, cheque_cents, float_kept_cents, handover_cents
                    FROM day_close_details WHERE day_close_id = ?
                    """)
                try s.bind([.text(dayCloseId)])
                defer { s.reset() }  // an unfinished statement would pin an old read snapshot
                guard try s.step() else { return nil }
                var r = ColumnReader(s)
                let seq = r.int64()
                let id = r.text()
                let z = r.int64()
                let blind = r.bool()
                let submissions = Int(r.int64())
                let first = r.optionalInt64().map(Money.init(cents:))
                let totalOnly = r.bool()
                let counted = Money(cents: r.int64())
                let reason = r.text()
                let account = r.optionalText()
                let threshold = Money(cents: r.int64())
                let status = TerminalReconciliation(rawValue: r.text()) ?? .unavailable
                let terminalTotal = r.optionalInt64().map(Money.init(cents:))
                let terminalCount = r.optionalInt64().map { Int($0) }
                let ledgerCard = Money(cents: r.int64())
                let ledgerCount = Int(r.int64())
                let note = r.text()
                let chequeCount = Int(r.int64())
                let cheques = Money(cents: r.int64())
                let floatKept = Money(cents: r.int64())
                let handover = Money(cents: r.int64())
                let p = try db.prepare("SELECT denomination_cents, pieces FROM day_close_counts WHERE seq = ?")
                try p.bind([.integer(seq)])
                defer { p.reset() }
                var pieces: [Int64: Int] = [:]
                while try p.step() { pieces[p.int64(0)] = p.int(1) }
                return (
                    seq,
                    DayCloseDetail(
                        dayCloseId: id, zNumber: z, blindCount: blind, countSubmissions: submissions, firstCountedCash: first,
                        totalOnly: totalOnly, pieces: pieces, countedCash: counted, reason: reason, differenceAccount: account,
                        approvalThreshold: threshold, terminalStatus: status, terminalTotal: terminalTotal,
                        terminalCount: terminalCount, ledgerCardTotal: ledgerCard, ledgerCardCount: ledgerCount, terminalNote: note,
                        chequeCount: chequeCount, chequeTotal: cheques, floatKept: floatKept, handover: handover)
                )
            }
            guard let (seq, detail) = row else { return nil }
            guard case .audit(let audit)? = try event(at: seq), audit.kind == AuditEventType.dayCloseDetail.rawValue,
                let object = try? JSONSerialization.jsonObject(with: Data(audit.detail.utf8)) as? [String: String],
                object == detail.fields
            else { throw DayCloseDetailMismatch(seq: seq, zNumber: detail.zNumber) }
            return detail
        }
    }

    /// The journal position of day close `id` (the end of its period).
    public func dayCloseSeq(id: String) throws -> Int64? { try seq("SELECT seq FROM day_closes WHERE id = ?", [.text(id)]) }
}
