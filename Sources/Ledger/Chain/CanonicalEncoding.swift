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
        var w = CanonicalWriter()
        write(seq: seq, recordedAt: recordedAt, previousHash: previousHash, event: event, to: &w)
        return w.withBytes { LibCrypto.sha256($0) }.hexString
    }

    /// Whether `event` hashes to `expected` (64 lower-case hex digits), reusing `w` for the bytes.
    static func matches(
        _ expected: String, seq: Int64, recordedAt: Instant, previousHash: String, event: LedgerEvent,
        writer w: inout CanonicalWriter
    ) -> Bool {
        w.reset()
        write(seq: seq, recordedAt: recordedAt, previousHash: previousHash, event: event, to: &w)
        var expected = expected
        return expected.withUTF8 { w.hashMatches(hex: $0) }
    }

    public static func bytes(seq: Int64, recordedAt: Instant, previousHash: String, event: LedgerEvent) -> [UInt8] {
        var w = CanonicalWriter()
        write(seq: seq, recordedAt: recordedAt, previousHash: previousHash, event: event, to: &w)
        return w.bytes
    }

    /// The format tag and the chain link: the first lines of every entry.
    static func writeHeader(seq: Int64, kind: EntryKind, ref: String, recordedAt: Instant, previousHash: String, to w: inout CanonicalWriter) {
        w.raw("webkasse-ledger/1")
        w.field("seq", seq)
        w.field("kind", kind.rawValue)
        w.field("ref", ref)
        w.field("recorded_at_ms", recordedAt.millisecondsSinceEpoch)
        w.field("prev", previousHash)
    }

    /// The canonical bytes of `event`. `SaleRowEncoder` (verify) writes sales straight from their rows
    /// in the same order; `CanonicalParityTests` keeps the two identical.
    static func write(seq: Int64, recordedAt: Instant, previousHash: String, event: LedgerEvent, to w: inout CanonicalWriter) {
        writeHeader(seq: seq, kind: event.kind, ref: event.ref, recordedAt: recordedAt, previousHash: previousHash, to: &w)
        switch event {
        case .register(let r):
            w.field("id", r.id)
            w.field("name", r.name)
            w.field("created_at_ms", r.createdAt)
        case .operatorAdded(let r):
            w.field("id", r.id)
            w.field("login", r.login)
            w.field("name", r.name)
            w.field("created_at_ms", r.createdAt)
        case .shiftOpened(let r):
            w.field("id", r.id)
            w.field("operator_id", r.operatorId)
            w.field("business_date", r.businessDate)
            w.field("opened_at_ms", r.openedAt)
            w.field("float_cents", r.float)
        case .sale(let r):
            w.field("id", r.id)
            w.field("receipt_number", r.receiptNumber)
            w.field("shift_id", r.shiftId)
            w.field("operator_id", r.operatorId)
            w.field("business_date", r.businessDate)
            w.field("started_at_ms", r.startedAt)
            w.field("ended_at_ms", r.endedAt)
            w.field("reference", r.reference)
            w.field("total_cents", r.total)
            // Migration 12, only when present: a sale booked before hashes as it always did.
            if let version = r.catalogVersion { w.field("catalog_version", version) }
            w.field("lines", Int64(r.lines.count))
            for (i, line) in r.lines.enumerated() {
                w.setPrefix("line.", i + 1)
                w.field("item_code", line.itemCode)
                w.field("name", line.name)
                w.field("variant", line.variant)
                w.field("quantity", line.quantity)
                w.field("unit_price_cents", line.unitPrice)
                w.field("amount_cents", line.amount)
                w.field("sachkonto", line.sachkonto)
                w.field("produkt", line.produkt)
                w.field("kostenstelle", line.kostenstelle)
                w.field("tax_note", line.taxNote)
                w.lineTax(line)
                w.field("shares", Int64(line.shares.count))
                for (j, share) in line.shares.enumerated() {
                    w.setPrefix("line.", i + 1, "share.", j + 1)
                    w.field("account", share.account)
                    w.field("produkt", share.produkt)
                    w.field("kostenstelle", share.kostenstelle)
                    w.field("amount_cents", share.amount)
                    w.field("pass_through", share.passThrough ? 1 : 0)
                    w.field("label", share.label)
                }
            }
            w.clearPrefix()
            w.field("payments", Int64(r.payments.count))
            for (i, payment) in r.payments.enumerated() {
                w.setPrefix("payment.", i + 1)
                w.field("method", payment.method.rawValue)
                w.field("amount_cents", payment.amount)
                w.field("tendered_cents", payment.tendered)
                w.field("change_cents", payment.change)
                w.field("cheque_number", payment.chequeNumber)
                w.field("cheque_bank", payment.chequeBank)
                w.field("cheque_drawer", payment.chequeDrawer)
                w.card(payment.card)
                w.field("card_pending_id", payment.cardPendingId)
            }
            w.clearPrefix()
        case .storno(let r):
            w.field("id", r.id)
            w.field("sale_id", r.saleId)
            w.field("receipt_number", r.receiptNumber)
            w.field("shift_id", r.shiftId)
            w.field("operator_id", r.operatorId)
            w.field("approved_by", r.approvedBy)
            w.field("reason", r.reason)
            w.field("business_date", r.businessDate)
            w.field("at_ms", r.at)
            w.field("total_cents", r.total)
            w.field("refunds", Int64(r.refunds.count))
            for (i, refund) in r.refunds.enumerated() {
                w.setPrefix("refund.", i + 1)
                w.field("method", refund.method.rawValue)
                w.field("amount_cents", refund.amount)
                w.card(refund.cardReversal)
                w.field("not_reversed_reason", refund.notReversedReason)
            }
            w.clearPrefix()
        case .cashMovement(let r):
            w.field("id", r.id)
            w.field("receipt_number", r.receiptNumber)
            w.field("shift_id", r.shiftId)
            w.field("operator_id", r.operatorId)
            w.field("approved_by", r.approvedBy)
            w.field("kind", r.kind.rawValue)
            w.field("amount_cents", r.amount)
            w.field("reason", r.reason)
            w.field("business_date", r.businessDate)
            w.field("at_ms", r.at)
            // Migration 10: only an Abschöpfung with its receiver has these, so that every other
            // movement has the bytes and the hash it always had.
            if let transfer = r.transfer {
                w.field("received_by", transfer.receivedBy)
                if let receiver = transfer.receivedByOperator { w.field("received_by_operator", receiver) }
                if let pieces = transfer.countedPiecesText { w.field("counted_pieces", pieces) }
            }
        case .dayClose(let r):
            w.field("id", r.id)
            w.field("z_number", r.zNumber)
            w.field("shift_id", r.shiftId)
            w.field("operator_id", r.operatorId)
            w.field("approved_by", r.approvedBy)
            w.field("business_date", r.businessDate)
            w.field("closed_at_ms", r.closedAt)
            w.field("after_seq", r.afterSeq)
            let t = r.totals
            w.field("first_receipt", t.firstReceipt)
            w.field("last_receipt", t.lastReceipt)
            w.field("sale_count", t.saleCount)
            w.field("storno_count", t.stornoCount)
            w.field("float_cents", t.float)
            w.field("sales_cents", t.sales)
            w.field("cash_cents", t.cash)
            w.field("cheque_cents", t.cheque)
            w.field("card_cents", t.card)
            w.field("storno_cents", t.stornos)
            w.field("storno_cash_cents", t.stornoCash)
            w.field("storno_cheque_cents", t.stornoCheque)
            w.field("storno_card_cents", t.stornoCard)
            w.field("einlagen_cents", t.einlagen)
            w.field("entnahmen_cents", t.entnahmen)
            w.field("abschoepfungen_cents", t.abschoepfungen)
            w.field("expected_cash_cents", r.expectedCash)
            w.field("counted_cash_cents", r.countedCash)
            w.field("difference_cents", r.difference)
        case .cardPending(let r):
            w.field("id", r.id)
            w.field("sale_id", r.saleId)
            w.field("amount_cents", r.amount)
            w.field("terminal", r.terminal)
            w.field("created_at_ms", r.createdAt)
            w.field("draft", r.draft)
        case .cardResolved(let r):
            w.field("pending_id", r.pendingId)
            w.field("outcome", r.outcome.rawValue)
            w.field("sale_id", r.saleId)
            w.field("detail", r.detail)
            w.field("resolved_at_ms", r.resolvedAt)
            w.field("at_startup", r.atStartup ? 1 : 0)
        case .export(let r):
            w.field("id", r.id)
            w.field("format", r.format)
            w.field("scope", r.scope)
            w.field("after_seq", r.afterSeq)
            w.field("through_seq", r.throughSeq)
            w.field("file_name", r.fileName)
            w.field("record_count", r.recordCount)
            w.field("total_cents", r.total)
            w.field("file_sha256", r.fileSHA256)
            w.field("is_repeat", r.isRepeat ? 1 : 0)
            w.field("operator_id", r.operatorId)
            w.field("at_ms", r.at)
        case .audit(let r):
            w.field("id", r.id)
            w.field("kind", r.kind)
            w.field("operator_id", r.operatorId)
            w.field("detail", r.detail)
            w.field("at_ms", r.at)
        case .tseTransaction(let r):
            w.field("id", r.id)
            w.field("booking_kind", r.booking.rawValue)
            w.field("booking_id", r.bookingId)
            w.field("client_id", r.clientId)
            w.field("tse_serial", r.serial)
            w.field("tse_tanr", r.transactionNumber)
            w.field("tse_ta_start_ms", r.startedAt?.millisecondsSinceEpoch)
            w.field("tse_ta_ende_ms", r.endedAt?.millisecondsSinceEpoch)
            w.field("tse_ta_vorgangsart", r.processType)
            w.field("tse_vorgangsdaten", r.processData)
            w.field("tse_ta_sigz", r.signatureCounter)
            w.field("tse_ta_sig", r.signature)
            w.field("tse_sig_algo", r.signatureAlgorithm)
            w.field("tse_zeitformat", r.logTimeFormat)
            w.field("tse_public_key", r.publicKey)
            w.field("tse_ta_fehler", r.error)
            w.field("at_ms", r.at)
        }
    }
}

