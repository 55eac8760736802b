import KasseCore

/// The money taken for one basket at the counter, before the sale is booked: cash (in one or
/// several parts) or one cheque for a part, the rest by card (docs/ui.md, "Split payment"); a
/// cheque and cash never together.
///
/// The part is only remembered here; it is booked together with the card rest (as
/// ``PaymentRequest/split(cash:tendered:)`` or ``PaymentRequest/chequeAndCard(cheque:number:bank:drawer:)``),
/// so a declined card books nothing.
public struct SplitPayment: Equatable, Sendable {
    /// The part taken before the card rest.
    private enum Part: Equatable, Sendable {
        /// Cash: the amount and what was handed over for it.
        case cash(amount: Money, tendered: Money)
        case cheque(amount: Money, number: String, bank: String, drawer: String)

        var amount: Money {
            switch self {
            case .cash(let amount, _), .cheque(let amount, _, _, _): return amount
            }
        }
    }
    /// Nil before any part.
    private var taken: Part?

    /// What the next step of the payment is.
    public enum Step: Equatable, Sendable {
        /// A part was taken; this much is still due.
        case remaining(Money)
        /// Everything is covered: book the sale with this payment.
        case book(PaymentRequest)
    }

    public init() {}

    /// The part already taken (zero before any).
    public var paid: Money { taken?.amount ?? .zero }
    /// Whether the part taken is a cheque.
    public var partIsCheque: Bool {
        if case .cheque? = taken { return true }
        return false
    }

    /// Refuses to change the basket once a part is taken.
    public func refuseChanges() throws {
        switch taken {
        case .cash(let amount, _)?:
            throw CounterError.invalidAmount("Es ist schon ein Teil bar angenommen (\(amount.formatted)); erst den Rest kassieren.")
        case .cheque(let amount, _, _, _)?:
            throw CounterError.invalidAmount("Es ist schon ein Scheck über \(amount.formatted) angenommen; erst den Rest per Karte kassieren.")
        case nil: return
        }
    }

    /// `amount` of `total` in cash, `tendered` handed over: a part (the rest follows) or the whole.
    public mutating func cash(amount: Money, tendered: Money, total: Money) throws -> Step {
        if case .cheque? = taken {
            throw CounterError.invalidAmount("Scheck und Bar lassen sich nicht in einem Verkauf mischen: den Rest per Karte zahlen.")
        }
        let (before, beforeTendered): (Money, Money)
        if case .cash(let amount, let tendered)? = taken { (before, beforeTendered) = (amount, tendered) } else { (before, beforeTendered) = (.zero, .zero) }
        let due = try total.subtracting(before)
        guard tendered >= amount else { throw CounterError.tenderedTooLow(total: amount, tendered: tendered) }
        if amount < due {
            taken = .cash(amount: try before.adding(amount), tendered: try beforeTendered.adding(tendered))
            return .remaining(try due.subtracting(amount))
        }
        return .book(.cash(tendered: try beforeTendered.adding(tendered)))
    }

    /// A cheque over `amount` of `total`: the whole, or a part whose rest is paid by card (before
    /// or after the card part is typed); not with cash, and one cheque per sale.
    public mutating func cheque(amount: Money, total: Money, number: String, bank: String, drawer: String) throws -> Step {
        switch taken {
        case .cash?:
            throw CounterError.invalidAmount("Scheck und Bar lassen sich nicht in einem Verkauf mischen: den Rest bar oder per Karte zahlen.")
        case .cheque?:
            throw CounterError.invalidAmount("Ein Verkauf nimmt nur einen Scheck; den Rest per Karte zahlen.")
        case nil: break
        }
        guard amount.cents > 0, amount <= total else {
            throw CounterError.invalidAmount("Der Scheck muss größer als 0,00 € und höchstens \(total.formatted) sein.")
        }
        if amount == total { return .book(.cheque(number: number, bank: bank, drawer: drawer)) }
        for (value, what) in [(number, "die Schecknummer"), (drawer, "der Aussteller des Schecks")]
        where value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw CounterError.missingDetail(what)
        }
        taken = .cheque(amount: amount, number: number, bank: bank, drawer: drawer)
        return .remaining(try total.subtracting(amount))
    }

    /// The card over `amount`: only the whole amount still due; after a cash part or a cheque, a
    /// split payment booked with it.
    public func card(amount: Money, total: Money) throws -> PaymentRequest {
        let due = try total.subtracting(paid)
        guard amount == due else {
            throw CounterError.invalidAmount(
                "Per Karte nur den ganzen offenen Betrag (\(due.formatted)); bei Teilzahlung zuerst den Bar- oder Scheckteil kassieren.")
        }
        switch taken {
        case .cash(let amount, let tendered)?: return .split(cash: amount, tendered: tendered)
        case .cheque(let amount, let number, let bank, let drawer)?: return .chequeAndCard(cheque: amount, number: number, bank: bank, drawer: drawer)
        case nil: return .card
        }
    }
}
