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
        var scratch: [UInt8] = []
        return hash(seq: seq, recordedAt: recordedAt, previousHash: previousHash, event: event, scratch: &scratch)
    }

    /// As ``hash(seq:recordedAt:previousHash:event:)``, reusing `scratch` for the bytes (verify).
    static func hash(seq: Int64, recordedAt: Instant, previousHash: String, event: LedgerEvent, scratch: inout [UInt8]) -> String {
        var w = CanonicalWriter(taking: &scratch)
        write(seq: seq, recordedAt: recordedAt, previousHash: previousHash, event: event, to: &w)
        let digest = LibCrypto.sha256(w.bytes)
        scratch = w.bytes
        return digest.hexString
    }

    /// Whether `event` hashes to `expected` (64 lower-case hex digits), without building strings.
    static func matches(
        _ expected: String, seq: Int64, recordedAt: Instant, previousHash: String, event: LedgerEvent, scratch: inout [UInt8]
    ) -> Bool {
        var w = CanonicalWriter(taking: &scratch)
        write(seq: seq, recordedAt: recordedAt, previousHash: previousHash, event: event, to: &w)
        let digest = LibCrypto.sha256(w.bytes)
        scratch = w.bytes
        var expected = expected
        return expected.withUTF8 { hex in
            guard hex.count == 2 * digest.count else { return false }
            let digits = Array("0123456789abcdef".utf8)
            for (i, byte) in digest.enumerated() where hex[2 * i] != digits[Int(byte >> 4)] || hex[2 * i + 1] != digits[Int(byte & 0x0F)] {
                return false
            }
            return true
        }
    }

    public static func bytes(seq: Int64, recordedAt: Instant, previousHash: String, event: LedgerEvent) -> [UInt8] {
        var w = CanonicalWriter()
        write(seq: seq, recordedAt: recordedAt, previousHash: previousHash, event: event, to: &w)
        return w.bytes
    }

    private static func write(seq: Int64, recordedAt: Instant, previousHash: String, event: LedgerEvent, to w: inout CanonicalWriter) {
        w.raw("webkasse-ledger/1")
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
                w.setPrefix("line.", i + 1)
                w.field("item_code", line.itemCode); w.field("name", line.name); w.field("variant", line.variant)
                w.field("quantity", line.quantity); w.field("unit_price_cents", line.unitPrice)
                w.field("amount_cents", line.amount); w.field("sachkonto", line.sachkonto)
                w.field("produkt", line.produkt); w.field("kostenstelle", line.kostenstelle)
                w.field("tax_note", line.taxNote)
                w.field("shares", Int64(line.shares.count))
                for (j, share) in line.shares.enumerated() {
                    w.setPrefix("line.", i + 1, "share.", j + 1)
                    w.field("account", share.account); w.field("produkt", share.produkt)
                    w.field("kostenstelle", share.kostenstelle); w.field("amount_cents", share.amount)
                    w.field("pass_through", share.passThrough ? 1 : 0); w.field("label", share.label)
                }
            }
            w.clearPrefix()
            w.field("payments", Int64(r.payments.count))
            for (i, payment) in r.payments.enumerated() {
                w.setPrefix("payment.", i + 1)
                w.field("method", payment.method.rawValue); w.field("amount_cents", payment.amount)
                w.field("tendered_cents", payment.tendered); w.field("change_cents", payment.change)
                w.field("cheque_number", payment.chequeNumber); w.field("cheque_bank", payment.chequeBank)
                w.field("cheque_drawer", payment.chequeDrawer)
                w.card(payment.card)
                w.field("card_pending_id", payment.cardPendingId)
            }
            w.clearPrefix()
        case .storno(let r):
            w.field("id", r.id); w.field("sale_id", r.saleId); w.field("receipt_number", r.receiptNumber)
            w.field("shift_id", r.shiftId); w.field("operator_id", r.operatorId); w.field("approved_by", r.approvedBy)
            w.field("reason", r.reason); w.field("business_date", r.businessDate); w.field("at_ms", r.at)
            w.field("total_cents", r.total)
            w.field("refunds", Int64(r.refunds.count))
            for (i, refund) in r.refunds.enumerated() {
                w.setPrefix("refund.", i + 1)
                w.field("method", refund.method.rawValue); w.field("amount_cents", refund.amount)
                w.card(refund.cardReversal)
                w.field("not_reversed_reason", refund.notReversedReason)
            }
            w.clearPrefix()
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
    }
}

