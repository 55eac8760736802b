import Access
import Counter
import Foundation
import KasseCore
import Ledger

/// The counter screen on the real counter service: catalogue and basket from KasseCore, operators,
/// PINs and four-eyes approvals through ``AccessControl``, every booking through the logged-in
/// operator's ``CounterSession`` (roles and shift holder checked there).
///
/// The payment rules (cash parts, the rest by card, cheques) are the counter's ``SplitPayment``.
public final class LiveCounterBackend: CounterBackend {
    let service: CounterService
    let access: AccessControl
    let dayCloseSettings: DayCloseSettings
    let referenceRule: SaleReferenceRule
    public let status: StatusInfo
    public let changeConfirmationLimit: Money?
    private var model: CatalogBasket
    private var saleId = LiveCounterBackend.newId()
    private var startedAt: Instant?
    /// The money taken for this basket, not yet booked.
    private var payment = SplitPayment()
    /// The Kassenzeichen of this basket's sale.
    private var reference: String?
    private var session: CounterSession?
    /// In the training mode: tells the in-process simulated terminal its next outcome (``queueTrainingOutcome(_:)``).
    public var trainingTerminal: ((TrainingTerminalOutcome) throws -> Void)?
    /// The status line's text of the delivery to the centre (set by `webkasse run` with `[central]`, docs/central.md).
    public var centralStatus: (@Sendable () -> String?)?
    /// The day close prepared on the counting screen, kept for its close.
    var preparedDayClose: DayCloseSession?
    private var startupNotes: [String] = []
    /// The customer display (`[display] device`), shown what the basket holds (docs/printer.md).
    public var customerDisplay: CustomerDisplay? {
        didSet { customerDisplay?.showIdle() }
    }
    /// The receiver of the Abschöpfung being entered (``stadtkasseReceiver(_:pin:)``).
    private var stadtkasseReceiver: StadtkasseReceiver?
    /// Watches the catalogue for a new version while the counter runs (``refreshCatalog()``).
    public var catalogWatcher: CatalogWatcher?
    /// A new catalogue version waiting for the basket being served to end.
    private var waitingCatalog: TariffCatalog?

    /// `service` checks its bookings with `access` (``CounterService/open(ledger:data:configuration:clock:terminal:printer:accessGuard:)``).
    public init(
        service: CounterService, access: AccessControl, catalog: TariffCatalog, status: StatusInfo,
        dayCloseSettings: DayCloseSettings = DayCloseSettings(configuration: Configuration()),
        changeConfirmation: Money = Configuration().changeConfirmation, referenceRule: SaleReferenceRule = SaleReferenceRule()
    ) throws {
        changeConfirmationLimit = changeConfirmation.isZero ? nil : changeConfirmation
        self.referenceRule = referenceRule
        precondition(service.accessGuard === access, "the counter service must check its bookings with this access control")
        self.dayCloseSettings = dayCloseSettings
        self.service = service
        self.access = access
        self.status = status
        let date = BusinessDate(iso: try service.currentBusinessDate()) ?? BusinessDate.today(timeZone: service.calendar.timeZone)
        model = CatalogBasket(catalog: catalog, date: date)
        let report = try service.start()
        startupNotes = report.recoveries.map(\.description)
        if !report.rewrittenReceipts.isEmpty {
            startupNotes.append("Belegdateien neu geschrieben: \(report.rewrittenReceipts.map(String.init).joined(separator: ", ")).")
        }
    }

    static func newId() -> String { UUID().uuidString.lowercased() }

    public func takeStartupNotes() -> [String] {
        defer { startupNotes = [] }
        return startupNotes
    }

    // MARK: Operators and shift

    public var needsFirstSetup: Bool { (try? access.needsSetup()) ?? false }

    /// Set when the operators come from the centre (docs/central.md, "Bediener aus der Zentrale"):
    /// the first-start setup is refused with this sentence.
    public var firstSetupRefusal: String?

    public func setUpFirstOperator(login: String, name: String, pin: String, pinRepeated: String) throws {
        if let firstSetupRefusal { throw CounterUserError(firstSetupRefusal) }
        try access.setUp(login: login, name: name, pin: pin, pinRepeated: pinRepeated)
    }

