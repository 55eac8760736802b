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
    /// Characters per line: 42, or 48 for a printer set to `width = 48` (docs/printer.md).
    public var width = TextLayout.receiptWidth
    /// A receipt of `webkasse run --training`: marked at the top and the bottom (``ReceiptRenderer/trainingMark``).
    public let isTraining: Bool
    public init(
        officeName: String, officeAddress: String, registerId: String, calendar: BusinessCalendar, operatorNames: [String: String],
        isTraining: Bool = false
    ) {
        self.isTraining = isTraining
        self.officeName = officeName
        self.officeAddress = officeAddress
        self.registerId = registerId
        self.calendar = calendar
        self.operatorNames = operatorNames
    }
}

/// Receipt text (Bon, ``TextLayout/receiptWidth`` columns) generated from booked records only.
public enum ReceiptRenderer {
    /// What marks every receipt and screen of the training mode.
    public static let trainingMark = "SCHULUNG – KEIN ZAHLUNGSBELEG"

    /// The text of `receipt`. `copy` marks a reprint ("Kopie"); `checkValue` is the journal
    /// hash of the entry (its first 16 digits are printed as Prüfwert); `fiscal`, the TSE's lines
    /// and QR code of a signed transaction, comes after it (``ReceiptFiscalBlock``). Without
    /// `fiscal` the receipt is as it was before the TSE.
    public static func render(
        _ receipt: BookedReceipt, context: ReceiptContext, copy: Bool = false, checkValue: String? = nil, fiscal: ReceiptFiscalBlock? = nil
    ) -> String {
        let layout = ReceiptLayout(width: context.width)
        var out: [String] = []
        if context.isTraining { out.append(layout.center(trainingMark)) }
        if copy { out.append(layout.center("*** KOPIE ***")) }
        if !context.officeName.isEmpty { out.append(contentsOf: layout.wrap(context.officeName).map { layout.center($0) }) }
        if !context.officeAddress.isEmpty { out.append(contentsOf: layout.wrap(context.officeAddress).map { layout.center($0) }) }
        out.append(layout.rule)
        func name(_ id: String) -> String { context.operatorNames[id] ?? id }
        let cal = context.calendar

        switch receipt {
        case .sale(let sale):
            out.append(layout.pair("Kasse \(context.registerId)", "Bediener: \(name(sale.operatorId))"))
            out.append("Datum \(cal.germanDate(of: sale.endedAt))")
            out.append(layout.pair("Beginn \(cal.time(of: sale.startedAt))", "Ende \(cal.time(of: sale.endedAt))"))
            out.append("Beleg-Nr. \(sale.receiptNumber)")
            out.append(layout.rule)
            appendLines(sale.lines, negated: false, to: &out, layout: layout)
            out.append(layout.rule)
            out.append(layout.pair("SUMME", sale.total.formatted))
            appendVAT(sale.lines, negated: false, to: &out, layout: layout)
            for payment in sale.payments { appendPayment(payment, to: &out, layout: layout) }
            if let reference = sale.reference, !reference.isEmpty {
                out.append(layout.rule)
                out.append("Kassenzeichen \(reference)")
            }
        case .storno(let storno, let original):
            out.append(layout.center("STORNO"))
            out.append(layout.pair("Kasse \(context.registerId)", "Bediener: \(name(storno.operatorId))"))
            out.append("Datum \(cal.germanDate(of: storno.at))  Zeit \(cal.time(of: storno.at))")
            out.append("Beleg-Nr. \(storno.receiptNumber)")
            out.append("STORNO zu Beleg \(original.receiptNumber) vom \(cal.germanDate(of: original.endedAt))")
            out.append(layout.rule)
            appendLines(original.lines, negated: true, to: &out, layout: layout)
            out.append(layout.rule)
            out.append(layout.pair("SUMME STORNO", storno.total.negated.formatted))
            appendVAT(original.lines, negated: true, to: &out, layout: layout)
            for refund in storno.refunds {
                switch refund.method {
                case .cash: out.append(layout.pair("Bar zurück", refund.amount.formatted))
                case .cheque: out.append(layout.pair("Scheck zurückgegeben", refund.amount.formatted))
                case .card:
                    out.append(layout.pair("girocard Storno", refund.amount.formatted))
                    if let card = refund.cardReversal {
                        appendCard(card, to: &out, layout: layout)
                    } else if let reason = refund.notReversedReason {
                        out.append(contentsOf: layout.wrap("Nicht am Terminal storniert: \(reason)").map { "  " + $0 })
                    }
                }
            }
            out.append(contentsOf: layout.wrap("Grund: \(storno.reason)"))
            if let approver = storno.approvedBy { out.append("Genehmigt: \(name(approver))") }
        case .cashMovement(let movement):
            out.append(layout.pair("Kasse \(context.registerId)", "Bediener: \(name(movement.operatorId))"))
            out.append("Datum \(cal.germanDate(of: movement.at))  Zeit \(cal.time(of: movement.at))")
            out.append("Beleg-Nr. \(movement.receiptNumber)")
            out.append(layout.rule)
            out.append(movement.kind.label.uppercased())
            out.append(layout.pair("Betrag", movement.kind.signed(movement.amount).formatted))
            out.append(contentsOf: layout.wrap("Grund: \(movement.reason)"))
            if let approver = movement.approvedBy { out.append("Genehmigt: \(name(approver))") }
            if let transfer = movement.transfer { appendTransfer(transfer, handedOverBy: name(movement.operatorId), to: &out) }
        }
        out.append(layout.rule)
        if let checkValue { out.append("Prüfwert \(checkValue.prefix(16))") }
        if let fiscal { out.append(contentsOf: fiscal.receiptLines(layout: layout)) }
        if context.isTraining { out.append(layout.center(trainingMark)) }
        if copy { out.append(layout.center("*** KOPIE ***")) }
        return out.joined(separator: "\n") + "\n"
    }

