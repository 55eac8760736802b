import KasseCore

/// What `verify` needs of one sale: its identity and its sums by payment method.
struct SaleFacts: Equatable {
    let id: String
    let receiptNumber: Int64
    let shiftId: String
    let businessDate: String
    let totalCents: Int64
    let cashCents: Int64, chequeCents: Int64, cardCents: Int64

    init(
        id: String, receiptNumber: Int64, shiftId: String, businessDate: String, totalCents: Int64, cashCents: Int64,
        chequeCents: Int64, cardCents: Int64
    ) {
        self.id = id
        self.receiptNumber = receiptNumber
        self.shiftId = shiftId
        self.businessDate = businessDate
        self.totalCents = totalCents
        self.cashCents = cashCents
        self.chequeCents = chequeCents
        self.cardCents = cardCents
    }

    init(_ sale: SaleRecord) {
        var paid = PaidByMethod()
        for payment in sale.payments { paid.add(payment.method, payment.amount.cents) }
        self.init(
            id: sale.id, receiptNumber: sale.receiptNumber, shiftId: sale.shiftId, businessDate: sale.businessDate,
            totalCents: sale.total.cents, cashCents: paid.cash, chequeCents: paid.cheque, cardCents: paid.card)
    }
}

/// Sums per payment method (wrapping, as a tampered ledger may hold anything).
struct PaidByMethod {
    var cash: Int64 = 0, cheque: Int64 = 0, card: Int64 = 0
    mutating func add(_ method: PaymentMethod, _ cents: Int64) {
        switch method {
        case .cash: cash &+= cents
        case .cheque: cheque &+= cents
        case .card: card &+= cents
        }
    }
}

/// A sale entry as verify's reader found it, straight from the rows. The buffers are valid only
/// during the callback that receives it.
struct SaleEntry {
    let seq: Int64
    /// The journal's `prev_hash` and `hash` columns.
    let previousHash: UnsafeBufferPointer<UInt8>
    let hash: UnsafeBufferPointer<UInt8>
    /// The journal's `ref` when it differs from the sale's id, else nil.
    let mismatchedJournalRef: String?
    /// SHA-256 of the canonical bytes equals `hash`.
    let hashMatches: Bool
    /// The canonical bytes (tests compare them with ``CanonicalEncoding``).
    let canonicalBytes: UnsafeRawBufferPointer
    /// The receipts table's row at this `seq`: its number, and whether its ref is the sale's id.
    let receiptIndex: (number: Int64, refMatches: Bool)?
    let sale: SaleFacts
    /// ``RecordChecks`` of the sale (empty when clean).
    let recordProblems: [String]
}

/// What verify's reader finds, in journal order.
enum VerifyItem {
    /// An entry decoded into its record (every kind but sales, and a sale whose main row is
    /// missing), or an orphan row.
    case decoded(ReadItem)
    /// A sale entry read without decoding it into a ``SaleRecord``.
    case sale(SaleEntry)
}

/// Reads the ledger for `verify` through the one ``MergeReader`` like ``EventReader``, but writes each sale's
/// canonical bytes straight from the column bytes into one reused buffer and keeps only the
/// figures the checks need: no `String` per field, no record structs. Sales are nearly all
/// entries; the other kinds go through ``RecordCursors/event(_:at:)`` as everywhere else.
///
/// The merge of a sale's rows (lines, their shares, payments) mirrors ``RecordCursors``, and the
/// field order mirrors ``CanonicalEncoding``; `CanonicalParityTests` hold them together.
struct VerifyReader {
    let db: SQLiteConnection

    /// Reading the tables in storage order: faster, and the same merge as long as storage order is
    /// `seq` order. If it is not (rows moved), ``read(_:)`` returns false and the caller throws away
    /// what it got and reads again with `storageOrder: false`.
    var storageOrder = true

    /// Feeds every entry and orphan row to `body`; false if the rows must be read again by index.
    func read(_ body: (VerifyItem) throws -> Void) throws -> Bool {
        let merge = try MergeReader(db, storageOrder: storageOrder)
        var encoder = SaleRowEncoder()
        while try merge.next(orphan: { try body(.decoded(.orphan(table: $0, seq: $1))) }) {
            let s = merge.seq
            if merge.isKind(.sale), merge.cursors.sales.at(s) {
                try encoder.read(journal: merge.journal, seq: s, cursors: merge.cursors, db: db, body)
            } else {
                try body(.decoded(try EventReader.entry(merge)))
            }
        }
        return !merge.outOfOrder
    }
}