    /// On an empty ledger: `chef` / 9999 (Kassenaufsicht, Administration) and `demo` / 1234
    /// (Sachbearbeitung), so a newcomer reaches the sale screen at once.
    public func seedDemoOperators() throws {
        guard try access.needsSetup() else { return }
        let chef = try access.setUp(login: "chef", name: "Chefin Aufsicht", pin: "9999", pinRepeated: "9999")
        try access.addOperator(by: chef, login: "demo", name: "Demo Bediener", roles: [.sachbearbeitung], pin: "1234", pinRepeated: "1234")
    }

    public func logIn(operatorID: String, pin: String) throws -> String {
        let session = try CounterSession.logIn(service: service, access: access, login: operatorID, pin: pin)
        self.session = session
        return session.currentOperator.name
    }

    public func unlock(pin: String) throws {
        guard let session else { throw CounterUserError("Niemand ist angemeldet.") }
        _ = try access.logIn(login: session.currentOperator.login, pin: pin)
    }

    public func lockScreen() { try? session?.logOut(screenLocked: true) }

    public func logOut() {
        try? session?.logOut()
        session = nil
    }

    func requireSession() throws -> CounterSession {
        guard let session else { throw CounterUserError("Bitte zuerst anmelden.") }
        return session
    }

    public var needsShiftOpening: Bool { ((try? service.openShift()) ?? nil) == nil }

    public var shiftHolderNote: String? {
        guard let session, let holder = try? session.shiftHolder(), holder != session.currentOperator.id else { return nil }
        let login = (try? access.account(id: holder))?.login ?? holder
        return "Die offene Schicht gehört »\(login)«: zum Kassieren übergibt »\(login)« die Kasse (Menü F9, 7)."
    }

    private func operatorId() throws -> String { try requireSession().currentOperator.id }

    public func openShift(float: Money) throws {
        try requireSession().openShift(float: float)
        try renewBasketDate()
    }

    public func handOver(to login: String, pin: String, countedCash: Money) throws -> (name: String, difference: Money) {
        let session = try requireSession()
        let handover = try session.handOver(to: login, pin: pin, countedCash: countedCash)
        let next = try session.continuing(as: handover)
        self.session = next
        return (next.currentOperator.name, try handover.difference)
    }

    /// A new basket on the current business date (after a shift opens or a day closes).
    func renewBasketDate() throws {
        if let date = BusinessDate(iso: try service.currentBusinessDate()) { model.reset(date: date) }
        newSale()
    }

    private func newSale() {
        if let waitingCatalog {
            model = CatalogBasket(catalog: waitingCatalog, date: model.date)
            self.waitingCatalog = nil
        }
        model.removeAll()
        saleId = Self.newId()
        startedAt = nil
        payment = SplitPayment()
        reference = nil
    }

    // MARK: Catalogue and basket

    /// The version of the catalogue the current basket is priced from.
    public var catalogVersion: String? { model.catalog.version }

    public func refreshCatalog() -> String? {
        var notice: String?
        switch catalogWatcher?.poll(now: service.clock.now()) {
        case .newVersion(let catalog)?:
            waitingCatalog = catalog
        case .unusable(let problems)?:
            // The file without its directory: the message line has 80 columns.
            let first =
                problems.first.map { ": " + $0.description.replacingOccurrences(of: ($0.file as NSString).deletingLastPathComponent + "/", with: "") } ?? ""
            notice = "Neuer Gebührenkatalog fehlerhaft\(first) – es gilt weiter Version \(model.catalog.version ?? "-")."
        case nil:
            break
        }
        // Between two baskets only: nothing in the basket, nothing taken.
        guard let waiting = waitingCatalog, model.basket.isEmpty, payment.paid.isZero, startedAt == nil else { return notice }
        model = CatalogBasket(catalog: waiting, date: model.date)
        waitingCatalog = nil
        return "Gebührenkatalog aktualisiert: ab jetzt Version \(waiting.version ?? "-")."
    }

    public func search(_ query: String, limit: Int) -> [CatalogEntry] { model.search(query, limit: limit) }

    public var basket: BasketView {
        var view = model.view(paid: payment.paid, paidByCheque: payment.partIsCheque)
        view.reference = reference
        return view
    }

