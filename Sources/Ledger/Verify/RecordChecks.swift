import KasseCore

/// Checks of one record on its own: balanced sales, positive amounts, no full card numbers.
/// Used before booking (refuse) and by `verify` (report). Each problem is one German sentence.
public enum RecordChecks {
    public static func problems(of event: LedgerEvent) -> [String] {
        switch event {
        case .sale(let sale): return problems(of: sale)
        case .storno(let storno): return problems(of: storno)
        case .cashMovement(let movement):
            var out: [String] = []
            if movement.amount.cents <= 0 { out.append("Der Betrag der \(movement.kind.label) muss positiv sein.") }
            if movement.reason.trimmed.isEmpty { out.append("Für die \(movement.kind.label) fehlt der Grund.") }
            if let transfer = movement.transfer {
                if movement.kind != .abschoepfung { out.append("Nur eine Abschöpfung an die Stadtkasse hat eine Empfängerin / einen Empfänger.") }
                if transfer.receivedBy.trimmed.isEmpty { out.append("Für die \(movement.kind.label) fehlt, wer sie empfangen hat.") }
                if !transfer.pieces.isEmpty, transfer.countedTotal != movement.amount {
                    out.append(
                        "Die Zählung \(transfer.countedTotal?.formatted ?? "(Überlauf)") passt nicht zum Betrag \(movement.amount.formatted) der \(movement.kind.label)."
                    )
                }
            }
            return out
        case .shiftOpened(let shift):
            return shift.float.isNegative ? ["Der Wechselgeldbestand darf nicht negativ sein."] : []
        case .dayClose(let close):
            var out: [String] = []
            let fromTotals = try? close.totals.expectedCash
            if close.expectedCash != fromTotals {
                out.append(
                    "Der Soll-Bestand \(close.expectedCash.formatted) passt nicht zu den Summen (\(fromTotals?.formatted ?? "Überlauf")).")
            }
            if close.difference != (try? close.countedCash.subtracting(close.expectedCash)) {
                out.append("Die Differenz \(close.difference.formatted) ist nicht Ist minus Soll.")
            }
            return out
        case .cardPending(let pending):
            return pending.amount.cents <= 0 ? ["Der Kartenbetrag muss positiv sein."] : []
        default:
            return []
        }
    }

    public static func problems(of sale: SaleRecord) -> [String] {
        var out: [String] = []
        if sale.lines.isEmpty { out.append("Der Verkauf hat keine Positionen.") }
        if sale.endedAt < sale.startedAt { out.append("Das Ende des Verkaufs liegt vor seinem Beginn.") }
        var linesTotal: Int64 = 0
        for (i, line) in sale.lines.enumerated() {
            var place: String { "Position \(i + 1) (\(line.itemCode))" }
            if line.quantity <= 0 { out.append("\(place): die Menge muss positiv sein.") }
            if line.unitPrice.isNegative { out.append("\(place): der Einzelpreis darf nicht negativ sein.") }
            let (product, overflow) = line.unitPrice.cents.multipliedReportingOverflow(by: line.quantity)
            if overflow || product != line.amount.cents {
                out.append("\(place): Betrag \(line.amount.formatted) ist nicht Menge × Einzelpreis.")
            }
            if line.shares.isEmpty {
                out.append("\(place): es fehlt die Aufteilung auf Konten.")
            } else {
                let sharesTotal = line.shares.reduce(Int64(0)) { $0 &+ $1.amount.cents }
                if sharesTotal != line.amount.cents {
                    out.append(
                        "\(place): die Anteile ergeben \(Money(cents: sharesTotal).formatted) statt \(line.amount.formatted).")
                }
                if line.shares.contains(where: { $0.amount.isNegative }) { out.append("\(place): ein Anteil ist negativ.") }
            }
            linesTotal = linesTotal &+ line.amount.cents
        }
        if linesTotal != sale.total.cents {
            out.append("Die Summe \(sale.total.formatted) ist nicht die Summe der Positionen (\(Money(cents: linesTotal).formatted)).")
        }
        var paid: Int64 = 0
        for (i, payment) in sale.payments.enumerated() {
            var place: String { "Zahlung \(i + 1) (\(payment.method.label))" }
            if payment.amount.cents <= 0 { out.append("\(place): der Betrag muss positiv sein.") }
            switch payment.method {
            case .cash:
                if let tendered = payment.tendered, let change = payment.change {
                    if change.isNegative { out.append("\(place): das Rückgeld ist negativ.") }
                    if tendered.cents &- change.cents != payment.amount.cents {
                        out.append("\(place): gegeben \(tendered.formatted) − Rückgeld \(change.formatted) ist nicht \(payment.amount.formatted).")
                    }
                } else {
                    out.append("\(place): gegebener Betrag und Rückgeld fehlen.")
                }
            case .cheque:
                if (payment.chequeNumber ?? "").trimmed.isEmpty { out.append("\(place): die Schecknummer fehlt.") }
            case .card:
                if let card = payment.card {
                    if looksLikeFullPAN(card.maskedPAN) { out.append("\(place): die Kartennummer ist nicht maskiert.") }
                } else {
                    out.append("\(place): die Daten des Terminals fehlen.")
                }
            }
            paid = paid &+ payment.amount.cents
        }
        if paid != sale.total.cents {
            out.append("Die Zahlungen (\(Money(cents: paid).formatted)) decken die Summe \(sale.total.formatted) nicht genau.")
        }
        return out
    }

    public static func problems(of storno: StornoRecord) -> [String] {
        var out: [String] = []
        if storno.reason.trimmed.isEmpty { out.append("Für den Storno fehlt der Grund.") }
        let refunded = storno.refunds.reduce(Int64(0)) { $0 &+ $1.amount.cents }
        if refunded != storno.total.cents {
            out.append("Die Erstattungen (\(Money(cents: refunded).formatted)) ergeben nicht die Stornosumme \(storno.total.formatted).")
        }
        for (i, refund) in storno.refunds.enumerated() where refund.method == .card {
            if refund.cardReversal == nil && (refund.notReversedReason ?? "").trimmed.isEmpty {
                out.append("Erstattung \(i + 1) (girocard): weder Storno am Terminal noch ein Grund ist vermerkt.")
            }
            if let card = refund.cardReversal, looksLikeFullPAN(card.maskedPAN) {
                out.append("Erstattung \(i + 1) (girocard): die Kartennummer ist nicht maskiert.")
            }
        }
        return out
    }

    /// A run of 12 or more digits: a card number that is not masked.
    public static func looksLikeFullPAN(_ text: String) -> Bool { looksLikeFullPAN(utf8: text.utf8) }

    /// As ``looksLikeFullPAN(_:)``, over UTF-8 bytes (verify reads them straight from the ledger).
    static func looksLikeFullPAN(utf8: some Sequence<UInt8>) -> Bool {
        var run = 0
        for ch in utf8 {
            if ch >= 0x30 && ch <= 0x39 {
                run += 1
                if run >= 12 { return true }
            } else if ch != 0x20 {
                run = 0
            }
        }
        return false
    }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
