/// A movement of cash into or out of the drawer that is not a sale (Einlage, Entnahme,
/// Abschöpfung an die Stadtkasse), as the Sollbestand and the Z report count it.
public struct CashMovement: Equatable, Sendable, Codable {
    public let kind: CashMovementKind
    /// Always positive; the kind gives the direction.
    public let amount: Money
    public let reason: String

    public init(kind: CashMovementKind, amount: Money, reason: String) {
        precondition(!amount.isNegative, "a cash movement's amount is positive; its kind gives the direction")
        self.kind = kind
        self.amount = amount
        self.reason = reason
    }

    /// The effect on the drawer: `+amount` into it, `−amount` out of it.
    public var signedAmount: Money { kind.signed(amount) }

    /// The X and Z report's line text: an Abschöpfung is a transfer to the Stadtkasse.
    public var reportText: String {
        switch kind {
        case .einlage: return "Einlage: " + reason
        case .entnahme: return "Entnahme: " + reason
        case .abschoepfung: return "An die Stadtkasse: " + reason
        }
    }
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
        precondition(
            !float.isNegative && !cashReceived.isNegative && !changeGiven.isNegative && !stornoPayouts.isNegative,
            "the parts of the cash formula are magnitudes")
        self.float = float
        self.cashReceived = cashReceived
        self.changeGiven = changeGiven
        self.stornoPayouts = stornoPayouts
        self.movements = movements
    }

    /// Einlagen.
    public var depositsTotal: Money {
        get throws(MoneyError) { try Money.sum(movements.lazy.filter { $0.kind.isIntoDrawer }.map(\.amount)) }
    }
    /// Entnahmen and Abschöpfungen.
    public var withdrawalsTotal: Money {
        get throws(MoneyError) { try Money.sum(movements.lazy.filter { !$0.kind.isIntoDrawer }.map(\.amount)) }
    }
    /// Abschöpfungen (transfers to the Stadtkasse) alone.
    public var transfersTotal: Money {
        get throws(MoneyError) { try Money.sum(movements.lazy.filter { $0.kind == .abschoepfung }.map(\.amount)) }
    }

    /// Net cash taken for sales: received − change − storno payouts.
    public var netCashSales: Money {
        get throws(MoneyError) { try cashReceived.subtracting(changeGiven).subtracting(stornoPayouts) }
    }

    /// The Sollbestand. Throws only on an arithmetic overflow.
    public func total() throws(MoneyError) -> Money {
        try Self.sollbestand(
            float: float, netCash: cashReceived.subtracting(changeGiven), stornoPayouts: stornoPayouts, deposits: depositsTotal,
            withdrawals: withdrawalsTotal)
    }

    /// The formula, written once: float + net cash (received − change) − storno payouts
    /// + deposits − withdrawals. The ledger's period totals use it too.
    public static func sollbestand(float: Money, netCash: Money, stornoPayouts: Money, deposits: Money, withdrawals: Money)
        throws(MoneyError) -> Money
    {
        try float.adding(netCash).subtracting(stornoPayouts).adding(deposits).subtracting(withdrawals)
    }

    /// The formula as report lines (label, signed amount), ending with the total.
    public func breakdown() throws(MoneyError) -> [(label: String, amount: Money)] {
        var lines: [(String, Money)] = [
            ("Wechselgeld (Anfangsbestand)", float),
            ("+ Bareinnahmen (gegeben)", cashReceived),
            ("− Rückgeld", changeGiven.negated),
            ("− Auszahlungen Storno", stornoPayouts.negated),
        ]
        let deposits = try depositsTotal
        let transfers = try transfersTotal
        let withdrawals = try withdrawalsTotal.subtracting(transfers)
        if !deposits.isZero { lines.append(("+ Einlagen", deposits)) }
        if !withdrawals.isZero { lines.append(("− Entnahmen", withdrawals.negated)) }
        if !transfers.isZero { lines.append(("− An die Stadtkasse", transfers.negated)) }
        lines.append(("= Sollbestand", try total()))
        return lines.map { (label: $0.0, amount: $0.1) }
    }
}
