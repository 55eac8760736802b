/// One share of a line's amount booked to an account (e.g. the Bundeskasse's part of a fee).
public struct LineShare: Equatable, Sendable, Codable {
    public let account: String
    public let produkt: String?
    public let kostenstelle: String?
    public let amount: Money
    /// Money collected for a third party (durchlaufende Finanzmittel), not own revenue.
    public let passThrough: Bool
    public let label: String
    public init(account: String, produkt: String?, kostenstelle: String?, amount: Money, passThrough: Bool, label: String) {
        self.account = account
        self.produkt = produkt
        self.kostenstelle = kostenstelle
        self.amount = amount
        self.passThrough = passThrough
        self.label = label
    }
}

/// A sale line as it was at sale time: item, price and booking assignment are copied, not referenced.
public struct SaleLine: Equatable, Sendable, Codable {
    public let itemCode: String
    public let name: String
    public let variant: String?
    public let quantity: Int64
    public let unitPrice: Money
    /// quantity × unit price.
    public let amount: Money
    public let sachkonto: String
    public let produkt: String?
    public let kostenstelle: String?
    /// "Gebühr, nicht umsatzsteuerbar" or what the item says.
    public let taxNote: String
    /// At least one share; the shares add up to ``amount``.
    public let shares: [LineShare]
    public init(
        itemCode: String, name: String, variant: String?, quantity: Int64, unitPrice: Money, amount: Money,
        sachkonto: String, produkt: String?, kostenstelle: String?, taxNote: String, shares: [LineShare]
    ) {
        self.itemCode = itemCode
        self.name = name
        self.variant = variant
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.amount = amount
        self.sachkonto = sachkonto
        self.produkt = produkt
        self.kostenstelle = kostenstelle
        self.taxNote = taxNote
        self.shares = shares
    }
}

extension SaleLine {
    /// The ledger line for a basket line: item, price, assignment and split shares as they are now.
    public init(basketLine line: BasketLine) {
        self.init(
            itemCode: line.itemCode, name: line.itemName, variant: line.variantName.isEmpty ? nil : line.variantName,
            quantity: Int64(line.quantity), unitPrice: line.unitPrice, amount: line.total,
            sachkonto: line.booking.revenueAccount, produkt: line.booking.product, kostenstelle: line.booking.costCentre,
            taxNote: line.taxNote,
            shares: line.shares.map {
                LineShare(
                    account: $0.account, produkt: $0.product, kostenstelle: $0.costCentre, amount: $0.amount,
                    passThrough: $0.passThrough, label: $0.label)
            })
    }
}
