import Foundation

/// The character table the printer is switched to with `ESC t n` before any text, and how text
/// becomes its bytes. Numbers as on the Epson TM-T20II and TM-T88V (FISCAL-DEVICES-CENTRAL-NOTES
/// §2, "Code pages"): `ESC t 19` CP858 (€ = D5), `ESC t 16` CP1252 (€ = 80), `ESC t 40`
/// ISO-8859-15 (€ = A4). CP437 (`ESC t 0`, the printer's default) has no €, which is why the
/// code page is always sent.
public enum CodePage: String, Sendable, CaseIterable {
    case cp858
    case cp1252
    case iso885915 = "iso-8859-15"

    /// The `n` of `ESC t n`.
    public var table: UInt8 {
        switch self {
        case .cp858: 19
        case .cp1252: 16
        case .iso885915: 40
        }
    }

    /// The code page that `ESC t n` selects, if it is one of ours.
    public init?(table: UInt8) {
        guard let page = Self.allCases.first(where: { $0.table == table }) else { return nil }
        self = page
    }

    /// What an unknown character becomes: visible, one column wide, never dropped.
    public static let replacement: UInt8 = 0x3F  // "?"

    /// The byte of `scalar`, or nil if this code page has none.
    public func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if value >= 0x20 && value < 0x7F { return UInt8(value) }
        return reverse[value]
    }

    /// `text` in this code page, each character one byte; a character the page lacks becomes a
    /// typographic stand-in of the same width (– → -, „ → ") or else ``replacement``.
    public func encode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for character in text {
            // A character of several scalars (e.g. "A" + combining ring) is tried precomposed.
            let scalars =
                character.unicodeScalars.count == 1 ? character.unicodeScalars : String(character).precomposedStringWithCanonicalMapping.unicodeScalars
            guard scalars.count == 1, let scalar = scalars.first else {
                out.append(Self.replacement)
                continue
            }
            if let byte = byte(for: scalar) {
                out.append(byte)
            } else if let standIn = Self.standIns[scalar.value], let byte = byte(for: standIn) {
                out.append(byte)
            } else {
                out.append(Self.replacement)
            }
        }
        return out
    }

    /// The character of `byte` in this code page (nil: a control byte or one the page leaves empty).
    public func character(for byte: UInt8) -> Character? {
        if byte >= 0x20 && byte < 0x7F { return Character(Unicode.Scalar(byte)) }
        guard byte >= 0x80 else { return nil }
        let value = upperHalf[Int(byte - 0x80)]
        return value == 0 ? nil : Unicode.Scalar(value).map(Character.init)
    }

    /// `bytes` decoded back, unknown bytes as U+FFFD (the test stand-in, `webkasse printer`).
    public func decode(_ bytes: [UInt8]) -> String {
        String(bytes.map { character(for: $0) ?? "\u{FFFD}" })
    }

    private var upperHalf: [UInt32] {
        switch self {
        case .cp858: Self.cp858Table
        case .cp1252: Self.cp1252Table
        case .iso885915: Self.iso885915Table
        }
    }

    private var reverse: [UInt32: UInt8] {
        switch self {
        case .cp858: Self.cp858Reverse
        case .cp1252: Self.cp1252Reverse
        case .iso885915: Self.iso885915Reverse
        }
    }

    private static func reverseTable(_ upper: [UInt32]) -> [UInt32: UInt8] {
        var table: [UInt32: UInt8] = [:]
        for (index, value) in upper.enumerated() where value != 0 { table[value] = UInt8(0x80 + index) }
        return table
    }

    private static let cp858Reverse = reverseTable(cp858Table)
    private static let cp1252Reverse = reverseTable(cp1252Table)
    private static let iso885915Reverse = reverseTable(iso885915Table)

    /// Stand-ins of the same width for characters some pages lack.
    private static let standIns: [UInt32: Unicode.Scalar] = [
        0x2013: "-", 0x2014: "-", 0x2212: "-",  // – — −
        0x201E: "\"", 0x201C: "\"", 0x201D: "\"", 0x00BB: "\"", 0x00AB: "\"",  // „ “ ” » «
        0x201A: "'", 0x2018: "'", 0x2019: "'",  // ‚ ‘ ’
        0x00A0: " ", 0x202F: " ",  // no-break spaces
    ]

    /// Bytes 0x80–0xFF of cp858 as Unicode scalars (0 = not printable).
    static let cp858Table: [UInt32] = [
        0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7,
        0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
        0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
        0x00FF, 0x00D6, 0x00DC, 0x00F8, 0x00A3, 0x00D8, 0x00D7, 0x0192,
        0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA,
        0x00BF, 0x00AE, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
        0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00C1, 0x00C2, 0x00C0,
        0x00A9, 0x2563, 0x2551, 0x2557, 0x255D, 0x00A2, 0x00A5, 0x2510,
        0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x00E3, 0x00C3,
        0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x00A4,
        0x00F0, 0x00D0, 0x00CA, 0x00CB, 0x00C8, 0x20AC, 0x00CD, 0x00CE,
        0x00CF, 0x2518, 0x250C, 0x2588, 0x2584, 0x00A6, 0x00CC, 0x2580,
        0x00D3, 0x00DF, 0x00D4, 0x00D2, 0x00F5, 0x00D5, 0x00B5, 0x00FE,
        0x00DE, 0x00DA, 0x00DB, 0x00D9, 0x00FD, 0x00DD, 0x00AF, 0x00B4,
        0x00AD, 0x00B1, 0x2017, 0x00BE, 0x00B6, 0x00A7, 0x00F7, 0x00B8,
        0x00B0, 0x00A8, 0x00B7, 0x00B9, 0x00B3, 0x00B2, 0x25A0, 0x00A0,
    ]

    /// Bytes 0x80–0xFF of cp1252 as Unicode scalars (0 = not printable).
    static let cp1252Table: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
        0x00A0, 0x00A1, 0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x00A7,
        0x00A8, 0x00A9, 0x00AA, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF,
        0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x00B4, 0x00B5, 0x00B6, 0x00B7,
        0x00B8, 0x00B9, 0x00BA, 0x00BB, 0x00BC, 0x00BD, 0x00BE, 0x00BF,
        0x00C0, 0x00C1, 0x00C2, 0x00C3, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
        0x00C8, 0x00C9, 0x00CA, 0x00CB, 0x00CC, 0x00CD, 0x00CE, 0x00CF,
        0x00D0, 0x00D1, 0x00D2, 0x00D3, 0x00D4, 0x00D5, 0x00D6, 0x00D7,
        0x00D8, 0x00D9, 0x00DA, 0x00DB, 0x00DC, 0x00DD, 0x00DE, 0x00DF,
        0x00E0, 0x00E1, 0x00E2, 0x00E3, 0x00E4, 0x00E5, 0x00E6, 0x00E7,
        0x00E8, 0x00E9, 0x00EA, 0x00EB, 0x00EC, 0x00ED, 0x00EE, 0x00EF,
        0x00F0, 0x00F1, 0x00F2, 0x00F3, 0x00F4, 0x00F5, 0x00F6, 0x00F7,
        0x00F8, 0x00F9, 0x00FA, 0x00FB, 0x00FC, 0x00FD, 0x00FE, 0x00FF,
    ]

    /// Bytes 0x80–0xFF of iso8859_15 as Unicode scalars (0 = not printable).
    static let iso885915Table: [UInt32] = [
        0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
        0x00A0, 0x00A1, 0x00A2, 0x00A3, 0x20AC, 0x00A5, 0x0160, 0x00A7,
        0x0161, 0x00A9, 0x00AA, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF,
        0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x017D, 0x00B5, 0x00B6, 0x00B7,
        0x017E, 0x00B9, 0x00BA, 0x00BB, 0x0152, 0x0153, 0x0178, 0x00BF,
        0x00C0, 0x00C1, 0x00C2, 0x00C3, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
        0x00C8, 0x00C9, 0x00CA, 0x00CB, 0x00CC, 0x00CD, 0x00CE, 0x00CF,
        0x00D0, 0x00D1, 0x00D2, 0x00D3, 0x00D4, 0x00D5, 0x00D6, 0x00D7,
        0x00D8, 0x00D9, 0x00DA, 0x00DB, 0x00DC, 0x00DD, 0x00DE, 0x00DF,
        0x00E0, 0x00E1, 0x00E2, 0x00E3, 0x00E4, 0x00E5, 0x00E6, 0x00E7,
        0x00E8, 0x00E9, 0x00EA, 0x00EB, 0x00EC, 0x00ED, 0x00EE, 0x00EF,
        0x00F0, 0x00F1, 0x00F2, 0x00F3, 0x00F4, 0x00F5, 0x00F6, 0x00F7,
        0x00F8, 0x00F9, 0x00FA, 0x00FB, 0x00FC, 0x00FD, 0x00FE, 0x00FF,
    ]
}
