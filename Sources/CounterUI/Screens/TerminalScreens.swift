import Foundation
import KasseCore

/// Lines for a box `width` wide: a line that fits stays as it is (receipt lines keep their
/// spacing), a longer one is wrapped at spaces.
func fitLines(_ lines: [String], width: Int) -> [String] {
    lines.flatMap { line in line.count <= width ? [line] : wrap(line, width: width) }
}

/// The terminal menu (F9, T; Kassenaufsicht): the terminal's address and state, the simulator's
/// control port in the demo, and the functions, each on a digit (docs/ui.md).
final class TerminalMenuScreen: BoundScreen {
    enum Action: Sendable, Equatable {
        case run(TerminalMenuFunction)
        case up, down, choose, close
    }
    var title: String { "Terminal" }
    var isModal: Bool { true }
    let flow: CounterFlow
    /// The head's lines from the backend (address, control port).
    let head: [String]
    private var selected = 0
    static let boxWidth = 72

    init(flow: CounterFlow, head: [String]) {
        self.flow = flow
        self.head = head
    }

    var bindings: [KeyBinding<Action>] {
        TerminalMenuFunction.allCases.enumerated().map { index, function in
            KeyBinding([.character(Character(String(index + 1)))], function.label, help: function.label, action: .run(function), inBar: false)
        } + [
            KeyBinding([.up], "", help: "Eintrag wählen", action: .up, inBar: false),
            KeyBinding([.down], "", help: "Eintrag wählen", action: .down, inBar: false),
            KeyBinding([.enter], "Ausführen", help: "Gewählte Funktion ausführen", action: .choose),
            KeyBinding([.escape], "Zurück", help: "Terminal-Menü schließen", action: .close),
        ]
    }

    func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        switch action {
        case .up: selected = max(0, selected - 1)
        case .down: selected = min(TerminalMenuFunction.allCases.count - 1, selected + 1)
        case .choose: return perform(.run(TerminalMenuFunction.allCases[selected]), stack: stack)
        case .close: return .close
        case .run(let function):
            selected = TerminalMenuFunction.allCases.firstIndex(of: function) ?? selected
            guard function == .endOfDay else {
                start(function, stack: stack)
                return .handled
            }
            stack.push(
                ConfirmDialog(
                    title: "Kassenschnitt",
                    question: [
                        "Jetzt den Kassenschnitt am Terminal ausführen?", "Das Terminal rechnet seine Kartenzahlungen ab;",
                        "der nächste Tagesabschluss rechnet ihn mit.",
                    ], yesLabel: "Ausführen", noLabel: "Abbrechen"
                ) { [weak self] yes, stack in
                    if yes { self?.start(.endOfDay, stack: stack) }
                })
        }
        return .handled
    }

    private func start(_ function: TerminalMenuFunction, stack: ScreenStack) {
        do {
            let job = try flow.backend.startTerminalFunction(function)
            stack.push(TerminalFunctionScreen(flow: flow, function: function, job: job))
        } catch {
            stack.push(MessageDialog(title: function.label, lines: wrap("\(error)", width: 60), isError: true))
        }
    }

    func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult { .handled }

    /// The state line, as the status line has it (taken over on each tick).
    private var state = (text: "Zustand: noch nicht abgefragt", style: CellStyle.dialog)

    func tick(stack: ScreenStack) -> Bool {
        let now: (text: String, style: CellStyle)
        switch stack.status.terminalLight {
        case nil: now = ("Zustand: noch nicht abgefragt", .dialog)
        case .ready: now = ("Zustand: bereit", .dialog)
        case .notReady(let why): now = ("Zustand: nicht bereit – \(why)", .error)
        case .unreachable:
            let text = stack.terminalStatusText().text
            now = ("Zustand: " + (text.range(of: "nicht erreichbar").map { String(text[$0.lowerBound...]) } ?? text), .error)
        }
        guard now != state else { return false }
        state = now
        return true
    }

    func render(into grid: inout ScreenGrid, in area: Rect) {
        let functions = TerminalMenuFunction.allCases
        let headLines = fitLines(head, width: Self.boxWidth - 4)
        let box = area.centred(width: Self.boxWidth, height: min(area.height, headLines.count + functions.count + 7))
        grid.frame(box, title: "Terminal")
        var row = box.row + 1
        for line in headLines {
            grid.put(line, row: row, column: box.column + 2, width: box.width - 4, style: .dialog)
            row += 1
        }
        grid.put(state.text, row: row, column: box.column + 2, width: box.width - 4, style: state.style)
        row += 2
        for (index, function) in functions.enumerated() {
            let isSelected = index == selected
            grid.put(
                (isSelected ? "▶ " : "  ") + "\(index + 1)  " + function.label, row: row + index, column: box.column + 2, width: box.width - 4,
                style: isSelected ? .selected : .dialog)
        }
        grid.put("Ziffer oder ↑↓ und Enter wählen, Esc zurück.", row: box.bottom - 2, column: box.column + 2, width: box.width - 4, style: .dim)
        grid.cursor = Position(row: row + selected, column: box.column + 2)
    }
}

