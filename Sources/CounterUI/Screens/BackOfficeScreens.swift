import Foundation
import KasseCore

/// The menu (F9): back-office functions, each on a digit.
final class MenuScreen: BoundScreen {
    enum Action: Sendable, Equatable { case storno, reprint, einlage, entnahme, xReport, dayClose, handover, changeOperator, lock, quit, up, down, choose }
    var title: String { "Menü" }
    var isModal: Bool { true }
    let backend: CounterBackend
    let flow: CounterFlow
    private var selected = 0

    init(backend: CounterBackend, flow: CounterFlow) {
        self.backend = backend
        self.flow = flow
    }

    /// The menu entries, in order; digit n picks entry n (0 the tenth).
    var entries: [KeyBinding<Action>] {
        let busy: String? = backend.basket.isEmpty ? nil : "Der Warenkorb ist nicht leer: erst kassieren oder verwerfen."
        let items: [(String, String, Action, String?)] = [
            ("Storno", "Beleg stornieren (mit Freigabe)", .storno, busy),
            ("Nachdruck", "Beleg nachdrucken", .reprint, nil),
            ("Einlage", "Bargeld einlegen (Einlage)", .einlage, busy),
            ("Entnahme", "Bargeld entnehmen (Entnahme)", .entnahme, busy),
            ("X-Bericht", "Zwischenbericht (X) anzeigen", .xReport, nil),
            ("Tagesabschluss", "Tagesabschluss (Z)", .dayClose, busy),
            ("Übergabe", "Kassenübergabe (mit Zählung)", .handover, busy),
            ("Bedienerwechsel", "Abmelden, anderer Bediener", .changeOperator, busy),
            ("Sperren", "Kasse sperren", .lock, nil),
            ("Beenden", "Programm beenden", .quit, nil),
        ]
        return items.enumerated().map { index, item in
            KeyBinding([.character(Character(String((index + 1) % 10)))], item.0, help: item.1, action: item.2, inBar: false, disabledReason: item.3)
        }
    }

    var bindings: [KeyBinding<Action>] {
        entries + [
            KeyBinding([.up], "", help: "Eintrag wählen", action: .up, inBar: false),
            KeyBinding([.down], "", help: "Eintrag wählen", action: .down, inBar: false),
            KeyBinding([.enter], "", help: "Gewählten Eintrag ausführen", action: .choose, inBar: false),
        ]
    }

    func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        let entries = self.entries
        switch action {
        case .up: selected = max(0, selected - 1)
        case .down: selected = min(entries.count - 1, selected + 1)
        case .choose:
            if let reason = entries[selected].disabledReason {
                stack.showError(reason)
            } else {
                return perform(entries[selected].action, stack: stack)
            }
        case .storno:
            stack.replaceTop(with: SaleListScreen(flow: flow, mode: .storno))
        case .reprint:
            stack.replaceTop(with: SaleListScreen(flow: flow, mode: .reprint))
        case .einlage:
            stack.replaceTop(with: CashMovementDialog(flow: flow, kind: .einlage))
        case .entnahme:
            stack.replaceTop(with: CashMovementDialog(flow: flow, kind: .entnahme))
        case .xReport:
            do {
                if let reports = backend as? DayCloseBackend {  // issue 8: the X report with the hourly chart
                    stack.replaceTop(with: ReportScreen(title: "Zwischenbericht (X)", lines: try reports.interimReportLines()))
                    return .handled
                }
                let lines = try backend.interimReport()
                stack.replaceTop(with: TextViewScreen(title: "Zwischenbericht (X)", lines: lines))
            } catch { stack.showError("\(error)") }
        case .dayClose:
            if let dayClose = backend as? DayCloseBackend {  // issue 8: count by denomination, Z report
                DayCloseCountScreen.open(backend: dayClose, flow: flow, stack: stack)
            } else {
                stack.replaceTop(with: DayCloseScreen(flow: flow))
            }
        case .handover:
            stack.replaceTop(with: HandoverScreen(flow: flow))
        case .changeOperator:
            flow.logOut(stack: stack)
        case .lock:
            stack.pop(through: self)
            flow.lock(stack: stack)
        case .quit:
            stack.pop(through: self)
            flow.quit(stack: stack)
        }
        return .handled
    }

    func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult { key == .escape ? .close : .handled }

    func render(into grid: inout ScreenGrid, in area: Rect) {
        let entries = self.entries
        let box = area.centred(width: 54, height: entries.count + 4)
        grid.frame(box, title: "Menü")
        for (index, entry) in entries.enumerated() {
            let isSelected = index == selected
            var text = (isSelected ? "▶ " : "  ") + "\((index + 1) % 10)  " + entry.help
            if entry.disabledReason != nil { text += " (nicht verfügbar)" }
            grid.put(text, row: box.row + 2 + index, column: box.column + 2, width: box.width - 4,
                     style: isSelected ? .selected : (entry.disabledReason == nil ? .dialog : .dim))
        }
        grid.cursor = Position(row: box.row + 2 + selected, column: box.column + 2)
    }
}

