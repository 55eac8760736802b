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
        out.append(10)
        out.appendISO(line.businessDate)
        out.appendLiteral(line.isProvisional ? " ! (" : " * (")
        out.appendOneLine(line.receiptNumber)
        out.appendLiteral(") ")
        out.appendOneLine(line.text)
        out.appendLiteral("\n    ; Kasse: ")
        out.appendOneLine(line.register)
        out.append(10)
        if let z = line.zNumber {
            out.appendLiteral("    ; Z: ")
            out.appendDecimal(z)
            out.append(10)
        }
        func tag(_ name: StaticString, _ value: String) {
            guard !value.isEmpty else { return }
            out.appendLiteral(name)
            out.appendOneLine(value)
            out.append(10)
        }
        tag("    ; Vorgang: ", line.saleID)
        tag("    ; Artikel: ", line.itemCode)
        tag("    ; Produkt: ", line.product)
        tag("    ; Kostenstelle: ", line.costCenter)
        tag("    ; Kassenzeichen: ", line.cashReference)
        tag("    ; Storno: ", line.stornoReference)
        tag("    ; USt: ", Self.taxTag(line))
        out.appendLiteral("    ; Bediener: ")
        out.appendOneLine(line.operatorName)
        if !line.approverName.isEmpty {
            out.appendLiteral("\n    ; Freigabe: ")
            out.appendOneLine(line.approverName)
        }
        out.appendLiteral("\n    Zahlungsmittel:")
        out.appendUTF8(line.paymentMethod.germanName)
        out.append(UInt8(ascii: ":"))
        Self.appendAccountPart(line.paymentAccount, to: &out)
        out.appendLiteral("  ")
        out.appendMoney(line.amount.cents, separator: UInt8(ascii: "."))
        out.appendLiteral(" EUR\n    ")
        out.appendUTF8(Self.group(line))
        out.append(UInt8(ascii: ":"))
        Self.appendAccountPart(line.account, to: &out)
        out.appendLiteral("  ")
        out.appendMoney(line.amount.negated.cents, separator: UInt8(ascii: "."))
        out.appendLiteral(" EUR\n")
    }

    public mutating func finish(into out: inout [UInt8]) throws {}

    /// `Zahlungsmittel:Bar:1811`
    public static func paymentAccountName(_ line: BookingLine) -> String {
        "Zahlungsmittel:" + line.paymentMethod.germanName + ":" + accountPart(line.paymentAccount)
    }

    /// `Ertrag:4311`, `Verwahrgeld:3720`, `Geldtransit:1890`, `Kassendifferenz:1790`.
    public static func accountName(_ line: BookingLine) -> String {
        group(line) + ":" + accountPart(line.account)
    }

    /// `19 % netto`, `19 % USt`, `steuerfrei`; empty for a fee.
    static func taxTag(_ line: BookingLine) -> String {
        guard let tax = line.tax else { return "" }
        guard tax.rateKey != nil else { return tax.treatment.code }
        return tax.ratePercentText + (line.taxPart == .vat ? " USt" : " netto")
    }

    static func group(_ line: BookingLine) -> String {
        if line.taxPart == .vat { return "Umsatzsteuer" }
        switch line.kind {
        case .sale, .storno: return line.passThrough ? "Verwahrgeld" : "Ertrag"
        case .cashMovement: return "Geldtransit"
        case .cashDifference: return "Kassendifferenz"
        }
    }

    /// ``accountPart(_:)`` appended as bytes (as is unless the text holds a space, tab, `;` or line break).
    static func appendAccountPart(_ text: String, to out: inout [UInt8]) {
        out.appendUTF8([UInt8].isOneLine(text, spaceAllowed: false) ? text : accountPart(text))
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
