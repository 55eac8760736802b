import KasseCore
import Ledger

/// Turns one register's ledger entries into booking lines (pure, apart from looking up the sale a
/// storno cancels).
///
/// - A sale gives one line per line share; when a sale was paid by several methods, each share is
///   allocated to the payments in order (greedily), so one share may give one line per method.
/// - A storno gives the counter-entries of the cancelled sale's shares, allocated to the refunds.
/// - A cash movement gives one line against the Geldtransit account (Einlage +, Entnahme and
///   Abschöpfung −); a day close with a difference gives one line against the surplus or shortage
///   account. Zero amounts give no line (a free item moves no money).
public struct LedgerBookingConverter {
    public let register: String
    public let settings: ExportSettings
    let closes: [DayCloseBoundary]
    /// Operator names (Bediener) by id.
    let operatorNames: [String: String]
    private var closeIndex = 0
    /// The last business date parsed (consecutive entries share their day).
    private var lastDateText = ""
    private var lastDate: BookingDate?

    public init(register: String, settings: ExportSettings, closes: [DayCloseBoundary], operators: [OperatorRecord]) {
        self.register = register
        self.settings = settings
        self.closes = closes
        self.operatorNames = Dictionary(operators.map { ($0.id, $0.name) }, uniquingKeysWith: { $1 })
    }

    /// `K1-000123`: the register and the receipt number, as receipts print it.
    public static func receiptLabel(register: String, number: Int64) -> String {
        let digits = String(number)
        return register + "-" + (digits.count >= 6 ? digits : String(repeating: "0", count: 6 - digits.count) + digits)
    }

    /// The Z number of the day close whose period holds `seq`; `nil` while the day is open.
    /// Calls must come in ascending `seq` (as the journal streams); earlier closes are skipped.
    mutating func zNumber(for seq: Int64) -> Int? {
        while closeIndex < closes.count && closes[closeIndex].seq < seq { closeIndex += 1 }
        guard closeIndex < closes.count, closes[closeIndex].afterSeq < seq else { return nil }
        return Int(closes[closeIndex].zNumber)
    }

    private func operatorName(_ id: String) -> String { operatorNames[id] ?? id }

    /// The booking lines of one journal entry.
    /// - Parameter original: looks up the sale a storno cancels.
    public mutating func lines(seq: Int64, entry: BookedEntry, original: (String) throws -> BookedSale?) throws -> [BookingLine] {
        var out: [BookingLine] = []
        try forEachLine(seq: seq, entry: entry, original: original) { out.append($0) }
        return out
    }

    /// Calls `body` with each booking line of one journal entry, in order.
    /// - Parameter original: looks up the sale a storno cancels.
    public mutating func forEachLine(
        seq: Int64, entry: BookedEntry, original: (String) throws -> BookedSale?,
        _ body: (BookingLine) throws -> Void
    ) throws {
        switch entry {
        case .sale(let sale):
            try saleLines(seq: seq, sale: sale, body)
        case .storno(let storno):
            guard let sale = try original(storno.saleId) else {
                throw ExportError.invalidScope(
                    "Kasse \(register), Storno-Beleg \(storno.receiptNumber): Der stornierte Verkauf \(storno.saleId) fehlt im Kassenbuch; bitte `webkasse verify` ausführen."
                )
            }
            try stornoLines(seq: seq, storno: storno, sale: sale, body)
        case .cashMovement(let movement):
            let date = try businessDate(movement.businessDate, receipt: movement.receiptNumber)
            let z = zNumber(for: seq)
            let text = movement.kind.label + ": " + movement.reason
            try body(
                BookingLine(
                    sequence: seq, kind: .cashMovement, businessDate: date, register: register, zNumber: z,
                    receiptNumber: Self.receiptLabel(register: register, number: movement.receiptNumber), saleID: movement.id,
                    text: text, account: settings.transitAccount, amount: movement.kind.signed(movement.amount),
                    paymentMethod: .cash, paymentAccount: settings.cashAccount, operatorName: operatorName(movement.operatorId),
                    approverName: movement.approvedBy.map(operatorName) ?? ""))
        case .dayClose(let close):
            guard !close.difference.isZero else { return }
            let date = try businessDate(close.businessDate, receipt: nil)
            let surplus = !close.difference.isNegative
            try body(
                BookingLine(
                    sequence: seq, kind: .cashDifference, businessDate: date, register: register, zNumber: Int(close.zNumber),
                    receiptNumber: register + "-Z" + String(close.zNumber), saleID: close.id,
                    text: (surplus ? "Überschuss" : "Fehlbetrag") + " Tagesabschluss Z " + String(close.zNumber),
                    account: surplus ? settings.surplusAccount : settings.shortageAccount, amount: close.difference,
                    paymentMethod: .cash, paymentAccount: settings.cashAccount,
                    operatorName: operatorName(close.operatorId)))
        }
    }

