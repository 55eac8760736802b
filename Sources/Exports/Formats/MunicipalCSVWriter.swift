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
        "Bediener", "Buchungsart", "Status", "Anzahl",
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
        appendRow([
            "Buchung", line.businessDate.german, line.register, line.zNumber.map(String.init) ?? "", line.receiptNumber,
            line.saleID, line.lineNumber == 0 ? "" : String(line.lineNumber), line.shareNumber == 0 ? "" : String(line.shareNumber),
            line.itemCode, line.text, line.account, line.product, line.costCenter, line.cashReference,
            MoneyFormat.plain(line.amount, decimalSeparator: ","), line.paymentMethod.germanName, line.paymentAccount,
            line.stornoReference, line.operatorName, line.kind.germanName, line.isProvisional ? "vorläufig" : "endgültig", "",
        ], to: &out)
        let key = SummaryKey(date: line.businessDate, account: line.account, method: line.paymentMethod, paymentAccount: line.paymentAccount)
        let previous = summary[key] ?? (0, 0, false)
        summary[key] = (previous.count + 1, previous.cents + line.amount.cents, previous.provisional || line.isProvisional)
    }

    public mutating func finish(into out: inout [UInt8]) throws {
        for key in summary.keys.sorted() {
            let value = summary[key]!
            appendRow([
                "Summe", key.date.german, "", "", "", "", "", "", "", "Summe \(key.account) \(key.method.germanName)", key.account,
                "", "", "", MoneyFormat.plain(Money(cents: value.cents), decimalSeparator: ","), key.method.germanName,
                key.paymentAccount, "", "", "", value.provisional ? "vorläufig" : "endgültig", String(value.count),
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
