import CNcursesw
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How cell styles look. Chosen once at start: colour, high contrast, or monochrome.
public enum Theme: String, Sendable, CaseIterable {
    case colour = "farbe"
    case highContrast = "kontrast"
    case monochrome = "mono"

    /// `NO_COLOR` (any value) forces monochrome; `WEBKASSE_THEME=farbe|kontrast|mono` picks one.
    public static func from(environment: [String: String]) -> Theme {
        if let name = environment["WEBKASSE_THEME"], let theme = Theme(rawValue: name.lowercased()) {
            if theme != .monochrome, environment["NO_COLOR"].map({ !$0.isEmpty }) == true { return .monochrome }
            return theme
        }
        if environment["NO_COLOR"].map({ !$0.isEmpty }) == true { return .monochrome }
        return .colour
    }
}

/// A failure of the terminal itself (not a clerk's mistake).
public enum TerminalError: Error, CustomStringConvertible {
    case notATerminal
    case initialisationFailed

    public var description: String {
        switch self {
        case .notATerminal:
            return "Die Kassenoberfläche braucht ein Terminal (Standardein- und -ausgabe sind keins)."
        case .initialisationFailed:
            return "Das Terminal ließ sich nicht einrichten (TERM=\(ProcessInfo.processInfo.environment["TERM"] ?? "nicht gesetzt") prüfen)."
        }
    }
}

/// The one Swift face of ncursesw: set-up and restore, key reading, copying a ``ScreenGrid``
/// to the screen. Nothing else in the package imports CNcursesw.
///
/// The terminal is restored by ``close()``, by `deinit`, and by signal handlers for Ctrl-C
/// (when it arrives as a signal), SIGTERM, SIGHUP and crash signals.
public final class CursesTerminal {
    private var isOpen = false
    private var attributes: [CellStyle: attr_t] = [:]
    public let theme: Theme

    public init(theme: Theme) throws {
        guard isatty(0) == 1, isatty(1) == 1 else { throw TerminalError.notATerminal }
        _ = webkasse_setlocale_all()
        guard initscr() != nil else { throw TerminalError.initialisationFailed }
        isOpen = true
        CursesTerminal.installSignalHandlers()
        raw()
        noecho()
        nonl()
        keypad(webkasse_stdscr(), true)
        set_escdelay(25)
        intrflush(webkasse_stdscr(), false)
        var chosen = theme
        if chosen != .monochrome && !has_colors() { chosen = .monochrome }
        self.theme = chosen
        if chosen != .monochrome {
            start_color()
            use_default_colors()
        }
        attributes = CursesTerminal.makeAttributes(for: chosen)
    }

    deinit { close() }

    /// Gives the terminal back (cursor, echo, line mode, screen contents).
    public func close() {
        guard isOpen else { return }
        isOpen = false
        curs_set(1)
        endwin()
    }

    /// The terminal size now (after a resize ncurses has updated it).
    public var size: (width: Int, height: Int) { (Int(webkasse_cols()), Int(webkasse_lines())) }

    /// Waits up to `timeoutMs` for a key; `nil` when none came (so background progress can redraw).
    public func readKey(timeoutMs: Int32) -> Key? {
        wtimeout(webkasse_stdscr(), timeoutMs)
        var code: wint_t = 0
        let result = wget_wch(webkasse_stdscr(), &code)
        if result == webkasse_err() { return nil }
        if result == webkasse_key_code_yes() { return CursesTerminal.functionKey(Int32(code)) }
        return Key.fromCharacterCode(UInt32(code))
    }

    private static func functionKey(_ code: Int32) -> Key? {
        for n in 1...12 where webkasse_key_f(Int32(n)) == code { return .function(n) }
        switch code {
        case webkasse_key_resize(): return .resize
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_DC: return .delete
        case KEY_BACKSPACE: return .backspace
        case KEY_ENTER: return .enter
        case KEY_BTAB: return .backTab
        default: return nil
        }
    }

    /// Copies `grid` to the terminal (ncurses sends only what changed) and places the cursor.
    public func draw(_ grid: ScreenGrid) {
        let screen = webkasse_stdscr()
        for row in 0..<grid.height {
            var column = 0
            while column < grid.width {
                let style = grid[row, column].style
                var run = ""
                let start = column
                while column < grid.width, grid[row, column].style == style {
                    run.append(grid[row, column].character)
                    column += 1
                }
                wattrset(screen, Int32(bitPattern: UInt32(truncatingIfNeeded: attributes[style] ?? webkasse_a_normal())))
                // The bottom-right cell makes addstr return ERR (it would scroll); the text is drawn anyway.
                _ = mvwaddstr(screen, Int32(row), Int32(start), run)
            }
        }
        wattrset(screen, Int32(bitPattern: UInt32(truncatingIfNeeded: webkasse_a_normal())))
        if let cursor = grid.cursor {
            wmove(screen, Int32(cursor.row), Int32(cursor.column))
            curs_set(1)
        } else {
            curs_set(0)
        }
        wrefresh(screen)
    }

    /// Forgets what ncurses believes is on screen and repaints everything (Strg+L, after resize).
    public func invalidate() { clearok(webkasse_stdscr(), true) }

    // MARK: Themes

    /// The curses attributes of every style from the theme's looks (``Theme/look(_:)``): one
    /// colour pair per style that has colours, none at all in the monochrome theme.
    private static func makeAttributes(for theme: Theme) -> [CellStyle: attr_t] {
        var map: [CellStyle: attr_t] = [:]
        for (index, style) in CellStyle.allCases.enumerated() {
            let look = theme.look(style)
            var attributes = webkasse_a_normal()
            if look.usesColour {
                let number = Int16(index + 1)
                init_pair(number, look.foreground?.rawValue ?? -1, look.background?.rawValue ?? -1)
                attributes |= attr_t(UInt32(bitPattern: webkasse_color_pair(Int32(number))))
            }
            if look.bold { attributes |= webkasse_a_bold() }
            if look.reverse { attributes |= webkasse_a_reverse() }
            if look.underline { attributes |= webkasse_a_underline() }
            if look.dim { attributes |= webkasse_a_dim() }
            map[style] = attributes
        }
        return map
    }

    // MARK: Signals

    /// Restores the terminal before the process dies, then lets the signal do its default.
    private static func installSignalHandlers() {
        let restoreAndExit: @convention(c) (Int32) -> Void = { signal in
            endwin()
            _exit(128 + signal)
        }
        let restoreAndReraise: @convention(c) (Int32) -> Void = { sig in
            endwin()
            Glibc.signal(sig, SIG_DFL)
            raise(sig)
        }
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { signal(sig, restoreAndExit) }
        for sig in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] { signal(sig, restoreAndReraise) }
    }
}