struct CanonicalWriter {
    var bytes: [UInt8] = []
    /// Prepended to every field name (e.g. `line.2.share.1.`).
    private var prefix: [UInt8] = []

    init() { bytes.reserveCapacity(2048) }

    /// A writer that takes over the storage of `buffer` (leaving it empty) to avoid allocating.
    init(taking buffer: inout [UInt8]) {
        swap(&bytes, &buffer)
        bytes.removeAll(keepingCapacity: true)
        if bytes.capacity < 2048 { bytes.reserveCapacity(2048) }
    }

    mutating func raw(_ line: StaticString) {
        line.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(0x0A)
    }

    mutating func clearPrefix() { prefix.removeAll(keepingCapacity: true) }

    /// `first` + `n` + `.` (+ `second` + `m` + `.`).
    mutating func setPrefix(_ first: StaticString, _ n: Int, _ second: StaticString? = nil, _ m: Int = 0) {
        prefix.removeAll(keepingCapacity: true)
        first.withUTF8Buffer { prefix.append(contentsOf: $0) }
        Self.appendDecimal(Int64(n), to: &prefix)
        prefix.append(UInt8(ascii: "."))
        if let second {
            second.withUTF8Buffer { prefix.append(contentsOf: $0) }
            Self.appendDecimal(Int64(m), to: &prefix)
            prefix.append(UInt8(ascii: "."))
        }
    }

    private mutating func name(_ name: StaticString) {
        bytes.append(contentsOf: prefix)
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func field(_ name: StaticString, _ value: String?) {
        self.name(name)
        if var value {
            bytes.append(UInt8(ascii: "="))
            value.withUTF8 { utf8 in
                if !utf8.contains(where: { $0 == 0x5C || $0 == 0x0A || $0 == 0x0D }) {
                    bytes.append(contentsOf: utf8)
                    return
                }
                for byte in utf8 {
                    switch byte {
                    case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
                    case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
                    case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
                    default: bytes.append(byte)
                    }
                }
            }
        }
        bytes.append(0x0A)
    }

    mutating func field(_ name: StaticString, _ value: Int64?) {
        self.name(name)
        if let value {
            bytes.append(UInt8(ascii: "="))
            Self.appendDecimal(value, to: &bytes)
        }
        bytes.append(0x0A)
    }

    mutating func field(_ name: StaticString, _ value: Int) { field(name, Int64(value)) }
    mutating func field(_ name: StaticString, _ value: Money?) { field(name, value?.cents) }
    mutating func field(_ name: StaticString, _ value: Instant) { field(name, value.millisecondsSinceEpoch) }

    /// The eight card fields, named `<prefix>card_…`.
    mutating func card(_ card: CardDetails?) {
        field("card_terminal_id", card?.terminalId)
        field("card_trace", card?.traceNumber)
        field("card_receipt_number", card?.receiptNumber)
        field("card_name", card?.cardName)
        field("card_masked_pan", card?.maskedPAN)
        field("card_auth_code", card?.authorizationCode)
        field("card_turnover_number", card?.turnoverNumber)
        field("card_receipt_text", card.map { CardDetails.joinReceiptLines($0.receiptLines) })
    }

    /// Decimal digits of `value` (as `String(value)` would write them).
    static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        if value == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { out.append(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var index = 20
            while magnitude > 0 {
                index -= 1
                buffer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index..<20]))
        }
    }
}

extension CardDetails {
    /// Receipt lines are stored as one text column, joined by line feeds.
    static func joinReceiptLines(_ lines: [String]) -> String { lines.joined(separator: "\n") }
    static func splitReceiptLines(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}
