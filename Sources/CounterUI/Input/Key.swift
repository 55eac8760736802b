/// A key press, independent of ncurses (tests build them directly).
public enum Key: Hashable, Sendable, CustomStringConvertible {
    case character(Character)
    /// F1 … F12.
    case function(Int)
    /// Ctrl plus a letter, lower-case (`.control("k")` is Strg+K).
    case control(Character)
    case enter, escape, tab, backTab, backspace, delete
    case up, down, left, right, home, end, pageUp, pageDown
    /// The terminal changed size (SIGWINCH, reported by ncurses as KEY_RESIZE).
    case resize

    /// The German name shown in the bar and the help screen.
    public var description: String {
        switch self {
        case .character(" "): return "Leertaste"
        case .character(let c): return String(c)
        case .function(let n): return "F\(n)"
        case .control(let c): return "Strg+" + String(c).uppercased()
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "Umschalt+Tab"
        case .backspace: return "Rücktaste"
        case .delete: return "Entf"
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .home: return "Pos1"
        case .end: return "Ende"
        case .pageUp: return "Bild↑"
        case .pageDown: return "Bild↓"
        case .resize: return "Größenänderung"
        }
    }

    /// Typed text characters (letters, digits, punctuation, space) — what a text field takes.
    public var typedCharacter: Character? {
        if case .character(let c) = self { return c }
        return nil
    }

    /// Keys from a terminal byte or wide character (used by the ncurses reader and by tests
    /// that replay a key script). Control codes become `.control`, `.enter`, `.tab` etc.
    public static func fromCharacterCode(_ code: UInt32) -> Key? {
        switch code {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .control(Character(Unicode.Scalar(code + 96)!))
        case 0..<32: return nil
        default:
            guard let scalar = Unicode.Scalar(code) else { return nil }
            return .character(Character(scalar))
        }
    }

    /// Keys for each character of `text` (test helper and key scripts).
    public static func typing(_ text: String) -> [Key] { text.map { .character($0) } }
}
