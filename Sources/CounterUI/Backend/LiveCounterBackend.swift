import Access
import Counter
import Foundation
import KasseCore
import Ledger

/// The counter screen on the real counter service: catalogue and basket from KasseCore, operators,
/// PINs and four-eyes approvals through ``AccessControl``, every booking through the logged-in
/// operator's ``CounterSession`` (roles and shift holder checked there).
///
/// A split payment is cash first, then the rest by card (what the service books as
/// `.split(cash:tendered:)`); the cash part is only booked together with the rest, so a
/// declined card books nothing.
public final class LiveCounterBackend: CounterBackend {
    let service: CounterService
    let access: AccessControl
    let cardControls: CardTerminalControls?
    let dayCloseSettings: DayCloseSettings
    public let status: StatusInfo
    private var model: CatalogBasket
    private var saleId = LiveCounterBackend.newId()
    private var startedAt: Instant?
    /// The cash part of a split payment, taken but not yet booked.
    private var pendingCash: (amount: Money, tendered: Money)?
    private var session: CounterSession?
    /// The day close prepared on the counting screen, kept for its close.
    var preparedDayClose: DayCloseSession?
    private var startupNotes: [String] = []

    public init(service: CounterService, access: AccessControl, catalog: TariffCatalog, cardControls: CardTerminalControls?,
                status: StatusInfo, dayCloseSettings: DayCloseSettings = DayCloseSettings(configuration: Configuration())) throws {
        self.dayCloseSettings = dayCloseSettings
        self.service = service
        self.access = access
        service.accessGuard = access
        self.cardControls = cardControls
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

    public func setUpFirstOperator(login: String, name: String, pin: String, pinRepeated: String) throws {
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
        return (next.currentOperator.name, handover.difference)
    }

    /// A new basket on the current business date (after a shift opens or a day closes).
    func renewBasketDate() throws {
        if let date = BusinessDate(iso: try service.currentBusinessDate()) { model.reset(date: date) }
        newSale()
    }

    private func newSale() {
        model.removeAll()
        saleId = Self.newId()
        startedAt = nil
        pendingCash = nil
    }

    // MARK: Catalogue and basket

    public func search(_ query: String, limit: Int) -> [CatalogEntry] { model.search(query, limit: limit) }

    public var basket: BasketView { model.view(paid: pendingCash?.amount ?? .zero) }

    public func addToBasket(code: String, variant: Int) throws {
        try refuseWhilePartPaid()
        try model.add(code: code, variant: variant)
        if startedAt == nil { startedAt = service.clock.now() }
    }

    public func setQuantity(line: Int, quantity: Int) throws {
        try refuseWhilePartPaid()
        try model.setQuantity(line: line, quantity: quantity)
    }

    public func nextVariant(line: Int) throws {
        try refuseWhilePartPaid()
        try model.nextVariant(line: line)
    }

    public func removeLine(_ line: Int) {
        guard pendingCash == nil else { return }
        model.removeLine(line)
    }

    public func discardBasket() { newSale() }

    private func refuseWhilePartPaid() throws {
        if let pending = pendingCash {
            throw CounterUserError("Es ist schon ein Teil bar angenommen (\(pending.amount.formatted)); erst den Rest kassieren.")
        }
    }

    // MARK: Payment

    private func request(_ payment: PaymentRequest) throws -> SaleRequest {
        SaleRequest(saleId: saleId, operatorId: try operatorId(), basket: model.basket, payment: payment,
                    startedAt: startedAt ?? service.clock.now())
    }

    /// The booked sale as the screen shows it; starts the next citizen's basket.
    private func completed(_ outcome: SaleOutcome) -> PaymentStep {
        newSale()
        let receipt = receiptView(outcome.receipt)
        return .completed(receipt, change: outcome.change)
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
        let total = model.basket.total
        let alreadyTaken = pendingCash ?? (Money.zero, Money.zero)
        let due = Money(cents: total.cents - alreadyTaken.amount.cents)
        guard tendered >= amount else { throw CounterError.tenderedTooLow(total: amount, tendered: tendered) }
        if amount < due {
            // A cash part of a split payment: taken now, booked with the rest.
            pendingCash = (Money(cents: alreadyTaken.amount.cents + amount.cents), Money(cents: alreadyTaken.tendered.cents + tendered.cents))
            return .remaining(Money(cents: due.cents - amount.cents))
        }
        let outcome = try requireSession().bookSale(try request(.cash(tendered: Money(cents: alreadyTaken.tendered.cents + tendered.cents))))
        return completed(outcome)
    }

    public func payCheque(amount: Money, number: String, bank: String, name: String) throws -> PaymentStep {
        guard pendingCash == nil else {
            throw CounterUserError("Scheck und Bar lassen sich nicht in einem Verkauf mischen: den Rest bar oder per Karte zahlen.")
        }
        guard amount == model.basket.total else {
            throw CounterUserError("Ein Scheck deckt immer den ganzen Betrag (\(model.basket.total.formatted)); Teilzahlung: bar, dann Karte.")
        }
        return completed(try requireSession().bookSale(try request(.cheque(number: number, bank: bank, drawer: name))))
    }

    public func startCardPayment(amount: Money) throws -> CardPaymentJob {
        let due = basket.due
        guard amount == due else {
            throw CounterUserError("Per Karte nur den ganzen offenen Betrag (\(due.formatted)); bei Teilzahlung zuerst den Barteil kassieren.")
        }
        let payment: PaymentRequest = pendingCash.map { .split(cash: $0.amount, tendered: $0.tendered) } ?? .card
        let request = try request(payment)
        let job = TerminalJob<SaleOutcome>(controls: cardControls) { [weak self] outcome in
            self?.completed(outcome) ?? .remaining(.zero)
        }
        job.start(session: SessionHandle(try requireSession()), name: "webkasse card payment") { try $0.bookSale(request) }
        return job
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
            let today = try? service.currentBusinessDate() else { return [] }
        var sales: [SaleSummary] = []
        var number = last
        while number > 0, sales.count < 500 {
            defer { number -= 1 }
            guard let receipt = try? ledger.receipt(number: number) else { continue }
            guard case .sale(let sale) = receipt else { continue }
            guard sale.businessDate == today else { break }
            let methods = Set(sale.payments.map(\.method.germanName)).sorted().joined(separator: "+")
            let cancelled = ((try? ledger.storno(ofSale: sale.id)) ?? nil) != nil
            sales.append(SaleSummary(receiptNumber: String(sale.receiptNumber), time: service.calendar.time(of: sale.endedAt),
                                     amount: sale.total, methods: methods, isCancelled: cancelled))
        }
        return sales
    }

    public func storno(receiptNumber: String, reason: String, approval: SupervisorApproval) throws -> CardPaymentJob {
        guard let number = Int64(receiptNumber) else { throw CounterError.receiptNotFound(0) }
        let session = try requireSession()
        let granted = try session.approval(for: .storno, approverLogin: approval.login, pin: approval.pin, reference: String(number))
        // The card part is reversed on the terminal (06 30): in the background, like a payment.
        let job = TerminalJob<StornoOutcome>(controls: cardControls) { [weak self] outcome in
            guard let self else { return .remaining(.zero) }
            return .completed(self.receiptView(outcome.receipt), change: .zero)
        }
        let stornoId = Self.newId()
        job.start(session: SessionHandle(session), name: "webkasse storno") {
            try $0.cancelSale(receiptNumber: number, stornoId: stornoId, reason: reason, approval: granted)
        }
        return job
    }

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
        _ = try session.recordCashMovement(id: Self.newId(), kind: kind, amount: amount,
                                           reason: reason, approval: granted)
    }
}

