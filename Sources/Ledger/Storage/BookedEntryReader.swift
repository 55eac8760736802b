import KasseCore

// MARK: What booking lines need of the entries that move money

/// An amount paid or refunded by one payment method.
public struct BookedAmount: Equatable, Sendable {
    public let method: PaymentMethod
    public let cents: Int64

    public init(method: PaymentMethod, cents: Int64) {
        self.method = method
        self.cents = cents
    }
}

/// A sold line as exports read it: item, text parts, cost accounting and its split shares.
public struct BookedLine: Equatable, Sendable {
    public let itemCode: String
    public let name: String
    public let variant: String?
    public let produkt: String?
    public let kostenstelle: String?
    public let shares: [LineShare]
    /// The line's VAT treatment and rate (nil: a fee) and the VAT allocated to it (docs/ledger.md,
    /// "Umsatzsteuer").
    public let tax: LineTax?
    public let vat: Money

    public init(
        itemCode: String, name: String, variant: String?, produkt: String?, kostenstelle: String?, shares: [LineShare],
        tax: LineTax? = nil, vat: Money = .zero
    ) {
        self.tax = tax
        self.vat = vat
        self.itemCode = itemCode
        self.name = name
        self.variant = variant
        self.produkt = produkt
        self.kostenstelle = kostenstelle
        self.shares = shares
    }
}

/// A sale as exports read it (``Ledger/forEachBookedEntry(in:_:)``): what its booking lines
/// need, nothing of the drawer, the card slip or the tax note.
public struct BookedSale: Equatable, Sendable {
    public let id: String
    public let receiptNumber: Int64
    public let operatorId: String
    /// ISO business date.
    public let businessDate: String
    /// The Kassenzeichen, if any.
    public let reference: String?
    public let lines: [BookedLine]
    /// The payments in order.
    public let payments: [BookedAmount]

    public init(
        id: String, receiptNumber: Int64, operatorId: String, businessDate: String, reference: String?, lines: [BookedLine],
        payments: [BookedAmount]
    ) {
        self.id = id
        self.receiptNumber = receiptNumber
        self.operatorId = operatorId
        self.businessDate = businessDate
        self.reference = reference
        self.lines = lines
        self.payments = payments
    }
}

/// A storno as exports read it: the sale it cancels and the refunds in order.
public struct BookedStorno: Equatable, Sendable {
    public let saleId: String
    public let receiptNumber: Int64
    public let operatorId: String
    public let businessDate: String
    public let refunds: [BookedAmount]
    /// The supervisor who approved it (four eyes).
    public let approvedBy: String?

    public init(
        saleId: String, receiptNumber: Int64, operatorId: String, businessDate: String, refunds: [BookedAmount], approvedBy: String? = nil
    ) {
        self.approvedBy = approvedBy
        self.saleId = saleId
        self.receiptNumber = receiptNumber
        self.operatorId = operatorId
        self.businessDate = businessDate
        self.refunds = refunds
    }
}

/// A day close as exports read it: its Z number and the cash difference.
public struct BookedDayClose: Equatable, Sendable {
    public let id: String
    public let zNumber: Int64
    public let operatorId: String
    public let businessDate: String
    public let difference: Money

    public init(id: String, zNumber: Int64, operatorId: String, businessDate: String, difference: Money) {
        self.id = id
        self.zNumber = zNumber
        self.operatorId = operatorId
        self.businessDate = businessDate
        self.difference = difference
    }
}

/// A journal entry that moves money, with what the treasury's exports need of it.
public enum BookedEntry: Equatable, Sendable {
    case sale(BookedSale)
    case storno(BookedStorno)
    case cashMovement(CashMovementRecord)
    case dayClose(BookedDayClose)
}

extension Ledger {
    /// The sales, stornos, cash movements and day closes in the journal range `range`, in journal
    /// order, for an export: the one ``MergeReader`` over only their tables and only the columns
    /// booking lines need (constant memory). A record counts only with its journal entry of that
    /// kind; the hash chain, the receipt index and the card slips are `verify`'s business, not
    /// read here.
    public func forEachBookedEntry(in range: ClosedRange<Int64>, _ body: (Int64, BookedEntry) throws -> Void) throws {
        try readTransaction {
            do {
                let merge = try BookedEntryReader.merge(db, range: range, tables: BookedEntryReader.tables)
                while try merge.next(orphan: { _, _ in }) {
                    if let entry = try BookedEntryReader.entry(merge) { try body(merge.seq, entry) }
                }
            } catch let error as SQLiteError {
                throw LedgerError.sqlite(error)
            }
        }
    }

    /// The sale `id` as exports read it (the sale a storno cancels), or `nil`.
    public func bookedSale(id: String) throws -> BookedSale? {
        let sql = "SELECT s.seq FROM sales s JOIN journal j ON j.seq = s.seq AND j.kind = 'sale' WHERE s.id = ?"
        guard let seq = try seq(sql, [.text(id)]) else { return nil }
        return try readTransaction {
            do {
                let merge = try BookedEntryReader.merge(db, range: seq...seq, tables: BookedEntryReader.saleTables)
                guard try merge.next(orphan: { _, _ in }), merge.cursors.sales.at(seq) else { return nil }
                return try BookedEntryReader.sale(merge.cursors, seq: seq)
            } catch let error as SQLiteError {
                throw LedgerError.sqlite(error)
            }
        }
    }
}

