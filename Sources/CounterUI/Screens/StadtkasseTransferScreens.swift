import Foundation
import KasseCore

/// Abschöpfung an die Stadtkasse (docs/ui.md, docs/dayclose.md): the amount as a sum or counted
/// by piece, checked against the drawer; then who receives it for the Stadtkasse; then a
/// supervisor's approval as for an Entnahme. Esc in a later step goes back with what was typed.
final class StadtkasseTransferScreen: CashCountScreen {
    init(flow: CounterFlow) {
        super.init(
            title: "Abschöpfung an die Stadtkasse", intro: "Betrag als Summe oder Stückzahl je Sorte (gemeinsam zählen):", submitLabel: "Weiter",
            nothingCounted: "Bitte den Betrag als Summe eingeben oder je Sorte zählen."
        ) { amount, pieces, stack in
            guard amount.cents > 0 else { throw CounterUserError("Der Betrag muss größer als 0,00 € sein.") }
            // The drawer is checked before anyone is called to receive or approve.
            let available = try flow.backend.cashInDrawer()
            guard amount <= available else {
                throw CounterUserError("In der Kasse sind nur \(available.formatted): eine Abschöpfung über \(amount.formatted) ist nicht möglich.")
            }
            stack.push(StadtkasseReceiverDialog(flow: flow, amount: amount, pieces: pieces ?? [:]))
        }
    }
}

/// Who receives the Abschöpfung for the Stadtkasse: a name, or a Kennung with PIN when the
/// receiver is an operator of this register.
final class StadtkasseReceiverDialog: FormScreen {
    init(flow: CounterFlow, amount: Money, pieces: [Int64: Int]) {
        super.init(
            title: "Empfang für die Stadtkasse",
            intro: [
                "Abschöpfung über \(amount.formatted) an die Stadtkasse.", "Wer nimmt das Geld an? Name, oder Kennung mit PIN:",
            ],
            fields: [
                TextField(label: "Empfänger", kind: .text, maxLength: 40),
                .pin("PIN (bei Kennung)"),
                TextField(label: "Vermerk", kind: .text, maxLength: 60),
            ],
            submitLabel: "Weiter"
        ) { form, stack in
            let receiver: String
            do {
                receiver = try flow.backend.stadtkasseReceiver(form.value(0), pin: form.value(1))
            } catch {
                form.focusIndex = form.value(0).isEmpty || form.value(1).isEmpty ? 0 : 1
                form.fields[1].clear()
                throw error
            }
            let note = form.value(2)
            let book: (SupervisorApproval?, ScreenStack) throws -> Void = { approval, stack in
                let notice = try flow.backend.transferToStadtkasse(amount: amount, pieces: pieces, note: note, approval: approval)
                flow.backToSale(stack: stack)
                stack.showNotice(notice)
            }
            guard flow.backend.cashMovementNeedsApproval(.abschoepfung) else {
                try book(nil, stack)
                return false
            }
            stack.push(
                ApprovalDialog(
                    intro: ["Abschöpfung über \(amount.formatted) an die Stadtkasse", "Empfangen von: \(receiver)", "Eine Kassenaufsicht gibt frei:"],
                    approve: book))
            return false
        }
    }
}
