import Access
import Foundation
import KasseCore

/// Log-in: operator id and PIN.
final class LoginScreen: FormScreen {
    /// `login` pre-fills the Kennung (after the first setup) and puts the focus on the PIN.
    init(flow: CounterFlow, login: String? = nil) {
        super.init(
            title: "Anmeldung", modal: false,
            intro: ["Bitte mit Kennung und PIN anmelden."],
            fields: [
                .login(),
                .pin(),
            ],
            submitLabel: "Anmelden"
        ) { form, stack in
            guard !form.value(0).isEmpty else {
                form.focusIndex = 0
                throw CounterUserError("Bitte die Kennung eingeben.")
            }
            do {
                let name = try flow.backend.logIn(operatorID: form.value(0), pin: form.value(1))
                flow.loggedIn(as: name, stack: stack)
                return false
            } catch {
                form.fields[1].clear()
                form.focusIndex = 1
                throw error
            }
        }
        canCancel = false
        extras = [
            Extra(keys: [.function(12), .control("c")], label: "Beenden", help: "Programm beenden") { _, stack in
                flow.quit(stack: stack)
            }
        ]
        if let login, !login.isEmpty {
            fields[0].setText(login)
            focusIndex = 1
        }
    }
}

/// First start: create the first supervisor (name, login id, PIN twice).
final class FirstSetupScreen: FormScreen {
    init(flow: CounterFlow) {
        super.init(
            title: "Ersteinrichtung", modal: false,
            intro: [
                "Noch kein Bediener angelegt. Bitte die erste Kassenaufsicht",
                "(Vorgesetzte/r mit Verwaltungsrecht) anlegen. PIN: 4 bis 8 Ziffern.",
            ],
            fields: [
                TextField(label: "Name", kind: .text, maxLength: 40),
                .login(),
                .pin(),
                .pin("PIN wiederholen"),
            ],
            submitLabel: "Anlegen"
        ) { form, stack in
            for (index, name) in ["Name", "Kennung", "PIN"].enumerated() where form.value(index).isEmpty {
                form.focusIndex = index
                throw CounterUserError("Bitte das Feld »\(name)« ausfüllen.")
            }
            do {
                try flow.backend.setUpFirstOperator(login: form.value(1), name: form.value(0), pin: form.value(2), pinRepeated: form.value(3))
            } catch {
                // The focus goes to the field the error names; the PINs are kept unless they are the problem.
                switch error as? AccessError {
                case .invalidName?: form.focusIndex = 0
                case .invalidLogin?, .loginTaken?: form.focusIndex = 1
                default:
                    form.fields[2].clear()
                    form.fields[3].clear()
                    form.focusIndex = 2
                }
                throw error
            }
            flow.start(stack: stack, login: form.value(1))
            stack.showNotice("\(form.value(0)) ist angelegt. Bitte jetzt anmelden.")
            return false
        }
        canCancel = false
        extras = [
            Extra(keys: [.function(12), .control("c")], label: "Beenden", help: "Programm beenden") { _, stack in
                flow.quit(stack: stack)
            }
        ]
    }
}

/// The lock screen: the operator's PIN returns; F2 lets another operator log in.
final class LockScreen: FormScreen {
    init(flow: CounterFlow, operatorName: String) {
        super.init(
            title: "Kasse gesperrt", modal: false,
            intro: ["Die Kasse ist gesperrt.", "Angemeldet: \(operatorName). PIN eingeben zum Entsperren."],
            fields: [.pin()],
            submitLabel: "Entsperren"
        ) { form, stack in
            do {
                try flow.backend.unlock(pin: form.value(0))
                return true
            } catch {
                form.fields[0].clear()
                throw error
            }
        }
        canCancel = false
        extras = [
            Extra(keys: [.function(2), .control("a")], label: "Wechsel", help: "Bediener wechseln (abmelden)") { _, stack in
                flow.logOut(stack: stack)
            }
        ]
    }
}

/// Opening the shift: count the float by denomination, or enter the sum.
final class OpenShiftScreen: CashCountScreen {
    init(flow: CounterFlow) {
        super.init(title: "Schicht öffnen", intro: "Wechselgeld zählen: Stückzahl je Sorte oder oben die Summe eingeben.", submitLabel: "Öffnen") {
            float, _, stack in
            try flow.backend.openShift(float: float)
            flow.showSale(stack: stack)
            stack.showNotice("Schicht geöffnet mit Wechselgeld \(float.formatted).")
        }
        extras = [
            Extra(keys: [.function(12), .control("c")], label: "Beenden", help: "Programm beenden") { _, stack in
                flow.quit(stack: stack)
            }
        ]
        canCancel = false
    }
}

