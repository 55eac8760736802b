import Foundation
import KasseCore

/// The menu (F9): back-office functions, each on a digit.
final class MenuScreen: BoundScreen {
    enum Action: Sendable, Equatable {
        case storno, reprint, einlage, entnahme, xReport, dayClose, handover, changeOperator, lock, quit, terminal, unresolvedCard, noSale, up, down,
            choose
        case training, stadtkasse
    }
    var title: String { "Menü" }
    var isModal: Bool { true }
    let backend: CounterBackend
    let flow: CounterFlow
    private var selected = 0

    init(backend: CounterBackend, flow: CounterFlow) {
        self.backend = backend
        self.flow = flow
    }

    /// The menu entries, in order; digit n picks entry n (0 the tenth), T the terminal menu, A the
    /// Abschöpfung an die Stadtkasse, U the
    /// card payments whose outcome is open (only while there are any).
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
        var entries =
            items.enumerated().map { index, item in
                KeyBinding([.character(Character(String((index + 1) % 10)))], item.0, help: item.1, action: item.2, inBar: false, disabledReason: item.3)
            } + [
                KeyBinding([.character("t"), .character("T")], "Terminal", help: "EC-Terminal (Kassenaufsicht)", action: .terminal, inBar: false),
                KeyBinding(
                    [.character("s"), .character("S")], "Schublade", help: "Schublade öffnen (No Sale, mit Grund)", action: .noSale,
                    inBar: false, disabledReason: busy),
                KeyBinding(
                    [.character("a"), .character("A")], "Abschöpfung", help: "Abschöpfung an die Stadtkasse (mit Freigabe)", action: .stadtkasse,
                    inBar: false, disabledReason: busy),
            ]
        if backend.status.isTraining {
            entries.append(
                KeyBinding(
                    [.character("e"), .character("E")], "Schulung", help: "Schulung: Ergebnis des Terminals wählen", action: .training,
                    inBar: false))
        }
        let unresolved = backend.unresolvedCardPayments().count
        if unresolved > 0 {
            entries.append(
                KeyBinding(
                    [.character("u"), .character("U")], "Ungeklärt", help: "Ungeklärte Kartenzahlungen (\(unresolved)) klären", action: .unresolvedCard,
                    inBar: false))
        }
        return entries
    }

    /// The key shown before `entry`: its digit or letter.
    private func keyLabel(_ entry: KeyBinding<Action>) -> String {
        guard case .character(let c)? = entry.keys.first else { return " " }
        return String(c).uppercased()
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
                let report = ReportScreen(title: "Zwischenbericht (X)", lines: try backend.interimReportLines())
                let backend = self.backend
                report.onPrint = { try backend.printInterimReport() }
                stack.replaceTop(with: report)
            } catch { stack.showError("\(error)") }
        case .dayClose:
            DayCloseCountScreen.open(backend: backend, flow: flow, stack: stack)
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
        case .terminal:
            stack.pop(through: self)
            flow.openTerminalMenu(stack: stack)
        case .unresolvedCard:
            stack.replaceTop(with: UnresolvedCardPaymentsScreen(flow: flow))
        case .noSale:
            stack.replaceTop(with: NoSaleDialog(flow: flow))
        case .training:
            stack.replaceTop(with: TrainingOutcomeScreen(backend: backend))
        case .stadtkasse:
            stack.replaceTop(with: StadtkasseTransferScreen(flow: flow))
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
            var text = (isSelected ? "▶ " : "  ") + keyLabel(entry) + "  " + entry.help
            if entry.disabledReason != nil { text += " (nicht verfügbar)" }
            grid.put(
                text, row: box.row + 2 + index, column: box.column + 2, width: box.width - 4,
                style: isSelected ? .selected : (entry.disabledReason == nil ? .dialog : .dim))
        }
        grid.cursor = Position(row: box.row + 2 + selected, column: box.column + 2)
    }
}

