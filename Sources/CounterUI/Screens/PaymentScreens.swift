import Foundation
import KasseCore

extension SaleScreen {
    /// Called after a payment: the next citizen starts with an empty search.
    func paymentFinished() {
        search.clear()
        updateResults()
        basketIndex = 0
        focus = .search
    }
}

/// Parses an amount field with the field's name in the message.
func parseAmount(_ text: String, field: String, allowZero: Bool = false) throws -> Money {
    guard !text.isEmpty else { throw CounterUserError("Bitte im Feld »\(field)« einen Betrag eingeben, z. B. 20,00.") }
    let amount: Money
    do { amount = try Money.parse(text) } catch { throw CounterUserError("Im Feld »\(field)«: \(error)") }
    if amount.isZero && !allowZero { throw CounterUserError("Im Feld »\(field)« ist 0,00 € nicht möglich.") }
    return amount
}

/// Quantity of a basket line.
final class QuantityDialog: FormScreen {
    init(line: BasketView.Line, apply: @escaping (Int, ScreenStack) -> Void) {
        super.init(
            title: "Menge ändern", intro: ["\(line.code) \(line.name)"],
            // One digit more than the largest quantity: what does not fit is refused by name, not cut.
            fields: [TextField(label: "Menge", kind: .digits, maxLength: String(Basket.maximumQuantity).count + 1, text: String(line.quantity))],
            submitLabel: "Übernehmen"
        ) { form, stack in
            guard let quantity = Int(form.value(0)), (1...Basket.maximumQuantity).contains(quantity) else {
                let typed = form.value(0).isEmpty ? "" : "»\(form.value(0))« geht nicht: "
                throw CounterUserError("Menge: \(typed)bitte eine Zahl von 1 bis höchstens \(Basket.maximumQuantity) eingeben (Entfernen mit F4).")
            }
            stack.pop(through: form)
            apply(quantity, stack)
            return false
        }
    }
}

/// Cash: amount tendered with quick keys (exact amount, notes); change shown live.
final class CashPaymentScreen: FormScreen {
    static let notes: [(key: Int, euros: Int64)] = [(3, 10), (4, 20), (5, 50), (6, 100), (7, 200)]
    let amount: Money
    /// The tendered amount whose large change the clerk confirmed (asked once).
    var confirmedTendered: Money?