    static let rule = TextLayout.rule()

    /// The slip of an Abschöpfung handed to the Stadtkasse: the count by piece (if counted so),
    /// who handed over and who received, and a line to sign for each (docs/dayclose.md).
    private static func appendTransfer(_ transfer: StadtkasseTransfer, handedOverBy: String, to out: inout [String]) {
        if !transfer.pieces.isEmpty {
            out.append("Zählung:")
            for (cents, pieces) in transfer.pieces.sorted(by: { $0.key > $1.key }) {
                let label = cents >= 100 ? "\(cents / 100) €" : "\(cents) ct"
                out.append(TextLayout.pair("  \(pieces) × \(label)", Money(cents: cents * Int64(pieces)).formatted))
            }
        }
        out.append(contentsOf: TextLayout.wrap("Übergeben: \(handedOverBy)"))
        let confirmed = transfer.receivedByOperator == nil ? "" : " (mit PIN bestätigt)"
        out.append(contentsOf: TextLayout.wrap("Empfangen (Stadtkasse): \(transfer.receivedBy)\(confirmed)"))
        out.append("")
        out.append("Unterschrift Übergabe: ______________")
        out.append("")
        out.append("Unterschrift Stadtkasse: ____________")
    }

    private static func appendLines(_ lines: [SaleLine], negated: Bool, to out: inout [String], layout: ReceiptLayout) {
        for line in lines {
            let title = line.variant.map { "\(line.name) (\($0))" } ?? line.name
            out.append(contentsOf: layout.wrap("\(line.quantity) x \(title)"))
            out.append(
                layout.pair("    \(line.itemCode) à \(line.unitPrice.formatted)", (negated ? line.amount.negated : line.amount).formatted))
            if !line.taxNote.isEmpty || line.tax == nil { out.append(contentsOf: layout.wrap(line.taxNote).map { "    " + $0 }) }
            if let key = line.lineTax.rateKey {
                out.append("    inkl. \(line.lineTax.ratePercentText) USt (\(vatLetter(key)))")
            }
            for share in line.shares where line.shares.count > 1 {
                out.append(
                    layout.pair("    davon \(share.label.isEmpty ? share.account : share.label)", (negated ? share.amount.negated : share.amount).formatted)
                )
            }
        }
    }

    /// The letter that marks a rate on the receipt: A = NORMAL, B = REDUCED_1.
    static func vatLetter(_ key: VATRateKey) -> String {
        switch key {
        case .normal: return "A"
        case .reduced1: return "B"
        }
    }