/// »No Sale«: the drawer opens without a booking, with a reason; a clerk needs a supervisor's
/// Kennung and PIN. Audited and counted in the Z report (docs/printer.md, "Drawer").
final class NoSaleDialog: FormScreen {
    init(flow: CounterFlow) {
        super.init(
            title: "Schublade öffnen",
            intro: ["Die Schublade öffnet sich ohne Verkauf.", "Der Grund steht im Prüfprotokoll und im Z-Bericht."],
            fields: [TextField(label: "Grund", kind: .text, maxLength: 60)],
            submitLabel: "Öffnen"
        ) { form, stack in
            let reason = form.value(0)
            guard reason.count >= 3 else { throw CounterUserError("Bitte einen Grund eingeben (mindestens 3 Zeichen, z. B. »Wechselgeld getauscht«).") }
            guard flow.backend.mayOpenDrawerWithoutSale else {
                stack.replaceTop(
                    with: ApprovalDialog(intro: ["Schublade öffnen ohne Verkauf", "Grund: \(reason)", "Eine Kassenaufsicht gibt frei:"]) { approval, stack in
                        try flow.backend.openDrawerWithoutSale(reason: reason, approval: approval)
                        stack.showNotice("Schublade geöffnet.")
                    })
                return false
            }
            try flow.backend.openDrawerWithoutSale(reason: reason, approval: nil)
            stack.showNotice("Schublade geöffnet.")
            return true
        }
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
    var filter = TextField(label: "Suche", kind: .text, maxLength: 36)
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
                || sale.reference?.localizedCaseInsensitiveContains(query) == true
        }
    }

    var bindings: [KeyBinding<Action>] {
        [
            KeyBinding(
                [.enter], mode == .storno ? "Stornieren" : "Nachdrucken", help: "Markierten Beleg wählen", action: .choose,
                disabledReason: visible.isEmpty ? "Kein Beleg passt zur Suche." : nil)
        ]
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
        let label = " Suche (Beleg, Betrag, Uhrzeit, Kassenzeichen): "
        grid.put(label, row: area.row, column: 0, style: .emphasis)
        filter.render(into: &grid, row: area.row, column: label.count, width: min(30, area.width - label.count - 1), focused: true)
        grid.put("   Beleg        Uhrzeit   Zahlart              Betrag  Status    Kassenzeichen", row: area.row + 2, column: 0, style: .dim)
        let list = visible
        let rows = area.height - 4
        let first = max(0, selected - rows + 1)
        for (index, sale) in list.enumerated().dropFirst(first).prefix(rows) {
            let isSelected = index == selected
            let text =
                (isSelected ? " ▶ " : "   ") + ScreenGrid.fit(sale.receiptNumber, width: 12) + " "
                + ScreenGrid.fit(sale.time, width: 9) + " " + ScreenGrid.fit(sale.methods, width: 14)
                + ScreenGrid.fit(sale.amount.formatted, width: 12, alignRight: true) + "  "
                + ScreenGrid.fit(sale.isCancelled ? "storniert" : "", width: 10) + " " + (sale.reference ?? "")
            grid.put(text, row: area.row + 3 + index - first, column: 0, width: area.width, style: isSelected ? .selected : .normal)
            // The cursor on the receipt Enter acts on (EN 301 549 4.2.1: braille displays follow it).
            if isSelected { grid.cursor = Position(row: area.row + 3 + index - first, column: 1) }
        }
        if list.isEmpty {
            grid.put(sales.isEmpty ? "   Heute noch keine Belege." : "   Kein Beleg passt zur Suche.", row: area.row + 3, column: 0, style: .dim)
        } else if let query = Optional(filter.text.trimmingCharacters(in: .whitespaces)), !query.isEmpty,
            let sale = list[safe: selected], let reference = sale.reference, reference.localizedCaseInsensitiveContains(query)
        {
            grid.put(" Beleg zu Kassenzeichen \(reference): \(sale.receiptNumber)", row: area.row + 1, column: 0, style: .notice, maxWidth: area.width)
        }
    }
}