    /// `cardPartAfter`: a split payment with the card part typed first; after the cash rest the
    /// terminal charges it at once.
    init(backend: CounterBackend, flow: CounterFlow, amount: Money, cardPartAfter: Money? = nil) {
        self.amount = amount
        super.init(
            title: "Barzahlung",
            intro: cardPartAfter.map { ["Rest bar: \(amount.formatted)", "Danach Karte: \($0.formatted)"] } ?? ["Zu zahlen: \(amount.formatted)"],
            fields: [TextField(label: "Gegeben", kind: .amount, maxLength: 10)],
            submitLabel: "Buchen"
        ) { form, stack in
            let tendered = try parseAmount(form.value(0), field: "Gegeben")
            guard tendered >= amount else {
                throw CounterUserError("Gegeben \(tendered.formatted) ist weniger als zu zahlen \(amount.formatted); Betrag korrigieren.")
            }
            let screen = form as! CashPaymentScreen
            let change = try tendered.subtracting(amount)
            if let limit = backend.changeConfirmationLimit, change > limit, screen.confirmedTendered != tendered {
                stack.push(
                    ConfirmDialog(
                        title: "Rückgeld prüfen",
                        question: ["Gegeben \(tendered.formatted) für \(amount.formatted):", "Rückgeld \(change.formatted) – stimmt das?"],
                        yesLabel: "Buchen", noLabel: "Korrigieren"
                    ) { yes, stack in
                        guard yes else { return }
                        screen.confirmedTendered = tendered
                        screen.submit(stack: stack)
                    })
                return false
            }
            let step = try backend.payCash(amount: amount, tendered: tendered)
            if let cardPart = cardPartAfter, case .remaining = step {
                flow.backToSale(stack: stack)
                stack.showNotice("Rest bar angenommen (Rückgeld \(change.formatted)); jetzt die Karte über \(cardPart.formatted).")
                flow.startCard(amount: cardPart, stack: stack)
                return false
            }
            flow.paymentDone(step, tendered: tendered, stack: stack)
            return false
        }
        var extras = [
            Extra(keys: [.function(2), .control("p")], label: "Passend", help: "Passend gezahlt: sofort buchen") { form, stack in
                form.fields[0].setText(amount.formattedNumber)
                form.submit(stack: stack)
            }
        ]
        for note in Self.notes {
            extras.append(
                Extra(keys: [.function(note.key)], label: "\(note.euros)€", help: "\(note.euros)-€-Schein zum gegebenen Betrag addieren") { form, _ in
                    let current = (try? Money.parse(form.value(0))) ?? .zero
                    guard let added = try? current.adding(Money(euros: note.euros)) else { return }
                    form.fields[0].setText(added.formattedNumber)
                })
        }
        if let cardPart = cardPartAfter {
            // The rest by cheque instead of cash, then the card part.
            extras.append(
                Extra(keys: [.function(8), .control("e")], label: "Scheck", help: "Den Rest per Scheck, danach die Karte") { _, stack in
                    stack.replaceTop(with: ChequeDialog(backend: backend, flow: flow, amount: amount, cardPartAfter: cardPart))
                })
        }
        self.extras = extras
        footer = { form in
            guard let tendered = try? Money.parse(form.value(0)) else { return ["Rückgeld: –"] }
            if tendered < amount { return ["Es fehlen noch \((try? amount.subtracting(tendered))?.formatted ?? "–")"] }
            return ["Rückgeld: \((try? tendered.subtracting(amount))?.formatted ?? "–")"]
        }
    }
}

/// Cheque: number, bank, name of the issuer. A cheque for a part is booked with the card rest:
/// `cardPartAfter` (the card part typed first) is charged at once after it.
final class ChequeDialog: FormScreen {
    init(backend: CounterBackend, flow: CounterFlow, amount: Money, cardPartAfter: Money? = nil) {
        super.init(
            title: "Scheckzahlung",
            intro: cardPartAfter.map { ["Rest per Scheck: \(amount.formatted)", "Danach Karte: \($0.formatted)"] } ?? ["Betrag: \(amount.formatted)"],
            fields: [
                TextField(label: "Schecknummer", kind: .digits, maxLength: 20),
                TextField(label: "Bank", kind: .text, maxLength: 30),
                TextField(label: "Name", kind: .text, maxLength: 30),
            ],
            submitLabel: "Buchen"
        ) { form, stack in
            for (index, name) in ["Schecknummer", "Bank", "Name"].enumerated() where form.value(index).isEmpty {
                form.focusIndex = index
                throw CounterUserError("Bitte das Feld »\(name)« ausfüllen.")
            }
            let step = try backend.payCheque(amount: amount, number: form.value(0), bank: form.value(1), name: form.value(2))
            if case .remaining(let due) = step {
                flow.backToSale(stack: stack)
                if let cardPart = cardPartAfter {
                    stack.showNotice("Scheck über \(amount.formatted) angenommen; jetzt die Karte über \(cardPart.formatted).")
                    flow.startCard(amount: cardPart, stack: stack)
                } else {
                    stack.showNotice("Scheck über \(amount.formatted) angenommen. Offen: \(due.formatted) – F6 Karte.")
                }
                return false
            }
            flow.paymentDone(step, tendered: nil, stack: stack)
            return false
        }
    }
}

