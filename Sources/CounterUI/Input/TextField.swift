import KasseCore

/// A one-line input field: text, cursor, editing keys. Screens own fields and render them with
/// ``render(into:row:column:width:focused:)``, which also places the hardware cursor.
public struct TextField: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// Any text.
        case text
        /// Digits only (operator id, PIN, quantity, cheque number).
        case digits
        /// An amount as a clerk types it (`12,34`). What is typed stays visible, also a letter or a
        /// minus: ``problem`` says what is wrong, and the form does not move on with it.
        case amount
    }

    public var label: String
    public var kind: Kind
    public var maxLength: Int
    /// Shows `•` instead of the characters (PINs).
    public var isSecret: Bool
    public private(set) var text: String = ""
    /// Cursor position in characters.
    public private(set) var cursor: Int = 0

    /// The login field of every form that asks who someone is (sign-in, approval, handover).
    public static func login() -> TextField { TextField(label: "Kennung", kind: .text, maxLength: 16) }
    /// A PIN field (4–8 digits, shown as `•`), labelled `label`.
    public static func pin(_ label: String = "PIN") -> TextField { TextField(label: label, kind: .digits, maxLength: 8, isSecret: true) }

    public init(label: String, kind: Kind = .text, maxLength: Int = 40, isSecret: Bool = false, text: String = "") {
        self.label = label
        self.kind = kind
        self.maxLength = maxLength
        self.isSecret = isSecret
        self.text = text
        cursor = text.count
    }

    /// Outcome of a key in a field.
    public enum Edit: Equatable, Sendable {
        case changed
        case unchanged
        /// The key is not an editing key (the screen may use it).
        case ignored
        /// The character is not allowed here; the string is the German sentence to show.
        case refused(String)
    }

    public var isEmpty: Bool { text.isEmpty }

    public mutating func setText(_ newText: String) {
        text = String(newText.prefix(maxLength))
        cursor = text.count
    }

    public mutating func clear() { setText("") }

    /// Applies an editing key.
    public mutating func handle(_ key: Key) -> Edit {
        switch key {
        case .character(let c):
            if let refusal = refusal(for: c) { return .refused(refusal) }
            guard text.count < maxLength else { return .refused("Das Feld »\(label)« ist voll (höchstens \(maxLength) Zeichen).") }
            let index = text.index(text.startIndex, offsetBy: cursor)
            text.insert(c, at: index)
            cursor += 1
            return .changed
        case .backspace:
            guard cursor > 0 else { return .unchanged }
            let index = text.index(text.startIndex, offsetBy: cursor - 1)
            text.remove(at: index)
            cursor -= 1
            return .changed
        case .delete:
            guard cursor < text.count else { return .unchanged }
            text.remove(at: text.index(text.startIndex, offsetBy: cursor))
            return .changed
        case .left:
            guard cursor > 0 else { return .unchanged }
            cursor -= 1
            return .changed
        case .right:
            guard cursor < text.count else { return .unchanged }
            cursor += 1
            return .changed
        case .home:
            cursor = 0
            return .changed
        case .end:
            cursor = text.count
            return .changed
        case .control("u"):
            guard !text.isEmpty else { return .unchanged }
            clear()
            return .changed
        default:
            return .ignored
        }
    }

    private func refusal(for c: Character) -> String? {
        switch kind {
        case .text:
            return nil
        case .digits:
            return c.isASCII && c.isNumber ? nil : "Im Feld »\(label)« sind nur Ziffern erlaubt."
        case .amount:
            return nil
        }
    }

    /// For an amount field: why its text is not an amount (nil when empty or valid), naming the field.
    public var problem: String? {
        guard kind == .amount, !text.isEmpty else { return nil }
        do { _ = try Money.parse(text) } catch { return "Im Feld »\(label)«: \(error)" }
        return nil
    }

    /// ``problem`` while typing, only for what can never become an amount (a letter, a minus):
    /// `1.2` on the way to `1.234,56` is not an error yet.
    public var typingProblem: String? {
        guard kind == .amount, text.contains(where: { !(($0.isASCII && $0.isNumber) || $0 == "," || $0 == ".") }) else { return nil }
        return problem
    }

    /// Draws `[text____]` in `width` columns; when focused, sets the hardware cursor.
    public func render(into grid: inout ScreenGrid, row: Int, column: Int, width: Int, focused: Bool) {
        let shown = isSecret ? String(repeating: "•", count: text.count) : text
        // Scroll so the cursor stays visible.
        let inner = max(1, width)
        let offset = max(0, cursor - inner + 1)
        let visible = String(shown.dropFirst(offset).prefix(inner))
        let padded = visible + String(repeating: focused ? "_" : ".", count: max(0, inner - visible.count))
        grid.put(padded, row: row, column: column, style: focused ? .focusedField : .field, maxWidth: inner)
        if focused { grid.cursor = Position(row: row, column: column + cursor - offset) }
    }
}
