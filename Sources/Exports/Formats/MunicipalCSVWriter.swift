import KasseCore
import Ledger

/// The documented CSV for municipal finance systems (see docs/exports.md).
///
/// UTF-8 with BOM, `;` separator, decimal comma, CRLF, fields quoted only when they contain
/// `;`, `"` or a line break. One `Buchung` row per booking line and split share, then one `Summe`
/// row per business day × Sachkonto × payment method (sorted), which add up to the bookings.
public struct MunicipalCSVWriter: BookingWriter {
    public static let columns = [
        "Satzart", "Buchungsdatum", "Kasse", "Z-Nr", "Bon-Nr", "Vorgang", "Position", "Anteil", "Artikel", "Buchungstext",
        "Sachkonto", "Produkt", "Kostenstelle", "Kassenzeichen", "Betrag", "Zahlweg", "Zahlungskonto", "Storno-Bezug",
        "Bediener", "Freigabe", "Buchungsart", "Status", "Anzahl", "Steuer", "USt-Satz", "Steueranteil",
    ]

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

    public init(context: ExportContext) { self.context = context }

    public mutating func begin(into out: inout [UInt8]) throws {
        out += [0xEF, 0xBB, 0xBF]
        appendRow(Self.columns, to: &out)
    }

    public mutating func write(_ line: BookingLine, into out: inout [UInt8]) throws {
        let semicolon = UInt8(ascii: ";")
        out.appendLiteral("Buchung;")
        out.appendGerman(line.businessDate)
        out.append(semicolon)
        out.appendCSVField(line.register)
        out.append(semicolon)
        if let z = line.zNumber { out.appendDecimal(z) }
        out.append(semicolon)
        out.appendCSVField(line.receiptNumber)
        out.append(semicolon)
        out.appendCSVField(line.saleID)
        out.append(semicolon)
        if line.lineNumber != 0 { out.appendDecimal(line.lineNumber) }
        out.append(semicolon)
        if line.shareNumber != 0 { out.appendDecimal(line.shareNumber) }
        out.append(semicolon)
        out.appendCSVField(line.itemCode)
        out.append(semicolon)
        out.appendCSVField(line.text)
        out.append(semicolon)
        out.appendCSVField(line.account)
        out.append(semicolon)
        out.appendCSVField(line.product)
        out.append(semicolon)
        out.appendCSVField(line.costCenter)
        out.append(semicolon)
        out.appendCSVField(line.cashReference)
        out.append(semicolon)
        out.appendMoney(line.amount.cents, separator: UInt8(ascii: ","))
        out.append(semicolon)
        out.appendUTF8(line.paymentMethod.germanName)
        out.append(semicolon)
        out.appendCSVField(line.paymentAccount)
        out.append(semicolon)
        out.appendCSVField(line.stornoReference)
        out.append(semicolon)
        out.appendCSVField(line.operatorName)
        out.append(semicolon)
        out.appendCSVField(line.approverName)
        out.append(semicolon)
        out.appendUTF8(line.kind.germanName)
        out.append(semicolon)
        if line.isProvisional { out.appendLiteral("vorläufig") } else { out.appendLiteral("endgültig") }
        out.appendLiteral(";;")
        let (treatment, rate, part) = Self.taxFields(line)
        out.appendUTF8(treatment)
        out.append(semicolon)
        out.appendUTF8(rate)
        out.append(semicolon)
        out.appendUTF8(part)
        out.appendLiteral("\r\n")
        let key = SummaryKey(date: line.businessDate, account: line.account, method: line.paymentMethod, paymentAccount: line.paymentAccount)
        if let index = summary.index(forKey: key) {
            summary.values[index].count += 1
            summary.values[index].cents += line.amount.cents
            if line.isProvisional { summary.values[index].provisional = true }
        } else {
            summary[key] = (1, line.amount.cents, line.isProvisional)
        }
    }

    public mutating func finish(into out: inout [UInt8]) throws {
        for key in summary.keys.sorted() {
            let value = summary[key]!
            appendRow(
                [
                    "Summe", key.date.german, "", "", "", "", "", "", "", "Summe \(key.account) \(key.method.germanName)", key.account,
                    "", "", "", MoneyFormat.plain(Money(cents: value.cents), decimalSeparator: ","), key.method.germanName,
                    key.paymentAccount, "", "", "", "", value.provisional ? "vorläufig" : "endgültig", String(value.count), "", "",
                    "",
                ], to: &out)
        }
        summary = [:]
    }

    /// Steuer (`steuerpflichtig`, `steuerfrei`, empty for a fee), USt-Satz (`19 %`) and
    /// Steueranteil (`Netto` on the revenue account, `USt` on the VAT account).
    static func taxFields(_ line: BookingLine) -> (String, String, String) {
        guard let tax = line.tax else { return ("", "", "") }
        guard tax.rateKey != nil else { return (tax.treatment.code, "", "") }
        return (tax.treatment.code, tax.ratePercentText, line.taxPart == .vat ? "USt" : "Netto")
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
