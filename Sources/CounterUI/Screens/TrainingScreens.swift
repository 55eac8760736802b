/// Training mode (`webkasse run --training`, docs/ui.md): the trainer picks how the simulated
/// terminal ends the next card payment, so a class can practise every case.
final class TrainingOutcomeScreen: BoundScreen {
    enum Action: Sendable, Equatable {
        case pick(TrainingTerminalOutcome)
        case up, down, choose
    }
    var title: String { "Schulung: Terminal" }
    var isModal: Bool { true }
    let backend: CounterBackend
    private var selected = 0
    private let outcomes = TrainingTerminalOutcome.allCases

    init(backend: CounterBackend) { self.backend = backend }

    var bindings: [KeyBinding<Action>] {
        outcomes.enumerated().map { index, outcome in
            KeyBinding([.character(Character(String(index + 1)))], outcome.label, help: outcome.label, action: .pick(outcome), inBar: false)
        } + [
            KeyBinding([.up], "", help: "Ergebnis wählen", action: .up, inBar: false),
            KeyBinding([.down], "", help: "Ergebnis wählen", action: .down, inBar: false),
            KeyBinding([.enter], "Wählen", help: "Gewähltes Ergebnis für die nächste Kartenzahlung", action: .choose),
        ]
    }

    func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        switch action {
        case .up: selected = max(0, selected - 1)
        case .down: selected = min(outcomes.count - 1, selected + 1)
        case .choose: return pick(outcomes[selected], stack: stack)
        case .pick(let outcome): return pick(outcome, stack: stack)
        }
        return .handled
    }

    private func pick(_ outcome: TrainingTerminalOutcome, stack: ScreenStack) -> HandlerResult {
        do {
            try backend.queueTrainingOutcome(outcome)
            stack.showNotice("Nächste Kartenzahlung: \(outcome.label).")
            return .close
        } catch {
            stack.showError("\(error)")
            return .handled
        }
    }

    func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult { key == .escape ? .close : .handled }

    func render(into grid: inout ScreenGrid, in area: Rect) {
        let box = area.centred(width: 60, height: outcomes.count + 6)
        grid.frame(box, title: "Schulung: nächste Kartenzahlung")
        grid.put("Wie endet die nächste Kartenzahlung am Terminal?", row: box.row + 2, column: box.column + 2, style: .dialog)
        for (index, outcome) in outcomes.enumerated() {
            let isSelected = index == selected
            grid.put(
                (isSelected ? "▶ " : "  ") + "\(index + 1)  " + outcome.label, row: box.row + 4 + index, column: box.column + 2,
                width: box.width - 4, style: isSelected ? .selected : .dialog)
        }
        grid.cursor = Position(row: box.row + 4 + selected, column: box.column + 2)
    }
}