/// Writes a sale's canonical bytes from its rows and checks it on the way.
private struct SaleRowEncoder: ~Copyable {
    private var main = CanonicalWriter()
    /// The lines (or payments) section, written before its count is known.
    private var section = CanonicalWriter()
    /// The shares of the current line.
    private var lineShares = CanonicalWriter()

    mutating func read(
        journal: SQLiteStatement, seq s: Int64, cursors: RecordCursors, db: SQLiteConnection, _ body: (VerifyItem) throws -> Void
    ) throws {
        let receiptRow = cursors.receipts.at(s)
        var receiptNumberInIndex: Int64 = 0
        var receiptRefMatches = false

        var j = RawRow(journal, from: 2)
        let journalRef = j.textBytes()
        let recordedAt = j.int64()
        let previousHash = j.textBytes()
        let hash = j.textBytes()

        // Everything `RecordChecks.problems(of: sale)` looks at must hold for `clean`; when it
        // does not, the sale is decoded and RecordChecks names the problems itself.
        var clean = true
        var r = RawRow(cursors.sales)
        let idBytes = r.textBytes()
        if receiptRow {
            var i = RawRow(cursors.receipts)
            receiptNumberInIndex = i.int64()
            _ = i.textBytes()
            receiptRefMatches = bytesEqual(i.textBytes(), idBytes)
        }
        let id = String(decoding: idBytes, as: UTF8.self)
        let mismatchedRef = bytesEqual(journalRef, idBytes) ? nil : String(decoding: journalRef, as: UTF8.self)

        main.reset()
        main.raw("webkasse-ledger/1")
        main.field("seq", s)
        main.field("kind", EntryKind.sale.rawValue)
        main.field("ref", text: idBytes)
        main.field("recorded_at_ms", recordedAt)
        main.field("prev", text: previousHash)
        main.field("id", text: idBytes)
        let receiptNumber = r.int64()
        main.field("receipt_number", receiptNumber)
        let shiftBytes = r.textBytes()
        main.field("shift_id", text: shiftBytes)
        main.field("operator_id", text: r.textBytes())
        let dateBytes = r.textBytes()
        main.field("business_date", text: dateBytes)
        let startedAt = r.int64()
        let endedAt = r.int64()
        main.field("started_at_ms", startedAt)
        main.field("ended_at_ms", endedAt)
        main.field("reference", text: r.optionalTextBytes())
        let total = r.int64()
        main.field("total_cents", total)
        if let version = r.optionalTextBytes() { main.field("catalog_version", text: version) }
        if endedAt < startedAt { clean = false }
        let facts0 = (shiftId: String(decoding: shiftBytes, as: UTF8.self), date: String(decoding: dateBytes, as: UTF8.self))
        if receiptRow { try cursors.receipts.advance() }
        try cursors.sales.advance()

        // Lines with their shares.
        section.reset()
        var lineCount = 0
        var linesTotal: Int64 = 0
        let lines = cursors.lines
        let shares = cursors.shares
        let payments = cursors.payments
        while lines.at(s) {
            var l = RawRow(lines)
            let lineNo = l.int64()
            lineCount += 1
            section.setPrefix("line.", lineCount)
            section.field("item_code", text: l.textBytes())
            section.field("name", text: l.textBytes())
            section.field("variant", text: l.optionalTextBytes())
            let quantity = l.int64()
            let unitPrice = l.int64()
            let amount = l.int64()
            section.field("quantity", quantity)
            section.field("unit_price_cents", unitPrice)
            section.field("amount_cents", amount)
            section.field("sachkonto", text: l.textBytes())
            section.field("produkt", text: l.optionalTextBytes())
            section.field("kostenstelle", text: l.optionalTextBytes())
            section.field("tax_note", text: l.textBytes())
            // The tax columns of migration 11, each only when not NULL (``CanonicalWriter/lineTax(_:)``).
            if let treatment = l.optionalTextBytes() { section.field("tax_treatment", text: treatment) }
            if let rate = l.optionalTextBytes() { section.field("tax_rate", text: rate) }
            if let basisPoints = l.optionalInt64() { section.field("tax_rate_bp", basisPoints) }
            let vatCents = l.optionalInt64()
            if let vatCents { section.field("tax_vat_cents", vatCents) }
            if let basis = l.optionalTextBytes() { section.field("tax_legal_basis", text: basis) }
            let (product, overflow) = unitPrice.multipliedReportingOverflow(by: quantity)
            if quantity <= 0 || unitPrice < 0 || overflow || product != amount { clean = false }
            linesTotal = linesTotal &+ amount
            try lines.advance()

            lineShares.reset()
            var shareCount = 0
            var sharesTotal: Int64 = 0
            while shares.at(s) {
                var h = RawRow(shares)
                guard h.int64() == lineNo else { break }
                _ = h.int64()
                shareCount += 1
                lineShares.setPrefix("line.", lineCount, "share.", shareCount)
                lineShares.field("account", text: h.textBytes())
                lineShares.field("produkt", text: h.optionalTextBytes())
                lineShares.field("kostenstelle", text: h.optionalTextBytes())
                let shareAmount = h.int64()
                lineShares.field("amount_cents", shareAmount)
                lineShares.field("pass_through", h.bool() ? 1 : 0)
                lineShares.field("label", text: h.textBytes())
                if shareAmount < 0 { clean = false }
                sharesTotal = sharesTotal &+ shareAmount
                try shares.advance()
            }
            if shareCount == 0 || sharesTotal != amount { clean = false }
            section.field("shares", Int64(shareCount))
            section.append(contentsOf: lineShares)
        }
        // Shares of a line that no longer exists stay behind as orphans (as in RecordCursors).
        if lineCount == 0 || linesTotal != total { clean = false }
        main.field("lines", Int64(lineCount))
        main.append(contentsOf: section)

        // Payments.
        section.reset()
        var paymentCount = 0
        var paid = PaidByMethod()
        var paidTotal: Int64 = 0
        while payments.at(s) {
            var p = RawRow(payments)
            _ = p.int64()
            paymentCount += 1
            section.setPrefix("payment.", paymentCount)
            let method = Self.method(p.textBytes())
            section.field("method", method.rawValue)
            let amount = p.int64()
            section.field("amount_cents", amount)
            let tendered = p.optionalInt64()
            let change = p.optionalInt64()
            section.field("tendered_cents", tendered)
            section.field("change_cents", change)
            let chequeNumber = p.optionalTextBytes()
            section.field("cheque_number", text: chequeNumber)
            section.field("cheque_bank", text: p.optionalTextBytes())
            section.field("cheque_drawer", text: p.optionalTextBytes())
            let maskedPAN = writeCard(&p)
            section.field("card_pending_id", text: p.optionalTextBytes())
            if amount <= 0 { clean = false }
            switch method {
            case .cash:
                if let tendered, let change {
                    if change < 0 || tendered &- change != amount { clean = false }
                } else {
                    clean = false
                }
            case .cheque:
                // Conservative: a visible ASCII character means the number is not blank.
                if !(chequeNumber?.contains(where: { $0 > 0x20 && $0 < 0x7F }) ?? false) { clean = false }
            case .card:
                if let maskedPAN {
                    if RecordChecks.looksLikeFullPAN(utf8: maskedPAN) { clean = false }
                } else {
                    clean = false
                }
            }
            paid.add(method, amount)
            paidTotal = paidTotal &+ amount
            try payments.advance()
        }
        if paidTotal != total { clean = false }
        main.field("payments", Int64(paymentCount))
        main.append(contentsOf: section)

        let hashMatches = main.hashMatches(hex: hash)
        var recordProblems: [String] = []
        if !clean {
            // Rare (a bad record): let RecordChecks name it from the decoded sale.
            try EventReader(db: db).read(range: s...s, tables: EventReader.tables(of: .sale)) { item in
                if case .entry(_, let event?, _) = item { recordProblems = RecordChecks.problems(of: event) }
            }
        }
        let facts = SaleFacts(
            id: id, receiptNumber: receiptNumber, shiftId: facts0.shiftId, businessDate: facts0.date, totalCents: total,
            cashCents: paid.cash, chequeCents: paid.cheque, cardCents: paid.card)
        try main.withBytes { bytes in
            try body(
                .sale(
                    SaleEntry(
                        seq: s, previousHash: previousHash, hash: hash, mismatchedJournalRef: mismatchedRef,
                        hashMatches: hashMatches, canonicalBytes: bytes,
                        receiptIndex: receiptRow ? (receiptNumberInIndex, receiptRefMatches) : nil, sale: facts,
                        recordProblems: recordProblems)))
        }
    }

