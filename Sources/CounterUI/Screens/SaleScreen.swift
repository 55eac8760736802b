import Foundation
import KasseCore

/// The sale screen: search field, result list, basket, total. The clerk's home screen.
///
/// Typing searches at every keystroke (code or words); Enter adds the highlighted result
/// (`3*fz` adds three). The basket line under `▶` is the one F2/F3/F4 act on.
public final class SaleScreen: BoundScreen {
    public enum Action: Sendable {
        case quantity, variant, remove, payCash, payCard, payCheque, split, menu, lock, quit, reference
    }
    enum Focus { case search, basket }

    public var title: String { "Verkauf" }
    let backend: CounterBackend
    let flow: CounterFlow
    var search = TextField(label: "Suche", kind: .text, maxLength: 40)
    var focus: Focus = .search
    private(set) var results: [CatalogEntry] = []
    var resultIndex = 0
    var basketIndex = 0
    static let resultRows = 6

    init(backend: CounterBackend, flow: CounterFlow) {
        self.backend = backend
        self.flow = flow
    }

    public var bindings: [KeyBinding<Action>] {
        let basket = backend.basket
        let noLine: String? = basket.isEmpty ? "Der Warenkorb ist leer." : nil
        let variantReason: String? = noLine ?? (basket.lines[safe: basketIndex]?.hasVariants == true ? nil : "Dieser Posten hat keine Varianten.")
        let nothingToPay: String? = basket.isEmpty ? "Der Warenkorb ist leer: zuerst Posten erfassen." : nil
        let paidPart: String? = basket.paid.isZero ? nil : "Es ist schon ein Teil bezahlt; zuerst den Rest kassieren."
        return [
            KeyBinding(
                [.function(2), .control("n")], "Menge", help: "Menge des markierten Postens ändern (oder »3*FZ« tippen)", action: .quantity,
                disabledReason: noLine ?? paidPart),
            KeyBinding(
                [.function(3), .control("v")], "Var.", help: "Variante wechseln (z. B. ab 24 / unter 24 Jahre)", action: .variant,
                disabledReason: variantReason ?? paidPart),
            KeyBinding(
                [.function(4), .control("x")], "Entf.", help: "Markierten Posten aus dem Warenkorb entfernen", action: .remove,
                disabledReason: noLine ?? paidPart),
            KeyBinding([.function(5), .control("r")], "Bar", help: "Bar bezahlen (Betrag gegeben, Rückgeld)", action: .payCash, disabledReason: nothingToPay),
            KeyBinding([.function(6), .control("k")], "Karte", help: "Mit girocard am EC-Terminal bezahlen", action: .payCard, disabledReason: nothingToPay),
            KeyBinding(
                [.function(7), .control("e")], "Scheck", help: "Mit Scheck bezahlen (Nummer, Bank, Name)", action: .payCheque, disabledReason: nothingToPay),
            KeyBinding(
                [.function(8), .control("t")], "Teil", help: "Teilzahlung: einen Teilbetrag bar, per Karte oder Scheck", action: .split,
                disabledReason: nothingToPay),
            KeyBinding([.function(9), .control("o")], "Menü", help: "Menü: Storno, Nachdruck, Einlage/Entnahme, X-Bericht …", action: .menu),
            KeyBinding([.function(10), .control("l")], "Sperren", help: "Kasse sperren (PIN zum Entsperren)", action: .lock),
            KeyBinding([.control("c")], "", help: "Programm beenden (fragt nach)", action: .quit, inBar: false),
            KeyBinding(
                [.function(11), .control("z")], "Kz.", help: "Kassenzeichen / Aktenzeichen erfassen (tippen oder scannen)", action: .reference,
                inBar: false),
        ]
    }

    public var keyHelp: [KeyHelpEntry] {
        bindings.map(\.entry) + [
            KeyHelpEntry(keys: [.enter], label: "", help: "Markierten Treffer in den Warenkorb legen", inBar: false),
            KeyHelpEntry(keys: [.up, .down], label: "", help: "Treffer bzw. Warenkorbposten wählen", inBar: false),
            KeyHelpEntry(keys: [.tab], label: "", help: "Zwischen Suche und Warenkorb wechseln", inBar: false),
            KeyHelpEntry(keys: [.escape], label: "", help: "Suche leeren; bei leerer Suche Warenkorb verwerfen (fragt)", inBar: false),
        ]
    }

