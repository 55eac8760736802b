/// Folding of text for search: case- and umlaut-insensitive, so `fuhrung`, `fuehrung` and
/// `Führung` all become `fuhrung`.
public enum SearchText {
    /// Lower-cased ASCII bytes: ä/ae→a, ö/oe→o, ü/ue→u, ß→ss, other accented Latin letters to
    /// their base letter; every run of other characters becomes one space.
    public static func fold(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var lastWasSpace = true
        for scalar in text.unicodeScalars {
            let mapped: String
            switch scalar {
            case "a"..."z", "0"..."9": mapped = String(scalar)
            case "A"..."Z": mapped = String(Character(scalar)).lowercased()
            case "ä", "Ä", "à", "á", "â", "À", "Á", "Â": mapped = "a"
            case "ö", "Ö", "ò", "ó", "ô", "Ò", "Ó", "Ô": mapped = "o"
            case "ü", "Ü", "ù", "ú", "û", "Ù", "Ú", "Û": mapped = "u"
            case "é", "è", "ê", "É", "È", "Ê": mapped = "e"
            case "ß", "ẞ": mapped = "ss"
            default: mapped = " "
            }
            if mapped == " " {
                if !lastWasSpace {
                    out.append(32)
                    lastWasSpace = true
                }
                continue
            }
            for byte in mapped.utf8 {
                // Fold the ASCII spellings ae/oe/ue of umlauts: drop an `e` after a, o, u.
                if byte == UInt8(ascii: "e"), let last = out.last, !lastWasSpace,
                    last == UInt8(ascii: "a") || last == UInt8(ascii: "o") || last == UInt8(ascii: "u")
                {
                    continue
                }
                out.append(byte)
            }
            lastWasSpace = false
        }
        if out.last == 32 { out.removeLast() }
        return out
    }

    /// The folded words of `text`.
    public static func words(_ text: String) -> [[UInt8]] {
        fold(text).split(separator: 32).map(Array.init)
    }
}
