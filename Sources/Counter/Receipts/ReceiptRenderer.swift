import KasseCore
import Ledger

/// What a receipt shows besides the booked records: the office and the names of operators.
public struct ReceiptContext: Sendable {
    public let officeName: String
    public let officeAddress: String
    public let registerId: String
    public let calendar: BusinessCalendar
    /// Operator names by id.
    public let operatorNames: [String: String]
    public init(officeName: String, officeAddress: String, registerId: String, calendar: BusinessCalendar, operatorNames: [String: String]) {
        self.officeName = officeName; self.officeAddress = officeAddress; self.registerId = registerId
        self.calendar = calendar; self.operatorNames = operatorNames
    }
}

/// Receipt text (Bon, 42 columns) generated from booked records only.
public enum ReceiptRenderer {
    public static let width = 42

    /// The text of `receipt`. `copy` marks a reprint ("Kopie"); `checkValue` is the journal
    /// hash of the entry (its first 16 digits are printed as Prüfwert).
    public static func render(_ receipt: BookedReceipt, context: ReceiptContext, copy: Bool = false, checkValue: String? = nil)
        -> String
    {
        var out: [String] = []
        if copy { out.append(center("*** KOPIE ***")) }
        if !context.officeName.isEmpty { out.append(contentsOf: wrap(context.officeName).map(center)) }
        if !context.officeAddress.isEmpty { out.append(contentsOf: wrap(context.officeAddress).map(center)) }
        out.append(rule)
        func name(_ id: String) -> String { context.operatorNames[id] ?? id }
        let cal = context.calendar

        switch receipt {
        case .sale(let sale):
            out.append(pair("Kasse \(context.registerId)", "Bediener: \(name(sale.operatorId))"))
            out.append("Datum \(cal.germanDate(of: sale.endedAt))")
            out.append(pair("Beginn \(cal.time(of: sale.startedAt))", "Ende \(cal.time(of: sale.endedAt))"))
            out.append("Beleg-Nr. \(sale.receiptNumber)")
            out.append(rule)
            appendLines(sale.lines, sign: 1, to: &out)
            out.append(rule)
            out.append(pair("SUMME", sale.total.formatted))
            for payment in sale.payments { appendPayment(payment, to: &out) }
            if let reference = sale.reference, !reference.isEmpty {
                out.append(rule)
                out.append("Kassenzeichen \(reference)")
            }
        case .storno(let storno, let original):
            out.append(center("STORNO"))
            out.append(pair("Kasse \(context.registerId)", "Bediener: \(name(storno.operatorId))"))
            out.append("Datum \(cal.germanDate(of: storno.at))  Zeit \(cal.time(of: storno.at))")
            out.append("Beleg-Nr. \(storno.receiptNumber)")
            out.append("STORNO zu Beleg \(original.receiptNumber) vom \(cal.germanDate(of: original.endedAt))")
            out.append(rule)
            appendLines(original.lines, sign: -1, to: &out)
            out.append(rule)
            out.append(pair("SUMME STORNO", storno.total.negated.formatted))
            for refund in storno.refunds {
                switch refund.method {
                case .cash: out.append(pair("Bar zurück", refund.amount.formatted))
                case .cheque: out.append(pair("Scheck zurückgegeben", refund.amount.formatted))
                case .card:
                    out.append(pair("girocard Storno", refund.amount.formatted))
                    if let card = refund.cardReversal {
                        appendCard(card, to: &out)
                    } else if let reason = refund.notReversedReason {
                        out.append(contentsOf: wrap("Nicht am Terminal storniert: \(reason)").map { "  " + $0 })
                    }
                }
            }
            out.append(contentsOf: wrap("Grund: \(storno.reason)"))
            if let approver = storno.approvedBy { out.append("Genehmigt: \(name(approver))") }
        case .cashMovement(let movement):
            out.append(pair("Kasse \(context.registerId)", "Bediener: \(name(movement.operatorId))"))
            out.append("Datum \(cal.germanDate(of: movement.at))  Zeit \(cal.time(of: movement.at))")
            out.append("Beleg-Nr. \(movement.receiptNumber)")
            out.append(rule)
            out.append(movement.kind.label.uppercased())
            out.append(pair("Betrag", Money(cents: movement.amount.cents * movement.kind.sign).formatted))
            out.append(contentsOf: wrap("Grund: \(movement.reason)"))
            if let approver = movement.approvedBy { out.append("Genehmigt: \(name(approver))") }
        }
        out.append(rule)
        if let checkValue { out.append("Prüfwert \(checkValue.prefix(16))") }
        if copy { out.append(center("*** KOPIE ***")) }
        return out.joined(separator: "\n") + "\n"
    }

