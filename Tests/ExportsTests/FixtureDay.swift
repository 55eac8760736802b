import Exports
import KasseCore
import Ledger

/// A small fixed business day of register K1 (Z 7), covering every kind of booking:
/// cash with change, card, cheque with a Kassenzeichen, a split Führungszeugnis (2/5 own, 3/5
/// Bundeskasse), a storno with cash payout and a withdrawal to the Stadtkasse (both approved by
/// »schulz«), and a shortage.
///
/// Drawer: float 100,00; cash received 55,00; change 4,45; storno payout 46,00; withdrawal 20,00
/// → expected 84,55; counted 84,00 → Fehlbetrag 0,55.
enum FixtureDay {
    static let date = BookingDate(year: 2026, month: 11, day: 26)!
    static let settings = ExportSettings()
    static let createdAt = ExportTimestamp(year: 2026, month: 11, day: 26, hour: 17, minute: 5, second: 9, millisecond: 42)
    static let context = ExportContext(
        settings: settings, from: date, to: date, createdAt: createdAt,
        exportedBy: "stadtkasse", title: "Kasse K1 26.11.2026")

    static func line(
        _ seq: Int64, _ kind: BookingLine.Kind, receipt: String, sale: String, line: Int = 0, share: Int = 0,
        item: String = "", text: String, account: String, product: String = "", costCenter: String = "",
        reference: String = "", cents: Int64, method: PaymentMethod, storno: String = "",
        operatorName: String = "müller", approver: String = "", passThrough: Bool = false, zNumber: Int? = 7,
        tax: LineTax? = nil, taxPart: BookingLine.TaxPart = .gross
    ) -> BookingLine {
        BookingLine(
            sequence: seq, kind: kind, businessDate: date, register: "K1", zNumber: zNumber, receiptNumber: receipt,
            saleID: sale, lineNumber: line, shareNumber: share, itemCode: item, text: text, account: account,
            product: product, costCenter: costCenter, cashReference: reference, amount: Money(cents: cents),
            paymentMethod: method, paymentAccount: settings.paymentAccount(for: method), stornoReference: storno,
            operatorName: operatorName, approverName: approver, passThrough: passThrough, tax: tax, taxPart: taxPart)
    }

    static let normal = LineTax(treatment: .steuerpflichtig(.normal), rateBasisPoints: 1900)
    static let reduced = LineTax(treatment: .steuerpflichtig(.reduced1), rateBasisPoints: 700)

    static let lines: [BookingLine] = [
        line(
            1, .sale, receipt: "K1-000001", sale: "S-0001", line: 1, share: 1, item: "PA24", text: "Personalausweis (ab 24 Jahren)",
            account: "431100", product: "1220101", costCenter: "33100", cents: 4_600, method: .cash),
        line(
            2, .sale, receipt: "K1-000002", sale: "S-0002", line: 1, share: 1, item: "FZ", text: "Führungszeugnis (Anteil Gemeinde 2/5)",
            account: "431100", product: "1220101", costCenter: "33100", cents: 520, method: .card),
        line(
            3, .sale, receipt: "K1-000002", sale: "S-0002", line: 1, share: 2, item: "FZ", text: "Führungszeugnis (Anteil Bundeskasse 3/5)",
            account: "376100", product: "", costCenter: "33100", cents: 780, method: .card, passThrough: true),
        line(
            4, .sale, receipt: "K1-000002", sale: "S-0002", line: 2, share: 1, item: "MB", text: "Meldebescheinigung",
            account: "431100", product: "1220101", costCenter: "33100", cents: 900, method: .card),
        line(
            5, .sale, receipt: "K1-000003", sale: "S-0003", line: 1, share: 1, item: "RP24",
            text: "Reisepass (ab 24 Jahren) – 48 Seiten, Express, außerhalb der Öffnungszeiten",
            account: "431100", product: "1220101", costCenter: "33100", reference: "5.2026.000123", cents: 7_000, method: .cheque),
        line(
            6, .storno, receipt: "K1-000004", sale: "S-0004", line: 1, share: 1, item: "PA24", text: "Storno: Personalausweis (ab 24 Jahren)",
            account: "431100", product: "1220101", costCenter: "33100", cents: -4_600, method: .cash, storno: "K1-000001",
            approver: "schulz"),
        line(
            7, .sale, receipt: "K1-000005", sale: "S-0005", line: 1, share: 1, item: "BGL", text: "Beglaubigung \"Zeugnis\"; 2 Seiten",
            account: "431100", product: "1220101", costCenter: "33100", cents: 455, method: .cash),
        line(
            8, .cashMovement, receipt: "K1-000006", sale: "M-0001", text: "Entnahme: Abschöpfung an die Stadtkasse",
            account: "189000", cents: -2_000, method: .cash, approver: "schulz"),
        line(
            9, .cashDifference, receipt: "K1-Z0007", sale: "Z-0007", text: "Fehlbetrag Tagesabschluss Z 7",
            account: "549100", cents: -55, method: .cash),
    ]

    /// A taxable sale by card (§ 2b UStG), as the exports split it: 3 copies at 0,50 € (19 %) and a
    /// town map at 4,90 € (7 %), each as its net on the revenue account and its VAT on the rate's
    /// VAT account (ExportSettings.vatAccounts), beside a fee.
    static let taxableLines: [BookingLine] = [
        line(
            8, .sale, receipt: "K1-000008", sale: "S-0008", line: 1, share: 1, item: "MB", text: "Meldebescheinigung",
            account: "431100", product: "1220101", costCenter: "33100", cents: 900, method: .card),
        line(
            8, .sale, receipt: "K1-000008", sale: "S-0008", line: 2, share: 1, item: "KOP", text: "Kopie – A4 schwarz-weiß, je Seite",
            account: "441100", product: "1220104", costCenter: "33100", cents: 126, method: .card, tax: normal, taxPart: .net),
        line(
            8, .sale, receipt: "K1-000008", sale: "S-0008", line: 2, share: 1, item: "KOP",
            text: "USt 19 % – Kopie – A4 schwarz-weiß, je Seite", account: "376110", product: "1220104", costCenter: "33100", cents: 24,
            method: .card, tax: normal, taxPart: .vat),
        line(
            8, .sale, receipt: "K1-000008", sale: "S-0008", line: 3, share: 1, item: "SPL", text: "Stadtplan",
            account: "441100", product: "1220104", costCenter: "33100", cents: 458, method: .card, tax: reduced, taxPart: .net),
        line(
            8, .sale, receipt: "K1-000008", sale: "S-0008", line: 3, share: 1, item: "SPL", text: "USt 7 % – Stadtplan",
            account: "376120", product: "1220104", costCenter: "33100", cents: 32, method: .card, tax: reduced, taxPart: .vat),
    ]

    /// Net (debit − credit) per account, worked out by hand from the lines above.
    static let expectedNets: [String: Int64] = [
        "181000": -1_600, "182100": 2_200, "182200": 7_000, "431100": -8_875, "376100": -780, "189000": 2_000, "549100": 55,
    ]

    static let expectedCash = ExpectedCash(
        float: Money(euros: 100), cashReceived: Money(euros: 55), changeGiven: Money(cents: 445), stornoPayouts: Money(euros: 46),
        movements: [CashMovement(kind: .entnahme, amount: Money(euros: 20), reason: "Abschöpfung an die Stadtkasse")])
    static let counted = Money(euros: 84)
}
