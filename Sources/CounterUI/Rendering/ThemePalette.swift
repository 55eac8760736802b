import Foundation

/// The eight colours of a text terminal (curses' `COLOR_BLACK` … `COLOR_WHITE`).
public enum TerminalColour: Int16, Sendable, CaseIterable {
    case black = 0
    case red, green, yellow, blue, magenta, cyan, white

    /// The colour as xterm shows it by default (sRGB), for the contrast check of the themes.
    public var xtermRGB: (red: Int, green: Int, blue: Int) {
        switch self {
        case .black: return (0, 0, 0)
        case .red: return (205, 0, 0)
        case .green: return (0, 205, 0)
        case .yellow: return (205, 205, 0)
        case .blue: return (0, 0, 238)
        case .magenta: return (205, 0, 205)
        case .cyan: return (0, 205, 205)
        case .white: return (229, 229, 229)
        }
    }

    /// Relative luminance (WCAG 2.1, "relative luminance").
    public var luminance: Double {
        func channel(_ value: Int) -> Double {
            let c = Double(value) / 255
            return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        let (r, g, b) = xtermRGB
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }

    /// The contrast ratio of this colour against `other` (WCAG 2.1 SC 1.4.3: text needs 4.5:1).
    public func contrast(with other: TerminalColour) -> Double {
        let (lighter, darker) = luminance >= other.luminance ? (luminance, other.luminance) : (other.luminance, luminance)
        return (lighter + 0.05) / (darker + 0.05)
    }
}

/// How one ``CellStyle`` looks in a ``Theme``: colours (`nil`: the terminal's own) and attributes.
/// ``CursesTerminal`` turns it into curses attributes; tests check the themes on it.
public struct StyleLook: Equatable, Sendable {
    public var foreground: TerminalColour?
    public var background: TerminalColour?
    public var bold = false
    public var reverse = false
    public var underline = false
    public var dim = false

    public init(
        foreground: TerminalColour? = nil, background: TerminalColour? = nil, bold: Bool = false, reverse: Bool = false, underline: Bool = false,
        dim: Bool = false
    ) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.reverse = reverse
        self.underline = underline
        self.dim = dim
    }

    public var usesColour: Bool { foreground != nil || background != nil }
}

extension Theme {
    /// The look of `style` in this theme. Monochrome uses attributes only (no colour at all, for
    /// `NO_COLOR`); high contrast uses white, black, yellow and red only, bold where it matters.
    public func look(_ style: CellStyle) -> StyleLook {
        switch self {
        case .monochrome:
            switch style {
            case .normal, .barLabel, .dialog: return StyleLook()
            case .status, .selected: return StyleLook(reverse: true)
            case .barKey: return StyleLook(bold: true, reverse: true)
            case .field: return StyleLook(underline: true)
            case .focusedField: return StyleLook(bold: true, underline: true)
            case .emphasis, .notice: return StyleLook(bold: true)
            case .error: return StyleLook(bold: true, reverse: true)
            case .dim: return StyleLook(dim: true)
            }
        case .highContrast:
            switch style {
            case .normal: return StyleLook(foreground: .white, background: .black, bold: true)
            case .status: return StyleLook(foreground: .black, background: .white, bold: true)
            case .barKey: return StyleLook(foreground: .black, background: .yellow, bold: true)
            case .barLabel, .dim, .dialog: return StyleLook(foreground: .white, background: .black)
            case .selected: return StyleLook(foreground: .black, background: .yellow, bold: true)
            case .field: return StyleLook(foreground: .white, background: .black, underline: true)
            case .focusedField: return StyleLook(foreground: .black, background: .white, bold: true)
            case .emphasis: return StyleLook(foreground: .yellow, background: .black, bold: true)
            case .error: return StyleLook(foreground: .white, background: .red, bold: true)
            case .notice: return StyleLook(foreground: .black, background: .yellow, bold: true)
            }
        case .colour:
            switch style {
            case .normal, .barLabel: return StyleLook()
            case .status: return StyleLook(foreground: .white, background: .blue)
            case .barKey: return StyleLook(foreground: .black, background: .cyan, bold: true)
            case .selected: return StyleLook(foreground: .black, background: .cyan)
            case .field: return StyleLook(underline: true)
            case .focusedField: return StyleLook(foreground: .black, background: .white)
            case .emphasis: return StyleLook(bold: true)
            case .error: return StyleLook(foreground: .white, background: .red, bold: true)
            case .notice: return StyleLook(foreground: .black, background: .yellow)
            case .dim: return StyleLook(dim: true)
            case .dialog: return StyleLook(foreground: .white, background: .blue)
            }
        }
    }
}
