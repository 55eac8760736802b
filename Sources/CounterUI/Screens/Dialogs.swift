/// A yes/no question in a modal dialog. `J`/Enter confirms, `N`/Esc declines.
public final class ConfirmDialog: BoundScreen {
    public enum Action: Sendable { case yes, no }

    public let title: String
    let question: [String]
    let yesLabel: String
    let noLabel: String
    let onAnswer: (Bool, ScreenStack) -> Void
    public var isModal: Bool { true }

    public init(title: String, question: [String], yesLabel: String = "Ja", noLabel: String = "Nein", onAnswer: @escaping (Bool, ScreenStack) -> Void) {
        self.title = title
        self.question = question
        self.yesLabel = yesLabel
        self.noLabel = noLabel
        self.onAnswer = onAnswer
    }

    public var bindings: [KeyBinding<Action>] {
        [
            KeyBinding([.character("j"), .character("J"), .enter], yesLabel, help: "\(yesLabel) (J oder Enter)", action: .yes),
            KeyBinding([.character("n"), .character("N"), .escape], noLabel, help: "\(noLabel) (N oder Esc)", action: .no),
        ]
    }

    public func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        stack.pop(through: self)
        onAnswer(action == .yes, stack)
        return .handled
    }

    public func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult { .handled }

    public func render(into grid: inout ScreenGrid, in area: Rect) {
        let width = min(area.width - 4, max(40, (question.map(\.count).max() ?? 0) + 6))
        let box = area.centred(width: width, height: question.count + 4)
        grid.frame(box, title: title)
        for (i, line) in question.enumerated() {
            grid.put(line, row: box.row + 1 + i, column: box.column + 2, style: .dialog, maxWidth: box.width - 4)
        }
        let answer = "[J] \(yesLabel)    [N] \(noLabel)"
        grid.put(answer, row: box.bottom - 2, column: box.column + 2, style: .emphasis, maxWidth: box.width - 4)
        // Screen readers and braille displays follow the cursor (EN 301 549 4.2.1): on the question.
        grid.cursor = Position(row: box.row + 1, column: box.column + 2)
    }
}

/// A message the clerk acknowledges with Enter or Esc (results, explanations).
public final class MessageDialog: BoundScreen {
    public enum Action: Sendable { case ok }

    public let title: String
    let lines: [String]
    let isError: Bool
    let onClose: ((ScreenStack) -> Void)?
    public var isModal: Bool { true }

    public init(title: String, lines: [String], isError: Bool = false, onClose: ((ScreenStack) -> Void)? = nil) {
        self.title = title
        self.lines = lines
        self.isError = isError
        self.onClose = onClose
    }

    public var bindings: [KeyBinding<Action>] {
        [KeyBinding([.enter, .escape], "OK", help: "Meldung schließen", action: .ok, inBar: false)]
    }

    public func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        stack.pop(through: self)
        onClose?(stack)
        return .handled
    }

    public func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult { .handled }

    public func render(into grid: inout ScreenGrid, in area: Rect) {
        let width = min(area.width - 4, max(40, (lines.map(\.count).max() ?? 0) + 6))
        let box = area.centred(width: width, height: lines.count + 4)
        grid.frame(box, title: title)
        for (i, line) in lines.enumerated() {
            grid.put(line, row: box.row + 1 + i, column: box.column + 2, style: isError && i == 0 ? .error : .dialog, maxWidth: box.width - 4)
        }
        grid.put("Weiter mit Enter", row: box.bottom - 2, column: box.column + 2, style: .emphasis, maxWidth: box.width - 4)
        grid.cursor = Position(row: box.row + 1, column: box.column + 2)
    }
}
