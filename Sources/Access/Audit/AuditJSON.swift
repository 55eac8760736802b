/// The JSON text of audit details and of `webkasse audit --json`: objects with sorted keys,
/// strings with the escapes of RFC 8259 §7 (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other
/// control characters as `\u00xx`), `/` and non-ASCII left as they are. These are the bytes
/// Foundation's `JSONSerialization` writes with `.sortedKeys` and `.withoutEscapingSlashes`, so
/// details stored by earlier versions read the same.
public enum AuditJSON {
    /// A JSON string literal.
    public static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// An object of string values, keys sorted.
    public static func object(_ fields: [String: String]) -> String {
        object(json: fields.mapValues(string))
    }

    /// An object whose values are already JSON text, keys sorted by their UTF-8 bytes (for the
    /// snake_case keys of audit fields the order `JSONSerialization` uses, too).
    public static func object(json members: [String: String]) -> String {
        "{" + members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { string($0.key) + ":" + $0.value }.joined(separator: ",") + "}"
    }
}
