/// A form of one or more fields, as a modal dialog or a full screen. Enter moves to the next
/// field and submits on the last; Tab/↑/↓ move between fields; Esc goes back (if allowed).
///
/// Used for log-in, lock screen, quantity, cheque, split amount, storno reason, supervisor
/// approval and cash movements, so they all behave the same.
public class FormScreen: BoundScreen {
    public enum Action: Sendable {
        case submit, next, previous, cancel
        case extra(Int)
    }

    /// An additional key of the form (e.g. quick amounts).
    public struct Extra {
        public var keys: [Key]
        public var label: String
        public var help: String
        public var run: (FormScreen, ScreenStack) -> Void
        public init(keys: [Key], label: String, help: String, run: @escaping (FormScreen, ScreenStack) -> Void) {
            self.keys = keys
            self.label = label
            self.help = help
            self.run = run
        }
    }

    public let title: String
    public let isModal: Bool
    public var intro: [String]
    public var fields: [TextField]
    public var focusIndex = 0
    public var extras: [Extra] = []
    /// Whether Esc may close the form (not on the lock screen).
    public var canCancel = true
    /// Text under the fields (e.g. the change, live).
    public var footer: (FormScreen) -> [String] = { _ in [] }
    /// Called with the field texts on submit. Throw to show the error and stay; return true to close.
    public var onSubmit: (FormScreen, ScreenStack) throws -> Bool
    public var onCancel: ((ScreenStack) -> Void)?
    public var submitLabel: String

    public init(
        title: String, modal: Bool = true, intro: [String] = [], fields: [TextField], submitLabel: String = "OK",
        onSubmit: @escaping (FormScreen, ScreenStack) throws -> Bool
    ) {
        self.title = title
        self.isModal = modal
        self.intro = intro
        self.fields = fields
        self.submitLabel = submitLabel
        self.onSubmit = onSubmit
    }

    public func value(_ index: Int) -> String { fields[index].text.trimmingCharacters(in: .whitespaces) }

    public var bindings: [KeyBinding<Action>] {
        var list: [KeyBinding<Action>] = extras.enumerated().map { index, extra in
            KeyBinding(extra.keys, extra.label, help: extra.help, action: .extra(index))
        }
        list.append(KeyBinding([.function(10), .control("w")], submitLabel, help: "\(submitLabel) (auch Enter im letzten Feld)", action: .submit))
        list.append(KeyBinding([.tab, .down], "", help: "Nächstes Feld", action: .next, inBar: false))
        list.append(KeyBinding([.backTab, .up], "", help: "Vorheriges Feld", action: .previous, inBar: false))
        if canCancel {
            list.append(KeyBinding([.escape], "Zurück", help: "Abbrechen, nichts wird gebucht", action: .cancel, inBar: false))
        }
        return list
    }

    public func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        switch action {
        case .submit:
            submit(stack: stack)
        case .next:
            focusIndex = (focusIndex + 1) % max(1, fields.count)
        case .previous:
            focusIndex = (focusIndex + fields.count - 1) % max(1, fields.count)
        case .cancel:
            stack.pop(through: self)
            onCancel?(stack)
        case .extra(let index):
            extras[index].run(self, stack)
        }
        return .handled
    }

    public func submit(stack: ScreenStack) {
        do {
            if try onSubmit(self, stack) { stack.pop(through: self) }
        } catch {
            stack.showError("\(error)")
        }
    }

    public func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult {
        if key == .enter {
            if let problem = fields[safe: focusIndex]?.problem {
                stack.showError(problem)
                return .handled
            }
            if focusIndex < fields.count - 1 {
                focusIndex += 1
            } else {
                submit(stack: stack)
            }
            return .handled
        }
        if key == .escape { return .handled }
        guard fields.indices.contains(focusIndex) else { return .handled }
        switch fields[focusIndex].handle(key) {
        case .refused(let reason): stack.showError(reason)
        case .ignored, .changed, .unchanged: if let problem = fields[focusIndex].typingProblem { stack.showError(problem) }
        }
        return .handled
    }

    public func render(into grid: inout ScreenGrid, in area: Rect) {
        let labelWidth = (fields.map(\.label.count).max() ?? 0) + 2
        let intro = wrapLines(self.intro, width: area.width - 10)
        let footerLines = wrapLines(footer(self), width: area.width - 10)
        let fieldWidth = min(30, fields.map(\.maxLength).max() ?? 10) + 1
        let contentWidth = max(labelWidth + fieldWidth, (intro + footerLines).map(\.count).max() ?? 0)
        let height = intro.count + fields.count + footerLines.count + 4 + (intro.isEmpty ? 0 : 1) + (footerLines.isEmpty ? 0 : 1)
        let box: Rect
        if isModal {
            box = area.centred(width: min(area.width - 2, contentWidth + 6), height: height)
            grid.frame(box, title: title)
        } else {
            grid.fill(area)
            box = area.centred(width: min(area.width - 2, contentWidth + 6), height: height)
            grid.frame(box, title: title, style: .normal)
        }
        let style: CellStyle = isModal ? .dialog : .normal
        var row = box.row + 2
        for line in intro {
            grid.put(line, row: row, column: box.column + 3, style: style, maxWidth: box.width - 6)
            row += 1
        }
        if !intro.isEmpty { row += 1 }
        for (index, field) in fields.enumerated() {
            let focused = index == focusIndex
            grid.put((focused ? "▶ " : "  ") + field.label + ":", row: row, column: box.column + 1, style: focused ? .emphasis : style)
            field.render(into: &grid, row: row, column: box.column + 3 + labelWidth, width: fieldWidth, focused: focused)
            row += 1
        }
        if !footerLines.isEmpty { row += 1 }
        for line in footerLines {
            grid.put(line, row: row, column: box.column + 3, style: .emphasis, maxWidth: box.width - 6)
            row += 1
        }
    }
}
