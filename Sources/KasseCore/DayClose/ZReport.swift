/// The Z report (Tagesabschlussbericht) of one register as text, for the screen and the receipt printer.
///
/// Contents follow DSFinV-K's cash-point closing and KommHV §72: Z number and period, first and
/// last receipt, totals per item, account and payment method, pass-through shares, stornos with
/// references and reasons, cash movements, the count by denomination, expected against counted,
/// the difference, the card terminal's totals, cheques, operator and approver, sales per hour.
public struct ZReport: Equatable, Sendable {
    public let register: String
    /// The register's sequential Z number (assigned by the counter service; never repeats).
    public let zNumber: Int
    /// The business day as the report shows it, e.g. `26.11.2026`.
    public let businessDay: String
    /// Period as text, e.g. `26.11.2026 08:01` … `26.11.2026 15:59`.
    public let periodStart: String
    public let periodEnd: String
    public let totals: DayCloseTotals
    public let draft: DayCloseDraft
    /// The float kept in the drawer for tomorrow; the rest goes to the Stadtkasse.
    public let floatKept: Money
    /// `Zwischenbericht` (X) instead of `Z-Bericht`: nothing is closed.
    public let isInterim: Bool

    public init(
        register: String, zNumber: Int, businessDay: String, periodStart: String, periodEnd: String,
        totals: DayCloseTotals, draft: DayCloseDraft, floatKept: Money, isInterim: Bool = false
    ) {
        self.register = register
        self.zNumber = zNumber
        self.businessDay = businessDay
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.totals = totals
        self.draft = draft
        self.floatKept = floatKept
        self.isInterim = isInterim
    }

    /// The amount to hand to the Stadtkasse: counted cash minus the float kept (never negative).
    public var handover: Money {
        get throws(MoneyError) {
            let counted = draft.count?.total ?? .zero
            return max(.zero, try counted.subtracting(floatKept))
        }
    }