/// Writes canonical lines into one growing buffer it owns (no per-field allocation or copy-on-write
/// checks: verify writes some 100 fields per entry).
struct CanonicalWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int
    /// Prepended to every field name (e.g. `line.2.share.1.`); at most 2 × 26 bytes.
    private let prefix: UnsafeMutablePointer<UInt8>
    private var prefixCount = 0
    private static let prefixCapacity = 64

    init(capacity: Int = 4096) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
        prefix = .allocate(capacity: Self.prefixCapacity)
    }

    deinit {
        base.deallocate()
        prefix.deallocate()
    }

    /// Empties the buffer, keeping its storage.
    mutating func reset() {
        count = 0
        prefixCount = 0
    }

    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Whether SHA-256 of the bytes is `hex` (64 lower-case hex digits, as the journal stores it).
    func hashMatches(hex: UnsafeBufferPointer<UInt8>) -> Bool {
        let digest = withBytes { LibCrypto.sha256($0) }
        guard hex.count == 2 * digest.count else { return false }
        return digest.withUnsafeBufferPointer { d in
            var differ: UInt8 = 0
            for i in 0..<d.count {
                differ |= hex[2 * i] ^ Self.hexDigit(d[i] >> 4)
                differ |= hex[2 * i + 1] ^ Self.hexDigit(d[i] & 0x0F)
            }
            return differ == 0
        }
    }

    @inline(__always) private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ (nibble &- 10)
    }

    // MARK: raw bytes

    @inline(__always) private mutating func reserve(_ n: Int) {
        if count &+ n > capacity { grow(count + n) }
    }

    private mutating func grow(_ needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always) mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count &+= 1
    }

    @inline(__always) mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let start = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + count).update(from: start, count: bytes.count)
        count &+= bytes.count
    }

    @inline(__always) mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append($0) }
    }

    /// Appends everything `other` holds.
    mutating func append(contentsOf other: borrowing CanonicalWriter) {
        append(UnsafeBufferPointer(start: other.base, count: other.count))
    }

    mutating func raw(_ line: StaticString) {
        append(line)
        append(0x0A)
    }

    // MARK: fields

    mutating func clearPrefix() { prefixCount = 0 }

    /// `first` + `n` + `.` (+ `second` + `m` + `.`).
    mutating func setPrefix(_ first: StaticString, _ n: Int, _ second: StaticString? = nil, _ m: Int = 0) {
        prefixCount = 0
        first.withUTF8Buffer { addToPrefix($0) }
        addToPrefix(number: n)
        if let second {
            second.withUTF8Buffer { addToPrefix($0) }
            addToPrefix(number: m)
        }
    }

    private mutating func addToPrefix(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(prefixCount + bytes.count <= Self.prefixCapacity, "canonical field prefix too long")
        (prefix + prefixCount).update(from: bytes.baseAddress!, count: bytes.count)
        prefixCount += bytes.count
    }

    /// `number` in decimal and a dot.
    private mutating func addToPrefix(number: Int) {
        precondition(number > 0 && prefixCount + 21 <= Self.prefixCapacity, "canonical field prefix too long")
        var digits = 0
        var m = number
        while m > 0 {
            digits += 1
            m /= 10
        }
        var index = prefixCount + digits
        prefixCount = index + 1
        prefix[index] = UInt8(ascii: ".")
        m = number
        while m > 0 {
            index -= 1
            prefix[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: m % 10)
            m /= 10
        }
    }

    @inline(__always) private mutating func name(_ name: StaticString) {
        append(UnsafeBufferPointer(start: prefix, count: prefixCount))
        append(name)
    }

    mutating func field(_ name: StaticString, _ value: String?) {
        guard var value else { return field(name, text: nil) }
        value.withUTF8 { field(name, text: $0) }
    }

    /// A text field from its UTF-8 bytes (nil: absent). `\`, line feed and carriage return are escaped.
    mutating func field(_ name: StaticString, text value: UnsafeBufferPointer<UInt8>?) {
        self.name(name)
        if let value {
            append(UInt8(ascii: "="))
            // No early exit: the scan vectorises, and most values need no escaping.
            var special: UInt8 = 0
            if let start = value.baseAddress {
                for i in 0..<value.count {
                    let byte = start[i]
                    special |= (byte == 0x5C ? 1 : 0) | (byte == 0x0A ? 1 : 0) | (byte == 0x0D ? 1 : 0)
                }
            }
            if special == 0 {
                append(value)
            } else {
                for byte in value {
                    switch byte {
                    case 0x5C:
                        append(0x5C)
                        append(0x5C)
                    case 0x0A:
                        append(0x5C)
                        append(UInt8(ascii: "n"))
                    case 0x0D:
                        append(0x5C)
                        append(UInt8(ascii: "r"))
                    default: append(byte)
                    }
                }
            }
        }
        append(0x0A)
    }

    mutating func field(_ name: StaticString, _ value: Int64?) {
        self.name(name)
        if let value {
            append(UInt8(ascii: "="))
            appendDecimal(value)
        }
        append(0x0A)
    }

    mutating func field(_ name: StaticString, _ value: Int) { field(name, Int64(value)) }
    mutating func field(_ name: StaticString, _ value: Money?) { field(name, value?.cents) }
    mutating func field(_ name: StaticString, _ value: Instant) { field(name, value.millisecondsSinceEpoch) }

    /// The tax fields of a sale line (migration 11), each only when it has a value, so that a
    /// sovereign fee — and every line booked before — has the bytes and the hash it always had.
    mutating func lineTax(_ line: SaleLine) {
        guard let tax = line.tax else { return }
        field("tax_treatment", tax.treatment.code)
        if let key = tax.rateKey {
            field("tax_rate", key.rawValue)
            field("tax_rate_bp", tax.rateBasisPoints)
        }
        field("tax_vat_cents", line.vatAmount)
        if case .steuerfrei(let basis) = tax.treatment { field("tax_legal_basis", basis) }
    }

    /// The card fields, named `<prefix>card_…`: the eight of format 1, then those added with
    /// migration 8 (the receipts' layout, the merchant copy) and 9 (the terminal's approved
    /// amount), each only when it has a value, so that an entry without them has the bytes and the
    /// hash it always had.
    mutating func card(_ card: CardDetails?) {
        field("card_terminal_id", card?.terminalId)
        field("card_trace", card?.traceNumber)
        field("card_receipt_number", card?.receiptNumber)
        field("card_name", card?.cardName)
        field("card_masked_pan", card?.maskedPAN)
        field("card_auth_code", card?.authorizationCode)
        field("card_turnover_number", card?.turnoverNumber)
        field("card_receipt_text", card.map { CardDetails.joinReceiptLines($0.receiptLines) })
        guard let card else { return }
        if let attributes = CardDetails.receiptAttributes(card.customerReceipt) { field("card_receipt_attributes", attributes) }
        if let merchant = CardDetails.storedMerchantReceiptText(card) { field("card_merchant_receipt_text", merchant) }
        if let attributes = CardDetails.receiptAttributes(card.merchantReceipt) { field("card_merchant_receipt_attributes", attributes) }
        if let approved = card.approvedAmount { field("card_approved_cents", approved) }
    }

    /// Decimal digits of `value` (as `String(value)` would write them).
    @inline(__always) private mutating func appendDecimal(_ value: Int64) {
        reserve(20)
        if value == 0 {
            base[count] = UInt8(ascii: "0")
            count &+= 1
            return
        }
        var magnitude = value.magnitude
        if value < 0 {
            base[count] = UInt8(ascii: "-")
            count &+= 1
        }
        var digits = 0
        var m = magnitude
        while m > 0 {
            digits &+= 1
            m /= 10
        }
        var index = count &+ digits
        count = index
        while magnitude > 0 {
            index &-= 1
            base[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
        }
    }

}

