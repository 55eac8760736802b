import Foundation

/// Owns the stack of screens and modal dialogs, the message line, the status line and the
/// function-key bar; routes keys to the top screen and draws everything into a ``ScreenGrid``.
public final class ScreenStack {
    public static let minimumWidth = 80
    public static let minimumHeight = 24

    public private(set) var screens: [any Screen] = []
    /// One line under the content: the last error or notice, cleared by the next key.
    public private(set) var message: (text: String, isError: Bool)?
    public var status: StatusInfo
    /// The clock for the status line (injected so golden screens are stable).
    public var now: () -> Date
    public var timeZone = TimeZone.current {
        didSet {
            clockFormatter.timeZone = timeZone
            dayFormatter.timeZone = timeZone
        }
    }
    private let clockFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "de_DE")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "HH:mm"
        return formatter
    }()
    private let dayFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "de_DE")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "dd.MM."
        return formatter
    }()
    /// Set when the application should end.
    public private(set) var quitRequested = false
    /// Whether the last drawing found the window below 80×24 and showed only the too-small
    /// message: then no key acts (the clerk cannot see what it would do), except Strg+C.
    public private(set) var isTooSmall = false
    /// Strg+C while the window is too small: quits if nothing is open (``CounterFlow`` decides).
    public var quitWhileTooSmall: ((ScreenStack) -> Void)?
    /// The most rows the message line grows to (upwards, over the screen) for a long message.
    static let maximumMessageRows = 4

    public init(status: StatusInfo, now: @escaping () -> Date = Date.init) {
        self.status = status
        self.now = now
    }

    public var top: (any Screen)? { screens.last }

    public func push(_ screen: any Screen) { screens.append(screen) }

    /// Removes the top screen.
    public func pop() { if !screens.isEmpty { screens.removeLast() } }

    /// Removes `screen` and everything above it.
    public func pop(through screen: any Screen) {
        guard let index = screens.lastIndex(where: { $0 === screen }) else { return }
        screens.removeSubrange(index...)
    }

    /// Replaces the whole stack with `screen` (e.g. after log-in).
    public func reset(to screen: any Screen) { screens = [screen] }

    /// Replaces the top screen.
    public func replaceTop(with screen: any Screen) {
        pop()
        push(screen)
    }

    public func showError(_ text: String) { message = (text, true) }
    public func showNotice(_ text: String) { message = (text, false) }
    public func clearMessage() { message = nil }

    public func requestQuit() { quitRequested = true }

    // MARK: Keys

    /// Routes a key: help first, then the top screen; Esc ignored by a screen goes back one step.
    public func handle(_ key: Key) {
        guard let top else { return }
        if key == .resize { return }
        if isTooSmall {
            if key == .control("c") { quitWhileTooSmall?(self) }
            return
        }
        message = nil
        if CommonKeys.help.contains(key), !(top is HelpScreen) {
            push(HelpScreen(for: top))
            return
        }
        switch top.handle(key, stack: self) {
        case .handled:
            break
        case .close:
            pop(through: top)
        case .ignored:
            if key == .escape, screens.count > 1 { pop(through: top) }
        }
        if screens.isEmpty { quitRequested = true }
    }

    /// Lets screens poll background work. Returns true when something changed.
    public func tick() -> Bool {
        var changed = false
        for screen in screens where screen.tick(stack: self) { changed = true }
        return changed
    }

    // MARK: Drawing

    /// The rows screens may use: between the status line and the message line.
    public static func contentArea(of grid: ScreenGrid) -> Rect {
        Rect(row: 1, column: 0, width: grid.width, height: max(0, grid.height - 3))
    }

    /// Draws the whole screen into `grid`.
    public func render(into grid: inout ScreenGrid) {
        grid.cursor = nil
        isTooSmall = grid.width < Self.minimumWidth || grid.height < Self.minimumHeight
        guard !isTooSmall else {
            renderTooSmall(into: &grid)
            return
        }
        renderStatusLine(into: &grid)
        let area = Self.contentArea(of: grid)
        let base = screens.lastIndex(where: { !$0.isModal }) ?? 0
        for (index, screen) in screens.enumerated() where index >= base {
            grid.cursor = nil
            screen.render(into: &grid, in: area)
        }
        if let message { renderMessage(message, into: &grid) }
        renderBar(top?.keyHelp ?? [], into: &grid)
    }

    /// The message line: a long message wraps and grows upwards over the screen (at most
    /// ``maximumMessageRows``), so every word can be read; the last row stays above the key bar.
    private func renderMessage(_ message: (text: String, isError: Bool), into grid: inout ScreenGrid) {
        let prefix = message.isError ? "Fehler: " : ""
        var lines = wrap(prefix + message.text, width: grid.width - 2, hangingIndent: prefix.count)
        if lines.count > Self.maximumMessageRows {
            lines = Array(lines.prefix(Self.maximumMessageRows))
            lines[lines.count - 1] = String(lines[lines.count - 1].prefix(grid.width - 3)) + "…"
        }
        let style: CellStyle = message.isError ? .error : .notice
        let first = grid.height - 1 - lines.count
        for (i, line) in lines.enumerated() {
            grid.put(" " + line, row: first + i, column: 0, width: grid.width, style: style)
        }
    }

    private func renderTooSmall(into grid: inout ScreenGrid) {
        let lines = [
            "Fenster zu klein: \(grid.width)×\(grid.height).",
            "Bitte auf mindestens \(Self.minimumWidth)×\(Self.minimumHeight) vergrößern.",
            "Bis dahin wirkt keine Taste (Strg+C: Beenden).",
        ]
        for (i, line) in lines.enumerated() {
            let row = grid.height / 2 - 1 + i
            grid.put(line, row: row, column: max(0, (grid.width - line.count) / 2), style: .error)
        }
    }

    private func renderStatusLine(into grid: inout ScreenGrid) {
        grid.fill(Rect(row: 0, column: 0, width: grid.width, height: 1), style: .status)
        var parts: [String] = []
        if status.isTraining { parts.append(Self.trainingMark) }
        // A printer problem takes the place of the title, the operator and the office: the clerk
        // must see it whole on 80 columns (docs/printer.md, "Status").
        // The centre's state (docs/central.md, "Status line"): "aktuell" takes the office name's
        // place; entries waiting or a fork also the title's and the operator's.
        let centralAlarm = status.central.map { !$0.hasSuffix("aktuell") } ?? false
        if status.printer == nil, !centralAlarm, let title = top?.title, !title.isEmpty { parts.append(title) }
        if status.printer == nil, !centralAlarm, let name = status.operatorName { parts.append(name) }
        parts.append("Kasse \(status.register)")
        let clock = clockFormatter.string(from: now())
        let (terminal, terminalStyle) = terminalStatusText()
        let right = "\(terminal)  \(clock) "
        var central = status.central
        func fits(_ text: String) -> Bool { 1 + (parts + [text]).joined(separator: " · ").count <= grid.width - right.count - 1 }
        if let text = central, !fits(text), status.printer == nil, let title = top?.title, parts.first == title { parts.removeFirst() }
        if let text = central, !fits(text) {
            central = text.replacingOccurrences(of: " Buchungen ", with: " ").replacingOccurrences(of: " Buchung ", with: " ")
        }
        if status.printer == nil { parts.append(central ?? status.office) }
        let head = " " + parts.joined(separator: " · ")
        let left = status.printer.map { head + " · " + $0 } ?? head
        grid.put(left, row: 0, column: 0, width: max(0, grid.width - right.count - 1), style: .status)
        if let printer = status.printer, head.count + 3 < grid.width - right.count - 1 {
            grid.put(printer, row: 0, column: head.count + 3, width: max(0, grid.width - right.count - 1 - head.count - 3), style: .error)
        }
        let terminalColumn = grid.width - right.count
        grid.put(right, row: 0, column: terminalColumn, style: .status)
        if let terminalStyle {
            grid.put(terminal, row: 0, column: terminalColumn, style: terminalStyle)
        }
        if status.isTraining { grid.put(Self.trainingMark, row: 0, column: 1, style: .notice) }
        if status.printer == nil, centralAlarm, let central, head.hasSuffix(central), head.count < grid.width - right.count - 1 {
            grid.put(central, row: 0, column: head.count - central.count, style: central.contains("ABWEICHUNG") ? .error : .notice)
        }
    }

    /// The mark of the training mode on every screen (as on its receipts).
    public static let trainingMark = "SCHULUNG – KEIN ZAHLUNGSBELEG"

    /// The terminal part of the status line: the terminal's name, with its state once one is known
    /// (``StatusInfo/terminalLight``): "Terminal bereit", "Terminal nicht erreichbar seit 09:41" (the
    /// office's time; with the day when it is not today). At most 50 columns.
    func terminalStatusText() -> (text: String, style: CellStyle?) {
        let name = status.terminalIsSimulated ? "SIMULIERTES TERMINAL" : "Terminal"
        let simulated: CellStyle? = status.terminalIsSimulated ? .notice : nil
        let text: String
        let style: CellStyle?
        switch status.terminalLight {
        case nil:
            (text, style) = (status.terminalIsSimulated ? name : status.terminal, simulated)
        case .ready:
            (text, style) = ("\(name) bereit", simulated)
        case .notReady(let why):
            (text, style) = ("\(name): \(why)", .error)
        case .unreachable(let since):
            let day = dayFormatter.string(from: since) == dayFormatter.string(from: now()) ? "" : dayFormatter.string(from: since) + " "
            (text, style) = ("\(name) nicht erreichbar seit \(day)\(clockFormatter.string(from: since))", .error)
        }
        return (text.count > 50 ? ScreenGrid.fit(text, width: 50) : text, style)
    }

    /// The function-key bar: the first key and the label of each enabled bar entry, plus F1 Hilfe.
    private func renderBar(_ entries: [KeyHelpEntry], into grid: inout ScreenGrid) {
        let row = grid.height - 1
        grid.fill(Rect(row: row, column: 0, width: grid.width, height: 1), style: .barLabel)
        var items = [KeyHelpEntry(keys: CommonKeys.help, label: "Hilfe", help: "")]
        // Function keys in their number order (as on the keyboard), other keys after them.
        func order(_ entry: KeyHelpEntry) -> Int {
            if case .function(let n)? = entry.keys.first { return n }
            return 100
        }
        items += entries.filter { $0.inBar && $0.isEnabled }.enumerated()
            .sorted { (order($0.element), $0.offset) < (order($1.element), $1.offset) }.map(\.element)
        var column = 0
        for item in items {
            guard let key = item.keys.first else { continue }
            // "F5Bar" as htop does; other keys get a space: "Enter Drucken".
            var keyText = key.description
            // A label that starts with a digit ("10€") would run into the key: "F3 10€".
            if case .function = key, item.label.first?.isNumber != true {} else { keyText += " " }
            let needed = keyText.count + item.label.count + 1
            if column + needed > grid.width { break }
            column = grid.put(keyText, row: row, column: column, style: .barKey)
            column = grid.put(item.label, row: row, column: column, style: .barLabel)
            column += 1
        }
    }
}

extension KeyHelpEntry {
    public var isEnabled: Bool { disabledReason == nil }
}
