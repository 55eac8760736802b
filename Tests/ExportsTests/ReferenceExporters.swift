import Foundation
import KasseCore
import Ledger

@testable import Exports

// The four writers as they were before they appended bytes directly (String per field and line),
// and the converter as it was before the exports' lean ledger reader, kept unchanged as the
// reference the faster code must equal (WriterEquivalenceTests, BookedEntryTests).

/// DATEV EXTF Buchungsstapel: format 700, category 21, format version 9 (116 columns).
///
/// Line 1 is the 31-field header, line 2 the column headings, then one booking per line:
/// Umsatz (always positive, decimal comma), S/H relative to Konto, Konto = payment account,
/// Gegenkonto = Sachkonto, Belegdatum `TTMM`, Belegfeld 1 = Kassenzeichen or receipt number
/// (≤ 12 characters), Buchungstext (≤ 60), KOST1 = Kostenstelle, KOST2 = Produkt, and
/// Zusatzinformationen (Kasse, Bon, Vorgang, Bediener, Artikel, Storno-Bezug).
/// Windows-1252, `;`-separated, texts in double quotes, CRLF line ends.
/// Layout as in docs/exports.md, "DATEV EXTF Buchungsstapel" (ledermann/datev `header.rb`, `booking.rb`).
struct ReferenceDATEVWriter: BookingWriter {

    let context: ExportContext
    private var fields = [String](repeating: "", count: 116)
    private let lockText: String

    init(context: ExportContext) {
        self.context = context
        lockText = String(context.settings.datevLock)
    }

    mutating func begin(into out: inout [UInt8]) throws {
        let settings = context.settings
        let start = DATEVWriter.fiscalYearStart(of: context.from, startMonth: settings.fiscalYearStartMonth)
        guard DATEVWriter.fiscalYearStart(of: context.to, startMonth: settings.fiscalYearStartMonth) == start else {
            throw ExportError.rangeSpansFiscalYears(from: context.from.german, to: context.to.german)
        }
        guard (4...8).contains(settings.datevAccountLength) else {
            throw ExportError.invalidScope("Einstellung datev.sachkontenlaenge: »\(settings.datevAccountLength)« ist ungültig; erlaubt sind 4 bis 8.")
        }
        let title = (context.includesProvisional ? "VORLÄUFIG " : "") + context.title
        let header: [String] = [
            quoted("EXTF"), "700", "21", quoted("Buchungsstapel"), String(DATEVWriter.formatVersion),
            context.createdAt.datev, "", quoted("WK"), quoted(clip(context.exportedBy, 25)), quoted(""),
            String(settings.datevConsultant), String(settings.datevClient), start.compact,
            String(settings.datevAccountLength), context.from.compact, context.to.compact,
            quoted(DATEVWriter.batchName(title)), quoted(clip(settings.datevDictationCode, 2)), "1", "0", lockText, quoted("EUR"),
            "", quoted(""), "", "", quoted(settings.datevChart), "", "", quoted(""), quoted(""),
        ]
        precondition(header.count == 31)
        appendLine(header.joined(separator: ";"), to: &out)
        appendLine(DATEVWriter.columns.joined(separator: ";"), to: &out)
    }

