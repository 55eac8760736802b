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
        let question = wrapLines(self.question, width: area.width - 8)
        let width = min(area.width - 4, max(40, (question.map(\.count).max() ?? 0) + 6))
        let box = area.centred(width: width, height: question.count + 4)
        grid.frame(box, title: title)
        for (i, line) in question.enumerated() {
            grid.put(line, row: box.row + 1 + i, column: box.column + 2, style: .dialog, maxWidth: box.width - 4)
        }
        let answer = "[J] \(yesLabel)    [N] \(noLabel)"
        grid.put(answer, row: box.bottom - 2, column: box.column + 2, style: .emphasis, maxWidth: box.width - 4)
        // The cursor on the answer, so a screen reader reads the question's choices.
        grid.cursor = Position(row: box.bottom - 2, column: box.column + 2)
    }
}

/// A message the clerk acknowledges with Enter or Esc (results, explanations). The next steps
/// it names may be keys of their own (``Choice``): they close the message and act at once.
public final class MessageDialog: BoundScreen {
    public enum Action: Sendable {
        case ok
        case choice(Int)
    }
    /// A next step on a key, e.g. F5 Bar after a declined card.
    public struct Choice {
        public var keys: [Key]
        public var label: String
        public var help: String
        public var run: (ScreenStack) -> Void
        public init(keys: [Key], label: String, help: String, run: @escaping (ScreenStack) -> Void) {
            self.keys = keys
            self.label = label
            self.help = help
            self.run = run
        }
    }

    public let title: String
    let lines: [String]
    let isError: Bool
    let onClose: ((ScreenStack) -> Void)?
    let choices: [Choice]
    public var isModal: Bool { true }

    public init(title: String, lines: [String], isError: Bool = false, choices: [Choice] = [], onClose: ((ScreenStack) -> Void)? = nil) {
        self.title = title
        self.lines = lines
        self.isError = isError
        self.choices = choices
        self.onClose = onClose
    }

    public var bindings: [KeyBinding<Action>] {
        choices.enumerated().map { index, choice in KeyBinding(choice.keys, choice.label, help: choice.help, action: .choice(index)) }
            + [KeyBinding([.enter, .escape], "OK", help: "Meldung schließen", action: .ok, inBar: false)]
    }

    public func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        stack.pop(through: self)
        switch action {
        case .ok: onClose?(stack)
        case .choice(let index): choices[index].run(stack)
        }
        return .handled
    }

    public func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult { .handled }

    public func render(into grid: inout ScreenGrid, in area: Rect) {
        // The first given line (the error) keeps its style over all the rows it wraps to.
        let firstRows = wrapLines(Array(lines.prefix(1)), width: area.width - 8).count
        let lines = wrapLines(self.lines, width: area.width - 8)
        let width = min(area.width - 4, max(40, (lines.map(\.count).max() ?? 0) + 6))
        let box = area.centred(width: width, height: lines.count + 4)
        grid.frame(box, title: title)
        for (i, line) in lines.enumerated() {
            grid.put(line, row: box.row + 1 + i, column: box.column + 2, style: isError && i < firstRows ? .error : .dialog, maxWidth: box.width - 4)
        }
        grid.put("Weiter mit Enter", row: box.bottom - 2, column: box.column + 2, style: .emphasis, maxWidth: box.width - 4)
        grid.cursor = Position(row: box.row + 1, column: box.column + 2)
    }
}

/// Lines as a dialog shows them: each longer than `width` wrapped at spaces (an empty line stays).
func wrapLines(_ lines: [String], width: Int) -> [String] {
    lines.flatMap { line in line.count <= width ? [line] : wrap(line, width: width, hangingIndent: 2) }
}
