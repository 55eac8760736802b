import KasseCore
import Ledger

/// How a requested payment is booked: the payments other than the card part, and the card part.
/// The rules of each way to pay (cash covers the total, a cheque names number and drawer, a split
/// payment is a cash part or a cheque and the rest by card, nothing to pay books no payment).
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
            payments = [try Self.cheque(total, number: number, bank: bank, drawer: drawer)]
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
        case .chequeAndCard(let cheque, let number, let bank, let drawer):
            guard cheque.cents > 0, cheque < total else {
                throw CounterError.invalidAmount("Der Scheckanteil muss größer als 0,00 € und kleiner als die Summe \(total.formatted) sein.")
            }
            payments = [try Self.cheque(cheque, number: number, bank: bank, drawer: drawer)]
            cardAmount = try total.subtracting(cheque)
        case .none:
            guard total.isZero else { throw CounterError.invalidAmount("Es sind \(total.formatted) zu zahlen.") }
        }
        self.payments = payments
        self.cardAmount = cardAmount
    }

    /// A cheque payment over `amount`: number and drawer are needed.
    private static func cheque(_ amount: Money, number: String, bank: String, drawer: String) throws -> PaymentRecord {
        guard !number.trimmingCharacters(in: .whitespaces).isEmpty else { throw CounterError.missingDetail("die Schecknummer") }
        guard !drawer.trimmingCharacters(in: .whitespaces).isEmpty else { throw CounterError.missingDetail("der Aussteller des Schecks") }
        return PaymentRecord(method: .cheque, amount: amount, chequeNumber: number, chequeBank: bank, chequeDrawer: drawer)
    }
}