    /// The card columns as ``ColumnReader/card()`` reads them and ``CanonicalWriter/card(_:)``
    /// writes them: the eight of format 1 all absent without a terminal id, else NULL text is empty
    /// except the two optional fields; those of migration 8 only when they hold text, that of
    /// migration 9 only when it is not NULL. Returns the masked PAN when there is a card.
    private mutating func writeCard(_ p: inout RawRow) -> UnsafeBufferPointer<UInt8>? {
        let terminalId = p.optionalTextBytes()
        let trace = p.optionalTextBytes()
        let receipt = p.optionalTextBytes()
        let name = p.optionalTextBytes()
        let pan = p.optionalTextBytes()
        let auth = p.optionalTextBytes()
        let turnover = p.optionalTextBytes()
        let text = p.optionalTextBytes()
        let attributes = p.optionalTextBytes()
        let merchantText = p.optionalTextBytes()
        let merchantAttributes = p.optionalTextBytes()
        let approvedCents = p.optionalInt64()
        let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        guard let terminalId else {
            section.field("card_terminal_id", text: nil)
            section.field("card_trace", text: nil)
            section.field("card_receipt_number", text: nil)
            section.field("card_name", text: nil)
            section.field("card_masked_pan", text: nil)
            section.field("card_auth_code", text: nil)
            section.field("card_turnover_number", text: nil)
            section.field("card_receipt_text", text: nil)
            return nil
        }
        section.field("card_terminal_id", text: terminalId)
        section.field("card_trace", text: trace ?? empty)
        section.field("card_receipt_number", text: receipt ?? empty)
        section.field("card_name", text: name ?? empty)
        section.field("card_masked_pan", text: pan ?? empty)
        section.field("card_auth_code", text: auth)
        section.field("card_turnover_number", text: turnover)
        // Split into receipt lines and joined again: the same text.
        section.field("card_receipt_text", text: text ?? empty)
        if let attributes, attributes.count > 0 { section.field("card_receipt_attributes", text: attributes) }
        if let merchantText, merchantText.count > 0 { section.field("card_merchant_receipt_text", text: merchantText) }
        if let merchantAttributes, merchantAttributes.count > 0 { section.field("card_merchant_receipt_attributes", text: merchantAttributes) }
        if let approvedCents { section.field("card_approved_cents", approvedCents) }
        return pan ?? empty
    }

