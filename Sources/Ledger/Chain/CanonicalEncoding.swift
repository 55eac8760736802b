import KasseCore
import KasseCrypto

/// The canonical bytes of a journal entry, the input of its SHA-256.
///
/// UTF-8 text, one field per line in a fixed order: `name=value\n`, or `name\n` for an absent
/// value. In values `\` is written `\\` and a line break `\n`, so every field is one line.
/// Integers are decimal, amounts in cents, instants in milliseconds since the epoch.
/// The first lines are the format tag and the chain link (`seq`, `kind`, `ref`, `recorded_at_ms`,
/// `prev`), then the record's fields including every child row (lines, shares, payments, refunds)
/// in order. Changing this encoding needs a new format tag; old entries keep theirs.
public enum CanonicalEncoding {
    public static let formatTag = "webkasse-ledger/1"

    /// `hash = SHA-256(canonical bytes)` as 64 lower-case hex digits.
    public static func hash(
        seq: Int64, recordedAt: Instant, previousHash: String, event: LedgerEvent
    ) -> String {
        LibCrypto.sha256(bytes(seq: seq, recordedAt: recordedAt, previousHash: previousHash, event: event)).hexString
    }

    public static func bytes(seq: Int64, recordedAt: Instant, previousHash: String, event: LedgerEvent) -> [UInt8] {
        var w = CanonicalWriter()
        w.raw(formatTag)
        w.field("seq", seq)
        w.field("kind", event.kind.rawValue)
        w.field("ref", event.ref)
        w.field("recorded_at_ms", recordedAt.millisecondsSinceEpoch)
        w.field("prev", previousHash)
        switch event {
        case .register(let r):
            w.field("id", r.id); w.field("name", r.name); w.field("created_at_ms", r.createdAt)
        case .operatorAdded(let r):
            w.field("id", r.id); w.field("login", r.login); w.field("name", r.name); w.field("created_at_ms", r.createdAt)
        case .shiftOpened(let r):
            w.field("id", r.id); w.field("operator_id", r.operatorId); w.field("business_date", r.businessDate)
            w.field("opened_at_ms", r.openedAt); w.field("float_cents", r.float)
        case .sale(let r):
            w.field("id", r.id); w.field("receipt_number", r.receiptNumber); w.field("shift_id", r.shiftId)
            w.field("operator_id", r.operatorId); w.field("business_date", r.businessDate)
            w.field("started_at_ms", r.startedAt); w.field("ended_at_ms", r.endedAt)
            w.field("reference", r.reference); w.field("total_cents", r.total)
            w.field("lines", Int64(r.lines.count))
            for (i, line) in r.lines.enumerated() {
                let p = "line.\(i + 1)."
                w.field(p + "item_code", line.itemCode); w.field(p + "name", line.name); w.field(p + "variant", line.variant)
                w.field(p + "quantity", line.quantity); w.field(p + "unit_price_cents", line.unitPrice)
                w.field(p + "amount_cents", line.amount); w.field(p + "sachkonto", line.sachkonto)
                w.field(p + "produkt", line.produkt); w.field(p + "kostenstelle", line.kostenstelle)
                w.field(p + "tax_note", line.taxNote)
                w.field(p + "shares", Int64(line.shares.count))
                for (j, share) in line.shares.enumerated() {
                    let q = p + "share.\(j + 1)."
                    w.field(q + "account", share.account); w.field(q + "produkt", share.produkt)
                    w.field(q + "kostenstelle", share.kostenstelle); w.field(q + "amount_cents", share.amount)
                    w.field(q + "pass_through", share.passThrough ? 1 : 0); w.field(q + "label", share.label)
                }
            }
            w.field("payments", Int64(r.payments.count))
            for (i, payment) in r.payments.enumerated() {
                let p = "payment.\(i + 1)."
                w.field(p + "method", payment.method.rawValue); w.field(p + "amount_cents", payment.amount)
                w.field(p + "tendered_cents", payment.tendered); w.field(p + "change_cents", payment.change)
                w.field(p + "cheque_number", payment.chequeNumber); w.field(p + "cheque_bank", payment.chequeBank)
                w.field(p + "cheque_drawer", payment.chequeDrawer)
                w.card(p + "card_", payment.card)
                w.field(p + "card_pending_id", payment.cardPendingId)
            }
        case .storno(let r):
            w.field("id", r.id); w.field("sale_id", r.saleId); w.field("receipt_number", r.receiptNumber)
            w.field("shift_id", r.shiftId); w.field("operator_id", r.operatorId); w.field("approved_by", r.approvedBy)
            w.field("reason", r.reason); w.field("business_date", r.businessDate); w.field("at_ms", r.at)
            w.field("total_cents", r.total)
            w.field("refunds", Int64(r.refunds.count))
            for (i, refund) in r.refunds.enumerated() {
                let p = "refund.\(i + 1)."
                w.field(p + "method", refund.method.rawValue); w.field(p + "amount_cents", refund.amount)
                w.card(p + "card_", refund.cardReversal)
                w.field(p + "not_reversed_reason", refund.notReversedReason)
            }
        case .cashMovement(let r):
            w.field("id", r.id); w.field("receipt_number", r.receiptNumber); w.field("shift_id", r.shiftId)
            w.field("operator_id", r.operatorId); w.field("approved_by", r.approvedBy); w.field("kind", r.kind.rawValue)
            w.field("amount_cents", r.amount); w.field("reason", r.reason); w.field("business_date", r.businessDate)
            w.field("at_ms", r.at)
        case .dayClose(let r):
            w.field("id", r.id); w.field("z_number", r.zNumber); w.field("shift_id", r.shiftId)
            w.field("operator_id", r.operatorId); w.field("approved_by", r.approvedBy)
            w.field("business_date", r.businessDate); w.field("closed_at_ms", r.closedAt); w.field("after_seq", r.afterSeq)
            let t = r.totals
            w.field("first_receipt", t.firstReceipt); w.field("last_receipt", t.lastReceipt)
            w.field("sale_count", t.saleCount); w.field("storno_count", t.stornoCount)
            w.field("float_cents", t.float); w.field("sales_cents", t.sales); w.field("cash_cents", t.cash)
            w.field("cheque_cents", t.cheque); w.field("card_cents", t.card); w.field("storno_cents", t.stornos)
            w.field("storno_cash_cents", t.stornoCash); w.field("storno_cheque_cents", t.stornoCheque)
            w.field("storno_card_cents", t.stornoCard); w.field("einlagen_cents", t.einlagen)
            w.field("entnahmen_cents", t.entnahmen); w.field("abschoepfungen_cents", t.abschoepfungen)
            w.field("expected_cash_cents", r.expectedCash); w.field("counted_cash_cents", r.countedCash)
            w.field("difference_cents", r.difference)
        case .cardPending(let r):
            w.field("id", r.id); w.field("sale_id", r.saleId); w.field("amount_cents", r.amount)
            w.field("terminal", r.terminal); w.field("created_at_ms", r.createdAt); w.field("draft", r.draft)
        case .cardResolved(let r):
            w.field("pending_id", r.pendingId); w.field("outcome", r.outcome.rawValue); w.field("sale_id", r.saleId)
            w.field("detail", r.detail); w.field("resolved_at_ms", r.resolvedAt); w.field("at_startup", r.atStartup ? 1 : 0)
        case .export(let r):
            w.field("id", r.id); w.field("format", r.format); w.field("scope", r.scope); w.field("after_seq", r.afterSeq)
            w.field("through_seq", r.throughSeq); w.field("file_name", r.fileName); w.field("record_count", r.recordCount)
            w.field("total_cents", r.total); w.field("file_sha256", r.fileSHA256); w.field("is_repeat", r.isRepeat ? 1 : 0)
            w.field("operator_id", r.operatorId); w.field("at_ms", r.at)
        case .audit(let r):
            w.field("id", r.id); w.field("kind", r.kind); w.field("operator_id", r.operatorId); w.field("detail", r.detail)
            w.field("at_ms", r.at)
        }
        return w.bytes
    }
}