    /// Net, VAT and gross per rate (§ 6 KassenSichV: the amount with its tax, or the note that
    /// an item is exempt), for receipts with a taxable or exempt line; the VAT of a rate is
    /// computed from the gross sum of its lines (docs/ledger.md, "Rundung der Umsatzsteuer").
    /// A receipt of fees only stays as it always was.
    private static func appendVAT(_ lines: [SaleLine], negated: Bool, to out: inout [String], layout: ReceiptLayout) {
        guard lines.contains(where: { $0.tax != nil }) else { return }
        let breakdown = VATBreakdown(lines: lines.map { ($0.amount, $0.lineTax, $0.vatAmount) })
        func number(_ money: Money) -> String { (negated ? money.negated : money).formattedNumber }
        func row(_ label: String, _ net: String, _ vat: String, _ gross: String) -> String {
            let columns = [net, vat, gross].map { String(repeating: " ", count: max(0, 10 - $0.count)) + $0 }.joined()
            let room = max(0, layout.width - columns.count)
            let left = label.count > room ? String(label.prefix(room)) : label + String(repeating: " ", count: room - label.count)
            return left + columns
        }
        out.append(layout.rule)
        out.append(row("USt", "Netto", "USt", "Brutto"))
        var notes: [String] = []
        for group in breakdown.groups {
            switch group.tax.treatment {
            case .steuerpflichtig(let key):
                out.append(row("\(vatLetter(key)) \(group.tax.ratePercentText)", number(group.net), number(group.vat), number(group.gross)))
            case .steuerfrei(let basis):
                out.append(row("steuerfrei", number(group.gross), "0,00", number(group.gross)))
                notes.append("Steuerfrei nach \(basis).")
            case .nichtSteuerbar:
                out.append(row("Gebühren", "", "", number(group.gross)))
                notes.append("Gebühren: nicht umsatzsteuerbar, hoheitliche Tätigkeit (§ 2b Abs. 1 UStG).")
            }
        }
        out.append(row("Summe", "", number(breakdown.totalVAT), number(Money(cents: breakdown.groups.reduce(0) { $0 + $1.gross.cents }))))
        for note in notes { out.append(contentsOf: layout.wrap(note)) }
    }

    private static func appendPayment(_ payment: PaymentRecord, to out: inout [String], layout: ReceiptLayout) {
        switch payment.method {
        case .cash:
            if let tendered = payment.tendered, let change = payment.change {
                out.append(layout.pair("Bar gegeben", tendered.formatted))
                out.append(layout.pair("Rückgeld", change.formatted))
            } else {
                out.append(layout.pair("Bar", payment.amount.formatted))
            }
        case .cheque:
            out.append(layout.pair("Scheck", payment.amount.formatted))
            out.append(contentsOf: layout.wrap("  Nr. \(payment.chequeNumber ?? "") \(payment.chequeBank ?? "")"))
            if let drawer = payment.chequeDrawer, !drawer.isEmpty { out.append(contentsOf: layout.wrap("  Aussteller \(drawer)")) }
        case .card:
            out.append(layout.pair("girocard", payment.amount.formatted))
            if let card = payment.card { appendCard(card, to: &out, layout: layout) }
        }
    }

    private static func appendCard(_ card: CardDetails, to out: inout [String], layout: ReceiptLayout) {
        out.append("  \(card.cardName) \(card.maskedPAN)")
        out.append("  Terminal-ID \(card.terminalId)")
        out.append("  Trace \(card.traceNumber)  Beleg \(card.receiptNumber)")
        if let auth = card.authorizationCode { out.append("  Autorisierung \(auth)") }
        out.append(contentsOf: layout.terminalReceipt(card.customerReceipt))
    }

    /// The terminal's merchant copies (Händlerbelege) of the card payments and reversals on
    /// `receipt`, for the office's files or a dispute — never for the citizen. `nil` when the
    /// terminal sent none.
    public static func renderMerchantCopies(_ receipt: BookedReceipt, context: ReceiptContext) -> String? {
        let cards: [(label: String, card: CardDetails)]
        switch receipt {
        case .sale(let sale): cards = sale.payments.compactMap { p in p.card.map { ("Kartenzahlung \(p.amount.formatted)", $0) } }
        case .storno(let storno, _):
            cards = storno.refunds.compactMap { r in r.cardReversal.map { ("Kartenstorno \(r.amount.formatted)", $0) } }
        case .cashMovement: cards = []
        }
        let copies = cards.filter { !$0.card.merchantReceipt.isEmpty }
        guard !copies.isEmpty else { return nil }
        var out = [TextLayout.center("*** HÄNDLERBELEG – NUR FÜR DIE KASSE ***"), rule]
        out.append(TextLayout.pair("Kasse \(context.registerId)", "Beleg-Nr. \(receipt.number)"))
        for (label, card) in copies {
            out.append(rule)
            out.append(label)
            out.append("  Terminal-ID \(card.terminalId)  Beleg \(card.receiptNumber)")
            out.append(contentsOf: TextLayout.terminalReceipt(card.merchantReceipt))
        }
        out.append(rule)
        return out.joined(separator: "\n") + "\n"
    }
}

/// ``TextLayout`` at one receipt width (42, or 48 for a printer set to it).
struct ReceiptLayout {
    let width: Int
    var rule: String { TextLayout.rule(width) }
    func pair(_ left: String, _ right: String) -> String { TextLayout.pair(left, right, width: width) }
    func center(_ text: String) -> String { TextLayout.center(text, width: width) }
    func wrap(_ text: String) -> [String] { TextLayout.wrap(text, width: width) }
    func terminalReceipt(_ lines: [TerminalReceiptLine]) -> [String] { TextLayout.terminalReceipt(lines, width: width) }
}
