import KasseCore
import Ledger

/// How a requested payment is booked: the payments other than the card part, and the card part.
/// The rules of each way to pay (cash covers the total, a cheque names number and drawer, a split
/// payment is cash first and the rest by card, nothing to pay books no payment).
struct PaymentPlan: Equatable {
    let payments: [PaymentRecord]
    let cardAmount: Money

    init(_ payment: PaymentRequest, total: Money) throws {
        var payments: [PaymentRecord] = []
        var cardAmount = Money.zero
        let nothingToPay = CounterError.invalidAmount("Nichts zu zahlen: bitte »ohne Zahlung« buchen.")
        switch payment {
        case .cash(let tendered):
            guard total.cents > 0 else { throw nothingToPay }
            guard tendered >= total else { throw CounterError.tenderedTooLow(total: total, tendered: tendered) }
            guard tendered <= Money.maximumEntry else {
                throw CounterError.invalidAmount("Gegeben \(tendered.formatted) ist größer als \(Money.maximumEntry.formatted).")
            }
            payments = [try .cash(tendered: tendered, change: tendered.subtracting(total))]
        case .cheque(let number, let bank, let drawer):
            guard total.cents > 0 else { throw nothingToPay }
            guard !number.trimmingCharacters(in: .whitespaces).isEmpty else { throw CounterError.missingDetail("die Schecknummer") }
            guard !drawer.trimmingCharacters(in: .whitespaces).isEmpty else { throw CounterError.missingDetail("der Aussteller des Schecks") }
            payments = [PaymentRecord(method: .cheque, amount: total, chequeNumber: number, chequeBank: bank, chequeDrawer: drawer)]
        case .card:
            guard total.cents > 0 else { throw nothingToPay }
            cardAmount = total
        case .split(let cash, let tendered):
            guard cash.cents > 0, cash < total else {
                throw CounterError.invalidAmount("Der Baranteil muss größer als 0,00 € und kleiner als die Summe \(total.formatted) sein.")
            }
            guard tendered >= cash else { throw CounterError.tenderedTooLow(total: cash, tendered: tendered) }
            payments = [try .cash(tendered: tendered, change: tendered.subtracting(cash))]
            cardAmount = try total.subtracting(cash)
        case .none:
            guard total.isZero else { throw CounterError.invalidAmount("Es sind \(total.formatted) zu zahlen.") }
        }
        self.payments = payments
        self.cardAmount = cardAmount
    }
}