/// Split payment: a part amount, then the method by its key.
final class SplitPaymentDialog: FormScreen {
    init(backend: CounterBackend, flow: CounterFlow, due: Money) {
        super.init(
            title: "Teilzahlung", intro: ["Offen: \(due.formatted)", "Teilbetrag eingeben, dann Zahlart wählen."],
            fields: [TextField(label: "Teilbetrag", kind: .amount, maxLength: 10)],
            submitLabel: "Bar"
        ) { form, stack in
            let part = try SplitPaymentDialog.part(form, due: due)
            stack.pop(through: form)
            stack.push(CashPaymentScreen(backend: backend, flow: flow, amount: part))
            return false
        }
        extras = [
            Extra(keys: [.function(5), .control("r")], label: "Bar", help: "Teilbetrag bar") { form, stack in
                form.submit(stack: stack)
            },
            Extra(keys: [.function(6), .control("k")], label: "Karte", help: "Teilbetrag per girocard, der Rest bar oder per Scheck") { form, stack in
                do {
                    let part = try SplitPaymentDialog.part(form, due: due)
                    stack.pop(through: form)
                    if part == due {
                        flow.startCard(amount: part, stack: stack)
                    } else {
                        // Card part first: the rest is taken in cash, then the terminal charges the
                        // card part; both are booked together (a declined card books nothing).
                        stack.push(CashPaymentScreen(backend: backend, flow: flow, amount: try due.subtracting(part), cardPartAfter: part))
                    }
                } catch { stack.showError("\(error)") }
            },
            Extra(keys: [.function(7), .control("e")], label: "Scheck", help: "Teilbetrag per Scheck, der Rest per Karte") { form, stack in
                do {
                    let part = try SplitPaymentDialog.part(form, due: due)
                    stack.pop(through: form)
                    stack.push(ChequeDialog(backend: backend, flow: flow, amount: part))
                } catch { stack.showError("\(error)") }
            },
        ]
    }

    static func part(_ form: FormScreen, due: Money) throws -> Money {
        let part = try parseAmount(form.value(0), field: "Teilbetrag")
        guard part <= due else {
            throw CounterUserError("Der Teilbetrag \(part.formatted) ist größer als offen \(due.formatted).")
        }
        return part
    }

    override var bindings: [KeyBinding<FormScreen.Action>] {
        super.bindings.filter { $0.keys.first != .function(10) }
    }
}

/// Girocard: the terminal's texts live, abort by the clerk, result explained.
final class CardPaymentScreen: BoundScreen {
    enum Action: Sendable { case abort }
    let title: String
    var isModal: Bool { true }
    let flow: CounterFlow
    let job: CardPaymentJob
    /// The frame's title: "Kartenzahlung 59,00 €", "Storno Beleg 12".
    let heading: String
    let isStorno: Bool
    private var snapshot = CardPaymentSnapshot(texts: [], state: .running)
    private var abortRequested = false

    init(flow: CounterFlow, job: CardPaymentJob, amount: Money) {
        self.flow = flow
        self.job = job
        title = "Kartenzahlung"
        heading = "Kartenzahlung \(amount.formatted)"
        isStorno = false
    }

    /// A storno running in the background (the card part is reversed on the terminal).
    init(flow: CounterFlow, stornoJob: CardPaymentJob, receiptNumber: String) {
        self.flow = flow
        job = stornoJob
        title = "Storno"
        heading = "Storno Beleg \(receiptNumber)"
        isStorno = true
    }

    var bindings: [KeyBinding<Action>] {
        [
            KeyBinding(
                [.function(10), .escape, .control("x")], "Abbrechen", help: "Kartenzahlung am Terminal abbrechen", action: .abort,
                disabledReason: abortRequested ? "Der Abbruch ist schon angefordert; bitte warten." : nil)
        ]
    }

