/// What a cell looks like, by meaning. A ``Theme`` maps it to colours or attributes, so the
/// grid (and the golden tests) never depend on colour, and monochrome terminals stay readable.
public enum CellStyle: Hashable, Sendable, CaseIterable {
    case normal
    /// The status line at the top and titles.
    case status
    /// The key name in the function-key bar ("F5").
    case barKey
    /// The label in the function-key bar ("Bar").
    case barLabel
    /// The selected row in a list (also marked with `▶` so colour is never the only hint).
    case selected
    /// An input field.
    case field
    /// The input field that has the focus (the hardware cursor sits in it as well).
    case focusedField
    /// Emphasised figures: the total, the change.
    case emphasis
    /// Error messages (always phrased as text that says it is an error).
    case error
    /// Notices and warnings that are not errors (e.g. "SIMULIERTES TERMINAL").
    case notice
    /// Secondary text: hints, disabled things.
    case dim
    /// Frames and backgrounds of modal dialogs.
    case dialog
}

/// One character cell of the screen.
public struct Cell: Equatable, Sendable {
    public var character: Character
    public var style: CellStyle
    public init(_ character: Character = " ", style: CellStyle = .normal) {
        self.character = character
        self.style = style
    }
}

/// A position on the screen, zero-based.
public struct Position: Equatable, Sendable {
    public var row: Int
    public var column: Int
    public init(row: Int, column: Int) {
        self.row = row
        self.column = column
    }
}

/// A rectangle on the screen.
public struct Rect: Equatable, Sendable {
    public var row: Int
    public var column: Int
    public var width: Int
    public var height: Int
    public init(row: Int, column: Int, width: Int, height: Int) {
        self.row = row
        self.column = column
        self.width = width
        self.height = height
    }
    public var bottom: Int { row + height }
    public var right: Int { column + width }
    /// The rectangle shrunk by `by` cells on every side.
    public func inset(_ by: Int) -> Rect {
        Rect(row: row + by, column: column + by, width: max(0, width - 2 * by), height: max(0, height - 2 * by))
    }
    /// A `width`×`height` rectangle centred in this one.
    public func centred(width: Int, height: Int) -> Rect {
        let w = min(width, self.width)
        let h = min(height, self.height)
        return Rect(row: row + (self.height - h) / 2, column: column + (self.width - w) / 2, width: w, height: h)
    }
}

