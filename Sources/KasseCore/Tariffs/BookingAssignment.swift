/// Where the money for an item is booked: revenue account (Sachkonto), product (Produkt), cost
/// centre (Kostenstelle), and — for money collected for others — split shares.
///
/// Führungszeugnis 13,00 € = 2/5 municipal revenue (5,20 €) + 3/5 for the Bundeskasse on a
/// pass-through account (7,80 €).
public struct BookingAssignment: Sendable, Hashable, Codable {
    public let revenueAccount: String
    public let product: String
    public let costCentre: String
    /// Empty: the whole amount goes to `revenueAccount`. Otherwise the fractions add up to 1.
    public let shares: [SplitShare]

    public init(revenueAccount: String, product: String, costCentre: String, shares: [SplitShare] = []) {
        self.revenueAccount = revenueAccount
        self.product = product
        self.costCentre = costCentre
        self.shares = shares
    }

    /// Splits `amount` into the share amounts; they add up to `amount` to the cent.
    ///
    /// Each share gets `amount × numerator / denominator` rounded towards zero; the cents left
    /// over by rounding go to the **first** share (by convention the municipal revenue share),
    /// so the town, not a third party, absorbs rounding. Negative amounts (stornos) split as the
    /// negation of the positive split, so a storno exactly mirrors the original.
    public func split(_ amount: Money) -> [ShareAmount] {
        guard !shares.isEmpty else {
            return [
                ShareAmount(
                    account: revenueAccount, label: "", product: product, costCentre: costCentre,
                    passThrough: false, amount: amount)
            ]
        }
        let negative = amount.cents < 0
        let total = negative ? -amount.cents : amount.cents
        var parts = shares.map { share -> Int64 in
            // 128-bit intermediate: amount × numerator cannot overflow.
            let (high, low) = total.multipliedFullWidth(by: Int64(share.numerator))
            return Int64(Int64(share.denominator).dividingFullWidth((high, low)).quotient)
        }
        let remainder = total - parts.reduce(0, +)
        parts[0] += remainder
        return zip(shares, parts).map { share, cents in
            ShareAmount(
                account: share.account, label: share.label, product: share.product ?? product,
                costCentre: share.costCentre ?? costCentre, passThrough: share.passThrough,
                amount: Money(cents: negative ? -cents : cents))
        }
    }
}

/// A fraction of an item's price booked to its own account.
public struct SplitShare: Sendable, Hashable, Codable {
    public let account: String
    public let label: String
    public let numerator: Int
    public let denominator: Int
    /// Money collected for a third party (Verwahrgeld), not municipal revenue.
    public let passThrough: Bool
    public let product: String?
    public let costCentre: String?

    public init(
        account: String, label: String, numerator: Int, denominator: Int, passThrough: Bool,
        product: String? = nil, costCentre: String? = nil
    ) {
        self.account = account
        self.label = label
        self.numerator = numerator
        self.denominator = denominator
        self.passThrough = passThrough
        self.product = product
        self.costCentre = costCentre
    }
}

/// One share of an amount, as booked.
public struct ShareAmount: Sendable, Hashable, Codable {
    public let account: String
    public let label: String
    public let product: String
    public let costCentre: String
    public let passThrough: Bool
    public let amount: Money

    public init(account: String, label: String, product: String, costCentre: String, passThrough: Bool, amount: Money) {
        self.account = account
        self.label = label
        self.product = product
        self.costCentre = costCentre
        self.passThrough = passThrough
        self.amount = amount
    }
}