/// Storno step 1: the reason.
final class StornoReasonDialog: FormScreen {
    init(flow: CounterFlow, sale: SaleSummary) {
        super.init(
            title: "Storno Beleg \(sale.receiptNumber)",
            intro: [
                "Beleg \(sale.receiptNumber) von \(sale.time) über \(sale.amount.formatted) (\(sale.methods))",
                "wird als Ganzes storniert.",
            ],
            fields: [TextField(label: "Grund", kind: .text, maxLength: 60)],
            submitLabel: "Weiter"
        ) { form, stack in
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
        super.init(
            title: "Freigabe durch Vorgesetzte",
            intro: [
                "Storno \(sale.receiptNumber) über \(sale.amount.formatted)", "Grund: \(reason)",
                "Eine Vorgesetzte / ein Vorgesetzter gibt frei:",
            ],
            fields: [
                .login(),
                .pin(),
            ],
            submitLabel: "Freigeben"
        ) { form, stack in
            do {
                let job = try flow.backend.storno(
                    receiptNumber: sale.receiptNumber, reason: reason,
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
        super.init(
            title: kind.label,
            intro: [kind == .einlage ? "Bargeld in die Kasse legen." : "Bargeld aus der Kasse nehmen."],
            fields: [
                TextField(label: "Betrag", kind: .amount, maxLength: 10),
                TextField(label: "Grund", kind: .text, maxLength: 60),
            ],
            submitLabel: "Buchen"
        ) { form, stack in
            let amount = try parseAmount(form.value(0), field: "Betrag")
            guard !form.value(1).isEmpty else {
                form.focusIndex = 1
                throw CounterUserError("Bitte einen Grund eingeben (z. B. »Abschöpfung Tresor«).")
            }
            let reason = form.value(1)
            // The drawer is checked before a supervisor is called to approve.
            if !kind.isIntoDrawer {
                let available = try flow.backend.cashInDrawer()
                guard amount <= available else {
                    form.focusIndex = 0
                    throw CounterUserError("In der Kasse sind nur \(available.formatted): eine \(kind.label) über \(amount.formatted) ist nicht möglich.")
                }
            }
            guard flow.backend.cashMovementNeedsApproval(kind) else {
                try flow.backend.cashMovement(kind, amount: amount, reason: reason, approval: nil)
                stack.showNotice("\(kind.label) über \(amount.formatted) gebucht.")
                return true
            }
            // Over the entry: Esc in the approval goes back to it with amount and reason kept.
            stack.push(
                ApprovalDialog(
                    intro: ["\(kind.label) über \(amount.formatted)", "Grund: \(reason)", "Eine Kassenaufsicht gibt frei:"]) { approval, stack in
                        try flow.backend.cashMovement(kind, amount: amount, reason: reason, approval: approval)
                        stack.pop(through: form)
                        stack.showNotice("\(kind.label) über \(amount.formatted) gebucht.")
                    })
            return false
        }
    }
}

/// Handing the drawer over: both count, the receiver confirms with Kennung and PIN and is the
/// operator from then on.
final class HandoverScreen: CashCountScreen {
    init(flow: CounterFlow) {
        super.init(title: "Kassenübergabe", intro: "Gemeinsam zählen: Stückzahl je Sorte oder oben die Summe.", submitLabel: "Weiter") { counted, _, stack in
            stack.push(
                FormScreen(
                    title: "Übernahme bestätigen",
                    intro: ["Gezählt: \(counted.formatted).", "Wer übernimmt die Kasse? Kennung und PIN:"],
                    fields: [
                        .login(),
                        .pin(),
                    ],
                    submitLabel: "Übernehmen"
                ) { form, stack in
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
        super.init(
            title: "Freigabe durch Kassenaufsicht", intro: intro,
            fields: [
                .login(),
                .pin(),
            ],
            submitLabel: "Freigeben"
        ) { form, stack in
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