    private mutating func saleLines(seq: Int64, sale: BookedSale, _ body: (BookingLine) throws -> Void) throws {
        let date = try businessDate(sale.businessDate, receipt: sale.receiptNumber)
        let z = zNumber(for: seq)
        let receipt = Self.receiptLabel(register: register, number: sale.receiptNumber)
        let operatorName = operatorName(sale.operatorId)
        let reference = sale.reference ?? ""
        var allocator = Allocator(sale.payments)
        for (lineIndex, line) in sale.lines.enumerated() {
            var vat = VATSplit(line)
            for (shareIndex, share) in line.shares.enumerated() {
                try allocator.take(share.amount.cents) { method, cents in
                    guard cents != 0 else { return }
                    let posting = BookingLine(
                        sequence: seq, kind: .sale, businessDate: date, register: register, zNumber: z, receiptNumber: receipt,
                        saleID: sale.id, lineNumber: lineIndex + 1, shareNumber: shareIndex + 1, itemCode: line.itemCode,
                        text: Self.text(line, share), account: share.account, product: share.produkt ?? line.produkt ?? "",
                        costCenter: share.kostenstelle ?? line.kostenstelle ?? "", cashReference: reference,
                        amount: Money(cents: cents), paymentMethod: method, paymentAccount: settings.paymentAccount(for: method),
                        operatorName: operatorName, passThrough: share.passThrough, tax: line.tax)
                    try vat.emit(posting, settings: settings, body)
                }
            }
        }
    }

    private mutating func stornoLines(seq: Int64, storno: BookedStorno, sale: BookedSale, _ body: (BookingLine) throws -> Void) throws {
        let date = try businessDate(storno.businessDate, receipt: storno.receiptNumber)
        let z = zNumber(for: seq)
        let receipt = Self.receiptLabel(register: register, number: storno.receiptNumber)
        let reference = Self.receiptLabel(register: register, number: sale.receiptNumber)
        let operatorName = operatorName(storno.operatorId)
        let approverName = storno.approvedBy.map(self.operatorName) ?? ""
        var allocator = Allocator(storno.refunds)
        for (lineIndex, line) in sale.lines.enumerated() {
            var vat = VATSplit(line)
            for (shareIndex, share) in line.shares.enumerated() {
                try allocator.take(share.amount.cents) { method, cents in
                    guard cents != 0 else { return }
                    let posting = BookingLine(
                        sequence: seq, kind: .storno, businessDate: date, register: register, zNumber: z, receiptNumber: receipt,
                        saleID: sale.id, lineNumber: lineIndex + 1, shareNumber: shareIndex + 1, itemCode: line.itemCode,
                        text: "Storno: " + Self.text(line, share), account: share.account,
                        product: share.produkt ?? line.produkt ?? "", costCenter: share.kostenstelle ?? line.kostenstelle ?? "",
                        cashReference: sale.reference ?? "", amount: Money(cents: -cents), paymentMethod: method,
                        paymentAccount: settings.paymentAccount(for: method), stornoReference: reference,
                        operatorName: operatorName, approverName: approverName, passThrough: share.passThrough, tax: line.tax)
                    try vat.emit(posting, settings: settings, body)
                }
            }
        }
    }

    /// `Führungszeugnis (Anteil Bundeskasse)`; the variant and the share's label when there are several.
    static func text(_ line: BookedLine, _ share: LineShare) -> String {
        var text = line.name
        if let variant = line.variant, !variant.isEmpty { text += " – " + variant }
        if line.shares.count > 1 && !share.label.isEmpty { text += " (" + share.label + ")" }
        return text
    }

