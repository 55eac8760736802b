/// A movement of cash into or out of the drawer that is not a sale (Einlage, Entnahme, Abschöpfung).
public struct CashMovement: Equatable, Sendable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Cash put into the drawer during the day (Einlage, e.g. more change from the Stadtkasse).
        case deposit
        /// Cash taken out during the day (Entnahme, e.g. a skim handed to the Stadtkasse).
        case withdrawal

        /// `Einlage` / `Entnahme`.
        public var germanName: String { self == .deposit ? "Einlage" : "Entnahme" }
    }

    public let kind: Kind
    /// Always positive; the kind gives the direction.
    public let amount: Money
    public let reason: String

    public init(kind: Kind, amount: Money, reason: String) {
        precondition(!amount.isNegative, "a cash movement's amount is positive; its kind gives the direction")
        self.kind = kind
        self.amount = amount
        self.reason = reason
    }

    /// The effect on the drawer: `+amount` for a deposit, `−amount` for a withdrawal.
    public var signedAmount: Money { kind == .deposit ? amount : amount.negated }
}

/// The cash that should be in the drawer (Kassensollbestand):
///
///     float + cash received − change given − cash paid out by stornos ± cash movements
///
/// KommHV §72 (Bavaria): the Sollbestand is compared with the counted Istbestand every day.
public struct ExpectedCash: Equatable, Sendable {
    /// The float (Wechselgeld, Anfangsbestand) the day started with.
    public let float: Money
    /// Cash handed over by citizens (tendered, before change).
    public let cashReceived: Money
    /// Change handed back.
    public let changeGiven: Money
    /// Cash paid back to citizens for cancelled (storniert) cash sales.
    public let stornoPayouts: Money
    /// Deposits and withdrawals during the day.
    public let movements: [CashMovement]

    public init(float: Money, cashReceived: Money, changeGiven: Money, stornoPayouts: Money, movements: [CashMovement] = []) {
        precondition(!float.isNegative && !cashReceived.isNegative && !changeGiven.isNegative && !stornoPayouts.isNegative,
                     "the parts of the cash formula are magnitudes")
        self.float = float
        self.cashReceived = cashReceived
        self.changeGiven = changeGiven
        self.stornoPayouts = stornoPayouts
        self.movements = movements
    }

    public var depositsTotal: Money { Money(cents: movements.filter { $0.kind == .deposit }.reduce(0) { $0 + $1.amount.cents }) }
    public var withdrawalsTotal: Money { Money(cents: movements.filter { $0.kind == .withdrawal }.reduce(0) { $0 + $1.amount.cents }) }

    /// Net cash taken for sales: received − change − storno payouts.
    public var netCashSales: Money { Money(cents: cashReceived.cents - changeGiven.cents - stornoPayouts.cents) }

    /// The Sollbestand. Throws only on an arithmetic overflow.
    public func total() throws(MoneyError) -> Money {
        var result = try float.adding(cashReceived)
        result = try result.subtracting(changeGiven)
        result = try result.subtracting(stornoPayouts)
        for movement in movements { result = try result.adding(movement.signedAmount) }
        return result
    }

    /// The formula as report lines (label, signed amount), ending with the total.
    public func breakdown() throws(MoneyError) -> [(label: String, amount: Money)] {
        var lines: [(String, Money)] = [
            ("Wechselgeld (Anfangsbestand)", float),
            ("+ Bareinnahmen (gegeben)", cashReceived),
            ("− Rückgeld", changeGiven.negated),
            ("− Auszahlungen Storno", stornoPayouts.negated),
        ]
        if !depositsTotal.isZero { lines.append(("+ Einlagen", depositsTotal)) }
        if !withdrawalsTotal.isZero { lines.append(("− Entnahmen", withdrawalsTotal.negated)) }
        lines.append(("= Sollbestand", try total()))
        return lines.map { (label: $0.0, amount: $0.1) }
    }
}
