import Foundation
import KasseCore

/// »Zahlung ungeklärt«: card payments whose outcome the terminal has not told (docs/ledger.md,
/// "Card payments"). Nothing is guessed: the clerk asks the terminal again or looks at its last
/// transaction, and a supervisor may settle one by hand with a note. Questions to the terminal
/// run in the background; the screen polls them.
final class UnresolvedCardPaymentsScreen: BoundScreen {
    enum Action: Sendable { case askAgain, lastTransaction, settleByHand, up, down, close }
    var title: String { "Zahlung ungeklärt" }
    var isModal: Bool { true }
    let flow: CounterFlow
    /// Why the screen opened (the card dialog's text), shown first.
    let reason: String?
    private var payments: [UnresolvedCardPayment]
    private var selected = 0
    private var query: TerminalQueryJob?
    private var queryTitle = ""
    private var answer: [String] = []

    init(flow: CounterFlow, reason: String? = nil) {
        self.flow = flow
        self.reason = reason
        payments = flow.backend.unresolvedCardPayments()
    }

    private var busy: String? { query == nil ? nil : "Das Terminal wird noch gefragt; bitte warten." }

    var bindings: [KeyBinding<Action>] {
        let none: String? = payments.isEmpty ? "Keine offene Kartenzahlung." : nil
        return [
            KeyBinding([.function(2)], "Erneut fragen", help: "Das Terminal erneut nach dem Ergebnis fragen", action: .askAgain, disabledReason: busy ?? none),
            KeyBinding(
                [.function(3)], "Letzte Transaktion", help: "Die letzte Transaktion des Terminals anzeigen", action: .lastTransaction, disabledReason: busy),
            KeyBinding(
                [.function(4)], "Von Hand klären", help: "Mit Freigabe der Kassenaufsicht und Notiz von Hand klären", action: .settleByHand,
                disabledReason: busy ?? none),
            KeyBinding([.escape], "Schließen", help: "Zurück; die Zahlung bleibt offen", action: .close),
            KeyBinding([.up], "", help: "Zahlung wählen", action: .up, inBar: false),
            KeyBinding([.down], "", help: "Zahlung wählen", action: .down, inBar: false),
        ]
    }

    func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        switch action {
        case .askAgain:
            ask("Antwort des Terminals", flow.backend.askTerminalAboutUnresolvedPayments())
        case .lastTransaction:
            ask("Letzte Transaktion", flow.backend.terminalLastTransaction())
        case .settleByHand:
            guard let payment = payments[safe: selected] else { return .handled }
            stack.push(SettleCardPaymentByHandDialog(flow: flow, payment: payment) { [weak self] in self?.refresh(stack) })
        case .up: selected = max(0, selected - 1)
        case .down: selected = min(max(0, payments.count - 1), selected + 1)
        case .close: return .close
        }
        return .handled
    }

    private func ask(_ title: String, _ job: TerminalQueryJob) {
        query = job
        queryTitle = title
        answer = []
    }

    /// The open payments anew; a basket whose sale got booked meanwhile is cleared, so that
    /// nobody takes the money a second time.
    private func refresh(_ stack: ScreenStack) {
        payments = flow.backend.unresolvedCardPayments()
        selected = min(selected, max(0, payments.count - 1))
        if let booked = flow.backend.basketBookedMeanwhile() { stack.showNotice(booked) }
    }

    func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult { .handled }

    func tick(stack: ScreenStack) -> Bool {
        guard let query, let lines = query.lines else { return false }
        self.query = nil
        answer = lines
        refresh(stack)
        return true
    }

    func render(into grid: inout ScreenGrid, in area: Rect) {
        let width = min(area.width - 2, 76)
        let text = width - 4
        var lines: [(String, CellStyle)] = []
        if payments.isEmpty {
            lines.append(("Keine Kartenzahlung ist mehr offen.", .emphasis))
        } else {
            let why = reason ?? "Ob das Geld abgebucht wurde, hat das Terminal nicht gemeldet. Bitte nicht erneut kassieren."
            lines += wrap(why, width: text).map { ($0, reason == nil ? .dialog : .error) }
            lines.append(("", .dialog))
        }
        let listStart = lines.count
        for (index, payment) in payments.enumerated() {
            lines.append(((index == selected ? "▶ " : "  ") + payment.label, index == selected ? .selected : .dialog))
        }
        if query != nil {
            lines += [("", .dialog), ("\(queryTitle): das Terminal wird gefragt …", .emphasis)]
        } else if !answer.isEmpty {
            lines += [("", .dialog), ("\(queryTitle):", .emphasis)]
            lines += answer.flatMap { wrap($0, width: text) }.map { ($0, .dialog) }
        }
        let rows = min(lines.count, area.height - 4)
        let box = area.centred(width: width, height: rows + 4)
        grid.frame(box, title: title)
        for (i, line) in lines.prefix(rows).enumerated() {
            grid.put(line.0, row: box.row + 2 + i, column: box.column + 2, style: line.1, maxWidth: text)
        }
        grid.cursor = Position(row: box.row + 2 + (payments.isEmpty ? 0 : listStart + selected), column: box.column + 2)
    }
}

/// Settling one open card payment by hand: what the terminal's own journal or merchant slip
/// shows, the terminal's receipt number when it was paid, a note, and the supervisor's approval.
final class SettleCardPaymentByHandDialog: FormScreen {
    init(flow: CounterFlow, payment: UnresolvedCardPayment, settled: @escaping () -> Void) {
        super.init(
            title: "Von Hand klären",
            intro: [
                payment.label,
                "Laut Terminal-Journal oder Händlerbeleg:",
                "bezahlt? j = ja (mit Terminal-Beleg-Nr.), n = nein",
            ],
            fields: [
                TextField(label: "Bezahlt (j/n)", kind: .text, maxLength: 1),
                TextField(label: "Terminal-Beleg-Nr.", kind: .digits, maxLength: 6),
                TextField(label: "Notiz", kind: .text, maxLength: 60),
                .login(),
                .pin(),
            ],
            submitLabel: "Klären"
        ) { form, stack in
            let answer = form.value(0).lowercased()
            guard answer == "j" || answer == "n" else {
                form.focusIndex = 0
                throw CounterUserError("»Bezahlt (j/n)«: j (bezahlt) oder n (nicht bezahlt) eingeben.")
            }
            let paid = answer == "j"
            if paid, form.value(1).isEmpty {
                form.focusIndex = 1
                throw CounterUserError("»Terminal-Beleg-Nr.«: die Nummer vom Terminalbeleg eingeben.")
            }
            if !paid, !form.value(1).isEmpty {
                form.focusIndex = 1
                throw CounterUserError("»Terminal-Beleg-Nr.«: bei »nicht bezahlt« leer lassen.")
            }
            guard form.value(2).count >= 3 else {
                form.focusIndex = 2
                throw CounterUserError("»Notiz«: woran das Ergebnis erkannt wurde (mind. 3 Zeichen).")
            }
            do {
                let done = try flow.backend.settleCardPaymentByHand(
                    id: payment.id, paid: paid, terminalReceiptNumber: form.value(1), note: form.value(2),
                    approval: SupervisorApproval(login: form.value(3), pin: form.value(4)))
                stack.showNotice(done)
                settled()
                return true
            } catch {
                form.fields[4].clear()
                form.focusIndex = form.value(3).isEmpty ? 3 : 4
                throw error
            }
        }
    }
}