    mutating func write(_ line: BookingLine, into out: inout [UInt8]) throws {
        guard line.businessDate >= context.from && line.businessDate <= context.to else {
            throw invalid(line, "Belegdatum", line.businessDate.german, "ein Datum von \(context.from.german) bis \(context.to.german)")
        }
        for index in fields.indices where !fields[index].isEmpty { fields[index] = "" }
        fields[DATEVWriter.umsatz] = MoneyFormat.plain(line.amount.magnitude, decimalSeparator: ",")
        fields[DATEVWriter.sollHaben] = quoted(line.amount.isNegative ? "H" : "S")
        fields[DATEVWriter.konto] = try account(line.paymentAccount, line, "Konto")
        fields[DATEVWriter.gegenkonto] = try account(line.account, line, "Gegenkonto")
        fields[DATEVWriter.belegdatum] = line.businessDate.dayMonth
        var text = clip(line.text, 60)
        if text != line.text { text = String(text.reversed().drop(while: \.isWhitespace).reversed()) }
        fields[DATEVWriter.buchungstext] = quoted(text)
        if !line.costCenter.isEmpty { fields[DATEVWriter.kost1] = quoted(try kost(line.costCenter, line, "KOST1")) }
        if !line.product.isEmpty { fields[DATEVWriter.kost2] = quoted(try kost(line.product, line, "KOST2")) }
        let reference = line.cashReference.isEmpty ? line.receiptNumber : line.cashReference
        let belegfeld = Self.belegfeld(reference)
        guard belegfeld.count <= 36 else {
            throw invalid(line, "Belegfeld 1", reference, "höchstens 36 Zeichen (A–Z a–z 0–9 $ & * + - /; jedes andere zählt als %XX dreifach)")
        }
        fields[DATEVWriter.belegfeld1] = quoted(belegfeld)
        var info: [(String, String)] = [
            ("Kasse", line.register), ("Bon", line.receiptNumber), ("Vorgang", line.saleID),
            ("Bediener", line.operatorName),
        ]
        if !line.itemCode.isEmpty { info.append(("Artikel", line.itemCode)) }
        if !line.stornoReference.isEmpty { info.append(("Storno zu Bon", line.stornoReference)) }
        if line.isProvisional { info.append(("Status", "vorläufig")) }
        if !line.approverName.isEmpty { info.append(("Freigabe", line.approverName)) }
        for (n, pair) in info.enumerated() where !pair.1.isEmpty {
            fields[DATEVWriter.zusatzinfo + 2 * n] = quoted(clip(pair.0, 20))
            fields[DATEVWriter.zusatzinfo + 2 * n + 1] = quoted(clip(pair.1, 210))
        }
        fields[DATEVWriter.festschreibung] = lockText
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ";")) }
            if !field.isEmpty { Windows1252.append(field, to: &out) }
        }
        out.append(13)
        out.append(10)
    }

    mutating func finish(into out: inout [UInt8]) throws {}

    /// Belegfeld 1: DATEV allows `A-Z a-z 0-9 $ & % * + - /`; every other UTF-8 byte and `%` is written `%XX`.
    static func belegfeld(_ text: String) -> String {
        text.utf8.map { byte -> String in
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, CharacterSet.alphanumerics.contains(scalar) || "$&*+-/".unicodeScalars.contains(scalar) { return String(Character(scalar)) }
            return "%" + String(format: "%02X", byte)
        }.joined()
    }

    private func account(_ number: String, _ line: BookingLine, _ field: String) throws -> String {
        let length = context.settings.datevAccountLength
        guard !number.isEmpty, number.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw invalid(line, field, number, "eine Kontonummer aus Ziffern")
        }
        guard number.count <= length else {
            throw invalid(line, field, number, "eine Kontonummer aus höchstens \(length) Ziffern (Sachkontenlänge, --datev-kontenlaenge \(length))")
        }
        return number.count >= length ? number : String(repeating: "0", count: length - number.count) + number
    }

    private func kost(_ value: String, _ line: BookingLine, _ field: String) throws -> String {
        guard value.count <= 8 else { throw invalid(line, field, value, "höchstens 8 Zeichen") }
        return value
    }

    private func invalid(_ line: BookingLine, _ field: String, _ value: String, _ expected: String) -> ExportError {
        .invalidBooking(format: "DATEV", receipt: line.receiptNumber, field: field, value: value, expected: expected)
    }

    private func appendLine(_ text: String, to out: inout [UInt8]) {
        Windows1252.append(text, to: &out)
        out.append(13)
        out.append(10)
    }
}

/// The documented CSV for municipal finance systems (see docs/exports.md).
///
/// UTF-8 with BOM, `;` separator, decimal comma, CRLF, fields quoted only when they contain
/// `;`, `"` or a line break. One `Buchung` row per booking line and split share, then one `Summe`
/// row per business day × Sachkonto × payment method (sorted), which add up to the bookings.
struct ReferenceMunicipalCSVWriter: BookingWriter {
    private struct SummaryKey: Hashable, Comparable {
        let date: BookingDate
        let account: String
        let method: PaymentMethod
        let paymentAccount: String