/// One terminal function running, then its result (receipt lines, amounts) to read and scroll.
final class TerminalFunctionScreen: BoundScreen {
    enum Action: Sendable { case close, up, down }
    let title: String
    var isModal: Bool { true }
    let flow: CounterFlow
    let function: TerminalMenuFunction
    let job: TerminalFunctionJob
    private(set) var snapshot = TerminalFunctionSnapshot(texts: [], result: nil)
    private var offset = 0
    static let boxWidth = 76

    init(flow: CounterFlow, function: TerminalMenuFunction, job: TerminalFunctionJob) {
        self.flow = flow
        self.function = function
        self.job = job
        title = "Terminal: \(function.label)"
    }

    var isRunning: Bool { snapshot.result == nil }

    var bindings: [KeyBinding<Action>] {
        let running: String? = isRunning ? "Das Terminal arbeitet noch; bitte warten." : nil
        return [
            KeyBinding([.enter, .escape], "Zurück", help: "Zurück zum Terminal-Menü", action: .close, disabledReason: running),
            KeyBinding([.down, .pageDown], "", help: "Weiterblättern", action: .down, inBar: false),
            KeyBinding([.up, .pageUp], "", help: "Zurückblättern", action: .up, inBar: false),
        ]
    }

    func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        switch action {
        case .close: return .close
        case .down: offset = min(offset + 5, max(0, bodyLines.count - shownRows))
        case .up: offset = max(0, offset - 5)
        }
        return .handled
    }

    func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult { .handled }

    func tick(stack: ScreenStack) -> Bool {
        let now = job.snapshot
        guard now != snapshot else { return false }
        snapshot = now
        if !isRunning { flow.refreshTerminalLight(stack: stack) }
        return true
    }

    /// The result's lines, wrapped to the box.
    var bodyLines: [String] { fitLines(snapshot.result?.lines ?? [], width: Self.boxWidth - 4) }

    /// How many result lines the last drawing showed (for paging).
    private var shownRows = 14

    func render(into grid: inout ScreenGrid, in area: Rect) {
        let box = area.centred(width: Self.boxWidth, height: area.height)
        grid.frame(box, title: title)
        let width = box.width - 4
        let column = box.column + 2
        guard let result = snapshot.result else {
            grid.put("Bitte warten – das Terminal arbeitet …", row: box.row + 2, column: column, width: width, style: .dialog)
            let texts = snapshot.texts.suffix(5)
            for (i, text) in texts.enumerated() {
                let newest = i == texts.count - 1
                grid.put((newest ? "▶ " : "  ") + text, row: box.row + 4 + i, column: column, width: width, style: newest ? .emphasis : .dialog)
            }
            grid.cursor = Position(row: box.row + 4 + max(0, texts.count - 1), column: column)
            return
        }
        let headline = fitLines([result.headline], width: width).prefix(5)
        for (i, line) in headline.enumerated() {
            grid.put(line, row: box.row + 1 + i, column: column, width: width, style: result.succeeded ? .emphasis : .error)
        }
        let first = box.row + 2 + headline.count
        let rows = max(1, area.height - 5 - headline.count)
        shownRows = rows
        let body = bodyLines
        for (i, line) in body.dropFirst(offset).prefix(rows).enumerated() {
            grid.put(line, row: first + i, column: column, width: width, style: .dialog)
        }
        let more = body.count > rows ? "↑↓ blättern (\(min(offset + rows, body.count)) von \(body.count) Zeilen), " : ""
        grid.put(more + "Enter oder Esc: zurück", row: box.bottom - 2, column: column, width: width, style: .dim)
        grid.cursor = Position(row: box.row + 1, column: column)
    }
}