    public func addToBasket(code: String, variant: Int) throws {
        try refuseWhilePartPaid()
        try model.add(code: code, variant: variant)
        if startedAt == nil {
            startedAt = service.clock.now()
            service.beginSale(saleId: saleId)  // the TSE transaction starts with the first item (docs/fiscal.md)
        }
        showBasketOnDisplay()
    }

    /// The last line changed and the total, on the customer display.
    private func showBasketOnDisplay() {
        guard let display = customerDisplay else { return }
        guard let line = model.basket.lines.last else { return display.showIdle() }
        display.showItem(line.itemName, price: line.total, total: model.basket.total)
    }

    public func setQuantity(line: Int, quantity: Int) throws {
        try refuseWhilePartPaid()
        try model.setQuantity(line: line, quantity: quantity)
        showBasketOnDisplay()
    }

    public func nextVariant(line: Int) throws {
        try refuseWhilePartPaid()
        try model.nextVariant(line: line)
        showBasketOnDisplay()
    }

    public func removeLine(_ line: Int) {
        guard (try? payment.refuseChanges()) != nil else { return }
        model.removeLine(line)
        showBasketOnDisplay()
    }

    public func discardBasket() {
        if startedAt != nil { try? service.abandonSale(saleId: saleId, lines: SaleLine.lines(basket: model.basket.lines)) }
        newSale()
        customerDisplay?.showIdle()
    }

    private func refuseWhilePartPaid() throws { try payment.refuseChanges() }

    public func setReference(_ text: String) throws { reference = try referenceRule.check(text) }

    public func recognisesReference(_ text: String) -> Bool { referenceRule.recognises(text) }

    public func queueTrainingOutcome(_ outcome: TrainingTerminalOutcome) throws {
        guard let trainingTerminal else {
            throw CounterUserError("Das Ergebnis des Terminals wählt nur die Schulung (webkasse run --training).")
        }
        try trainingTerminal(outcome)
    }

    // MARK: Payment

    private func request(_ payment: PaymentRequest) throws -> SaleRequest {
        SaleRequest(
            saleId: saleId, operatorId: try operatorId(), basket: model.basket, payment: payment, reference: reference,
            startedAt: startedAt ?? service.clock.now())
    }

    /// The booked sale as the screen shows it; starts the next citizen's basket.
    private func completed(_ outcome: SaleOutcome) -> PaymentStep {
        newSale()
        var receipt = receiptView(outcome.receipt)
        if let notice = outcome.cardAmountNotice { receipt.note = notice + (receipt.note.map { " " + $0 } ?? "") }
        if let outage = service.fiscal?.currentOutage {
            receipt.note =
                "TSE ausgefallen: ohne Signatur gebucht (\(outage.message)); die Aufsicht ist zu informieren."
                + (receipt.note.map { " " + $0 } ?? "")
        }
        // A booked sale has at most one cash payment: its change sum cannot overflow.
        return .completed(receipt, change: (try? outcome.change) ?? .zero)
    }

    private func receiptView(_ delivered: DeliveredReceipt) -> ReceiptView {
        let note: String
        if let problem = delivered.fileProblem {
            note = problem
        } else if service.printer != nil {
            note = "Beleg an den Drucker gegeben."
        } else {
            note = "Kein Drucker eingerichtet: Beleg als Datei abgelegt."
        }
        return ReceiptView(number: String(delivered.number), lines: delivered.text.components(separatedBy: "\n"), note: note)
    }

    public func payCash(amount: Money, tendered: Money) throws -> PaymentStep {
        switch try payment.cash(amount: amount, tendered: tendered, total: model.basket.total) {
        case .remaining(let due): return .remaining(due)
        case .book(let paid):
            let step = completed(try requireSession().bookSale(try request(paid)))
            if tendered >= amount, let change = try? tendered.subtracting(amount) {
                customerDisplay?.showChange(tendered: tendered, change: change)
            }
            return step
        }
    }

    public func payCheque(amount: Money, number: String, bank: String, name: String) throws -> PaymentStep {
        switch try payment.cheque(amount: amount, total: model.basket.total, number: number, bank: bank, drawer: name) {
        case .remaining(let due): return .remaining(due)
        case .book(let paid): return completed(try requireSession().bookSale(try request(paid)))
        }
    }