/// The booking-line projection of the merge behind ``Ledger/forEachBookedEntry(in:_:)``.
enum BookedEntryReader {
    static let saleTables: Set<String> = ["sales", "sale_lines", "line_shares", "payments"]
    static let tables = saleTables.union(["stornos", "storno_refunds", "cash_movements", "day_closes"])
    /// The columns read per table (`seq` and the order key first); cash movements are read whole.
    static let columns: [String: [String]] = [
        "sales": ["seq", "id", "receipt_number", "operator_id", "business_date", "reference"],
        "sale_lines": [
            "seq", "line_no", "item_code", "name", "variant", "produkt", "kostenstelle", "tax_treatment", "tax_rate",
            "tax_rate_bp", "tax_vat_cents", "tax_legal_basis",
        ],
        "line_shares": ["seq", "line_no", "share_no", "account", "produkt", "kostenstelle", "amount_cents", "pass_through", "label"],
        "payments": ["seq", "payment_no", "method", "amount_cents"],
        "stornos": ["seq", "sale_id", "receipt_number", "operator_id", "business_date", "approved_by"],
        "storno_refunds": ["seq", "refund_no", "method", "amount_cents"],
        "day_closes": ["seq", "id", "z_number", "operator_id", "business_date", "difference_cents"],
    ]

    static func merge(_ db: SQLiteConnection, range: ClosedRange<Int64>, tables: Set<String>) throws(SQLiteError) -> MergeReader {
        try MergeReader(db, range: range, kindsOnly: true, tables: tables, columns: columns)
    }

    /// The merge's current entry if it moves money and its main row is there (consumed), else nil.
    static func entry(_ merge: MergeReader) throws(SQLiteError) -> BookedEntry? {
        let s = merge.seq
        let c = merge.cursors
        if merge.isKind(.sale) {
            guard c.sales.at(s) else { return nil }
            return .sale(try sale(c, seq: s))
        }
        if merge.isKind(.storno) {
            guard c.stornos.at(s) else { return nil }
            var r = c.stornos.row
            let saleId = r.text()
            let receiptNumber = r.int64()
            let operatorId = r.text()
            let businessDate = r.text()
            let approvedBy = r.optionalText()
            try c.stornos.advance()
            var amounts: [BookedAmount] = []
            while c.refunds.at(s) {
                var f = c.refunds.row
                _ = f.int64()
                amounts.append(BookedAmount(method: PaymentMethod(rawValue: f.text()) ?? .cash, cents: f.int64()))
                try c.refunds.advance()
            }
            return .storno(
                BookedStorno(
                    saleId: saleId, receiptNumber: receiptNumber, operatorId: operatorId, businessDate: businessDate,
                    refunds: amounts, approvedBy: approvedBy))
        }
        if merge.isKind(.cashMovement) {
            guard c.movements.at(s) else { return nil }
            var r = c.movements.row
            let record = r.cashMovementRecord()
            try c.movements.advance()
            return .cashMovement(record)
        }
        if merge.isKind(.dayClose) {
            guard c.closes.at(s) else { return nil }
            var r = c.closes.row
            let close = BookedDayClose(
                id: r.text(), zNumber: r.int64(), operatorId: r.text(), businessDate: r.text(), difference: r.money())
            try c.closes.advance()
            return .dayClose(close)
        }
        return nil
    }

    /// The sale at `s` (its `sales` row current), with its lines, shares and payments (consumed).
    static func sale(_ c: RecordCursors, seq s: Int64) throws(SQLiteError) -> BookedSale {
        var r = c.sales.row
        let id = r.text()
        let receiptNumber = r.int64()
        let operatorId = r.text()
        let businessDate = r.text()
        let reference = r.optionalText()
        try c.sales.advance()
        var bookedLines: [BookedLine] = []
        while c.lines.at(s) {
            var l = c.lines.row
            let lineNo = l.int64()
            let itemCode = l.text()
            let name = l.text()
            let variant = l.optionalText()
            let produkt = l.optionalText()
            let kostenstelle = l.optionalText()
            let (tax, vat) = l.lineTax()
            try c.lines.advance()
            var lineShares: [LineShare] = []
            while c.shares.at(s) {
                var h = c.shares.row
                let shareLine = h.int64()
                if shareLine < lineNo {  // a share of a line that is missing
                    try c.shares.advance()
                    continue
                }
                guard shareLine == lineNo else { break }
                _ = h.int64()
                lineShares.append(
                    LineShare(
                        account: h.text(), produkt: h.optionalText(), kostenstelle: h.optionalText(), amount: h.money(),
                        passThrough: h.bool(), label: h.text()))
                try c.shares.advance()
            }
            bookedLines.append(
                BookedLine(
                    itemCode: itemCode, name: name, variant: variant, produkt: produkt, kostenstelle: kostenstelle,
                    shares: lineShares, tax: tax, vat: vat ?? .zero))
        }
        var amounts: [BookedAmount] = []
        while c.payments.at(s) {
            var p = c.payments.row
            _ = p.int64()
            amounts.append(BookedAmount(method: PaymentMethod(rawValue: p.text()) ?? .cash, cents: p.int64()))
            try c.payments.advance()
        }
        return BookedSale(
            id: id, receiptNumber: receiptNumber, operatorId: operatorId, businessDate: businessDate, reference: reference,
            lines: bookedLines, payments: amounts)
    }
}
