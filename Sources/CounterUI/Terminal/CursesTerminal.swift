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

    private static func makeAttributes(for theme: Theme) -> [CellStyle: attr_t] {
        let bold = webkasse_a_bold()
        let reverse = webkasse_a_reverse()
        let underline = webkasse_a_underline()
        let dim = webkasse_a_dim()
        let normal = webkasse_a_normal()
        switch theme {
        case .monochrome:
            return [
                .normal: normal, .status: reverse, .barKey: reverse | bold, .barLabel: normal,
                .selected: reverse, .field: underline, .focusedField: underline | bold,
                .emphasis: bold, .error: bold | reverse, .notice: bold, .dim: dim, .dialog: normal,
            ]
        case .highContrast:
            // White on black, bold where it matters; no mid-tone colours.
            let pairs: [(CellStyle, Int16, Int16)] = [
                (.normal, Int16(COLOR_WHITE), Int16(COLOR_BLACK)),
                (.status, Int16(COLOR_BLACK), Int16(COLOR_WHITE)),
                (.barKey, Int16(COLOR_BLACK), Int16(COLOR_YELLOW)),
                (.barLabel, Int16(COLOR_WHITE), Int16(COLOR_BLACK)),
                (.selected, Int16(COLOR_BLACK), Int16(COLOR_YELLOW)),
                (.field, Int16(COLOR_WHITE), Int16(COLOR_BLACK)),
                (.focusedField, Int16(COLOR_BLACK), Int16(COLOR_WHITE)),
                (.emphasis, Int16(COLOR_YELLOW), Int16(COLOR_BLACK)),
                (.error, Int16(COLOR_WHITE), Int16(COLOR_RED)),
                (.notice, Int16(COLOR_BLACK), Int16(COLOR_YELLOW)),
                (.dim, Int16(COLOR_WHITE), Int16(COLOR_BLACK)),
                (.dialog, Int16(COLOR_WHITE), Int16(COLOR_BLACK)),
            ]
            var map = makePairs(pairs)
            for style in [CellStyle.normal, .status, .barKey, .selected, .focusedField, .emphasis, .error, .notice] {
                map[style, default: normal] |= bold
            }
            map[.field, default: normal] |= underline
            return map
        case .colour:
            let pairs: [(CellStyle, Int16, Int16)] = [
                (.normal, -1, -1),
                (.status, Int16(COLOR_WHITE), Int16(COLOR_BLUE)),
                (.barKey, Int16(COLOR_BLACK), Int16(COLOR_CYAN)),
                (.barLabel, -1, -1),
                (.selected, Int16(COLOR_BLACK), Int16(COLOR_CYAN)),
                (.field, -1, -1),
                (.focusedField, Int16(COLOR_BLACK), Int16(COLOR_WHITE)),
                (.emphasis, -1, -1),
                (.error, Int16(COLOR_WHITE), Int16(COLOR_RED)),
                (.notice, Int16(COLOR_BLACK), Int16(COLOR_YELLOW)),
                (.dim, -1, -1),
                (.dialog, Int16(COLOR_WHITE), Int16(COLOR_BLUE)),
            ]
            var map = makePairs(pairs)
            map[.field, default: normal] |= underline
            map[.emphasis, default: normal] |= bold
            map[.error, default: normal] |= bold
            map[.dim, default: normal] |= dim
            map[.barKey, default: normal] |= bold
            return map
        }
    }

    private static func makePairs(_ pairs: [(CellStyle, Int16, Int16)]) -> [CellStyle: attr_t] {
        var map: [CellStyle: attr_t] = [:]
        for (index, (style, foreground, background)) in pairs.enumerated() {
            let number = Int16(index + 1)
            init_pair(number, foreground, background)
            map[style] = attr_t(UInt32(bitPattern: webkasse_color_pair(Int32(number))))
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
