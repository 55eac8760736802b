import KasseCore

/// The catalogue search and the basket of the citizen at the counter, on KasseCore.
/// The live backend uses it; it is pure, so tests run it on the real default catalogue.
public struct CatalogBasket: Sendable {
    public let catalog: TariffCatalog
    private let searcher: CatalogSearch
    public private(set) var basket: Basket

    public init(catalog: TariffCatalog, date: BusinessDate) {
        self.catalog = catalog
        searcher = CatalogSearch(catalog: catalog)
        basket = Basket(date: date, catalogVersion: catalog.version)
    }

    public var date: BusinessDate { basket.date }

    /// Items in force today matching `query`, best first, with the variants that have a price today.
    public func search(_ query: String, limit: Int) -> [CatalogEntry] {
        var entries: [CatalogEntry] = []
        for item in searcher.items(matching: query, limit: limit * 3) where entries.count < limit {
            let variants = pricedVariants(item)
            guard !variants.isEmpty else { continue }
            entries.append(
                CatalogEntry(
                    code: item.code, name: item.name,
                    variants: variants.map { CatalogEntry.Variant(label: $0.variant.name, price: $0.price) }))
        }
        return entries
    }

    private func pricedVariants(_ item: TariffItem) -> [(variant: TariffVariant, price: Money)] {
        item.variants.compactMap { variant in variant.price(on: basket.date).map { (variant, $0) } }
    }

    /// Adds the item's `variant`-th variant that has a price today.
    public mutating func add(code: String, variant: Int, quantity: Int = 1) throws {
        guard let item = catalog.item(code: code) else { throw BasketError.unknownItem(code: code) }
        let variants = pricedVariants(item)
        guard variants.indices.contains(variant) else {
            throw CounterUserError("\(code) hat heute keinen gültigen Preis.")
        }
        try basket.add(item, variantCode: variants[variant].variant.code, quantity: quantity)
    }

    private func lineID(_ index: Int) throws -> Int {
        guard basket.lines.indices.contains(index) else { throw BasketError.unknownLine(index + 1) }
        return basket.lines[index].id
    }

    public mutating func setQuantity(line: Int, quantity: Int) throws {
        try basket.setQuantity(quantity, lineID: try lineID(line))
    }

    /// Switches the line to the next variant with a price today (wrapping round).
    public mutating func nextVariant(line: Int) throws {
        let id = try lineID(line)
        let current = basket.lines[line]
        guard let item = catalog.item(code: current.itemCode) else { throw BasketError.unknownItem(code: current.itemCode) }
        let variants = pricedVariants(item)
        guard variants.count > 1 else { throw CounterUserError("\(item.code) hat keine weiteren Varianten.") }
        let index = variants.firstIndex { $0.variant.code == current.variantCode } ?? -1
        let next = variants[(index + 1) % variants.count].variant
        // The same item in the target variant may already be a line: merge by removing this one and adding.
        if basket.lines.contains(where: { $0.itemCode == item.code && $0.variantCode == next.code && $0.id != id }) {
            try basket.remove(lineID: id)
            try basket.add(item, variantCode: next.code, quantity: current.quantity)
        } else {
            try basket.setVariant(next.code, lineID: id, catalog: catalog)
        }
    }

    public mutating func removeLine(_ line: Int) {
        if let id = try? lineID(line) { try? basket.remove(lineID: id) }
    }

    public mutating func removeAll() { basket.removeAll() }

    /// Starts a new basket (next citizen, maybe a new business day).
    public mutating func reset(date: BusinessDate) { basket = Basket(date: date, catalogVersion: catalog.version) }

    /// The basket as the sale screen shows it.
    public func view(paid: Money, paidByCheque: Bool = false) -> BasketView {
        let lines = basket.lines.map { line -> BasketView.Line in
            let variantCount = catalog.item(code: line.itemCode).map { pricedVariants($0).count } ?? 1
            return BasketView.Line(
                code: line.itemCode, name: line.itemName, variantLabel: line.variantName.isEmpty ? nil : line.variantName,
                quantity: line.quantity, unitPrice: line.unitPrice, total: line.total, hasVariants: variantCount > 1)
        }
        var view = BasketView(lines: lines, total: basket.total, paid: paid)
        view.paidByCheque = paidByCheque
        return view
    }
}
