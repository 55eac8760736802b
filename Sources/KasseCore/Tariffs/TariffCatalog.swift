/// The fee catalogue (Gebührenkatalog): what a clerk can sell, at which price on which day, and
/// where the money is booked. Loaded from the JSON files in `Tariffs/` (format in
/// `Tariffs/README.md`) by ``TariffCatalogLoader``.
public struct TariffCatalog: Sendable {
    /// Items in file order.
    public let items: [TariffItem]
    /// The accounts the items may book to, by number.
    public let accounts: [String: Account]
    /// The files the catalogue was read from.
    public let sourceFiles: [String]
    /// The dated VAT rates by key (`vat_rates`); a rate change is a new period, like a fee change.
    public let vatRates: [VATRateKey: [VATRatePeriod]]
    /// Which version of the catalogue this is (its content hash, `sha256:…`, or the version the
    /// centre published); every sale records the version it was priced with (docs/ledger.md).
    /// nil for a catalogue made in code.
    public var version: String?

    private let indexByCode: [String: Int]

    public init(
        items: [TariffItem], accounts: [String: Account], sourceFiles: [String] = [],
        vatRates: [VATRateKey: [VATRatePeriod]] = [:]
    ) {
        self.items = items
        self.accounts = accounts
        self.sourceFiles = sourceFiles
        self.vatRates = vatRates
        var index: [String: Int] = [:]
        for (i, item) in items.enumerated() where index[item.code] == nil { index[item.code] = i }
        self.indexByCode = index
    }

    /// The item with exactly this code (case-insensitive).
    public func item(code: String) -> TariffItem? {
        indexByCode[code.uppercased()].map { items[$0] }
    }

    /// Items that have at least one variant with a price on `date`.
    public func itemsInForce(on date: BusinessDate) -> [TariffItem] {
        items.filter { $0.isInForce(on: date) }
    }
}

/// A ledger account the catalogue books to (Sachkonto). Each town sets its own numbers.
public struct Account: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Municipal revenue (Ertrag), e.g. Verwaltungsgebühren.
        case revenue
        /// Money collected for others (Verwahrgeld / durchlaufende Mittel), e.g. the Bundeskasse's share.
        case passThrough = "pass_through"
    }
    public let number: String
    public let name: String
    public let kind: Kind

    public init(number: String, name: String, kind: Kind) {
        self.number = number
        self.name = name
        self.kind = kind
    }
}

/// One fee item, e.g. `PA` Personalausweis.
public struct TariffItem: Sendable, Identifiable {
    /// The stable code a clerk types: 1–8 characters A–Z, 0–9.
    public let code: String
    public let name: String
    public let category: String
    public let keywords: [String]
    /// The legal basis, printed in lists and reports (e.g. "PAuswGebV §1 Abs. 1").
    public let legalBasis: String
    /// The tax note printed on receipts ("Gebühr, nicht umsatzsteuerbar …").
    public let taxNote: String
    public let booking: BookingAssignment
    /// At least one; an item without distinct variants has one variant with an empty code.
    public let variants: [TariffVariant]
    /// The item's VAT treatment; a variant may state its own (``TariffVariant/tax``).
    public let tax: TaxRule
    /// Where the item is defined (`file:line`), for messages.
    public let source: String

    public var id: String { code }

    public init(
        code: String, name: String, category: String, keywords: [String] = [], legalBasis: String = "",
        taxNote: String = TariffItem.defaultTaxNote, booking: BookingAssignment, variants: [TariffVariant],
        tax: TaxRule = .nichtSteuerbar, source: String = ""
    ) {
        self.tax = tax
        self.code = code
        self.name = name
        self.category = category
        self.keywords = keywords
        self.legalBasis = legalBasis
        self.taxNote = taxNote
        self.booking = booking
        self.variants = variants
        self.source = source
    }

    /// The note for sovereign fees, which carry no VAT.
    public static let defaultTaxNote = "Gebühr, nicht umsatzsteuerbar"

    public func variant(code: String) -> TariffVariant? {
        variants.first { $0.code.uppercased() == code.uppercased() }
    }

    public func isInForce(on date: BusinessDate) -> Bool {
        variants.contains { $0.price(on: date) != nil }
    }

    /// The VAT treatment of `variant`: its own, else the item's.
    public func taxRule(for variant: TariffVariant) -> TaxRule { variant.tax ?? tax }

    /// The display name with the variant: "Personalausweis (ab 24 Jahre)".
    public func displayName(variant: TariffVariant) -> String {
        variant.name.isEmpty ? name : "\(name) (\(variant.name))"
    }
}

/// A variant with its own amounts (age groups, normal/erweitert, …).
public struct TariffVariant: Sendable, Hashable {
    /// Short code, unique within the item (e.g. `24+`, `U24`); empty for the only variant.
    public let code: String
    public let name: String
    /// Non-overlapping, ordered by `validFrom`.
    public let prices: [PricePeriod]
    /// The variant's own VAT treatment; nil: the item's.
    public let tax: TaxRule?

    public init(code: String, name: String, prices: [PricePeriod], tax: TaxRule? = nil) {
        self.code = code
        self.name = name
        self.prices = prices
        self.tax = tax
    }

    /// The amount in force on `date`, or `nil` if none.
    public func price(on date: BusinessDate) -> Money? {
        prices.first { $0.contains(date) }?.amount
    }
}

/// An amount valid from a day to a day (both inclusive; open-ended without `validUntil`).
public struct PricePeriod: Sendable, Hashable {
    public let validFrom: BusinessDate
    public let validUntil: BusinessDate?
    public let amount: Money

    public init(validFrom: BusinessDate, validUntil: BusinessDate? = nil, amount: Money) {
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.amount = amount
    }

    public func contains(_ date: BusinessDate) -> Bool {
        date >= validFrom && (validUntil.map { date <= $0 } ?? true)
    }
}
