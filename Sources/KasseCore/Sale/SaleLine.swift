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
    /// The VAT treatment and rate; nil for a sovereign fee (nicht steuerbar), as every line
    /// booked before the catalogue knew VAT.
    public let tax: LineTax?
    /// The VAT contained in ``amount`` (gross), allocated so that the lines of a rate add up to the
    /// VAT of that rate's gross sum (docs/ledger.md, "Umsatzsteuer"); nil without ``tax``.
    public let vat: Money?
    public init(
        itemCode: String, name: String, variant: String?, quantity: Int64, unitPrice: Money, amount: Money,
        sachkonto: String, produkt: String?, kostenstelle: String?, taxNote: String, shares: [LineShare],
        tax: LineTax? = nil, vat: Money? = nil
    ) {
        let taxed = tax.flatMap { $0.treatment == .nichtSteuerbar ? nil : $0 }
        self.tax = taxed
        self.vat = taxed == nil ? nil : (vat ?? .zero)
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
    /// The treatment, ``LineTax/nichtSteuerbar`` for a fee.
    public var lineTax: LineTax { tax ?? .nichtSteuerbar }
    /// The VAT in cents; zero for fees and exempt lines.
    public var vatAmount: Money { vat ?? .zero }
    /// Gross − VAT.
    public var net: Money { Money(cents: amount.cents - vatAmount.cents) }

    /// The ledger lines of a basket, with the VAT of each rate computed from the gross sum of its
    /// lines and allocated to them (``VATBreakdown``).
    public static func lines(basket lines: [BasketLine]) -> [SaleLine] {
        let vats = VATBreakdown.allocate(lines.map { ($0.total, $0.tax) })
        return zip(lines, vats).map { SaleLine(basketLine: $0, vat: $1) }
    }

    /// The ledger line for a basket line: item, price, assignment and split shares as they are now.
    public init(basketLine line: BasketLine, vat: Money? = nil) {
        self.init(
            itemCode: line.itemCode, name: line.itemName, variant: line.variantName.isEmpty ? nil : line.variantName,
            quantity: Int64(line.quantity), unitPrice: line.unitPrice, amount: line.total,
            sachkonto: line.booking.revenueAccount, produkt: line.booking.product, kostenstelle: line.booking.costCentre,
            taxNote: line.taxNote,
            shares: line.shares.map {
                LineShare(
                    account: $0.account, produkt: $0.product, kostenstelle: $0.costCentre, amount: $0.amount,
                    passThrough: $0.passThrough, label: $0.label)
            }, tax: line.tax, vat: vat ?? VAT.contained(in: line.total, basisPoints: line.tax.rateBasisPoints))
    }
}
