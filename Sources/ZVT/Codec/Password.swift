/// The 6-digit terminal password, sent as 3 BCD bytes (ZVT 13.08 §1.2): "123456" → `12 34 56`.
public struct Password: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// `nil` unless `digits` is exactly six decimal digits.
    public init?(_ digits: String) {
        guard digits.count == 6, let bytes = BCD.encode(digits: digits, byteCount: 3) else { return nil }
        self.bytes = bytes
    }

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 3, "a ZVT password has 3 bytes")
        self.bytes = bytes
    }

    public static let zero = Password(bytes: [0, 0, 0])

    /// The digits; for non-BCD bytes the hex text.
    public var digits: String { BCD.digits(bytes) ?? Hex.string(bytes, separator: "") }
    /// Never shows the password itself.
    public var description: String { "******" }
}

/// End-of-Day totals as the PT reports them in the `04 0F` of `06 50` / `06 10` (ZVT 13.08 §3.1.3).
public struct EndOfDayTotals: Equatable, Sendable {
    /// BMP 60 "single amounts" (ZVT 13.08 §3.1.3): the receipt range, then one count and total per
    /// card group.
    ///
    /// §3.1.3 defines one layout: 2 + 2 BCD receipt numbers and seven groups of 1 binary count +
    /// 6 BCD total (girocard, JCB, Eurocard, Amex, VISA, Diners, remaining cards) = 53 bytes; the
    /// BMP table (§13) only says LLLVAR. Terminals send other group counts (docs/zvt-field-notes.md,
    /// vendor deviations): fewer groups (the empty ones at the end left off) or more (the printed
    /// End-of-Day lists more schemes than seven). Every value of 4 + 7 × n bytes (n ≥ 1) is read
    /// with the groups in the §3.1.3 order, groups after the seventh as further groups.
    public struct Individual: Equatable, Sendable {
        public struct Group: Equatable, Sendable {
            public let name: String
            public let count: Int
            public let amountCents: Int64
        }
        public let firstReceipt: Int
        public let lastReceipt: Int
        public let groups: [Group]

        /// The group names of §3.1.3 in their order.
        static let groupNames = ["girocard", "JCB", "Eurocard/Mastercard", "Amex", "VISA", "Diners", "Übrige Karten"]

        /// Bytes of the receipt range and of one group.
        static let rangeSize = 4
        static let groupSize = 7

        /// `nil` unless `bytes` has 4 + 7 × n bytes (n ≥ 1) with valid BCD.
        public init?(bmp60 bytes: [UInt8]) {
            let groupBytes = bytes.count - Self.rangeSize
            guard groupBytes >= Self.groupSize, groupBytes % Self.groupSize == 0 else { return nil }
            guard let first = BCD.number(bytes[0..<2]), let last = BCD.number(bytes[2..<4]) else { return nil }
            var groups: [Group] = []
            for index in 0..<(groupBytes / Self.groupSize) {
                let start = Self.rangeSize + index * Self.groupSize
                guard let amount = BCD.number(bytes[(start + 1)..<(start + Self.groupSize)]) else { return nil }
                let name = index < Self.groupNames.count ? Self.groupNames[index] : "Weitere Kartengruppe \(index + 1 - Self.groupNames.count)"
                groups.append(Group(name: name, count: Int(bytes[start]), amountCents: amount))
            }
            firstReceipt = Int(first)
            lastReceipt = Int(last)
            self.groups = groups
        }

        /// The payments of all groups.
        public var count: Int { groups.reduce(0) { $0 + $1.count } }
    }

    public let totalCents: Int64?
    public let trace: Int?
    public let date: (month: Int, day: Int)?
    public let time: String?
    public let individual: Individual?

    public init(_ fields: BMPList) {
        totalCents = fields.amountCents
        trace = fields.trace
        date = fields.monthDay
        time = fields.time
        individual = fields.individualTotals
    }

    public static func == (a: EndOfDayTotals, b: EndOfDayTotals) -> Bool {
        a.totalCents == b.totalCents && a.trace == b.trace && a.date?.month == b.date?.month && a.date?.day == b.date?.day
            && a.time == b.time && a.individual == b.individual
    }
}
