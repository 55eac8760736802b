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
    /// BMP 60: receipt range and one count/total per card group (53 bytes).
    public struct Individual: Equatable, Sendable {
        public struct Group: Equatable, Sendable {
            public let name: String
            public let count: Int
            public let amountCents: Int64
        }
        public let firstReceipt: Int
        public let lastReceipt: Int
        public let groups: [Group]

        static let groupNames = ["girocard", "JCB", "Eurocard/Mastercard", "Amex", "VISA", "Diners", "Übrige Karten"]

        /// `nil` unless `bytes` has the 53-byte layout with valid BCD.
        public init?(bmp60 bytes: [UInt8]) {
            guard bytes.count >= 53, let first = BCD.number(bytes[0..<2]), let last = BCD.number(bytes[2..<4]) else { return nil }
            var groups: [Group] = []
            for (index, name) in Self.groupNames.enumerated() {
                let start = 4 + index * 7
                guard let amount = BCD.number(bytes[(start + 1)..<(start + 7)]) else { return nil }
                groups.append(Group(name: name, count: Int(bytes[start]), amountCents: amount))
            }
            firstReceipt = Int(first)
            lastReceipt = Int(last)
            self.groups = groups
        }
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