/// The screen as a grid of cells. Screens render into it; ncurses only copies it to the
/// terminal, and tests read it as text (``text``) and compare it with golden files.
///
/// Every `Character` takes one column: the UI only uses Latin letters, digits, `€` and
/// box-drawing characters, all single-width.
public struct ScreenGrid: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the hardware cursor goes (the focused field); `nil` hides it.
    public var cursor: Position?

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    public var bounds: Rect { Rect(row: 0, column: 0, width: width, height: height) }

    public subscript(row: Int, column: Int) -> Cell {
        get { cells[row * width + column] }
        set {
            guard row >= 0, row < height, column >= 0, column < width else { return }
            cells[row * width + column] = newValue
        }
    }

    /// Writes `text` from (`row`, `column`), clipped to `maxWidth` and the screen edge.
    /// Returns the column after the last character written.
    @discardableResult
    public mutating func put(_ text: String, row: Int, column: Int, style: CellStyle = .normal, maxWidth: Int? = nil) -> Int {
        guard row >= 0, row < height else { return column }
        var col = column
        let limit = min(width, maxWidth.map { column + $0 } ?? width)
        for ch in text {
            if col >= limit { break }
            let shown: Character = (ch == "\n" || ch == "\t") ? " " : ch
            if col >= 0 { self[row, col] = Cell(shown, style: style) }
            col += 1
        }
        return col
    }

    /// Writes `text` padded with spaces (or cut) to exactly `width` columns.
    public mutating func put(_ text: String, row: Int, column: Int, width: Int, style: CellStyle = .normal, alignRight: Bool = false) {
        let fitted = ScreenGrid.fit(text, width: width, alignRight: alignRight)
        put(fitted, row: row, column: column, style: style, maxWidth: width)
    }

    /// Fills `rect` with `character` in `style`.
    public mutating func fill(_ rect: Rect, character: Character = " ", style: CellStyle = .normal) {
        for r in rect.row..<rect.bottom {
            for c in rect.column..<rect.right { self[r, c] = Cell(character, style: style) }
        }
    }

    /// Changes the style of the cells in `rect` without touching their characters.
    public mutating func restyle(_ rect: Rect, style: CellStyle) {
        for r in max(0, rect.row)..<min(height, rect.bottom) {
            for c in max(0, rect.column)..<min(width, rect.right) { cells[r * width + c].style = style }
        }
    }

    /// Draws a frame around `rect` with an optional title in the top edge.
    public mutating func frame(_ rect: Rect, title: String? = nil, style: CellStyle = .dialog) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        fill(rect, style: style)
        let top = rect.row
        let bottom = rect.bottom - 1
        let left = rect.column
        let right = rect.right - 1
        for c in left...right {
            self[top, c] = Cell("─", style: style)
            self[bottom, c] = Cell("─", style: style)
        }
        for r in top...bottom {
            self[r, left] = Cell("│", style: style)
            self[r, right] = Cell("│", style: style)
        }
        self[top, left] = Cell("┌", style: style)
        self[top, right] = Cell("┐", style: style)
        self[bottom, left] = Cell("└", style: style)
        self[bottom, right] = Cell("┘", style: style)
        if let title, !title.isEmpty {
            put(" \(title) ", row: top, column: left + 2, style: style, maxWidth: rect.width - 4)
        }
    }

    /// A horizontal rule with an optional label: `── Warenkorb ─────`.
    public mutating func rule(row: Int, column: Int = 0, width: Int? = nil, label: String? = nil, style: CellStyle = .normal) {
        let w = width ?? self.width - column
        put(String(repeating: "─", count: max(0, w)), row: row, column: column, style: style, maxWidth: w)
        if let label { put(" \(label) ", row: row, column: column + 2, style: style, maxWidth: w - 2) }
    }

    /// The screen as text: one line per row, trailing spaces removed.
    public var text: String {
        var lines: [String] = []
        for r in 0..<height {
            var line = String(cells[(r * width)..<((r + 1) * width)].map(\.character))
            while line.last == " " { line.removeLast() }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// One row as text (trailing spaces kept).
    public func line(_ row: Int) -> String {
        String(cells[(row * width)..<((row + 1) * width)].map(\.character))
    }

    /// `text` padded or cut to `width`; a cut is marked with `…`.
    public static func fit(_ text: String, width: Int, alignRight: Bool = false) -> String {
        guard width > 0 else { return "" }
        let count = text.count
        if count > width { return String(text.prefix(width - 1)) + "…" }
        let pad = String(repeating: " ", count: width - count)
        return alignRight ? pad + text : text + pad
    }
}

/// Breaks `text` into lines of at most `width` characters at spaces, so every word stays readable
/// (the message line, dialogs and reports wrap with it). A word longer than `width` is split;
/// continuation lines keep the first line's indentation plus `hangingIndent`.
func wrap(_ text: String, width: Int, hangingIndent: Int = 0) -> [String] {
    let width = max(1, width)
    let leading = String(text.prefix { $0 == " " })
    let continuation = String(repeating: " ", count: min(width / 2, leading.count + hangingIndent))
    var lines: [String] = []
    var current = leading
    var currentHasWord = false
    for word in text.split(separator: " ") {
        var word = Substring(word)
        while !word.isEmpty {
            let room = width - current.count - (currentHasWord ? 1 : 0)
            if word.count <= room {
                current += (currentHasWord ? " " : "") + word
                currentHasWord = true
                word = ""
            } else if currentHasWord {
                lines.append(current)
                current = continuation
                currentHasWord = false
            } else {
                // A word wider than the line: split it.
                let take = max(1, room)
                current += word.prefix(take)
                word = word.dropFirst(take)
                lines.append(current)
                current = continuation
            }
        }
    }
    if currentHasWord { lines.append(current) }
    return lines
}