    func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        abortRequested = true
        job.abort()
        stack.showNotice("Abbruch angefordert – das Terminal bestätigt gleich.")
        return .handled
    }

    func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult { .handled }

    func tick(stack: ScreenStack) -> Bool {
        let now = job.snapshot
        guard now != snapshot else { return false }
        snapshot = now
        switch now.state {
        case .running:
            break
        case .approved(let step):
            flow.paymentDone(step, tendered: nil, stack: stack)
        case .declined(let text):
            finish(
                stack: stack, title: "Karte abgelehnt", lines: [text, "Es wurde nichts gebucht.", "Andere Zahlart wählen: F5 Bar, F7 Scheck oder F6 erneut."])
        case .aborted(let text):
            // The clerk's own abort: say so, not the terminal's generic text.
            let why = abortRequested ? "Die Zahlung wurde an der Kasse abgebrochen (Esc/F10)." : text
            finish(
                stack: stack, title: "Kartenzahlung abgebrochen",
                lines: [why, "Es wurde nichts gebucht.", "Andere Zahlart wählen: F5 Bar, F7 Scheck oder F6 erneut."])
        case .failed(let text):
            finish(stack: stack, title: isStorno ? "Storno nicht gebucht" : "Terminalfehler", lines: wrap(text, width: 60))
        case .unresolved(let text):
            flow.backToSale(stack: stack)
            stack.push(UnresolvedCardPaymentsScreen(flow: flow, reason: text))
        case .notStarted(let text):
            flow.refreshTerminalLight(stack: stack)
            let next = isStorno ? "Später erneut versuchen." : "Andere Zahlart wählen (F5 Bar, F7 Scheck) oder später F6 erneut."
            finish(stack: stack, title: isStorno ? "Storno nicht gebucht" : "Terminal nicht bereit", lines: wrap(text, width: 60) + wrap(next, width: 60))
        }
        return true
    }

    /// Back to the sale with the result in a dialog; the keys it names for the next payment
    /// (F5 Bar, F7 Scheck, F6 Karte) act at once. The notice of a requested abort is gone.
    private func finish(stack: ScreenStack, title: String, lines: [String]) {
        flow.backToSale(stack: stack)
        stack.clearMessage()
        var choices: [MessageDialog.Choice] = []
        if !isStorno, let sale = flow.saleScreen {
            let payments: [(Key, String, SaleScreen.Action)] = [
                (.function(5), "Bar", .payCash), (.function(6), "Karte", .payCard), (.function(7), "Scheck", .payCheque),
            ]
            choices = payments.map { key, label, action in
                MessageDialog.Choice(keys: [key], label: label, help: "\(label) bezahlen") { [weak sale] stack in
                    guard let sale, !sale.backend.basket.isEmpty else { return }
                    _ = sale.perform(action, stack: stack)
                }
            }
        }
        stack.push(MessageDialog(title: title, lines: lines, isError: true, choices: choices))
    }

    func render(into grid: inout ScreenGrid, in area: Rect) {
        let box = area.centred(width: 60, height: 12)
        grid.frame(box, title: heading)
        grid.put("Bitte den Anweisungen am Terminal folgen.", row: box.row + 2, column: box.column + 3, style: .dialog)
        let texts = snapshot.texts.suffix(5)
        for (i, text) in texts.enumerated() {
            let newest = i == texts.count - 1
            grid.put((newest ? "▶ " : "  ") + text, row: box.row + 4 + i, column: box.column + 3, style: newest ? .emphasis : .dialog, maxWidth: box.width - 6)
        }
        if texts.isEmpty {
            grid.put(isStorno ? "▶ Storno wird gebucht …" : "▶ Verbindung zum Terminal …", row: box.row + 4, column: box.column + 3, style: .emphasis)
        }
        let hint = abortRequested ? "Abbruch angefordert …" : "F10 oder Esc: abbrechen"
        grid.put(hint, row: box.bottom - 2, column: box.column + 3, style: .dim)
        grid.cursor = Position(row: box.row + 4 + max(0, texts.count - 1), column: box.column + 3)
    }
}

/// Receipt preview after a sale (with the change shown large), after a storno, or for a reprint.
final class ReceiptScreen: BoundScreen {
    enum Action: Sendable { case print, close, up, down }
    enum Mode: Equatable {
        /// Just booked and delivered; a sale shows the change.
        case booked(change: Money?, tendered: Money?)
        /// A booked receipt looked up to print a copy.
        case reprint
    }
    var title: String { "Beleg \(receipt.number)" }
    let flow: CounterFlow
    let receipt: ReceiptView
    let mode: Mode
    var isReprint: Bool { mode == .reprint }
    private var offset = 0

