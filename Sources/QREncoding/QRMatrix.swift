/// A QR code symbol as its square of modules, row by row from the top left (ISO/IEC 18004), as
/// ``QREncoder`` gets it from libqrencode. Pure: it knows nothing of the C library.
public struct QRMatrix: Sendable, Equatable {
    /// The symbol version, 1–40: the width is 17 + 4 × version modules.
    public let version: Int
    /// Modules per side (without the quiet zone).
    public let width: Int
    /// `width × width` modules, row-major; true is a dark module.
    public let modules: [Bool]

    /// The quiet zone ISO/IEC 18004 asks around a QR code: four light modules on every side.
    public static let standardQuietZone = 4

    public init(version: Int, width: Int, modules: [Bool]) {
        precondition(width > 0 && modules.count == width * width, "QRMatrix: \(modules.count) modules for width \(width)")
        self.version = version
        self.width = width
        self.modules = modules
    }

    /// Whether the module at `row`, `column` is dark; outside the symbol (the quiet zone) it is light.
    public subscript(row: Int, column: Int) -> Bool {
        guard row >= 0, row < width, column >= 0, column < width else { return false }
        return modules[row * width + column]
    }

    /// The symbol drawn as text, two module rows per line with the half blocks `▀` (top dark),
    /// `▄` (bottom dark), `█` (both) and a space (both light); one column per module, so that a
    /// module is about square in a terminal's cell. `quietZone` light modules surround it; every
    /// line has `width + 2 × quietZone` characters. Dark is the glyph's ink: black on paper.
    public func halfBlockLines(quietZone: Int = QRMatrix.standardQuietZone) -> [String] {
        let side = width + 2 * quietZone
        var lines: [String] = []
        lines.reserveCapacity((side + 1) / 2)
        var row = 0
        while row < side {
            var line = ""
            line.reserveCapacity(side * 3)
            for column in 0..<side {
                let top = self[row - quietZone, column - quietZone]
                let bottom = row + 1 < side && self[row + 1 - quietZone, column - quietZone]
                switch (top, bottom) {
                case (true, true): line.append("█")
                case (true, false): line.append("▀")
                case (false, true): line.append("▄")
                case (false, false): line.append(" ")
                }
            }
            lines.append(line)
            row += 2
        }
        return lines
    }

    /// The characters ``halfBlockLines(quietZone:)`` draws with.
    public static let halfBlockCharacters: Set<Character> = ["█", "▀", "▄", " "]

    /// The symbol drawn as text with the quadrant blocks (`▘▝▀▖▌▞▛▗▚▐▜▄▙▟█`, Unicode's Block
    /// Elements): two module rows and two module columns per character, so a KassenSichV code
    /// (version 13 or 14, 69 or 73 modules) with its quiet zone takes 39 or 41 columns and fits a
    /// 42-column receipt. A module is then twice as tall as wide in a terminal's cell; the
    /// printed receipt carries the printer's own square code (`GS ( k`). `quietZone` light modules
    /// surround it (rounded up to whole characters).
    public func quadrantLines(quietZone: Int = QRMatrix.standardQuietZone) -> [String] {
        let side = width + 2 * quietZone
        var lines: [String] = []
        lines.reserveCapacity((side + 1) / 2)
        var row = 0
        while row < side {
            var line = ""
            var column = 0
            while column < side {
                func dark(_ r: Int, _ c: Int) -> Bool { r < side && c < side && self[r - quietZone, c - quietZone] }
                let index =
                    (dark(row, column) ? 8 : 0) | (dark(row, column + 1) ? 4 : 0) | (dark(row + 1, column) ? 2 : 0)
                    | (dark(row + 1, column + 1) ? 1 : 0)
                line.append(Self.quadrants[index])
                column += 2
            }
            lines.append(line)
            row += 2
        }
        return lines
    }

    /// The quadrant character for the dark modules top left (8), top right (4), bottom left (2)
    /// and bottom right (1).
    public static let quadrants: [Character] = [" ", "▗", "▖", "▄", "▝", "▐", "▞", "▟", "▘", "▚", "▌", "▙", "▀", "▜", "▛", "█"]

    /// The characters ``quadrantLines(quietZone:)`` draws with.
    public static let quadrantCharacters = Set(quadrants)
}
