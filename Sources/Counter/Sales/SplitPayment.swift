import KasseCore

/// The money taken for one basket at the counter, before the sale is booked: cash first (in one
/// or several parts), the rest by card; a cheque only over the whole total and never mixed.
///
/// The cash part is only remembered here; it is booked together with the rest (as
/// ``PaymentRequest/split(cash:tendered:)``), so a declined card books nothing.
public struct SplitPayment: Equatable, Sendable {
    /// A cash part taken and what was handed over for it.
    private struct Part: Equatable, Sendable {
        var amount: Money
        var tendered: Money
    }
    /// Nil before any cash part.
    private var taken: Part?

    /// What the next step of the payment is.
    public enum Step: Equatable, Sendable {
        /// A cash part was taken; this much is still due.
        case remaining(Money)
        /// Everything is covered: book the sale with this payment.
        case book(PaymentRequest)
    }

    public init() {}

    /// The cash already taken (zero before any part).
    public var paid: Money { taken?.amount ?? .zero }

    /// Refuses to change the basket once a cash part is taken.
    public func refuseChanges() throws {
        if let taken {
            throw CounterError.invalidAmount("Es ist schon ein Teil bar angenommen (\(taken.amount.formatted)); erst den Rest kassieren.")
        }
    }

    /// `amount` of `total` in cash, `tendered` handed over: a part (the rest follows) or the whole.
    public mutating func cash(amount: Money, tendered: Money, total: Money) throws -> Step {
        let before = taken ?? Part(amount: .zero, tendered: .zero)
        let due = try total.subtracting(before.amount)
        guard tendered >= amount else { throw CounterError.tenderedTooLow(total: amount, tendered: tendered) }
        if amount < due {
            taken = Part(amount: try before.amount.adding(amount), tendered: try before.tendered.adding(tendered))
            return .remaining(try due.subtracting(amount))
        }
        return .book(.cash(tendered: try before.tendered.adding(tendered)))
    }

    /// A cheque over `amount`: only over the whole `total`, and not after a cash part.
    public func cheque(amount: Money, total: Money, number: String, bank: String, drawer: String) throws -> PaymentRequest {
        guard taken == nil else {
            throw CounterError.invalidAmount("Scheck und Bar lassen sich nicht in einem Verkauf mischen: den Rest bar oder per Karte zahlen.")
        }
        guard amount == total else {
            throw CounterError.invalidAmount("Ein Scheck deckt immer den ganzen Betrag (\(total.formatted)); Teilzahlung: bar, dann Karte.")
        }
        return .cheque(number: number, bank: bank, drawer: drawer)
    }

    /// The card over `amount`: only the whole amount still due; after a cash part, a split payment.
    public func card(amount: Money, total: Money) throws -> PaymentRequest {
        let due = try total.subtracting(paid)
        guard amount == due else {
            throw CounterError.invalidAmount("Per Karte nur den ganzen offenen Betrag (\(due.formatted)); bei Teilzahlung zuerst den Barteil kassieren.")
        }
        return taken.map { .split(cash: $0.amount, tendered: $0.tendered) } ?? .card
    }
}
