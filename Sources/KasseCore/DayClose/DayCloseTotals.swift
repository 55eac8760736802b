/// Totals of a register's period for the X and Z reports, accumulated one fact at a time.
///
/// Fed by the counter service from the ledger (or by an export from its booking lines), so that
/// memory stays bounded by the number of items, accounts and payment methods, never by sales.
public struct DayCloseTotals: Equatable, Sendable {
    /// A total with a count: `label`, number of entries, sum.
    public struct Entry: Equatable, Sendable {
        public let key: String
        public var label: String
        public var count: Int
        public var amount: Money
    }

    /// A cancelled sale as the report lists it.
    public struct Storno: Equatable, Sendable {
        public let receiptNumber: String
        public let originalReceiptNumber: String
        public let amount: Money
        public let reason: String
        public let operatorName: String
        /// Who approved it (four eyes), if anyone.
        public let approverName: String?

        public init(receiptNumber: String, originalReceiptNumber: String, amount: Money, reason: String, operatorName: String, approverName: String? = nil) {
            self.receiptNumber = receiptNumber
            self.originalReceiptNumber = originalReceiptNumber
            self.amount = amount
            self.reason = reason
            self.operatorName = operatorName
            self.approverName = approverName
        }
    }

    /// An item at one variant and unit price: `RP Reisepass (ab 24 Jahre)`, 1 × 70,00 €.
    public struct ItemVariant: Equatable, Sendable {
        public let label: String
        public let quantity: Int
        public let unitPrice: Money
        public let amount: Money
        public init(label: String, quantity: Int, unitPrice: Money, amount: Money) {
            self.label = label
            self.quantity = quantity
            self.unitPrice = unitPrice
            self.amount = amount
        }
    }

    public private(set) var items: [Entry] = []
    /// The items by variant and unit price (the Z report itemises these when given).
    public private(set) var itemVariants: [ItemVariant] = []
    public private(set) var accounts: [Entry] = []
    public private(set) var passThrough: [Entry] = []
    public private(set) var paymentMethods: [Entry] = []
    public private(set) var stornos: [Storno] = []
    public private(set) var salesPerHour: [Int: Money] = [:]
    public private(set) var firstReceipt: String?
    public private(set) var lastReceipt: String?
    public private(set) var receiptCount = 0

    public init() {}

    /// A receipt (sale or storno) in booking order: tracks first, last and count.
    public mutating func addReceipt(_ receiptNumber: String) {
        if firstReceipt == nil { firstReceipt = receiptNumber }
        lastReceipt = receiptNumber
        receiptCount += 1
    }

    /// One share of a sale line: `amount` to `account` (negative for a storno's counter-entry).
    /// `hour` (0…23) feeds the chart; `passThrough` marks a third party's share (e.g. Bundeskasse).
    public mutating func addShare(
        itemCode: String, itemText: String, account: String, amount: Money,
        passThrough isPassThrough: Bool, hour: Int, countsItem: Bool = true
    ) throws(MoneyError) {
        try Self.add(&items, key: itemCode, label: itemCode + " " + itemText, amount: amount, counting: countsItem)
        try Self.add(&accounts, key: account, label: account, amount: amount, counting: true)
        if isPassThrough { try Self.add(&passThrough, key: account, label: itemText, amount: amount, counting: true) }
        salesPerHour[hour] = try (salesPerHour[hour] ?? .zero).adding(amount)
    }

    /// A payment's net amount by method (`Bar`, `Karte`, `Scheck`); negative for refunds.
    public mutating func addPayment(method: String, amount: Money) throws(MoneyError) {
        try Self.add(&paymentMethods, key: method, label: method, amount: amount, counting: true)
    }

    public mutating func addStorno(_ storno: Storno) { stornos.append(storno) }

    /// An item at one variant and unit price, summed elsewhere; a quantity of zero (all of it cancelled) is left out.
    public mutating func addItemVariant(_ variant: ItemVariant) {
        guard variant.quantity != 0 || !variant.amount.isZero else { return }
        itemVariants.append(variant)
    }

    /// The lists a group of entries can be added to at once.
    public enum List: Sendable {
        case items, accounts, passThrough, paymentMethods
    }

    /// A group summed elsewhere (the ledger sums a period by SQL): `count` entries of `amount`
    /// in all, under `key`, labelled `label` if the key is new.
    public mutating func add(to list: List, key: String, label: String, count: Int, amount: Money) throws(MoneyError) {
        switch list {
        case .items: try Self.add(&items, key: key, label: label, count: count, amount: amount)
        case .accounts: try Self.add(&accounts, key: key, label: label, count: count, amount: amount)
        case .passThrough: try Self.add(&passThrough, key: key, label: label, count: count, amount: amount)
        case .paymentMethods: try Self.add(&paymentMethods, key: key, label: label, count: count, amount: amount)
        }
    }

    /// Sales of `amount` in `hour` (0…23), summed elsewhere.
    public mutating func addSales(_ amount: Money, hour: Int) throws(MoneyError) {
        salesPerHour[hour] = try salesPerHour[hour, default: .zero].adding(amount)
    }

    /// `count` receipts from `first` to `last`, booked after those added so far.
    public mutating func addReceipts(first: String, last: String, count: Int) {
        guard count > 0 else { return }
        if firstReceipt == nil { firstReceipt = first }
        lastReceipt = last
        receiptCount += count
    }

    private static func add(_ entries: inout [Entry], key: String, label: String, count: Int, amount: Money) throws(MoneyError) {
        if let index = entries.firstIndex(where: { $0.key == key }) {
            entries[index].amount = try entries[index].amount.adding(amount)
            entries[index].count += count
        } else {
            entries.append(Entry(key: key, label: label, count: count, amount: amount))
        }
    }

    public var salesTotal: Money { get throws(MoneyError) { try Money.sum(accounts.map(\.amount)) } }
    public var paymentsTotal: Money { get throws(MoneyError) { try Money.sum(paymentMethods.map(\.amount)) } }

    private static func add(_ entries: inout [Entry], key: String, label: String, amount: Money, counting: Bool) throws(MoneyError) {
        if let index = entries.firstIndex(where: { $0.key == key }) {
            entries[index].amount = try entries[index].amount.adding(amount)
            if counting { entries[index].count += amount.isNegative ? -1 : 1 }
        } else {
            entries.append(Entry(key: key, label: label, count: counting ? (amount.isNegative ? -1 : 1) : 0, amount: amount))
        }
    }
}