    private mutating func businessDate(_ iso: String, receipt: Int64?) throws -> BookingDate {
        if let lastDate, iso == lastDateText { return lastDate }
        guard let date = BookingDate(iso: iso) else {
            throw ExportError.invalidScope(
                "Kasse \(register)\(receipt.map { ", Beleg \($0)" } ?? ""): Das Buchungsdatum »\(iso)« ist kein Datum; bitte `webkasse verify` ausführen.")
        }
        (lastDateText, lastDate) = (iso, date)
        return date
    }
}

/// Hands out amounts from payments in order: `take(700)` from `[(cash, 500), (card, 800)]` gives
/// `(cash, 500), (card, 200)`. What exceeds every payment goes to the last one.
struct Allocator {
    private var remaining: [BookedAmount]
    private var index = 0

    init(_ payments: [BookedAmount]) { remaining = payments.isEmpty ? [BookedAmount(method: .cash, cents: 0)] : payments }

    /// Calls `body` with each (method, amount) part of `amount`, in order.
    mutating func take(_ amount: Int64, _ body: (PaymentMethod, Int64) throws -> Void) rethrows {
        var left = amount
        while left > 0 {
            while index < remaining.count - 1 && remaining[index].cents <= 0 { index += 1 }
            let available = index == remaining.count - 1 ? left : min(left, remaining[index].cents)
            let method = remaining[index].method
            remaining[index] = BookedAmount(method: method, cents: remaining[index].cents - available)
            left -= available
            try body(method, available)
        }
    }
}

/// Splits the postings of a taxable line into net (on the revenue account) and VAT (on the rate's
/// VAT account, ``ExportSettings/vatAccounts``): the line's VAT as the ledger holds it is spread
/// over its postings (shares × payment methods) in proportion to their gross, cumulatively
/// rounded half up, so the VAT postings of a line add up to its VAT to the cent (docs/exports.md,
/// "Umsatzsteuer"). Fees and exempt lines pass through as one gross posting.
struct VATSplit {
    private let lineGross: Int64
    private let lineVAT: Int64
    private var grossSoFar: Int64 = 0
    private var vatSoFar: Int64 = 0

    init(_ line: BookedLine) {
        lineGross = line.shares.reduce(0) { $0 + $1.amount.cents }
        lineVAT = line.tax?.rateKey == nil ? 0 : line.vat.cents
    }

    mutating func emit(_ posting: BookingLine, settings: ExportSettings, _ body: (BookingLine) throws -> Void) throws {
        guard let tax = posting.tax, let key = tax.rateKey, lineGross != 0 else { return try body(posting) }
        let negative = posting.amount.isNegative
        grossSoFar += Int64(posting.amount.cents.magnitude)
        // round(lineVAT × grossSoFar / lineGross), half up, with a 128-bit intermediate.
        let product = lineVAT.multipliedFullWidth(by: 2 * grossSoFar)
        let (low, carry) = product.low.addingReportingOverflow(UInt64(bitPattern: lineGross))
        let target = (2 * lineGross).dividingFullWidth((carry ? product.high + 1 : product.high, low)).quotient
        let pieceVAT = target - vatSoFar
        vatSoFar = target
        let vat = negative ? -pieceVAT : pieceVAT
        let net = posting.amount.cents - vat
        let vatText = "USt \(tax.ratePercentText) – " + posting.text
        try body(posting.replacing(amount: Money(cents: net), taxPart: .net))
        if vat != 0 {
            try body(
                posting.replacing(
                    amount: Money(cents: vat), taxPart: .vat, account: settings.vatAccounts[key] ?? posting.account, text: vatText))
        }
    }
}

extension BookingLine {
    /// This posting with another amount and part (and account and text for the VAT part).
    func replacing(amount: Money, taxPart: TaxPart, account: String? = nil, text: String? = nil) -> BookingLine {
        BookingLine(
            sequence: sequence, kind: kind, businessDate: businessDate, register: register, zNumber: zNumber,
            receiptNumber: receiptNumber, saleID: saleID, lineNumber: lineNumber, shareNumber: shareNumber, itemCode: itemCode,
            text: text ?? self.text, account: account ?? self.account, product: product, costCenter: costCenter,
            cashReference: cashReference, amount: amount, paymentMethod: paymentMethod, paymentAccount: paymentAccount,
            stornoReference: stornoReference, operatorName: operatorName, approverName: approverName, passThrough: passThrough, tax: tax, taxPart: taxPart)
    }
}