/// The day's sales with a filter (receipt number, amount or time), for storno and reprint.
final class SaleListScreen: BoundScreen {
    enum Mode { case storno, reprint }
    enum Action: Sendable { case choose }
    var title: String { mode == .storno ? "Storno: Beleg wählen" : "Nachdruck: Beleg wählen" }
    let flow: CounterFlow
    let mode: Mode
    let sales: [SaleSummary]
    var filter = TextField(label: "Suche", kind: .text, maxLength: 20)
    private var selected = 0

    init(flow: CounterFlow, mode: Mode) {
        self.flow = flow
        self.mode = mode
        sales = flow.backend.todaysSales()
    }

    var visible: [SaleSummary] {
        let query = filter.text.trimmingCharacters(in: .whitespaces)
        guard !query.isEmpty else { return sales }
        let amountQuery = (try? Money.parse(query)).map(\.formattedNumber)
        return sales.filter { sale in
            sale.receiptNumber.contains(query) || sale.time.hasPrefix(query)
                || sale.amount.formattedNumber.contains(query) || amountQuery == sale.amount.formattedNumber
        }
    }

    var bindings: [KeyBinding<Action>] {
        [KeyBinding([.enter], mode == .storno ? "Stornieren" : "Nachdrucken", help: "Markierten Beleg wählen", action: .choose,
                    disabledReason: visible.isEmpty ? "Kein Beleg passt zur Suche." : nil)]
    }

    func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        let list = visible
        guard let sale = list[safe: selected] else { return .handled }
        switch mode {
        case .reprint:
            do {
                let receipt = try flow.backend.receipt(number: sale.receiptNumber)
                stack.replaceTop(with: ReceiptScreen(flow: flow, receipt: receipt, mode: .reprint))
            } catch { stack.showError("\(error)") }
        case .storno:
            guard !sale.isCancelled else {
                stack.showError("Beleg \(sale.receiptNumber) ist bereits storniert.")
                return .handled
            }
            stack.push(StornoReasonDialog(flow: flow, sale: sale))
        }
        return .handled
    }

    func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult {
        switch key {
        case .up: selected = max(0, selected - 1)
        case .down: selected = min(max(0, visible.count - 1), selected + 1)
        case .escape: return .ignored
        default:
            if case .refused(let reason) = filter.handle(key) { stack.showError(reason) }
            selected = 0
        }
        return .handled
    }

    func render(into grid: inout ScreenGrid, in area: Rect) {
        grid.fill(area)
        let label = " Suche (Belegnummer, Betrag oder Uhrzeit): "
        grid.put(label, row: area.row, column: 0, style: .emphasis)
        filter.render(into: &grid, row: area.row, column: label.count, width: 20, focused: true)
        grid.put("   Beleg        Uhrzeit   Zahlart              Betrag  Status", row: area.row + 2, column: 0, style: .dim)
        let list = visible
        let rows = area.height - 4
        let first = max(0, selected - rows + 1)
        for (index, sale) in list.enumerated().dropFirst(first).prefix(rows) {
            let isSelected = index == selected
            let text = (isSelected ? " ▶ " : "   ") + ScreenGrid.fit(sale.receiptNumber, width: 12) + " "
                + ScreenGrid.fit(sale.time, width: 9) + " " + ScreenGrid.fit(sale.methods, width: 14)
                + ScreenGrid.fit(sale.amount.formatted, width: 12, alignRight: true) + "  " + (sale.isCancelled ? "storniert" : "")
            grid.put(text, row: area.row + 3 + index - first, column: 0, width: area.width, style: isSelected ? .selected : .normal)
        }
        if list.isEmpty {
            grid.put(sales.isEmpty ? "   Heute noch keine Belege." : "   Kein Beleg passt zur Suche.", row: area.row + 3, column: 0, style: .dim)
        }
    }
}

/// Storno step 1: the reason.
final class StornoReasonDialog: FormScreen {
    init(flow: CounterFlow, sale: SaleSummary) {
        super.init(title: "Storno Beleg \(sale.receiptNumber)",
                   intro: ["Beleg \(sale.receiptNumber) von \(sale.time) über \(sale.amount.formatted) (\(sale.methods))",
                           "wird als Ganzes storniert."],
                   fields: [TextField(label: "Grund", kind: .text, maxLength: 60)],
                   submitLabel: "Weiter") { form, stack in
            let reason = form.value(0)
            guard reason.count >= 3 else { throw CounterUserError("Bitte einen Grund für das Storno eingeben (mindestens 3 Zeichen).") }
            stack.replaceTop(with: SupervisorApprovalDialog(flow: flow, sale: sale, reason: reason))
            return false
        }
    }
}