    static let rule = String(repeating: "-", count: width)

    private static func appendLines(_ lines: [SaleLine], sign: Int64, to out: inout [String]) {
        for line in lines {
            let title = line.variant.map { "\(line.name) (\($0))" } ?? line.name
            out.append(contentsOf: wrap("\(line.quantity) x \(title)"))
            out.append(
                pair("    \(line.itemCode) à \(line.unitPrice.formatted)", Money(cents: line.amount.cents * sign).formatted))
            out.append(contentsOf: wrap(line.taxNote).map { "    " + $0 })
            for share in line.shares where line.shares.count > 1 {
                out.append(pair("    davon \(share.label.isEmpty ? share.account : share.label)", Money(cents: share.amount.cents * sign).formatted))
            }
        }
    }

    private static func appendPayment(_ payment: PaymentRecord, to out: inout [String]) {
        switch payment.method {
        case .cash:
            if let tendered = payment.tendered, let change = payment.change {
                out.append(pair("Bar gegeben", tendered.formatted))
                out.append(pair("Rückgeld", change.formatted))
            } else {
                out.append(pair("Bar", payment.amount.formatted))
            }
        case .cheque:
            out.append(pair("Scheck", payment.amount.formatted))
            out.append(contentsOf: wrap("  Nr. \(payment.chequeNumber ?? "") \(payment.chequeBank ?? "")"))
            if let drawer = payment.chequeDrawer, !drawer.isEmpty { out.append(contentsOf: wrap("  Aussteller \(drawer)")) }
        case .card:
            out.append(pair("girocard", payment.amount.formatted))
            if let card = payment.card { appendCard(card, to: &out) }
        }
    }

    private static func appendCard(_ card: CardDetails, to out: inout [String]) {
        out.append("  \(card.cardName) \(card.maskedPAN)")
        out.append("  Terminal-ID \(card.terminalId)")
        out.append("  Trace \(card.traceNumber)  Beleg \(card.receiptNumber)")
        if let auth = card.authorizationCode { out.append("  Autorisierung \(auth)") }
        for line in card.receiptLines { out.append(contentsOf: wrap(line)) }
    }

    /// `left` and `right` on one line, right-aligned; two lines if they do not fit.
    static func pair(_ left: String, _ right: String) -> String {
        let space = width - left.count - right.count
        if space >= 1 { return left + String(repeating: " ", count: space) + right }
        return left + "\n" + String(repeating: " ", count: max(0, width - right.count)) + right
    }

    static func center(_ text: String) -> String {
        let pad = max(0, (width - text.count) / 2)
        return String(repeating: " ", count: pad) + text
    }

    /// Breaks `text` into lines of at most ``width`` characters at spaces.
    static func wrap(_ text: String) -> [String] {
        // Most lines fit: no character has fewer UTF-8 bytes than one.
        if text.utf8.count <= width { return [text] }
        var lines: [String] = []
        var current = ""
        var currentCount = 0
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let wordCount = word.count
            if currentCount == 0 && current.isEmpty {
                current = String(word)
                currentCount = wordCount
            } else if currentCount + 1 + wordCount <= width {
                current += " " + word
                currentCount += 1 + wordCount
            } else {
                lines.append(current)
                current = String(word)
                currentCount = wordCount
            }
            while currentCount > width {
                lines.append(String(current.prefix(width)))
                current = String(current.dropFirst(width))
                currentCount -= width
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }
}