    public func startCardPayment(amount: Money) throws -> CardPaymentJob {
        customerDisplay?.showTotal(amount)
        let request = try request(try payment.card(amount: amount, total: model.basket.total))
        let session = SessionHandle(try requireSession())
        return TerminalJob<SaleOutcome>(terminal: service.terminal, name: "webkasse card payment", work: { try session.session.bookSale(request) }) {
            [weak self] outcome in self?.completed(outcome) ?? .remaining(.zero)
        }
    }

    public func printCopy(receiptNumber: String) throws {
        guard let number = Int64(receiptNumber) else { throw CounterError.receiptNotFound(0) }
        let delivered = try requireSession().reprint(receiptNumber: number)
        if let problem = delivered.fileProblem { throw CounterUserError(problem) }
    }

    public func takePrinterProblems() -> [String] {
        (service.printer as? CommandPrinter)?.takeProblems() ?? []
    }

    public func receipt(number: String) throws -> ReceiptView {
        guard let value = Int64(number), let text = try service.receiptText(number: value, copy: true) else {
            throw CounterUserError("Beleg \(number) gibt es nicht.")
        }
        return ReceiptView(number: number, lines: text.components(separatedBy: "\n"))
    }

    // MARK: Back office

    public func todaysSales() -> [SaleSummary] {
        guard let ledger = Optional(service.ledger), let last = try? ledger.lastReceiptNumber(), last > 0,
            let today = try? service.currentBusinessDate()
        else { return [] }
        var sales: [SaleSummary] = []
        var number = last
        while number > 0, sales.count < 500 {
            defer { number -= 1 }
            guard let receipt = try? ledger.receipt(number: number) else { continue }
            guard case .sale(let sale) = receipt else { continue }
            guard sale.businessDate == today else { break }
            let methods = Set(sale.payments.map(\.method.germanName)).sorted().joined(separator: "+")
            let cancelled = ((try? ledger.storno(ofSale: sale.id)) ?? nil) != nil
            sales.append(
                SaleSummary(
                    receiptNumber: String(sale.receiptNumber), time: service.calendar.time(of: sale.endedAt),
                    amount: sale.total, methods: methods, isCancelled: cancelled, reference: sale.reference))
        }
        return sales
    }

    public func storno(receiptNumber: String, reason: String, approval: SupervisorApproval) throws -> CardPaymentJob {
        guard let number = Int64(receiptNumber) else { throw CounterError.receiptNotFound(0) }
        let session = try requireSession()
        let granted = try session.approval(for: .storno, approverLogin: approval.login, pin: approval.pin, reference: String(number))
        // The card part is reversed on the terminal (06 30): in the background, like a payment.
        let stornoId = Self.newId()
        let handle = SessionHandle(session)
        return TerminalJob<StornoOutcome>(
            terminal: service.terminal, name: "webkasse storno",
            work: { try handle.session.cancelSale(receiptNumber: number, stornoId: stornoId, reason: reason, approval: granted) }
        ) { [weak self] outcome in
            guard let self else { return .remaining(.zero) }
            return .completed(self.receiptView(outcome.receipt), change: .zero)
        }
    }

    // MARK: Card payments whose outcome is open

    public func unresolvedCardPayments() -> [UnresolvedCardPayment] {
        ((try? service.unresolvedCardPayments()) ?? []).map {
            UnresolvedCardPayment(
                id: $0.id, amount: $0.amount, time: String(service.calendar.time(of: $0.createdAt).prefix(5)), isReversal: $0.isReversal)
        }
    }

    public func askTerminalAboutUnresolvedPayments() -> TerminalQueryJob {
        let session = session.map(SessionHandle.init)
        return TerminalQuery(terminal: service.terminal, name: "webkasse card recovery") {
            guard let session else { throw CounterUserError("Bitte zuerst anmelden.") }
            let outcomes = try session.session.resolvePendingCardPayments()
            return outcomes.isEmpty ? ["Keine offene Kartenzahlung."] : outcomes.map(\.description)
        }
    }