/// Storno step 2: a supervisor approves with id and PIN (four eyes).
final class SupervisorApprovalDialog: FormScreen {
    init(flow: CounterFlow, sale: SaleSummary, reason: String) {
        super.init(title: "Freigabe durch Vorgesetzte",
                   intro: ["Storno \(sale.receiptNumber) über \(sale.amount.formatted)", "Grund: \(reason)",
                           "Eine Vorgesetzte / ein Vorgesetzter gibt frei:"],
                   fields: [TextField(label: "Kennung", kind: .text, maxLength: 16),
                            TextField(label: "PIN", kind: .digits, maxLength: 8, isSecret: true)],
                   submitLabel: "Freigeben") { form, stack in
            do {
                let job = try flow.backend.storno(receiptNumber: sale.receiptNumber, reason: reason,
                                                  approval: SupervisorApproval(login: form.value(0), pin: form.value(1)))
                flow.backToSale(stack: stack)
                stack.push(CardPaymentScreen(flow: flow, stornoJob: job, receiptNumber: sale.receiptNumber))
                return false
            } catch {
                form.fields[1].clear()
                form.focusIndex = form.value(0).isEmpty ? 0 : 1
                throw error
            }
        }
    }
}

/// Cash deposit or withdrawal with amount and reason.
final class CashMovementDialog: FormScreen {
    init(flow: CounterFlow, kind: CashMovementKind) {
        super.init(title: kind.label,
                   intro: [kind == .einlage ? "Bargeld in die Kasse legen." : "Bargeld aus der Kasse nehmen."],
                   fields: [TextField(label: "Betrag", kind: .amount, maxLength: 10),
                            TextField(label: "Grund", kind: .text, maxLength: 60)],
                   submitLabel: "Buchen") { form, stack in
            let amount = try parseAmount(form.value(0), field: "Betrag")
            guard !form.value(1).isEmpty else {
                form.focusIndex = 1
                throw CounterUserError("Bitte einen Grund eingeben (z. B. »Abschöpfung Tresor«).")
            }
            let reason = form.value(1)
            guard flow.backend.cashMovementNeedsApproval(kind) else {
                try flow.backend.cashMovement(kind, amount: amount, reason: reason, approval: nil)
                stack.showNotice("\(kind.label) über \(amount.formatted) gebucht.")
                return true
            }
            stack.replaceTop(with: ApprovalDialog(
                intro: ["\(kind.label) über \(amount.formatted)", "Grund: \(reason)", "Eine Kassenaufsicht gibt frei:"]) { approval, stack in
                try flow.backend.cashMovement(kind, amount: amount, reason: reason, approval: approval)
                stack.showNotice("\(kind.label) über \(amount.formatted) gebucht.")
            })
            return false
        }
    }
}

/// End of day: count the drawer (blind: the expected amount is shown only after counting), give
/// a reason for a difference, a supervisor approves one above the threshold; then the Z report.
final class DayCloseScreen: CashCountScreen {
    init(flow: CounterFlow) {
        super.init(title: "Tagesabschluss", intro: "Kassenbestand zählen: Stückzahl je Sorte oder oben die Summe.", submitLabel: "Abschließen") { counted, pieces, stack in
            try DayCloseScreen.close(flow: flow, counted: counted, pieces: pieces, reason: "", approval: nil, stack: stack)
        }
    }