        static func < (a: SummaryKey, b: SummaryKey) -> Bool {
            (a.date, a.account, a.method.exportRank, a.paymentAccount) < (b.date, b.account, b.method.exportRank, b.paymentAccount)
        }
    }

    let context: ExportContext
    private var summary: [SummaryKey: (count: Int, cents: Int64, provisional: Bool)] = [:]

    init(context: ExportContext) { self.context = context }

    mutating func begin(into out: inout [UInt8]) throws {
        out += [0xEF, 0xBB, 0xBF]
        appendRow(MunicipalCSVWriter.columns, to: &out)
    }

    mutating func write(_ line: BookingLine, into out: inout [UInt8]) throws {
        appendRow(
            [
                "Buchung", line.businessDate.german, line.register, line.zNumber.map(String.init) ?? "", line.receiptNumber,
                line.saleID, line.lineNumber == 0 ? "" : String(line.lineNumber), line.shareNumber == 0 ? "" : String(line.shareNumber),
                line.itemCode, line.text, line.account, line.product, line.costCenter, line.cashReference,
                MoneyFormat.plain(line.amount, decimalSeparator: ","), line.paymentMethod.germanName, line.paymentAccount,
                line.stornoReference, line.operatorName, line.approverName, line.kind.germanName, line.isProvisional ? "vorläufig" : "endgültig", "",
                line.tax?.treatment.code ?? "", line.tax?.rateKey == nil ? "" : line.tax!.ratePercentText,
                line.tax?.rateKey == nil ? "" : (line.taxPart == .vat ? "USt" : "Netto"),
            ], to: &out)
        let key = SummaryKey(date: line.businessDate, account: line.account, method: line.paymentMethod, paymentAccount: line.paymentAccount)
        let previous = summary[key] ?? (0, 0, false)
        summary[key] = (previous.count + 1, previous.cents + line.amount.cents, previous.provisional || line.isProvisional)
    }

    mutating func finish(into out: inout [UInt8]) throws {
        for key in summary.keys.sorted() {
            let value = summary[key]!
            appendRow(
                [
                    "Summe", key.date.german, "", "", "", "", "", "", "", "Summe \(key.account) \(key.method.germanName)", key.account,
                    "", "", "", MoneyFormat.plain(Money(cents: value.cents), decimalSeparator: ","), key.method.germanName,
                    key.paymentAccount, "", "", "", "", value.provisional ? "vorläufig" : "endgültig", String(value.count), "", "", "",
                ], to: &out)
        }
        summary = [:]
    }

    private func appendRow(_ fields: [String], to out: inout [UInt8]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ";")) }
            if field.utf8.contains(where: { $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) {
                out.append(contentsOf: quoted(field).utf8)
            } else {
                out.append(contentsOf: field.utf8)
            }
        }
        out += [13, 10]
    }
}

/// A plain-text double-entry journal that `hledger` and `ledger` read (`hledger -f FILE balance`).
///
/// One transaction per booking: date, status (`*` final, `!` provisional: the day is open),
/// `(receipt number)` as the code, the text; tags as `; Name: value` comment lines; two postings
/// with amounts in `EUR` and a decimal point. Accounts are `Zahlungsmittel:<Zahlweg>:<Konto>` and
/// `<Ertrag|Verwahrgeld|Geldtransit|Kassendifferenz>:<Konto>`.
struct ReferenceJournalWriter: BookingWriter {
    let context: ExportContext

    init(context: ExportContext) { self.context = context }

    mutating func begin(into out: inout [UInt8]) throws {
        var text = "; Web-Kasse Buchungsjournal für hledger/ledger\n"
        text += "; Zeitraum \(context.from.iso) bis \(context.to.iso), erstellt \(context.createdAt.iso) von \(oneLine(context.exportedBy))\n"
        if context.includesProvisional { text += "; Enthält offene Tage: ihre Buchungen sind vorläufig (Status !).\n" }
        out.append(contentsOf: text.utf8)
    }