struct CanonicalWriter {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1024) }

    mutating func raw(_ line: String) {
        bytes.append(contentsOf: line.utf8)
        bytes.append(0x0A)
    }

    mutating func field(_ name: String, _ value: String?) {
        bytes.append(contentsOf: name.utf8)
        if let value {
            bytes.append(UInt8(ascii: "="))
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): bytes.append(0x5C); bytes.append(0x5C)
                case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(0x0A)
    }

    mutating func field(_ name: String, _ value: Int64?) { field(name, value.map { String($0) }) }
    mutating func field(_ name: String, _ value: Int) { field(name, String(value)) }
    mutating func field(_ name: String, _ value: Money?) { field(name, value.map { String($0.cents) }) }
    mutating func field(_ name: String, _ value: Instant) { field(name, String(value.millisecondsSinceEpoch)) }

    mutating func card(_ prefix: String, _ card: CardDetails?) {
        field(prefix + "terminal_id", card?.terminalId)
        field(prefix + "trace", card?.traceNumber)
        field(prefix + "receipt_number", card?.receiptNumber)
        field(prefix + "name", card?.cardName)
        field(prefix + "masked_pan", card?.maskedPAN)
        field(prefix + "auth_code", card?.authorizationCode)
        field(prefix + "turnover_number", card?.turnoverNumber)
        field(prefix + "receipt_text", card.map { CardDetails.joinReceiptLines($0.receiptLines) })
    }
}

extension CardDetails {
    /// Receipt lines are stored as one text column, joined by line feeds.
    static func joinReceiptLines(_ lines: [String]) -> String { lines.joined(separator: "\n") }
    static func splitReceiptLines(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}
