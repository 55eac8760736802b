/// Parses amounts as a clerk types them.
///
/// Accepted: `12`, `12,3`, `12,34`, `12.34` (a single dot followed by one or two digits is a
/// decimal point), `1.234`, `1.234,56`, `1234,56`, an optional trailing `€`/`EUR` and spaces
/// around. Rejected with a reason: empty input, letters, three decimals (`12,345`), misplaced
/// thousands dots (`12.34.5`), negative amounts unless allowed, and more than 999.999,99 €.
public enum MoneyParser {
    public static func parse(_ input: String, allowNegative: Bool = false) throws(MoneyParseError) -> Money {
        var text = input.trimmingSpaces()
        if text.hasSuffix("€") { text = String(text.dropLast()).trimmingSpaces() }
        if text.uppercased().hasSuffix("EUR") { text = String(text.dropLast(3)).trimmingSpaces() }
        guard !text.isEmpty else { throw .empty }

        var negative = false
        if text.hasPrefix("-") || text.hasPrefix("−") {
            negative = true
            text = String(text.dropFirst()).trimmingSpaces()
        } else if text.hasPrefix("+") {
            text = String(text.dropFirst()).trimmingSpaces()
        }
        guard !text.isEmpty else { throw .notANumber(input) }
        for ch in text where !(ch.isASCII && (ch.isNumber || ch == "," || ch == ".")) {
            throw .notANumber(input)
        }

        var integerPart: Substring
        var fraction: Substring = ""
        let commas = text.filter { $0 == "," }.count
        if commas > 1 { throw .malformed(input) }
        if commas == 1 {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            integerPart = parts[0]
            fraction = parts[1]
            // With a decimal comma every dot must be a thousands separator.
            integerPart = try stripThousands(integerPart, original: input)
        } else {
            let dots = text.filter { $0 == "." }.count
            if dots == 1, let dot = text.firstIndex(of: "."), text[text.index(after: dot)...].count <= 2 {
                // `12.34`, `12.5`, `12.`: a decimal point.
                integerPart = text[..<dot]
                fraction = text[text.index(after: dot)...]
            } else {
                integerPart = try stripThousands(Substring(text), original: input)
            }
        }
        if integerPart.isEmpty && fraction.isEmpty { throw .notANumber(input) }
        // After separators are resolved only digits may remain (`0,.5`, `1..2` are not amounts).
        guard integerPart.allSatisfy({ $0.isASCII && $0.isNumber }), fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .malformed(input)
        }
        if fraction.count > 2 { throw .tooManyDecimals(input) }
        guard integerPart.count <= 9 else { throw .tooLarge(input) }

        let euros = Int64(integerPart.isEmpty ? "0" : String(integerPart))!
        var cents = Int64(fraction.isEmpty ? "0" : String(fraction))!
        if fraction.count == 1 { cents *= 10 }
        let total = euros * 100 + cents
        guard total <= Money.maximumEntry.cents else { throw .tooLarge(input) }
        if negative && total != 0 {
            guard allowNegative else { throw .negativeNotAllowed(input) }
            return Money(cents: -total)
        }
        return Money(cents: total)
    }

    /// `1.234.567` → `1234567`; a dot must separate groups of exactly three digits.
    private static func stripThousands(_ text: Substring, original: String) throws(MoneyParseError) -> Substring {
        guard text.contains(".") else { return text }
        let groups = text.split(separator: ".", omittingEmptySubsequences: false)
        guard let first = groups.first, !first.isEmpty, first.count <= 3,
            groups.dropFirst().allSatisfy({ $0.count == 3 })
        else { throw .malformed(original) }
        return Substring(groups.joined())
    }
}

/// Why a typed amount was not accepted. The description is one German sentence.
public enum MoneyParseError: Error, Equatable, CustomStringConvertible {
    case empty
    case notANumber(String)
    case malformed(String)
    case tooManyDecimals(String)
    case negativeNotAllowed(String)
    case tooLarge(String)

    public var description: String {
        switch self {
        case .empty: return "Bitte einen Betrag eingeben."
        case .notANumber(let t): return "»\(t)« ist kein Betrag. Erlaubt sind Ziffern und ein Komma, z. B. 12,34."
        case .malformed(let t): return "»\(t)« ist kein gültiger Betrag: Tausenderpunkte nur zwischen Dreiergruppen, z. B. 1.234,56."
        case .tooManyDecimals(let t): return "»\(t)« hat mehr als zwei Nachkommastellen."
        case .negativeNotAllowed(let t): return "»\(t)«: negative Beträge sind hier nicht erlaubt."
        case .tooLarge(let t): return "»\(t)« ist zu groß: höchstens 999.999,99 €."
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let f = scalars.first, f == " " || f == "\t" || f == "\u{00A0}" { scalars.removeFirst() }
        while let l = scalars.last, l == " " || l == "\t" || l == "\u{00A0}" { scalars.removeLast() }
        return String(scalars)
    }
}