    mutating func write(_ line: BookingLine, into out: inout [UInt8]) throws {
        var text = "\n" + line.businessDate.iso + (line.isProvisional ? " ! (" : " * (") + oneLine(line.receiptNumber) + ") "
        text += oneLine(line.text) + "\n"
        text += "    ; Kasse: \(oneLine(line.register))\n"
        if let z = line.zNumber { text += "    ; Z: \(z)\n" }
        if !line.saleID.isEmpty { text += "    ; Vorgang: \(oneLine(line.saleID))\n" }
        if !line.itemCode.isEmpty { text += "    ; Artikel: \(oneLine(line.itemCode))\n" }
        if !line.product.isEmpty { text += "    ; Produkt: \(oneLine(line.product))\n" }
        if !line.costCenter.isEmpty { text += "    ; Kostenstelle: \(oneLine(line.costCenter))\n" }
        if !line.cashReference.isEmpty { text += "    ; Kassenzeichen: \(oneLine(line.cashReference))\n" }
        if !line.stornoReference.isEmpty { text += "    ; Storno: \(oneLine(line.stornoReference))\n" }
        if let tax = line.tax {
            let tag = tax.rateKey == nil ? tax.treatment.code : tax.ratePercentText + (line.taxPart == .vat ? " USt" : " netto")
            text += "    ; USt: \(tag)\n"
        }
        text += "    ; Bediener: \(oneLine(line.operatorName))\n"
        if !line.approverName.isEmpty { text += "    ; Freigabe: \(oneLine(line.approverName))\n" }
        let amount = MoneyFormat.plain(line.amount)
        let negated = MoneyFormat.plain(line.amount.negated)
        text += "    " + JournalWriter.paymentAccountName(line) + "  " + amount + " EUR\n"
        text += "    " + JournalWriter.accountName(line) + "  " + negated + " EUR\n"
        out.append(contentsOf: text.utf8)
    }

    mutating func finish(into out: inout [UInt8]) throws {}
}

/// JSON Lines: one object per booking, keys in a fixed order, UTF-8, LF line ends.
///
/// Amounts appear twice: `amountCents` (signed integer, the exact value) and `amount` (a decimal
/// string); `debitAccount`/`creditAccount` spell out the posting. `zNumber` is `null` and
/// `provisional` is `true` for bookings of days still open.
struct ReferenceJSONLinesWriter: BookingWriter {
    let context: ExportContext

    init(context: ExportContext) { self.context = context }

    mutating func begin(into out: inout [UInt8]) throws {}

    mutating func write(_ line: BookingLine, into out: inout [UInt8]) throws {
        var text = "{\"sequence\":\(line.sequence),\"kind\":\(json(line.kind.rawValue)),\"businessDate\":\(json(line.businessDate.iso))"
        text += ",\"register\":\(json(line.register)),\"zNumber\":\(line.zNumber.map(String.init) ?? "null")"
        text += ",\"provisional\":\(line.isProvisional),\"receiptNumber\":\(json(line.receiptNumber)),\"saleId\":\(json(line.saleID))"
        text += ",\"line\":\(line.lineNumber),\"share\":\(line.shareNumber),\"itemCode\":\(json(line.itemCode)),\"text\":\(json(line.text))"
        text += ",\"account\":\(json(line.account)),\"product\":\(json(line.product)),\"costCenter\":\(json(line.costCenter))"
        text += ",\"cashReference\":\(json(line.cashReference)),\"amountCents\":\(line.amount.cents)"
        text += ",\"amount\":\(json(MoneyFormat.plain(line.amount))),\"currency\":\"EUR\""
        text += ",\"paymentMethod\":\(json(line.paymentMethod.rawValue)),\"paymentAccount\":\(json(line.paymentAccount))"
        text += ",\"debitAccount\":\(json(line.debitAccount)),\"creditAccount\":\(json(line.creditAccount))"
        text += ",\"passThrough\":\(line.passThrough),\"stornoReference\":\(json(line.stornoReference))"
        text += ",\"operator\":\(json(line.operatorName)),\"approver\":\(json(line.approverName))"
        if let tax = line.tax {
            text += ",\"taxTreatment\":\(json(tax.treatment.code))"
            if let key = tax.rateKey { text += ",\"vatRate\":\(json(key.rawValue)),\"vatRateBasisPoints\":\(tax.rateBasisPoints)" }
            text += ",\"taxPart\":\(json(line.taxPart.rawValue))"
        }
        text += "}\n"
        out.append(contentsOf: text.utf8)
    }

