/// The help screen, generated from the key table of the screen it was opened on.
public final class HelpScreen: BoundScreen {
    public enum Action: Sendable { case close, down, up }

    public let title: String
    let entries: [KeyHelpEntry]
    private var offset = 0

    public init(for screen: any Screen) {
        title = "Hilfe: \(screen.title)"
        var entries = [KeyHelpEntry(keys: CommonKeys.help, label: "Hilfe", help: "Diese Hilfe anzeigen")] + screen.keyHelp
        if !entries.contains(where: { $0.keys.contains(.escape) }) {
            entries.append(KeyHelpEntry(keys: [.escape], label: "Zurück", help: "Einen Schritt zurück (fragt, bevor etwas verloren geht)", inBar: false))
        }
        self.entries = entries
    }

    public var bindings: [KeyBinding<Action>] {
        [
            KeyBinding([.escape, .enter], "Zurück", help: "Hilfe schließen", action: .close),
            KeyBinding([.down, .pageDown], "", help: "Weiterblättern", action: .down, inBar: false),
            KeyBinding([.up, .pageUp], "", help: "Zurückblättern", action: .up, inBar: false),
        ]
    }

    public func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        switch action {
        case .close: return .close
        case .down: offset = min(offset + 5, max(0, lines.count - 10))
        case .up: offset = max(0, offset - 5)
        }
        return .handled
    }

    public func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult { .handled }

    private var lines: [(String, String, CellStyle)] {
        entries.map { entry in
            var text = entry.help
            var style = CellStyle.normal
            if let reason = entry.disabledReason {
                text += " (gerade nicht möglich: \(reason))"
                style = .dim
            }
            return (entry.keyText, text, style)
        }
    }

    public func render(into grid: inout ScreenGrid, in area: Rect) {
        grid.fill(area)
        grid.put(" \(title)", row: area.row, column: 0, width: area.width, style: .status)
        let keyWidth = min(24, (lines.map { $0.0.count }.max() ?? 10) + 2)
        var row = area.row + 2
        // The cursor on the first entry shown, where a screen reader starts reading.
        grid.cursor = Position(row: row, column: 1)
        for (keys, text, style) in lines.dropFirst(offset) {
            guard row < area.bottom - 1 else { break }
            grid.put(" " + keys, row: row, column: 0, width: keyWidth + 1, style: .emphasis)
            grid.put(text, row: row, column: keyWidth + 2, width: area.width - keyWidth - 3, style: style)
            row += 1
        }
        grid.put(
            " Ohne F-Tasten: Strg+Buchstabe wie angegeben. Esc oder Enter schließt die Hilfe.",
            row: area.bottom - 1, column: 0, width: area.width, style: .dim)
    }
}