    public func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        let basket = backend.basket
        switch action {
        case .quantity:
            guard let line = basket.lines[safe: basketIndex] else { return .handled }
            let index = basketIndex
            stack.push(
                QuantityDialog(line: line) { [weak self] quantity, stack in
                    guard let self else { return }
                    do { try self.backend.setQuantity(line: index, quantity: quantity) } catch { stack.showError("\(error)") }
                })
        case .variant:
            do { try backend.nextVariant(line: basketIndex) } catch { stack.showError("\(error)") }
        case .remove:
            backend.removeLine(basketIndex)
            basketIndex = max(0, min(basketIndex, backend.basket.lines.count - 1))
            if backend.basket.isEmpty { focus = .search }
        case .payCash:
            stack.push(CashPaymentScreen(backend: backend, flow: flow, amount: basket.due))
        case .payCard:
            flow.startCard(amount: basket.due, stack: stack)
        case .payCheque:
            stack.push(ChequeDialog(backend: backend, flow: flow, amount: basket.due))
        case .split:
            stack.push(SplitPaymentDialog(backend: backend, flow: flow, due: basket.due))
        case .menu:
            stack.push(MenuScreen(backend: backend, flow: flow))
        case .lock:
            flow.lock(stack: stack)
        case .quit:
            flow.quit(stack: stack)
        case .reference:
            stack.push(ReferenceDialog(backend: backend, current: basket.reference))
        }
        return .handled
    }

    public func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult {
        let basket = backend.basket
        switch key {
        case .tab, .backTab:
            focus = (focus == .search && !basket.isEmpty) ? .basket : .search
            return .handled
        case .up, .down:
            let delta = key == .up ? -1 : 1
            if focus == .search && !results.isEmpty {
                resultIndex = max(0, min(results.count - 1, resultIndex + delta))
            } else if !basket.isEmpty {
                basketIndex = max(0, min(basket.lines.count - 1, basketIndex + delta))
            }
            return .handled
        case .enter:
            addSelectedResult(stack: stack)
            return .handled
        case .escape:
            if !search.isEmpty {
                search.clear()
                updateResults()
                return .handled
            }
            if focus == .basket {
                focus = .search
                return .handled
            }
            if !basket.isEmpty {
                // A cash part of a split payment is only booked with the rest: it goes back to the citizen.
                let question =
                    basket.paid.isZero
                    ? ["\(basket.lines.count) Posten über \(basket.total.formatted) verwerfen?", "Es wird nichts gebucht."]
                    : [
                        "Angenommen, aber nicht gebucht: \(basket.paid.formatted) \(basket.paidByCheque ? "per Scheck" : "bar").",
                        "Den Betrag zurückgeben und den Warenkorb verwerfen?",
                    ]
                stack.push(
                    ConfirmDialog(
                        title: "Warenkorb verwerfen?", question: question,
                        yesLabel: "Verwerfen", noLabel: "Behalten"
                    ) { [weak self] yes, stack in
                        guard yes, let self else { return }
                        self.backend.discardBasket()
                        self.basketIndex = 0
                        stack.showNotice("Warenkorb verworfen.")
                    })
            }
            return .handled
        default:
            if focus == .basket, key.typedCharacter != nil { focus = .search }
            switch search.handle(key) {
            case .changed:
                updateResults()
                return .handled
            case .unchanged:
                return .handled
            case .refused(let reason):
                stack.showError(reason)
                return .handled
            case .ignored:
                return .ignored
            }
        }
    }

    /// `3*fz` → (3, "fz").
    private var parsedSearch: (quantity: Int, query: String) {
        let text = search.text
        if let star = text.firstIndex(where: { $0 == "*" || $0 == "×" }),
            let quantity = Int(text[..<star].trimmingCharacters(in: .whitespaces)), quantity > 0
        {
            return (quantity, String(text[text.index(after: star)...]).trimmingCharacters(in: .whitespaces))
        }
        return (1, text.trimmingCharacters(in: .whitespaces))
    }

    func updateResults() {
        let query = parsedSearch.query
        results = query.isEmpty ? [] : backend.search(query, limit: Self.resultRows)
        resultIndex = 0
    }

    private func addSelectedResult(stack: ScreenStack) {
        let (quantity, query) = parsedSearch
        guard !query.isEmpty else {
            if backend.basket.isEmpty {
                stack.showNotice("Code oder Begriff eintippen, z. B. PA oder Führungszeugnis.")
            } else {
                stack.showNotice("Bezahlen mit F5 (Bar), F6 (Karte) oder F7 (Scheck).")
            }
            return
        }
        if results.isEmpty, quantity == 1, backend.recognisesReference(query) {
            // A barcode scanner types the reference and ends with Enter (the office's pattern says what one is).
            do {
                try backend.setReference(query)
                search.clear()
                updateResults()
                stack.showNotice("Kassenzeichen \(backend.basket.reference ?? query) übernommen.")
            } catch { stack.showError("\(error)") }
            return
        }
        guard let entry = results[safe: resultIndex] else {
            stack.showError("Kein Posten zu »\(query)« gefunden. Code oder Begriff prüfen.")
            return
        }
        do {
            try backend.addToBasket(code: entry.code, variant: 0)
            let index = backend.basket.lines.count - 1
            if quantity > 1 { try backend.setQuantity(line: index, quantity: backend.basket.lines[index].quantity - 1 + quantity) }
            basketIndex = backend.basket.lines.lastIndex(where: { $0.code == entry.code }) ?? index
            search.clear()
            updateResults()
        } catch {
            stack.showError("\(error)")
        }
    }

    // MARK: Drawing

    public func render(into grid: inout ScreenGrid, in area: Rect) {
        grid.fill(area)
        let width = area.width
        var row = area.row
        let label = " Suche (Code oder Begriff): "
        grid.put(label, row: row, column: 0, style: .emphasis)
        search.render(into: &grid, row: row, column: label.count, width: width - label.count - 2, focused: focus == .search)
        row += 1
        grid.put("   Code     Bezeichnung", row: row, column: 0, width: width - 12, style: .dim)
        grid.put("Preis ", row: row, column: width - 12, width: 12, style: .dim, alignRight: true)
        row += 1
        let query = parsedSearch.query
        for i in 0..<Self.resultRows {
            if let entry = results[safe: i] {
                let selected = i == resultIndex && focus == .search
                var name = entry.name
                if entry.variants.count > 1 { name += " (" + entry.variants.map(\.label).joined(separator: " / ") + ")" }
                let text = (selected ? " ▶ " : "   ") + ScreenGrid.fit(entry.code, width: 8) + " " + name
                grid.put(text, row: row + i, column: 0, width: width - 12, style: selected ? .selected : .normal)
                grid.put(
                    entry.variants[0].price.formatted + " ", row: row + i, column: width - 12, width: 12, style: selected ? .selected : .normal,
                    alignRight: true)
            } else if i == 0 && !query.isEmpty {
                grid.put("   Kein Treffer für »\(query)«.", row: row, column: 0, style: .dim)
            } else if i == 0 {
                grid.put("   Code (z. B. PA, FZ) oder Begriff tippen; Enter legt den Treffer in den Korb.", row: row, column: 0, width: width, style: .dim)
            }
        }
        row += Self.resultRows
        let basket = backend.basket
        grid.rule(row: row, label: "Warenkorb (\(basket.lines.count) Posten)", style: focus == .basket ? .emphasis : .dim)
        row += 1
        let totalRows = basket.paid.isZero ? 1 : 2
        let basketRows = max(1, area.bottom - row - totalRows - 1)
        let first = max(0, min(basketIndex - basketRows + 1, basket.lines.count - basketRows))
        if basket.isEmpty {
            grid.put("   Der Warenkorb ist leer.", row: row, column: 0, style: .dim)
        }
        for (offset, line) in basket.lines.enumerated().dropFirst(first).prefix(basketRows) {
            let selected = offset == basketIndex
            let marker = selected ? (focus == .basket ? " ▶ " : " › ") : "   "
            var name = line.name
            if let variant = line.variantLabel { name += " · " + variant }
            let quantity = "\(line.quantity) × " + line.unitPrice.formattedNumber
            let text = marker + ScreenGrid.fit("\(offset + 1).", width: 4) + ScreenGrid.fit(line.code, width: 7) + name
            let r = row + offset - first
            let style: CellStyle = selected && focus == .basket ? .selected : .normal
            grid.put(text, row: r, column: 0, width: width - 28, style: style)
            grid.put(quantity, row: r, column: width - 28, width: 15, style: style, alignRight: true)
            grid.put(line.total.formatted + " ", row: r, column: width - 13, width: 13, style: style, alignRight: true)
        }
        row = area.bottom - totalRows - 1
        grid.rule(row: row, style: .dim)
        row += 1
        let total = "SUMME  " + basket.total.formatted + " "
        grid.put(total, row: row, column: width - total.count, style: .emphasis)
        if let reference = basket.reference {
            grid.put(" Kassenzeichen " + reference, row: row, column: 0, style: .emphasis, maxWidth: max(0, width - total.count - 1))
        }
        if !basket.paid.isZero {
            let rest = "bereits bezahlt " + basket.paid.formatted + " · OFFEN  " + basket.due.formatted + " "
            grid.put(rest, row: row + 1, column: width - rest.count, style: .emphasis)
        }
        if focus == .basket {
            grid.cursor = Position(row: area.row + Self.resultRows + 3 + basketIndex - first, column: 1)
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
