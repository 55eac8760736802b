/// A parsed command line: positional words and `--name value` / `--flag` options.
///
/// Deliberately small (no third-party packages): every subcommand declares which options
/// take a value and which are flags, and anything else is a ``UsageError`` naming the word.
public struct ArgumentList: Sendable {
    public private(set) var positionals: [String] = []
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []

    /// Parses `words` (without the program and subcommand names).
    /// - Parameters:
    ///   - valueOptions: option names (without `--`) that take one value, e.g. `"data"`.
    ///   - flagOptions: option names that take no value, e.g. `"json"`.
    public init(_ words: [String], valueOptions: Set<String> = [], flagOptions: Set<String> = []) throws {
        var index = 0
        while index < words.count {
            let word = words[index]
            if word == "--" {
                positionals.append(contentsOf: words[(index + 1)...])
                break
            }
            if word.hasPrefix("--") && word.count > 2 {
                var name = String(word.dropFirst(2))
                var inlineValue: String? = nil
                if let eq = name.firstIndex(of: "=") {
                    inlineValue = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                if valueOptions.contains(name) {
                    if let inlineValue {
                        values[name, default: []].append(inlineValue)
                    } else {
                        guard index + 1 < words.count else { throw UsageError.missingValue(option: name) }
                        index += 1
                        values[name, default: []].append(words[index])
                    }
                } else if flagOptions.contains(name) {
                    guard inlineValue == nil else { throw UsageError.unexpectedValue(option: name) }
                    flags.insert(name)
                } else {
                    throw UsageError.unknownOption(word, known: (valueOptions.union(flagOptions)).sorted())
                }
            } else {
                positionals.append(word)
            }
            index += 1
        }
    }

    /// The last value given for `--name`, if any.
    public func value(_ name: String) -> String? { values[name]?.last }
    /// Every value given for a repeatable `--name`.
    public func values(_ name: String) -> [String] { values[name] ?? [] }
    /// Whether `--name` was given.
    public func flag(_ name: String) -> Bool { flags.contains(name) }

    /// The value of `--name` or a ``UsageError/missingOption(_:)``.
    public func required(_ name: String) throws -> String {
        guard let value = value(name) else { throw UsageError.missingOption(name) }
        return value
    }

    /// The value of `--name` parsed as an integer within `range`.
    public func integer(_ name: String, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError.invalidValue(option: name, value: text, expected: "eine ganze Zahl von \(range.lowerBound) bis \(range.upperBound)")
        }
        return number
    }
}

/// A mistake on the command line. The description is one German sentence naming the word.
public enum UsageError: Error, Equatable, CustomStringConvertible {
    case unknownOption(String, known: [String])
    case missingValue(option: String)
    case unexpectedValue(option: String)
    case missingOption(String)
    case invalidValue(option: String, value: String, expected: String)
    case unknownSubcommand(String, known: [String])
    case missingSubcommand(known: [String])
    case unexpectedArgument(String)
    case missingArgument(String)

    public var description: String {
        switch self {
        case .unknownOption(let word, let known):
            let list = known.isEmpty ? "keine" : known.map { "--\($0)" }.joined(separator: ", ")
            return "Unbekannte Option »\(word)«. Erlaubt sind: \(list)."
        case .missingValue(let option):
            return "Der Option --\(option) fehlt der Wert."
        case .unexpectedValue(let option):
            return "Die Option --\(option) nimmt keinen Wert."
        case .missingOption(let option):
            return "Die Option --\(option) ist erforderlich."
        case .invalidValue(let option, let value, let expected):
            return "Ungültiger Wert »\(value)« für --\(option): erwartet wird \(expected)."
        case .unknownSubcommand(let word, let known):
            return "Unbekannter Befehl »\(word)«. Möglich sind: \(known.joined(separator: ", "))."
        case .missingSubcommand(let known):
            return "Es fehlt ein Befehl. Möglich sind: \(known.joined(separator: ", "))."
        case .unexpectedArgument(let word):
            return "Unerwartetes Argument »\(word)«."
        case .missingArgument(let name):
            return "Es fehlt das Argument \(name)."
        }
    }
}