    public func terminalLastTransaction() -> TerminalQueryJob {
        let service = self.service
        let name = service.terminal?.terminalName ?? ""
        return TerminalQuery(terminal: service.terminal, name: "webkasse last transaction") {
            guard let last = try service.terminalLastTransaction() else { return ["Das Terminal meldet keine Transaktion."] }
            let d = last.details
            return [
                "Letzte Transaktion am Terminal \(name):",
                "\(last.kind == .payment ? "Zahlung" : "Storno") über \(last.amount.formatted): \(last.approved ? "genehmigt" : "nicht genehmigt")",
                "Terminal-Beleg \(d.receiptNumber), Trace \(d.traceNumber), Terminal-ID \(d.terminalId)",
                "Karte: \(d.cardName) \(d.maskedPAN)",
            ]
        }
    }

    public func settleCardPaymentByHand(id: String, paid: Bool, terminalReceiptNumber: String, note: String, approval: SupervisorApproval) throws -> String {
        let session = try requireSession()
        let granted = try session.approval(for: .cardSettlementByHand, approverLogin: approval.login, pin: approval.pin, reference: id)
        let settled = try session.settleCardPaymentByHand(
            pendingId: id, paid ? .paid(terminalReceiptNumber: terminalReceiptNumber) : .notPaid, note: note, approval: granted)
        switch settled.decision {
        case .paid: return "Von Hand geklärt: bezahlt – Beleg \(settled.receiptNumber.map(String.init) ?? "?") gebucht."
        case .notPaid: return "Von Hand geklärt: nicht bezahlt – nichts gebucht."
        }
    }

    public func basketBookedMeanwhile() -> String? {
        guard !model.basket.isEmpty, let sale = try? service.ledger.sale(id: saleId) else { return nil }
        newSale()
        return "Der Verkauf ist gebucht (Beleg \(sale.receiptNumber)); der Warenkorb ist frei für den nächsten Kunden."
    }

    public func cashInDrawer() throws -> Money { try service.ledger.periodTotals().totals.expectedCash }

    public func cashMovementNeedsApproval(_ kind: CashMovementKind) -> Bool {
        kind != .einlage && (session?.needsApproval(.cashWithdrawal(Money(cents: 1))) ?? true)
    }

    public func cashMovement(_ kind: CashMovementKind, amount: Money, reason: String, approval: SupervisorApproval?) throws {
        let session = try requireSession()
        var granted: Approval?
        if kind != .einlage, session.needsApproval(.cashWithdrawal(amount)) {
            guard let approval else { throw CounterUserError("Eine Entnahme braucht die Freigabe einer Kassenaufsicht.") }
            granted = try session.approval(for: .cashWithdrawal(amount), approverLogin: approval.login, pin: approval.pin, reference: reason)
        }
        _ = try session.recordCashMovement(
            id: Self.newId(), kind: kind, amount: amount,
            reason: reason, approval: granted)
    }

    public func stadtkasseReceiver(_ nameOrLogin: String, pin: String) throws -> String {
        let session = try requireSession()
        let receiver = pin.isEmpty ? try StadtkasseReceiver.named(nameOrLogin) : try session.stadtkasseReceiver(login: nameOrLogin, pin: pin)
        stadtkasseReceiver = receiver
        return receiver.name
    }

    public func transferToStadtkasse(amount: Money, pieces: [Int64: Int], note: String, approval: SupervisorApproval?) throws -> String {
        let session = try requireSession()
        guard let receiver = stadtkasseReceiver else { throw CounterError.missingDetail("wer das Geld für die Stadtkasse annimmt") }
        var granted: Approval?
        if session.needsApproval(.cashWithdrawal(amount)) {
            guard let approval else { throw CounterUserError("Eine Abschöpfung braucht die Freigabe einer Kassenaufsicht.") }
            granted = try session.approval(for: .cashWithdrawal(amount), approverLogin: approval.login, pin: approval.pin, reference: "Stadtkasse")
        }
        let booked = try session.transferToStadtkasse(
            id: Self.newId(), amount: amount, pieces: pieces, receiver: receiver, note: note, approval: granted)
        stadtkasseReceiver = nil
        return "\(amount.formatted) an die Stadtkasse (\(receiver.name)) gebucht, Beleg \(booked.movement.receiptNumber)."
    }
}

