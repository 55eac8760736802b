/// A small JSON reader that keeps the line and column of every value, so a catalogue error can
/// name the exact place (`Tariffs/buergeramt.json:42:17`). Foundation's JSONSerialization
/// reports neither reliably on Linux.
public indirect enum JSONValue: Sendable, Equatable {
    case object([JSONMember])
    case array([JSONNode])
    case string(String)
    case number(String)
    case bool(Bool)
    case null
}

/// One `"key": value` pair of an object, in file order.
public struct JSONMember: Sendable, Equatable {
    public let key: String
    public let value: JSONNode
}

/// A JSON value with the position where it starts.
public struct JSONNode: Sendable, Equatable {
    public let value: JSONValue
    public let line: Int
    public let column: Int

    public subscript(key: String) -> JSONNode? {
        if case .object(let members) = value { return members.first { $0.key == key }?.value }
        return nil
    }

    public var string: String? {
        if case .string(let s) = value { return s }
        return nil
    }
    public var array: [JSONNode]? {
        if case .array(let a) = value { return a }
        return nil
    }
    public var members: [JSONMember]? {
        if case .object(let m) = value { return m }
        return nil
    }
    public var bool: Bool? {
        if case .bool(let b) = value { return b }
        return nil
    }
    public var integer: Int? {
        if case .number(let n) = value { return Int(n) }
        return nil
    }
    public var isNull: Bool { value == .null }

    /// A short German name of the value's kind, for messages.
    public var kindName: String {
        switch value {
        case .object: return "ein Objekt"
        case .array: return "eine Liste"
        case .string: return "ein Text"
        case .number: return "eine Zahl"
        case .bool: return "ein Wahrheitswert"
        case .null: return "null"
        }
    }
}

/// A syntax error with its position.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let reason: String
    public var description: String { "Zeile \(line), Spalte \(column): \(reason)" }
}

/// Parses UTF-8 JSON text into ``JSONNode``s (RFC 8259; duplicate keys are kept in order).
public struct JSONReader {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0

    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONNode {
        var reader = JSONReader(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            reader.index = 3
            reader.lineStart = 3
        }
        reader.skipWhitespace()
        let node = try reader.parseValue(depth: 0)
        reader.skipWhitespace()
        if reader.index < bytes.count { throw reader.error("unerwartete Zeichen nach dem Ende des Dokuments") }
        return node
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    /// 1-based column in characters (not bytes).
    private var column: Int {
        var count = 1
        var i = lineStart
        while i < index && i < bytes.count {
            if bytes[i] & 0xC0 != 0x80 { count += 1 }
            i += 1
        }
        return count
    }

    private func error(_ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(line: line, column: column, reason: reason)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONNode {
        guard depth < 64 else { throw error("zu tief verschachtelt") }
        guard index < bytes.count else { throw error("unerwartetes Dateiende, ein Wert fehlt") }
        let startLine = line
        let startColumn = column
        func node(_ v: JSONValue) -> JSONNode { JSONNode(value: v, line: startLine, column: startColumn) }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [JSONMember] = []
            skipWhitespace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
                index += 1
                return node(.object(members))
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw error("ein Schlüssel in Anführungszeichen wird erwartet")
                }
                let key = try parseString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("»:« nach dem Schlüssel »\(key)« fehlt") }
                index += 1
                skipWhitespace()
                let value = try parseValue(depth: depth + 1)
                members.append(JSONMember(key: key, value: value))
                skipWhitespace()
                guard index < bytes.count else { throw error("unerwartetes Dateiende, »}« fehlt") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return node(.object(members))
                }
                throw error("»,« oder »}« erwartet")
            }
        case UInt8(ascii: "["):
            index += 1
            var elements: [JSONNode] = []
            skipWhitespace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
                index += 1
                return node(.array(elements))
            }
            while true {
                skipWhitespace()
                elements.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw error("unerwartetes Dateiende, »]« fehlt") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return node(.array(elements))
                }
                throw error("»,« oder »]« erwartet")
            }
        case UInt8(ascii: "\""):
            return node(.string(try parseString()))
        case UInt8(ascii: "t"):
            try literal("true")
            return node(.bool(true))
        case UInt8(ascii: "f"):
            try literal("false")
            return node(.bool(false))
        case UInt8(ascii: "n"):
            try literal("null")
            return node(.null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return node(.number(try parseNumber()))
        default:
            let b = bytes[index]
            let shown = (0x21...0x7E).contains(b) ? String(decoding: [b], as: UTF8.self) : "Byte \(b)"
            throw error("unerwartetes Zeichen »\(shown)«")
        }
    }

    private mutating func literal(_ word: String) throws(JSONSyntaxError) {
        let w = Array(word.utf8)
        guard index + w.count <= bytes.count, Array(bytes[index..<index + w.count]) == w else {
            throw error("unbekanntes Wort (gemeint ist vielleicht »\(word)«)")
        }
        index += w.count
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> String {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits() -> Int {
            let s = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
            return index - s
        }
        guard digits() > 0 else { throw error("Zahl ohne Ziffern") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("Ziffern nach dem Dezimalpunkt fehlen") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("Exponent ohne Ziffern") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw error("Text ohne schließendes Anführungszeichen") }
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: out, as: UTF8.self) else { throw error("ungültiges UTF-8 im Text") }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unvollständige Escape-Sequenz") }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalarValue = try hex4()
                    if (0xD800...0xDBFF).contains(scalarValue) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("unvollständiges UTF-16-Ersatzpaar")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("ungültiges UTF-16-Ersatzpaar") }
                        scalarValue = 0x10000 + ((scalarValue - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(scalarValue) else { throw error("ungültiges Unicode-Zeichen") }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw error("unbekannte Escape-Sequenz »\\\(String(decoding: [e], as: UTF8.self))«")
                }
            case 0x00...0x1F:
                throw error(b == 0x0A ? "Zeilenumbruch im Text (fehlt ein schließendes Anführungszeichen?)" : "Steuerzeichen im Text")
            default:
                out.append(b)
                index += 1
            }
        }
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("unvollständige \\u-Sequenz") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let d: UInt32
            switch b {
            case 48...57: d = UInt32(b - 48)
            case 65...70: d = UInt32(b - 55)
            case 97...102: d = UInt32(b - 87)
            default: throw error("ungültige Hex-Ziffer in \\u-Sequenz")
            }
            v = v * 16 + d
            index += 1
        }
        return v
    }
}