/// Carries the session to the terminal thread. Safe because the screen does not touch the
/// service while the job runs: the terminal dialog is modal and only polls the job.
struct SessionHandle: @unchecked Sendable {
    let session: CounterSession
    init(_ session: CounterSession) { self.session = session }
}

/// Work that talks to the EC terminal (a card payment, the card part of a storno) on a background
/// thread: the screen polls ``snapshot`` and never blocks.
final class TerminalJob<Outcome>: CardPaymentJob, @unchecked Sendable {
    private let lock = NSLock()
    private var texts: [String] = []
    private var result: Result<Outcome, Error>?
    private var finalState: CardPaymentSnapshot.State?
    private let controls: CardTerminalControls?
    /// Runs on the polling (screen) thread, once, when the work succeeded.
    private let onDone: (Outcome) -> PaymentStep

    init(controls: CardTerminalControls?, onDone: @escaping (Outcome) -> PaymentStep) {
        self.controls = controls
        self.onDone = onDone
    }

    /// Runs `work` with `session` on a new thread.
    func start(session: SessionHandle, name: String, work: @escaping @Sendable (CounterSession) throws -> Outcome) {
        controls?.setStatusHandler { [weak self] text in
            guard let self else { return }
            self.lock.withLock { if self.texts.last != text { self.texts.append(text) } }
        }
        let thread = Thread { [self] in
            let outcome: Result<Outcome, Error>
            do { outcome = .success(try work(session.session)) } catch { outcome = .failure(error) }
            controls?.setStatusHandler(nil)
            lock.withLock { result = outcome }
        }
        thread.name = name
        thread.start()
    }

    var snapshot: CardPaymentSnapshot {
        let (texts, result, state) = lock.withLock { (self.texts, self.result, self.finalState) }
        if let state { return CardPaymentSnapshot(texts: texts, state: state) }
        guard let result else { return CardPaymentSnapshot(texts: texts, state: .running) }
        let final: CardPaymentSnapshot.State
        switch result {
        case .success(let outcome): final = .approved(onDone(outcome))
        case .failure(CounterError.cardDeclined(let text)): final = .declined("Die Karte wurde abgelehnt: \(text).")
        case .failure(CounterError.cardAborted(let text)): final = .aborted("Die Zahlung wurde abgebrochen: \(text).")
        case .failure(let error): final = .failed("\(error)")
        }
        lock.withLock { finalState = final }
        return CardPaymentSnapshot(texts: texts, state: final)
    }

    func abort() { controls?.abortPayment() }
}
