import Foundation

/// What the counter accepts as the reference a citizen pays against (Kassenzeichen, Aktenzeichen,
/// Vorgangsnummer): at most 36 characters of `A–Z a–z 0–9 $ & * + - /` (DATEV Belegfeld 1 takes `%` too, but as its escape character), the characters and the
/// length of DATEV Belegfeld 1 (docs/exports.md, "DATEV EXTF Buchungsstapel"), so a reference
/// typed at the counter reaches the finance system whole; and, when the office sets one, the
/// pattern of `register.reference_pattern` (a regular expression the whole text must match).
public struct SaleReferenceRule: Sendable, Equatable {
    /// The length of DATEV Belegfeld 1.
    public static let maximumLength = 36
    /// A regular expression the whole reference must match; empty: any text of the allowed characters.
    public let pattern: String
    /// How the office writes its references (`register.reference_example`), for the message.
    public let example: String

    public init(pattern: String = "", example: String = "") {
        self.pattern = pattern
        self.example = example
    }

    public init(configuration: Configuration) {
        self.init(pattern: configuration.referencePattern, example: configuration.referenceExample)
    }

    /// Whether `character` may stand in a reference (DATEV Belegfeld 1).
    public static func isAllowed(_ character: Character) -> Bool {
        guard character.isASCII, let ascii = character.asciiValue else { return false }
        return character.isLetter || character.isNumber || "$&*+-/".utf8.contains(ascii)
    }

    /// The reference for the booking: `nil` for an empty text; throws a sentence naming what is wrong.
    public func check(_ text: String) throws(SaleReferenceError) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        if let bad = trimmed.first(where: { !Self.isAllowed($0) }) {
            throw .character(trimmed, bad)
        }
        guard trimmed.count <= Self.maximumLength else { throw .tooLong(trimmed) }
        if !pattern.isEmpty, !Self.wholeMatch(trimmed, pattern: pattern) {
            throw .pattern(trimmed, pattern: pattern, example: example)
        }
        return trimmed
    }

    /// Whether `text` is what a barcode scanner gives for a reference: only with a pattern set,
    /// and only a text that passes ``check(_:)``.
    public func recognises(_ text: String) -> Bool {
        guard !pattern.isEmpty, let checked = try? check(text) else { return false }
        return checked != nil
    }

    /// Whether `pattern` compiles (checked when the configuration is read).
    public static func isValidPattern(_ pattern: String) -> Bool {
        (try? NSRegularExpression(pattern: pattern)) != nil
    }

    static func wholeMatch(_ text: String, pattern: String) -> Bool {
        guard let expression = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$") else { return false }
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return expression.firstMatch(in: text, range: range) != nil
    }
}

/// Why a reference is refused, as one German sentence.
public enum SaleReferenceError: Error, Equatable, CustomStringConvertible {
    case character(String, Character)
    case tooLong(String)
    case pattern(String, pattern: String, example: String)

    public var description: String {
        switch self {
        case .character(let text, let character):
            return "Das Kassenzeichen »\(text)« enthält »\(character)«: erlaubt sind A–Z, a–z, 0–9 und $ & * + - / (DATEV Belegfeld 1)."
        case .tooLong(let text):
            return "Das Kassenzeichen hat \(text.count) Zeichen; erlaubt sind höchstens \(SaleReferenceRule.maximumLength) (DATEV Belegfeld 1)."
        case .pattern(let text, let pattern, let example):
            let expected = example.isEmpty ? "dem Muster \(pattern)" : "der Form \(example)"
            return "Das Kassenzeichen »\(text)« entspricht nicht \(expected) (register.reference_pattern)."
        }
    }
}