    init(flow: CounterFlow, receipt: ReceiptView, mode: Mode) {
        self.flow = flow
        self.receipt = receipt
        self.mode = mode
    }

    var bindings: [KeyBinding<Action>] {
        [
            KeyBinding(
                isReprint ? [.function(2), .control("p"), .enter] : [.function(2), .control("p")], "Kopie",
                help: "Eine Kopie des Belegs drucken", action: .print),
            KeyBinding(
                isReprint ? [.escape] : [.enter, .escape], "Weiter", help: isReprint ? "Zurück" : "Weiter: nächster Kunde (leerer Warenkorb)",
                action: .close, inBar: !isReprint),
            KeyBinding([.down, .pageDown], "", help: "Beleg weiterblättern", action: .down, inBar: false),
            KeyBinding([.up, .pageUp], "", help: "Beleg zurückblättern", action: .up, inBar: false),
        ]
    }

    func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        switch action {
        case .print:
            do {
                try flow.backend.printCopy(receiptNumber: receipt.number)
                stack.showNotice("Kopie von Beleg \(receipt.number) gedruckt.")
            } catch {
                stack.showError("\(error)")
            }
            return .handled
        case .close:
            if !isReprint { stack.showNotice("Nächster Kunde bitte.") }
            return .close
        case .down:
            offset = min(offset + 5, max(0, receipt.lines.count - visibleRows))
        case .up:
            offset = max(0, offset - 5)
        }
        return .handled
    }

    func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult { .handled }

    /// Receipt lines in the preview at once (set when drawn; 20 at 80×24).
    private var visibleRows = 20

    func render(into grid: inout ScreenGrid, in area: Rect) {
        grid.fill(area)
        let paperWidth = 44
        let paper = Rect(row: area.row, column: 1, width: paperWidth, height: area.height)
        grid.frame(paper, title: isReprint ? "Nachdruck" : "Belegvorschau", style: .normal)
        visibleRows = paper.height - 2
        for (i, line) in receipt.lines.dropFirst(offset).prefix(visibleRows).enumerated() {
            grid.put(line, row: paper.row + 1 + i, column: paper.column + 1, style: .normal, maxWidth: paperWidth - 2)
        }
        // A receipt longer than the preview scrolls, and says so in the frame (Grund, Genehmigt, the card slip below).
        let scrolls = receipt.lines.count > visibleRows
        if scrolls {
            let last = min(receipt.lines.count, offset + visibleRows)
            let more = last < receipt.lines.count ? "↓ mehr" : "↑ zurück"
            grid.put(" \(more) · Zeile \(offset + 1)–\(last) von \(receipt.lines.count) ", row: paper.bottom - 1, column: paper.column + 2, style: .emphasis)
        }
        let column = paper.right + 2
        if case .booked(let change?, let tendered) = mode {
            grid.put("RÜCKGELD", row: area.row + 1, column: column, style: .emphasis)
            grid.put(change.formatted, row: area.row + 1, column: column + 10, style: .emphasis)
            BigText.draw(change.formattedNumber + " €", into: &grid, row: area.row + 3, column: column)
            if let tendered {
                grid.put("Gegeben: \(tendered.formatted)", row: area.row + 9, column: column)
            }
        }
        if let note = receipt.note {
            let width = area.width - column - 1
            for (i, line) in wrap(note, width: width).prefix(3).enumerated() {
                grid.put(line, row: area.bottom - 7 + i, column: column, style: .normal, maxWidth: width)
            }
        }
        if scrolls { grid.put("↑/↓: Beleg blättern", row: area.bottom - 4, column: column, style: .dim) }
        grid.put(isReprint ? "Enter: Kopie drucken" : "Enter: nächster Kunde", row: area.bottom - 3, column: column, style: .emphasis)
        grid.put(isReprint ? "Esc: zurück" : "F2: Kopie drucken", row: area.bottom - 2, column: column, style: .dim)
        grid.cursor = Position(row: area.row + 1, column: column)
    }
}
