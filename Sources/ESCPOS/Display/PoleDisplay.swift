/// What the customer display (2 × 20 characters, on the counter facing the citizen) shows, as two
/// lines: the greeting when idle, each added item with its price and the running total, the
/// total to pay, and the amount tendered with the change (docs/printer.md, "Customer display").
public struct CustomerDisplayText: Sendable, Equatable {
    public static let width = 20

    public let top: String
    public let bottom: String

    /// Two lines, each cut or padded to ``width``.
    public init(top: String, bottom: String) {
        self.top = Self.fit(top)
        self.bottom = Self.fit(bottom)
    }

    /// The idle screen: the greeting and the office, centred.
    public static func idle(greeting: String, office: String) -> CustomerDisplayText {
        CustomerDisplayText(top: center(greeting), bottom: center(office))
    }

    /// An item just added: its name and price, the basket's total below.
    public static func item(_ name: String, price: String, total: String) -> CustomerDisplayText {
        CustomerDisplayText(top: pair(name, price), bottom: pair("Summe", total))
    }

    /// The total to pay.
    public static func total(_ total: String) -> CustomerDisplayText { CustomerDisplayText(top: "Zu zahlen", bottom: pair("Summe", total)) }

    /// Cash tendered and the change.
    public static func change(tendered: String, change: String) -> CustomerDisplayText {
        CustomerDisplayText(top: pair("Gegeben", tendered), bottom: pair("Rückgeld", change))
    }

    static func fit(_ text: String) -> String {
        text.count >= width ? String(text.prefix(width)) : text + String(repeating: " ", count: width - text.count)
    }

    static func center(_ text: String) -> String {
        let shown = String(text.prefix(width))
        return String(repeating: " ", count: (width - shown.count) / 2) + shown
    }

    /// `left` and `right` on one line; `left` is shortened so that the amount stays whole.
    static func pair(_ left: String, _ right: String) -> String {
        let room = width - right.count - 1
        let shownLeft = left.count > room ? String(left.prefix(max(0, room))) : left
        return shownLeft + String(repeating: " ", count: max(1, width - shownLeft.count - right.count)) + right
    }
}

/// The bytes of the common pole-display command set (Epson DM-D and the many displays that
/// follow it: ESC/POS for customer displays): `ESC @` initialise, `ESC t n` code page, `US $ x y`
/// move the cursor to column x of row y (1-based). Each frame overwrites both rows completely,
/// so nothing is cleared and nothing flickers.
public struct PoleDisplayEncoder: Sendable {
    public let codePage: CodePage

    public init(codePage: CodePage = .cp858) { self.codePage = codePage }

    /// Sent once when the line is opened: initialise and select the code page.
    public var initialize: [UInt8] { [0x1B, 0x40] + [0x1B, 0x74, codePage.table] }

    /// `US $ x y`.
    public static func moveCursor(column: UInt8, row: UInt8) -> [UInt8] { [0x1F, 0x24, column, row] }

    /// Both rows of `text`.
    public func frame(_ text: CustomerDisplayText) -> [UInt8] {
        Self.moveCursor(column: 1, row: 1) + codePage.encode(text.top) + Self.moveCursor(column: 1, row: 2) + codePage.encode(text.bottom)
    }
}

/// Reads pole-display bytes back into the two rows the display shows (the test stand-in).
public struct PoleDisplayReader: Sendable {
    public private(set) var rows: [[Character]] = Array(repeating: Array(repeating: " ", count: CustomerDisplayText.width), count: 2)
    private var codePage = CodePage.cp858
    private var row = 0
    private var column = 0
    private var pending: [UInt8] = []

    public init() {}

    public var top: String { String(rows[0]) }
    public var bottom: String { String(rows[1]) }

    public mutating func read(_ bytes: [UInt8]) {
        pending += bytes
        var index = 0
        while index < pending.count {
            let byte = pending[index]
            let rest = pending.count - index
            if byte == 0x1B {
                guard rest >= 2 else { break }
                if pending[index + 1] == 0x40 {
                    let rest = Array(pending[(index + 2)...])
                    self = PoleDisplayReader()
                    pending = rest
                    index = 0
                    continue
                }
                guard rest >= 3 else { break }
                if pending[index + 1] == 0x74, let page = CodePage(table: pending[index + 2]) { codePage = page }
                index += 3
            } else if byte == 0x1F {
                guard rest >= 4 else { break }
                if pending[index + 1] == 0x24 {
                    column = max(0, Int(pending[index + 2]) - 1) % CustomerDisplayText.width
                    row = max(0, Int(pending[index + 3]) - 1) % 2
                }
                index += 4
            } else if byte == 0x0C {
                rows = Array(repeating: Array(repeating: " ", count: CustomerDisplayText.width), count: 2)
                row = 0
                column = 0
                index += 1
            } else if byte >= 0x20 {
                rows[row][column] = codePage.character(for: byte) ?? "\u{FFFD}"
                column += 1
                if column == CustomerDisplayText.width {
                    column = 0
                    row = (row + 1) % 2
                }
                index += 1
            } else {
                index += 1
            }
        }
        pending = Array(pending[index...])
    }
}