    /// As the reader maps the `method` column (`PaymentMethod(rawValue:) ?? .cash`).
    private static func method(_ bytes: UnsafeBufferPointer<UInt8>) -> PaymentMethod {
        if bytesEqual(bytes, "card") { return .card }
        if bytesEqual(bytes, "cheque") { return .cheque }
        return .cash
    }
}

/// ``ColumnReader`` for the hot loop of ``SaleRowEncoder``, without retaining the statement for
/// every row: the cursors (and so the statements) outlive every row read from them.
private struct RawRow {
    unowned(unsafe) let statement: SQLiteStatement
    private var index: Int32

    init(_ statement: SQLiteStatement, from index: Int32) {
        self.statement = statement
        self.index = index
    }

    /// The current row of `cursor`, after its `seq` column.
    init(_ cursor: TableCursor) { self.init(cursor.statement!, from: 1) }

    mutating func int64() -> Int64 {
        defer { index += 1 }
        return statement.int64(index)
    }
    mutating func optionalInt64() -> Int64? {
        defer { index += 1 }
        return statement.optionalInt64(index)
    }
    mutating func bool() -> Bool { int64() != 0 }
    mutating func textBytes() -> UnsafeBufferPointer<UInt8> {
        defer { index += 1 }
        return statement.textBytes(index)
    }
    mutating func optionalTextBytes() -> UnsafeBufferPointer<UInt8>? {
        defer { index += 1 }
        return statement.optionalTextBytes(index)
    }
}
