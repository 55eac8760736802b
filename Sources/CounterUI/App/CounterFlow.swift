import Foundation
import KasseCore

/// Wires the screens into the clerk's flows: log-in → open shift → sale → payment → receipt,
/// and back office functions from the menu. Screens call it to move on.
public final class CounterFlow {
    let backend: CounterBackend
    private(set) weak var saleScreen: SaleScreen?

    public init(backend: CounterBackend) {
        self.backend = backend
    }

    /// The first screen: log-in (with `login` pre-filled, e.g. the Kennung just set up).
    public func start(stack: ScreenStack, login: String? = nil) {
        stack.quitWhileTooSmall = { [weak self] stack in self?.quitUnseen(stack: stack) }
        stack.status.operatorName = nil
        stack.reset(to: backend.needsFirstSetup ? FirstSetupScreen(flow: self) : LoginScreen(flow: self, login: login))
        let notes = backend.takeStartupNotes()
        if !notes.isEmpty { stack.push(MessageDialog(title: "Beim Start erledigt", lines: notes)) }
    }

    func loggedIn(as name: String, stack: ScreenStack) {
        stack.status.operatorName = name
        if backend.needsShiftOpening {
            stack.reset(to: OpenShiftScreen(flow: self))
        } else {
            showSale(stack: stack)
            // Who holds the shift is information (a supervisor may well log in beside a clerk), not an error.
            if let note = backend.shiftHolderNote { stack.showNotice(note) }
        }
    }

    func showSale(stack: ScreenStack) {
        let sale = SaleScreen(backend: backend, flow: self)
        saleScreen = sale
        stack.reset(to: sale)
    }

    /// Back to the sale screen, closing dialogs above it.
    func backToSale(stack: ScreenStack) {
        guard let sale = saleScreen, let index = stack.screens.firstIndex(where: { $0 === sale }) else {
            showSale(stack: stack)
            return
        }
        if index + 1 < stack.screens.count { stack.pop(through: stack.screens[index + 1]) }
    }

    /// After a payment: either more to pay (split payment) or the receipt.
    func paymentDone(_ step: PaymentStep, tendered: Money?, stack: ScreenStack) {
        backToSale(stack: stack)
        saleScreen?.paymentFinished()
        switch step {
        case .remaining(let due):
            stack.showNotice("Teilbetrag angenommen. Offen: \(due.formatted) – F5 Bar, F6 Karte, F7 Scheck.")
        case .completed(let receipt, let change):
            // The change only matters when cash was handed over.
            let showsChange = tendered != nil || !change.isZero
            stack.push(ReceiptScreen(flow: self, receipt: receipt, mode: .booked(change: showsChange ? change : nil, tendered: tendered)))
        }
    }

    func startCard(amount: Money, stack: ScreenStack) {
        do {
            let job = try backend.startCardPayment(amount: amount)
            stack.push(CardPaymentScreen(flow: self, job: job, amount: amount))
        } catch {
            stack.showError("\(error)")
        }
    }

    func lock(stack: ScreenStack) {
        guard !(stack.top is LockScreen) else { return }
        backend.lockScreen()
        stack.push(LockScreen(flow: self, operatorName: stack.status.operatorName ?? ""))
    }

    /// Shows a printer failure (the printer works in the background). Returns true when it did.
    @discardableResult
    public func reportPrinterProblems(stack: ScreenStack) -> Bool {
        let problems = backend.takePrinterProblems()
        guard !problems.isEmpty else { return false }
        var lines: [String] = []
        for problem in problems { lines += wrap(problem, width: 60) }
        lines.append("Nachdruck über das Menü (F9, 2).")
        stack.push(MessageDialog(title: "Drucker", lines: lines, isError: true))
        return true
    }

    /// Takes a new catalogue version between two baskets (``CounterBackend/refreshCatalog()``) and
    /// tells the clerk on the message line. Returns true when there was something to tell.
    @discardableResult
    public func refreshCatalog(stack: ScreenStack) -> Bool {
        guard let notice = backend.refreshCatalog() else { return false }
        stack.showNotice(notice)
        return true
    }

    /// Takes the terminal's state from the backend into the status line (the idle poll runs in the
    /// background). Returns true when it changed.
    @discardableResult
    public func refreshTerminalLight(stack: ScreenStack) -> Bool {
        let light = backend.terminalLight
        let printer = backend.printerStatusText
        let central = backend.centralStatusText
        guard light != stack.status.terminalLight || printer != stack.status.printer || central != stack.status.central else { return false }
        stack.status.terminalLight = light
        stack.status.printer = printer
        stack.status.central = central
        return true
    }

    /// Opens the terminal menu (F9, T) if the operator may use it.
    func openTerminalMenu(stack: ScreenStack) {
        do {
            let menu = TerminalMenuScreen(flow: self, head: try backend.openTerminalMenu())
            stack.push(menu)
            _ = menu.tick(stack: stack)
        } catch {
            // A dialog, not the message line: the refusal names the role and the operator and is longer than a line.
            stack.push(MessageDialog(title: "Terminal-Menü", lines: wrap("\(error)", width: 60), isError: true))
        }
    }

    /// Locks the screen after `limitSeconds` without a key. Returns true when it locked.
    @discardableResult
    public func lockIfIdle(stack: ScreenStack, idleSeconds: Double, limitSeconds: Double?) -> Bool {
        guard let limitSeconds, limitSeconds > 0, idleSeconds >= limitSeconds, canLockAutomatically(stack: stack) else { return false }
        lock(stack: stack)
        return true
    }

    /// Whether the screen may lock by itself now (only while someone is logged in).
    func canLockAutomatically(stack: ScreenStack) -> Bool {
        stack.status.operatorName != nil
            && !stack.screens.contains(where: { $0 is CardPaymentScreen || ($0 as? TerminalFunctionScreen)?.isRunning == true })
            && !stack.screens.contains(where: { $0 is LockScreen || $0 is LoginScreen || $0 is FirstSetupScreen })
    }

    func logOut(stack: ScreenStack) {
        guard backend.basket.isEmpty else {
            stack.showError("Der Warenkorb ist nicht leer: erst kassieren oder verwerfen, dann Bediener wechseln.")
            return
        }
        backend.logOut()
        start(stack: stack)
        stack.showNotice("Abgemeldet. Nächster Bediener bitte anmelden.")
    }

    /// Strg+C while the window is too small to show the question: quits only when nothing is
    /// open (empty basket, no card payment or terminal function running); otherwise nothing happens.
    func quitUnseen(stack: ScreenStack) {
        let busy = stack.screens.contains { $0 is CardPaymentScreen || ($0 as? TerminalFunctionScreen)?.isRunning == true }
        guard backend.basket.isEmpty, backend.basket.paid.isZero, !busy else { return }
        backend.logOut()
        stack.requestQuit()
    }

    func quit(stack: ScreenStack) {
        let basket = backend.basket
        if !basket.paid.isZero {
            stack.showError("Es ist ein Barteil von \(basket.paid.formatted) angenommen: erst kassieren oder mit Esc zurückgeben.")
            return
        }
        let question =
            basket.isEmpty
            ? ["Web-Kasse beenden?"]
            : ["Der Warenkorb (\(basket.total.formatted)) wird verworfen.", "Trotzdem beenden?"]
        stack.push(
            ConfirmDialog(title: "Beenden", question: question, yesLabel: "Beenden", noLabel: "Weiter arbeiten") { [backend] yes, stack in
                guard yes else { return }
                backend.discardBasket()
                backend.logOut()
                stack.requestQuit()
            })
    }
}