/// Counting cash by denomination, or entering the sum (shift opening, day close).
class CashCountScreen: FormScreen {
    /// Notes 500 € … 5 €, coins 2 € … 1 ct (in cents).
    static let denominations: [Int64] = [50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1]

    /// Said when neither a sum nor a piece is typed.
    let nothingCounted: String

    init(
        title: String, intro: String, submitLabel: String,
        nothingCounted: String = "Bitte das Wechselgeld zählen oder die Summe eingeben (0 für keins).",
        counted: @escaping (Money, [Int64: Int]?, ScreenStack) throws -> Void
    ) {
        self.nothingCounted = nothingCounted
        var fields = [TextField(label: "Summe", kind: .amount, maxLength: 10)]
        for cents in Self.denominations {
            fields.append(TextField(label: Self.name(cents), kind: .digits, maxLength: 4))
        }
        super.init(title: title, modal: false, intro: [intro], fields: fields, submitLabel: submitLabel) { form, stack in
            let screen = form as! CashCountScreen
            try counted(try screen.float(), screen.pieces(), stack)
            return false
        }
    }

    static func name(_ cents: Int64) -> String {
        cents >= 100 ? "\(cents / 100) €" : "\(cents) ct"
    }

    /// Pieces per denomination (cents), nil when nothing was counted by piece.
    func pieces() -> [Int64: Int]? {
        var result: [Int64: Int] = [:]
        for (index, cents) in Self.denominations.enumerated() {
            if let count = Int(value(index + 1)), count > 0 { result[cents] = count }
        }
        return countedTotal() == nil ? nil : result
    }

    /// The counted total (nil when nothing is counted).
    func countedTotal() -> Money? {
        var total: Int64 = 0
        var any = false
        for (index, cents) in Self.denominations.enumerated() {
            let text = value(index + 1)
            if let count = Int64(text) {
                total += count * cents
                any = true
            }
        }
        return any ? Money(cents: total) : nil
    }

    func float() throws -> Money {
        let sumText = value(0)
        let counted = countedTotal()
        if sumText.isEmpty {
            guard let counted else {
                focusIndex = 0
                throw CounterUserError(nothingCounted)
            }
            return counted
        }
        let sum: Money
        do { sum = try Money.parse(sumText) } catch {
            focusIndex = 0
            throw CounterUserError("Summe: \(error)")
        }
        if let counted, counted != sum {
            throw CounterUserError("Die Summe \(sum.formatted) passt nicht zur Zählung \(counted.formatted); bitte eines korrigieren.")
        }
        return sum
    }

    /// Enter in a filled "Summe" opens the shift at once (the quick path).
    override func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult {
        if key == .enter, focusIndex == 0, !value(0).isEmpty {
            submit(stack: stack)
            return .handled
        }
        return super.handleUnbound(key, stack: stack)
    }

    override func render(into grid: inout ScreenGrid, in area: Rect) {
        grid.fill(area)
        grid.frame(area.inset(0), title: title, style: .normal)
        var row = area.row + 1
        grid.put(intro[0], row: row, column: 3)
        row += 2
        func draw(_ index: Int, row: Int, column: Int) {
            let focused = index == focusIndex
            grid.put((focused ? "▶ " : "  ") + fields[index].label + ":", row: row, column: column, style: focused ? .emphasis : .normal)
            fields[index].render(into: &grid, row: row, column: column + 11, width: index == 0 ? 12 : 6, focused: focused)
        }
        draw(0, row: row, column: 3)
        row += 2
        grid.put("Stückzahl je Sorte:", row: row, column: 5, style: .dim)
        row += 1
        for i in 0..<8 {
            if i < 7 { draw(i + 1, row: row + i, column: 3) }
            draw(i + 8, row: row + i, column: 40)
        }
        row += 9
        // The pieces' total, else the sum as typed.
        let counted = countedTotal() ?? (value(0).isEmpty ? nil : try? parseAmount(value(0), field: "Summe", allowZero: true))
        grid.put("Gezählt: " + (counted?.formatted ?? "–"), row: row, column: 5, style: .emphasis)
        grid.put("Enter: nächstes Feld · F10 \(submitLabel)", row: row + 1, column: 5, style: .dim)
    }
}
