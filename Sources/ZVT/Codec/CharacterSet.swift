/// Character sets of ZVT texts (ZVT 13.08 §15, §9.4.2.1 tag 14).
///
/// CP437 is the default ("8-bit ZVT character set"); another set applies only when negotiated at
/// registration, but real terminals deviate (the DCE Valina prints ISO-8859-1), so the driver lets
/// the installation choose per terminal.
public enum ZVTCharacterSet: String, Sendable, CaseIterable {
    /// Plain ASCII; bytes above 7F are read as CP437.
    case ascii
    /// 7-bit German variant of display-text commands: `[ \ ] { | } ~` = `Ä Ö Ü ä ö ü ß` (§15.1).
    case germanASCII = "german-ascii"
    /// Code page 437 (§15.2), the default.
    case cp437
    /// ISO 8859-1 (Latin-1).
    case latin1
    /// UTF-8 (tag 14 value FE).
    case utf8

    /// The set named by a tag 14 value (§9.4.2.1): 00 ASCII, 01 ISO 8859-1, FE UTF-8, FF CP437.
    /// Other ISO 8859 parts are read as Latin-1 (the German letters agree in 8859-1, -2, -9, -15 … for umlauts).
    public init(tag14 value: UInt8) {
        switch value {
        case 0x00: self = .ascii
        case 0x01...0x10: self = .latin1
        case 0xFE: self = .utf8
        default: self = .cp437
        }
    }

    public func decode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        switch self {
        case .utf8:
            return String(decoding: Array(bytes), as: UTF8.self)
        case .latin1:
            var text = ""
            for byte in bytes { text.unicodeScalars.append(Unicode.Scalar(byte)) }
            return text
        case .ascii, .cp437:
            var text = ""
            for byte in bytes {
                text.unicodeScalars.append(byte < 0x80 ? Unicode.Scalar(byte) : Self.cp437High[Int(byte - 0x80)])
            }
            return text
        case .germanASCII:
            var text = ""
            for byte in bytes {
                if let umlaut = Self.germanVariant[byte] {
                    text.unicodeScalars.append(umlaut)
                } else {
                    text.unicodeScalars.append(byte < 0x80 ? Unicode.Scalar(byte) : Self.cp437High[Int(byte - 0x80)])
                }
            }
            return text
        }
    }

    /// Encodes `text`; characters the set cannot represent become `?`.
    public func encode(_ text: String) -> [UInt8] {
        switch self {
        case .utf8:
            return Array(text.utf8)
        case .latin1:
            return text.unicodeScalars.map { $0.value <= 0xFF ? UInt8($0.value) : 0x3F }
        case .ascii, .cp437:
            return text.unicodeScalars.map { scalar in
                if scalar.value < 0x80 { return UInt8(scalar.value) }
                return Self.cp437Reverse[scalar].map { UInt8($0 + 0x80) } ?? 0x3F
            }
        case .germanASCII:
            return text.unicodeScalars.map { scalar in
                if let byte = Self.germanReverse[scalar] { return byte }
                if scalar.value < 0x80 { return UInt8(scalar.value) }
                return Self.cp437Reverse[scalar].map { UInt8($0 + 0x80) } ?? 0x3F
            }
        }
    }

    static let cp437High: [Unicode.Scalar] = Array(
        ("ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀"
            + "αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{00A0}").unicodeScalars)

    static let cp437Reverse: [Unicode.Scalar: Int] = {
        var map: [Unicode.Scalar: Int] = [:]
        for (index, scalar) in cp437High.enumerated() where map[scalar] == nil { map[scalar] = index }
        return map
    }()

    static let germanVariant: [UInt8: Unicode.Scalar] = [
        0x5B: "Ä", 0x5C: "Ö", 0x5D: "Ü", 0x7B: "ä", 0x7C: "ö", 0x7D: "ü", 0x7E: "ß",
    ]
    static let germanReverse: [Unicode.Scalar: UInt8] = Dictionary(uniqueKeysWithValues: germanVariant.map { ($1, $0) })
}