    mutating func finish(into out: inout [UInt8]) throws {}
}

// The converter as it was before the lean reader (it read full events).

/// Turns one register's ledger events into booking lines (pure, apart from looking up the sale a
/// storno cancels).
///
/// - A sale gives one line per line share; when a sale was paid by several methods, each share is
///   allocated to the payments in order (greedily), so one share may give one line per method.
/// - A storno gives the counter-entries of the cancelled sale's shares, allocated to the refunds.
/// - A cash movement gives one line against the Geldtransit account (Einlage +, Entnahme and
///   Abschöpfung −); a day close with a difference gives one line against the surplus or shortage
///   account. Zero amounts give no line (a free item moves no money).
struct ReferenceLedgerBookingConverter {
    let register: String
    let settings: ExportSettings
    let closes: [DayCloseBoundary]
    let operators: [String: OperatorRecord]
    private var closeIndex = 0

    init(register: String, settings: ExportSettings, closes: [DayCloseBoundary], operators: [String: OperatorRecord]) {
        self.register = register
        self.settings = settings
        self.closes = closes
        self.operators = operators
    }

    /// `K1-000123`: the register and the receipt number, as receipts print it.
    static func receiptLabel(register: String, number: Int64) -> String {
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

    private func operatorName(_ id: String) -> String { operators[id]?.name ?? id }

    /// The booking lines of one journal entry.
    /// - Parameter original: looks up the sale a storno cancels.
    mutating func lines(seq: Int64, event: LedgerEvent, original: (String) throws -> SaleRecord?) throws -> [BookingLine] {
        switch event {
        case .sale(let sale):
            return try saleLines(seq: seq, sale: sale)
        case .storno(let storno):
            guard let sale = try original(storno.saleId) else {
                throw ExportError.invalidScope(
                    "Kasse \(register), Storno-Beleg \(storno.receiptNumber): Der stornierte Verkauf \(storno.saleId) fehlt im Kassenbuch; bitte `webkasse verify` ausführen."
                )
            }
            return try stornoLines(seq: seq, storno: storno, sale: sale)
        case .cashMovement(let movement):
            let date = try businessDate(movement.businessDate, receipt: movement.receiptNumber)
            let z = zNumber(for: seq)
            let text = movement.kind.label + ": " + movement.reason
            return [
                BookingLine(
                    sequence: seq, kind: .cashMovement, businessDate: date, register: register, zNumber: z,
                    receiptNumber: Self.receiptLabel(register: register, number: movement.receiptNumber), saleID: movement.id,
                    text: text, account: settings.transitAccount, amount: movement.kind.signed(movement.amount),
                    paymentMethod: .cash, paymentAccount: settings.cashAccount, operatorName: operatorName(movement.operatorId),
                    approverName: movement.approvedBy.map(operatorName) ?? "")
            ]
        case .dayClose(let close):
            guard !close.difference.isZero else { return [] }
            let date = try businessDate(close.businessDate, receipt: nil)
            let surplus = !close.difference.isNegative
            return [
                BookingLine(
                    sequence: seq, kind: .cashDifference, businessDate: date, register: register, zNumber: Int(close.zNumber),
                    receiptNumber: register + "-Z" + String(close.zNumber), saleID: close.id,
                    text: (surplus ? "Überschuss" : "Fehlbetrag") + " Tagesabschluss Z " + String(close.zNumber),
                    account: surplus ? settings.surplusAccount : settings.shortageAccount, amount: close.difference,
                    paymentMethod: .cash, paymentAccount: settings.cashAccount,
                    operatorName: operatorName(close.operatorId))
            ]
        default:
            return []
        }
    }

    private mutating func saleLines(seq: Int64, sale: SaleRecord) throws -> [BookingLine] {
        let date = try businessDate(sale.businessDate, receipt: sale.receiptNumber)
        let z = zNumber(for: seq)
        let receipt = Self.receiptLabel(register: register, number: sale.receiptNumber)
        var allocator = ReferenceAllocator(sale.payments.map { ($0.method, $0.amount.cents) })
        var out: [BookingLine] = []
        for (lineIndex, line) in sale.lines.enumerated() {
            for (shareIndex, share) in line.shares.enumerated() {
                for (method, cents) in allocator.take(share.amount.cents) where cents != 0 {
                    out.append(
                        BookingLine(
                            sequence: seq, kind: .sale, businessDate: date, register: register, zNumber: z, receiptNumber: receipt,
                            saleID: sale.id, lineNumber: lineIndex + 1, shareNumber: shareIndex + 1, itemCode: line.itemCode,
                            text: Self.text(line, share), account: share.account, product: share.produkt ?? line.produkt ?? "",
                            costCenter: share.kostenstelle ?? line.kostenstelle ?? "", cashReference: sale.reference ?? "",
                            amount: Money(cents: cents), paymentMethod: method, paymentAccount: settings.paymentAccount(for: method),
                            operatorName: operatorName(sale.operatorId), passThrough: share.passThrough))
                }
            }
        }
        return out
    }

    private mutating func stornoLines(seq: Int64, storno: StornoRecord, sale: SaleRecord) throws -> [BookingLine] {
        let date = try businessDate(storno.businessDate, receipt: storno.receiptNumber)
        let z = zNumber(for: seq)
        let receipt = Self.receiptLabel(register: register, number: storno.receiptNumber)
        let reference = Self.receiptLabel(register: register, number: sale.receiptNumber)
        var allocator = ReferenceAllocator(storno.refunds.map { ($0.method, $0.amount.cents) })
        var out: [BookingLine] = []
        for (lineIndex, line) in sale.lines.enumerated() {
            for (shareIndex, share) in line.shares.enumerated() {
                for (method, cents) in allocator.take(share.amount.cents) where cents != 0 {
                    out.append(
                        BookingLine(
                            sequence: seq, kind: .storno, businessDate: date, register: register, zNumber: z, receiptNumber: receipt,
                            saleID: sale.id, lineNumber: lineIndex + 1, shareNumber: shareIndex + 1, itemCode: line.itemCode,
                            text: "Storno: " + Self.text(line, share), account: share.account,
                            product: share.produkt ?? line.produkt ?? "", costCenter: share.kostenstelle ?? line.kostenstelle ?? "",
                            cashReference: sale.reference ?? "", amount: Money(cents: -cents), paymentMethod: method,
                            paymentAccount: settings.paymentAccount(for: method), stornoReference: reference,
                            operatorName: operatorName(storno.operatorId), approverName: storno.approvedBy.map(operatorName) ?? "",
                            passThrough: share.passThrough))
                }
            }
        }
        return out
    }

    /// `Führungszeugnis (Anteil Bundeskasse)`; the variant and the share's label when there are several.
    static func text(_ line: SaleLine, _ share: LineShare) -> String {
        var text = line.name
        if let variant = line.variant, !variant.isEmpty { text += " – " + variant }
        if line.shares.count > 1 && !share.label.isEmpty { text += " (" + share.label + ")" }
        return text
    }

    private func businessDate(_ iso: String, receipt: Int64?) throws -> BookingDate {
        guard let date = BookingDate(iso: iso) else {
            throw ExportError.invalidScope(
                "Kasse \(register)\(receipt.map { ", Beleg \($0)" } ?? ""): Das Buchungsdatum »\(iso)« ist kein Datum; bitte `webkasse verify` ausführen.")
        }
        return date
    }
}

/// Hands out amounts from payments in order: `take(700)` from `[(cash, 500), (card, 800)]` gives
/// `[(cash, 500), (card, 200)]`. What exceeds every payment goes to the last one.
struct ReferenceAllocator {
    private var remaining: [(PaymentMethod, Int64)]
    private var index = 0

    init(_ payments: [(PaymentMethod, Int64)]) { remaining = payments.isEmpty ? [(.cash, 0)] : payments }

    mutating func take(_ amount: Int64) -> [(PaymentMethod, Int64)] {
        var left = amount
        var out: [(PaymentMethod, Int64)] = []
        while left > 0 {
            while index < remaining.count - 1 && remaining[index].1 <= 0 { index += 1 }
            let available = index == remaining.count - 1 ? left : min(left, remaining[index].1)
            out.append((remaining[index].0, available))
            remaining[index].1 -= available
            left -= available
        }
        return out
    }
}