    /// One step of the close; asks for what is missing (reason, approval) and tries again.
    static func close(flow: CounterFlow, counted: Money, pieces: [Int64: Int]?, reason: String, approval: SupervisorApproval?,
                      stack: ScreenStack) throws {
        switch try flow.backend.closeDay(countedCash: counted, pieces: pieces, reason: reason, approval: approval) {
        case .closed(let report):
            let view = TextViewScreen(title: "Tagesabschluss (Z)", lines: report)
            view.onClose = { stack in flow.logOut(stack: stack) }
            stack.reset(to: view)
            stack.showNotice("Der Tag ist abgeschlossen. Esc beendet die Anzeige und meldet ab.")
        case .needsReason(let expected, let counted):
            let difference = Money(cents: counted.cents - expected.cents)
            stack.push(FormScreen(title: "Kassendifferenz",
                                  intro: ["Soll \(expected.formatted), gezählt \(counted.formatted):",
                                          "Differenz \(difference.formatted). Bitte den Grund angeben."],
                                  fields: [TextField(label: "Grund", kind: .text, maxLength: 60)], submitLabel: "Weiter") { form, stack in
                guard !form.value(0).isEmpty else { throw CounterUserError("Bitte den Grund der Differenz angeben.") }
                stack.pop(through: form)
                try DayCloseScreen.close(flow: flow, counted: counted, pieces: pieces, reason: form.value(0), approval: nil, stack: stack)
                return false
            })
        case .needsApproval(let expected, let counted):
            let difference = Money(cents: counted.cents - expected.cents)
            stack.push(ApprovalDialog(intro: ["Soll \(expected.formatted), gezählt \(counted.formatted):",
                                              "Differenz \(difference.formatted). Eine Kassenaufsicht gibt frei:"]) { approval, stack in
                stack.pop()
                try DayCloseScreen.close(flow: flow, counted: counted, pieces: pieces, reason: reason, approval: approval, stack: stack)
            })
        }
    }
}

/// Handing the drawer over: both count, the receiver confirms with Kennung and PIN and is the
/// operator from then on.
final class HandoverScreen: CashCountScreen {
    init(flow: CounterFlow) {
        super.init(title: "Kassenübergabe", intro: "Gemeinsam zählen: Stückzahl je Sorte oder oben die Summe.", submitLabel: "Weiter") { counted, _, stack in
            stack.push(FormScreen(title: "Übernahme bestätigen",
                                  intro: ["Gezählt: \(counted.formatted).", "Wer übernimmt die Kasse? Kennung und PIN:"],
                                  fields: [TextField(label: "Kennung", kind: .text, maxLength: 16),
                                           TextField(label: "PIN", kind: .digits, maxLength: 8, isSecret: true)],
                                  submitLabel: "Übernehmen") { form, stack in
                do {
                    let (name, difference) = try flow.backend.handOver(to: form.value(0), pin: form.value(1), countedCash: counted)
                    stack.status.operatorName = name
                    flow.showSale(stack: stack)
                    stack.showNotice("Kasse an \(name) übergeben" + (difference.isZero ? "." : " (Differenz \(difference.formatted))."))
                    return false
                } catch {
                    form.fields[1].clear()
                    form.focusIndex = form.value(0).isEmpty ? 0 : 1
                    throw error
                }
            })
        }
    }
}

/// A supervisor's approval (four eyes) for something already described in `intro`.
final class ApprovalDialog: FormScreen {
    init(intro: [String], approve: @escaping (SupervisorApproval, ScreenStack) throws -> Void) {
        super.init(title: "Freigabe durch Kassenaufsicht", intro: intro,
                   fields: [TextField(label: "Kennung", kind: .text, maxLength: 16),
                            TextField(label: "PIN", kind: .digits, maxLength: 8, isSecret: true)],
                   submitLabel: "Freigeben") { form, stack in
            do {
                try approve(SupervisorApproval(login: form.value(0), pin: form.value(1)), stack)
                return true
            } catch {
                form.fields[1].clear()
                form.focusIndex = form.value(0).isEmpty ? 0 : 1
                throw error
            }
        }
    }
}

/// A scrollable text (reports).
final class TextViewScreen: BoundScreen {
    enum Action: Sendable { case up, down }
    let title: String
    let lines: [String]
    private var offset = 0
    /// Instead of going back (e.g. log out after the day close).
    var onClose: ((ScreenStack) -> Void)?

    init(title: String, lines: [String]) {
        self.title = title
        self.lines = lines
    }

    var bindings: [KeyBinding<Action>] {
        [
            KeyBinding([.down, .pageDown], "", help: "Weiterblättern", action: .down, inBar: false),
            KeyBinding([.up, .pageUp], "", help: "Zurückblättern", action: .up, inBar: false),
        ]
    }

    func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        switch action {
        case .down: offset = min(offset + 10, max(0, lines.count - 10))
        case .up: offset = max(0, offset - 10)
        }
        return .handled
    }

    func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult {
        guard key == .escape || key == .enter else { return .handled }
        if let onClose {
            onClose(stack)
            return .handled
        }
        return .close
    }

    func render(into grid: inout ScreenGrid, in area: Rect) {
        grid.fill(area)
        grid.put(" \(title)", row: area.row, column: 0, width: area.width, style: .emphasis)
        for (i, line) in lines.dropFirst(offset).prefix(area.height - 3).enumerated() {
            grid.put(line, row: area.row + 2 + i, column: 2, style: .normal, maxWidth: area.width - 4)
        }
        grid.put(" ↑/↓ blättern · Esc zurück", row: area.bottom - 1, column: 0, style: .dim)
    }
}
