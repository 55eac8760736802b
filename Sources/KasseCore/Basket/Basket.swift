/// The citizen's basket (Warenkorb) at the counter.
///
/// A line's price is fixed when the item is added, from the price period in force on the basket's
/// business date; a line keeps its booking assignment and split as they were then.
public struct Basket: Sendable {
    /// The business day whose prices apply.
    public let date: BusinessDate
    /// The version of the catalogue the lines are priced from (``TariffCatalog/version``): one
    /// basket, one version; a new catalogue applies from the next basket.
    public let catalogVersion: String?
    public private(set) var lines: [BasketLine] = []
    private var nextLineID = 1

    /// The most of one item on one line.
    public static let maximumQuantity = 99

    public init(date: BusinessDate, catalogVersion: String? = nil) {
        self.date = date
        self.catalogVersion = catalogVersion
    }

    public var isEmpty: Bool { lines.isEmpty }

    /// The sum of all lines, kept with every change (checked: a change that would overflow is refused).
    public private(set) var total: Money = .zero

    /// Puts `newLines` in place of the lines, with their total.
    private mutating func setLines(_ newLines: [BasketLine]) throws(BasketError) {
        do { total = try Money.sum(newLines.map(\.total)) } catch { throw .basketTotalTooLarge }
        lines = newLines
    }

    /// Adds `quantity` of `item` in `variantCode` (default: the first variant with a price today).
    /// Adding the same item and variant again raises the quantity of its line.
    @discardableResult
    public mutating func add(_ item: TariffItem, variantCode: String? = nil, quantity: Int = 1) throws(BasketError) -> BasketLine {
        let variant = try pickVariant(item, variantCode)
        guard let price = variant.price(on: date) else {
            throw .notInForce(code: item.code, variant: variant.name, date: date)
        }
        try checkQuantity(quantity, item: item)
        let tax = try lineTax(item, variant)
        if let index = lines.firstIndex(where: { $0.itemCode == item.code && $0.variantCode == variant.code }) {
            let newQuantity = lines[index].quantity + quantity
            try checkQuantity(newQuantity, item: item)
            var changed = lines
            changed[index] = try lines[index].with(quantity: newQuantity)
            try setLines(changed)
            return lines[index]
        }
        let line = try BasketLine(id: nextLineID, item: item, variant: variant, quantity: quantity, unitPrice: price, tax: tax)
        try setLines(lines + [line])
        nextLineID += 1
        return line
    }

    /// Adds the item with `code` from `catalog`.
    @discardableResult
    public mutating func add(code: String, from catalog: TariffCatalog, variantCode: String? = nil, quantity: Int = 1) throws(BasketError) -> BasketLine {
        guard let item = catalog.item(code: code) else { throw .unknownItem(code: code) }
        return try add(item, variantCode: variantCode, quantity: quantity)
    }

    public mutating func remove(lineID: Int) throws(BasketError) {
        guard let index = lines.firstIndex(where: { $0.id == lineID }) else { throw .unknownLine(lineID) }
        var changed = lines
        changed.remove(at: index)
        try setLines(changed)
    }

    public mutating func setQuantity(_ quantity: Int, lineID: Int) throws(BasketError) {
        guard let index = lines.firstIndex(where: { $0.id == lineID }) else { throw .unknownLine(lineID) }
        try checkQuantity(quantity, item: nil)
        var changed = lines
        changed[index] = try lines[index].with(quantity: quantity)
        try setLines(changed)
    }

    /// Switches a line to another variant of its item, re-priced on the basket's date.
    public mutating func setVariant(_ variantCode: String, lineID: Int, catalog: TariffCatalog) throws(BasketError) {
        guard let index = lines.firstIndex(where: { $0.id == lineID }) else { throw .unknownLine(lineID) }
        let line = lines[index]
        guard let item = catalog.item(code: line.itemCode) else { throw .unknownItem(code: line.itemCode) }
        let variant = try pickVariant(item, variantCode)
        guard let price = variant.price(on: date) else { throw .notInForce(code: item.code, variant: variant.name, date: date) }
        var changed = lines
        let tax = try lineTax(item, variant)
        changed[index] = try BasketLine(
            id: line.id, item: item, variant: variant, quantity: line.quantity, unitPrice: price, tax: tax)
        try setLines(changed)
    }

    public mutating func removeAll() {
        lines.removeAll()
        total = .zero
    }

    private func pickVariant(_ item: TariffItem, _ code: String?) throws(BasketError) -> TariffVariant {
        if let code {
            guard let v = item.variant(code: code) else { throw .unknownVariant(code: item.code, variant: code) }
            return v
        }
        return item.variants.first { $0.price(on: date) != nil } ?? item.variants[0]
    }