extension LiveCounterBackend {
    /// The printer's state and a TSE outage (docs/fiscal.md, "TSE-Ausfall"): the devices' problems in the status line.
    public var printerStatusText: String? {
        let problems = [service.printerState?.statusText, service.fiscal?.statusText].compactMap { $0 }
        return problems.isEmpty ? nil : problems.joined(separator: " · ")
    }

    public var centralStatusText: String? { centralStatus?() }

    public var mayOpenDrawerWithoutSale: Bool { session.map { $0.currentOperator.roles.contains(.kassenaufsicht) } ?? false }

    public func openDrawerWithoutSale(reason: String, approval: SupervisorApproval?) throws {
        let session = try requireSession()
        var actor = session.currentOperator
        if !mayOpenDrawerWithoutSale {
            guard let approval else { throw CounterUserError("»Schublade öffnen« braucht die Freigabe einer Kassenaufsicht.") }
            actor = try access.authorize(.openDrawerWithoutSale, try access.logIn(login: approval.login, pin: approval.pin))
        }
        try service.openDrawerWithoutSale(operatorId: actor.id, reason: reason)
    }
}

extension CounterError {
    /// The terminal could not be reached or is not ready: nothing was booked and nothing is left
    /// pending (the check before a payment, or an unreachable terminal whose intent was closed).
    var paymentDidNotStart: Bool {
        switch self {
        case .terminalNotReady, .terminal(.unreachable): return true
        default: return false
        }
    }
}

/// Carries the session to the card job's thread.
// @unchecked Sendable: while a card job runs the screen does not touch the session (the card dialog is modal and only polls the job).
struct SessionHandle: @unchecked Sendable {
    let session: CounterSession
    init(_ session: CounterSession) { self.session = session }
}

/// The counter's ``CardJob`` as the card dialog sees it: the screen polls ``snapshot`` and never blocks.
// @unchecked Sendable: `finalState` and `onDone` are only used by `snapshot`, which the screen thread alone calls; the job itself is Sendable.
final class TerminalJob<Outcome: Sendable>: CardPaymentJob, @unchecked Sendable {
    private let job: CardJob<Outcome>
    private var finalState: CardPaymentSnapshot.State?
    /// Runs on the polling (screen) thread, once, when the work succeeded.
    private let onDone: (Outcome) -> PaymentStep

    init(terminal: CardTerminal?, name: String, work: @escaping @Sendable () throws -> Outcome, onDone: @escaping (Outcome) -> PaymentStep) {
        self.onDone = onDone
        job = CardJob(terminal: terminal, name: name, work: work)
    }

    var snapshot: CardPaymentSnapshot {
        let (texts, result) = job.progress
        if let finalState { return CardPaymentSnapshot(texts: texts, state: finalState) }
        guard let result else { return CardPaymentSnapshot(texts: texts, state: .running) }
        let final: CardPaymentSnapshot.State
        switch result {
        case .success(let outcome): final = .approved(onDone(outcome))
        case .failure(CounterError.cardDeclined(let text)): final = .declined("Die Karte wurde abgelehnt: \(text).")
        case .failure(CounterError.cardAborted(let text)): final = .aborted("Die Zahlung wurde abgebrochen: \(text).")
        case .failure(let error as CounterError) where error.paymentDidNotStart: final = .notStarted("\(error)")
        case .failure(let error as CounterError):
            switch error {
            case .cardOutcomeUnknown, .unresolvedCardPayment: final = .unresolved("\(error)")
            default: final = .failed("\(error)")
            }
        case .failure(let error): final = .failed("\(error)")
        }
        finalState = final
        return CardPaymentSnapshot(texts: texts, state: final)
    }

    func abort() { job.abort() }
}

/// A question to the terminal on its own thread (``CardJob``); an error becomes its one line.
final class TerminalQuery: TerminalQueryJob, @unchecked Sendable {
    private let job: CardJob<[String]>

    init(terminal: CardTerminal?, name: String, work: @escaping @Sendable () throws -> [String]) {
        job = CardJob(terminal: terminal, name: name, work: work)
    }

    var lines: [String]? {
        switch job.progress.result {
        case nil: return nil
        case .success(let lines)?: return lines
        case .failure(let error)?: return ["\(error)"]
        }
    }
}