extension CardDetails {
    /// Receipt lines are stored as one text column, joined by line feeds.
    public static func joinReceiptLines(_ lines: [String]) -> String { lines.joined(separator: "\n") }
    static func splitReceiptLines(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The attribute column of a receipt: the print attribute of each line of the stored text as
    /// two hex digits, separated by spaces (`40 00 00 10`); nil when every line is plain or the
    /// text is empty (as stored, an empty text has no lines). A line whose text holds a line feed
    /// is several stored lines, each with its attribute, so that reading gives the same column.
    public static func receiptAttributes(_ lines: [TerminalReceiptLine]) -> String? {
        guard lines.contains(where: { $0.attribute != 0 }), !joinReceiptLines(lines.map(\.text)).isEmpty else { return nil }
        var values: [String] = []
        for line in lines {
            let storedLines = line.text.utf8.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            values += Array(repeating: Hex.byte(line.attribute), count: storedLines)
        }
        return values.joined(separator: " ")
    }

    /// The merchant copy's text column; nil without one.
    public static func storedMerchantReceiptText(_ card: CardDetails) -> String? {
        let text = joinReceiptLines(card.merchantReceiptLines)
        return text.isEmpty ? nil : text
    }

    /// The lines of a stored receipt text with the attributes of its attribute column (a missing
    /// or unreadable attribute is plain).
    static func receiptLines(text: String, attributes: String?) -> [TerminalReceiptLine] {
        let values = attributes.map { $0.split(separator: " ").map { UInt8($0, radix: 16) ?? 0 } } ?? []
        return splitReceiptLines(text).enumerated().map { TerminalReceiptLine($1, attribute: $0 < values.count ? values[$0] : 0) }
    }
}

private enum Hex {
    static func byte(_ value: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(value >> 4)], digits[Int(value & 0x0F)]])
    }
}
