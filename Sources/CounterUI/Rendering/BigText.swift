/// Large digits (5 rows high) for amounts the citizen must see across the counter: the change.
public enum BigText {
    static let height = 5
    private static let glyphs: [Character: [String]] = [
        "0": ["███", "█ █", "█ █", "█ █", "███"],
        "1": [" █ ", "██ ", " █ ", " █ ", "███"],
        "2": ["███", "  █", "███", "█  ", "███"],
        "3": ["███", "  █", "███", "  █", "███"],
        "4": ["█ █", "█ █", "███", "  █", "  █"],
        "5": ["███", "█  ", "███", "  █", "███"],
        "6": ["███", "█  ", "███", "█ █", "███"],
        "7": ["███", "  █", "  █", "  █", "  █"],
        "8": ["███", "█ █", "███", "█ █", "███"],
        "9": ["███", "█ █", "███", "  █", "███"],
        ",": ["  ", "  ", "  ", " █", "█ "],
        ".": [" ", " ", " ", " ", " "],
        "-": ["   ", "   ", "███", "   ", "   "],
        " ": [" ", " ", " ", " ", " "],
        "€": [" ███", "█   ", "███ ", "█   ", " ███"],
    ]

    /// The five rows of `text` in big glyphs (unknown characters are skipped).
    public static func rows(_ text: String) -> [String] {
        var rows = Array(repeating: "", count: height)
        for ch in text {
            guard let glyph = glyphs[ch] else { continue }
            for i in 0..<height { rows[i] += glyph[i] + " " }
        }
        return rows.map { String($0.dropLast()) }
    }

    /// Draws `text` big at (`row`, `column`); the plain text is written beside screen readers'
    /// reach in the caller (big glyphs carry no characters).
    public static func draw(_ text: String, into grid: inout ScreenGrid, row: Int, column: Int, style: CellStyle = .emphasis) {
        for (i, line) in rows(text).enumerated() {
            grid.put(line, row: row + i, column: column, style: style)
        }
    }
}
