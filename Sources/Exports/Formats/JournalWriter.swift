import KasseCore

/// A plain-text double-entry journal that `hledger` and `ledger` read (`hledger -f FILE balance`).
///
/// One transaction per booking: date, status (`*` final, `!` provisional: the day is open),
/// `(receipt number)` as the code, the text; tags as `; Name: value` comment lines; two postings
/// with amounts in `EUR` and a decimal point. Accounts are `Zahlungsmittel:<Zahlweg>:<Konto>` and
/// `<Ertrag|Verwahrgeld|Geldtransit|Kassendifferenz>:<Konto>`.
public struct JournalWriter: BookingWriter {
    let context: ExportContext

    public init(context: ExportContext) { self.context = context }

    public mutating func begin(into out: inout [UInt8]) throws {
        var text = "; Web-Kasse Buchungsjournal für hledger/ledger\n"
        text += "; Zeitraum \(context.from.iso) bis \(context.to.iso), erstellt \(context.createdAt.iso) von \(oneLine(context.exportedBy))\n"
        if context.includesProvisional { text += "; Enthält offene Tage: ihre Buchungen sind vorläufig (Status !).\n" }
        out.append(contentsOf: text.utf8)
    }

    public mutating func write(_ line: BookingLine, into out: inout [UInt8]) throws {
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
        text += "    ; Bediener: \(oneLine(line.operatorName))\n"
        let amount = MoneyFormat.plain(line.amount)
        let negated = MoneyFormat.plain(line.amount.negated)
        text += "    " + Self.paymentAccountName(line) + "  " + amount + " EUR\n"
        text += "    " + Self.accountName(line) + "  " + negated + " EUR\n"
        out.append(contentsOf: text.utf8)
    }

    public mutating func finish(into out: inout [UInt8]) throws {}

    /// `Zahlungsmittel:Bar:1811`
    public static func paymentAccountName(_ line: BookingLine) -> String {
        "Zahlungsmittel:" + line.paymentMethod.germanName + ":" + accountPart(line.paymentAccount)
    }

    /// `Ertrag:4311`, `Verwahrgeld:3720`, `Geldtransit:1890`, `Kassendifferenz:1790`.
    public static func accountName(_ line: BookingLine) -> String {
        let group: String
        switch line.kind {
        case .sale, .storno: group = line.passThrough ? "Verwahrgeld" : "Ertrag"
        case .cashMovement: group = "Geldtransit"
        case .cashDifference: group = "Kassendifferenz"
        }
        return group + ":" + accountPart(line.account)
    }

    /// Account names may not contain two spaces, tabs, `;` or line breaks in hledger/ledger.
    static func accountPart(_ text: String) -> String {
        String(text.map { $0 == " " || $0 == "\t" || $0 == ";" || $0.isNewline ? "_" : $0 })
    }
}

/// One line of text without `;` (a comment start in journals) or line breaks.
func oneLine(_ text: String) -> String {
    if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: ";") || $0 == 0xC2 || $0 == 0xE2 }) { return text }
    return String(text.map { $0.isNewline || $0 == "\t" ? " " : ($0 == ";" ? "," : $0) })
}