    /// The report as lines of at most `width` characters (42 fits an 80 mm receipt printer).
    public func lines(width: Int = TextLayout.receiptWidth, bar: Character = "#") throws(MoneyError) -> [String] {
        var out: [String] = []
        // Long fields wrap (a reason, an item's name): nothing on a report is cut.
        func row(_ left: String, _ right: String) { out.append(contentsOf: TextLayout.wrappedColumns(left, right, width: width)) }
        func section(_ title: String) {
            out.append("")
            out.append(title)
            out.append(TextLayout.rule(width))
        }
        func entries(_ list: [DayCloseTotals.Entry]) {
            if list.isEmpty { out.append("  (keine)") }
            for entry in list { row("  " + entry.label, "\(entry.count) × " + entry.amount.formatted) }
        }

        row(isInterim ? "ZWISCHENBERICHT (X)" : "Z-BERICHT Nr. \(zNumber)", "Kasse " + register)
        out.append(TextLayout.rule(width, "="))
        row("Geschäftstag", businessDay)
        row("Von", periodStart)
        row("Bis", periodEnd)
        row("Belege", totals.receiptCount == 0 ? "keine" : "\(totals.firstReceipt ?? "") … \(totals.lastReceipt ?? "") (\(totals.receiptCount))")

        section("Umsatz je Artikel")
        if totals.itemVariants.isEmpty {
            entries(totals.items)
        } else {
            // By item and variant, with the unit price of each.
            for variant in totals.itemVariants {
                row("  " + variant.label, "\(variant.quantity) × \(variant.unitPrice.formattedNumber) = \(variant.amount.formatted)")
            }
        }
        section("Umsatz je Sachkonto")
        entries(totals.accounts)
        row("  Summe", try totals.salesTotal.formatted)
        section("Durchlaufende Anteile (fremde Mittel)")
        entries(totals.passThrough)
        section("Zahlungsarten")
        entries(totals.paymentMethods)
        row("  Summe", try totals.paymentsTotal.formatted)

        section("Stornos")
        if totals.stornos.isEmpty { out.append("  (keine)") }
        for storno in totals.stornos {
            row("  \(storno.receiptNumber) zu \(storno.originalReceiptNumber)", storno.amount.formatted)
            let approver = storno.approverName.map { "; Freigabe: \($0)" } ?? ""
            row("    Grund: \(storno.reason) (\(storno.operatorName)\(approver))", "")
        }

        section("Bargeldbewegungen")
        if draft.expected.movements.isEmpty { out.append("  (keine)") }
        for movement in draft.expected.movements {
            row("  " + movement.reportText, movement.signedAmount.formatted)
        }

        section("Kassenbestand nach Zählung" + (draft.policy.blindCount ? " (blind)" : ""))
        if let count = draft.count {
            for line in count.lines where line.pieces > 0 {
                row("  " + line.denomination.label.padding(6) + " × \(line.pieces)", line.sum.formatted)
            }
            row("  Scheine", count.notesTotal.formatted)
            row("  Münzen", count.coinsTotal.formatted)
            row("  Istbestand", count.total.formatted)
            if draft.countSubmissions > 1, let first = draft.firstCount {
                row("  Erste Zählung (\(draft.countSubmissions) Zählungen)", first.total.formatted)
            }
        } else {
            out.append("  (noch nicht gezählt)")
        }

        section("Soll-Ist-Vergleich")
        // The labels carry the sign ("− Rückgeld"): the amounts are shown without one.
        for line in try draft.expected.breakdown() {
            let signed = line.label.hasPrefix("+ ") || line.label.hasPrefix("− ")
            row("  " + line.label, (signed ? line.amount.magnitude : line.amount).formatted)
        }
        if let difference = try draft.difference() {
            row("  Istbestand", difference.counted.formatted)
            row("  Differenz (\(difference.kind.germanName))", difference.amount.formatted)
            if !draft.reason.isEmpty { row("  Grund: " + draft.reason, "") }
            if let approver = draft.approver, !approver.isEmpty { row("  Freigabe", approver) }
        }

        section("Schecks")
        if draft.cheques.isEmpty { out.append("  (keine)") }
        for (index, cheque) in draft.cheques.enumerated() {
            let details = draft.chequeLabels.indices.contains(index) ? " " + draft.chequeLabels[index] : ""
            row("  Scheck \(index + 1)\(details)", cheque.formatted)
        }
        if !draft.cheques.isEmpty { row("  Summe Schecks", try draft.chequesTotal.formatted) }

        section("Kartenterminal (Kassenschnitt)")
        if let card = draft.cardTotals {
            row("  Kasse", "\(card.ledgerCount) × " + card.ledgerTotal.formatted)
            if let total = card.terminalTotal {
                row("  Terminal", "\(card.terminalCount.map(String.init) ?? "?") × " + total.formatted)
                row("  Abgleich", card.isMismatch ? "ABWEICHUNG " + ((try card.difference) ?? .zero).formatted : "stimmt")
            } else {
                row("  Terminal", "nicht verfügbar")
            }
        } else {
            out.append("  (nicht durchgeführt)")
        }

        if !draft.cardAmountMismatches.isEmpty || !draft.tseNotes.isEmpty {
            section("Hinweise für die Kassenaufsicht")
            for note in draft.cardAmountMismatches.map(\.description) + draft.tseNotes {
                out.append(contentsOf: TextLayout.wrap(note, width: width - 2).map { "  " + $0 })
            }
        }

        section("Übergabe")
        row("  Wechselgeld für morgen", floatKept.formatted)
        row("  An die Stadtkasse", try handover.formatted)

        section("Umsatz je Stunde")
        out.append(contentsOf: HourlyChart(salesPerHour: totals.salesPerHour).lines(barWidth: max(5, width - 22), bar: bar, width: width))

        out.append("")
        row("Bediener", draft.operatorName)
        if let approver = draft.approver, !approver.isEmpty { row("Freigabe", approver) }
        return out
    }

    /// The report as one text with a trailing newline.
    public func text(width: Int = TextLayout.receiptWidth, bar: Character = "#") throws(MoneyError) -> String {
        try lines(width: width, bar: bar).joined(separator: "\n") + "\n"
    }
}

extension String {
    /// Right-padded with spaces to `length` characters (never truncated).
    func padding(_ length: Int) -> String { count >= length ? self : self + String(repeating: " ", count: length - count) }
}