    /// The VAT treatment and the rate in force on the basket's date (a rate change applies to
    /// lines added from its first day, like a fee change).
    private func lineTax(_ item: TariffItem, _ variant: TariffVariant) throws(BasketError) -> LineTax {
        guard let tax = item.taxRule(for: variant).tax(on: date) else {
            throw .noVATRate(code: item.code, date: date)
        }
        return tax
    }

    private func checkQuantity(_ quantity: Int, item: TariffItem?) throws(BasketError) {
        guard (1...Basket.maximumQuantity).contains(quantity) else { throw .quantityOutOfRange(quantity) }
    }
}

/// One line of a basket: an item in a variant, a quantity and the unit price fixed when added.
public struct BasketLine: Sendable, Identifiable, Hashable {
    public let id: Int
    public let itemCode: String
    public let itemName: String
    public let category: String
    public let variantCode: String
    public let variantName: String
    public let quantity: Int
    public let unitPrice: Money
    public let booking: BookingAssignment
    public let taxNote: String
    /// The VAT treatment and rate fixed when the line was added; the price is gross.
    public let tax: LineTax

    public init(id: Int, item: TariffItem, variant: TariffVariant, quantity: Int, unitPrice: Money, tax: LineTax) throws(BasketError) {
        try self.init(
            id: id, itemCode: item.code, itemName: item.name, category: item.category, variantCode: variant.code,
            variantName: variant.name, quantity: quantity, unitPrice: unitPrice, booking: item.booking,
            taxNote: variant.tax.map { $0.treatment.defaultNote } ?? item.taxNote, tax: tax)
    }

    public init(
        id: Int, itemCode: String, itemName: String, category: String, variantCode: String, variantName: String,
        quantity: Int, unitPrice: Money, booking: BookingAssignment, taxNote: String, tax: LineTax = .nichtSteuerbar
    ) throws(BasketError) {
        self.tax = tax
        do { self.total = try unitPrice.multiplied(by: Int64(quantity)) } catch { throw .lineTotalTooLarge(itemCode: itemCode, quantity: quantity) }
        self.id = id
        self.itemCode = itemCode
        self.itemName = itemName
        self.category = category
        self.variantCode = variantCode
        self.variantName = variantName
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.booking = booking
        self.taxNote = taxNote
    }

    /// quantity × unit price, computed with checked arithmetic when the line is made.
    public let total: Money

    /// The line total split to its accounts (adds up to ``total`` to the cent).
    public var shares: [ShareAmount] { booking.split(total) }

    /// "Personalausweis (ab 24 Jahre)"
    public var displayName: String { variantName.isEmpty ? itemName : "\(itemName) (\(variantName))" }

    func with(quantity: Int) throws(BasketError) -> BasketLine {
        try BasketLine(
            id: id, itemCode: itemCode, itemName: itemName, category: category, variantCode: variantCode,
            variantName: variantName, quantity: quantity, unitPrice: unitPrice, booking: booking, taxNote: taxNote, tax: tax)
    }
}

/// Why the basket refused a change. One German sentence for the clerk.
public enum BasketError: Error, Equatable, CustomStringConvertible {
    case unknownItem(code: String)
    case unknownVariant(code: String, variant: String)
    case notInForce(code: String, variant: String, date: BusinessDate)
    case quantityOutOfRange(Int)
    case unknownLine(Int)
    case lineTotalTooLarge(itemCode: String, quantity: Int)
    case basketTotalTooLarge
    case noVATRate(code: String, date: BusinessDate)

    public var description: String {
        switch self {
        case .unknownItem(let code): return "Unbekannter Gebührencode »\(code)«. Bitte Code prüfen oder über die Suche wählen."
        case .unknownVariant(let code, let variant): return "\(code) hat keine Variante »\(variant)«."
        case .notInForce(let code, let variant, let date):
            return "\(code)\(variant.isEmpty ? "" : " (\(variant))") hat am \(date.german) keinen gültigen Preis."
        case .quantityOutOfRange(let q): return "Menge \(q) ist nicht möglich: erlaubt sind 1 bis \(Basket.maximumQuantity)."
        case .unknownLine(let id): return "Position \(id) ist nicht im Warenkorb."
        case .lineTotalTooLarge(let code, let quantity): return "\(quantity) × \(code) ergibt einen zu großen Betrag."
        case .noVATRate(let code, let date):
            return "\(code) ist steuerpflichtig, aber für den \(date.german) steht kein Steuersatz im Katalog (»vat_rates«)."
        case .basketTotalTooLarge: return "Die Summe des Warenkorbs wäre zu groß; bitte die Position in einem zweiten Verkauf buchen."
        }
    }
}
