import Access
import Counter
import Foundation
import KasseCore

@testable import CounterUI

/// An in-memory counter backend for screen tests: a small catalogue, a basket, and recorded
/// payments. Operators: 1 (PIN 1234, "Erika Muster"), 9 (PIN 9999, supervisor "Vera Vorgesetzt").
final class FakeCounterBackend: CounterBackend {
    struct Item {
        let code: String
        let name: String
        let words: String
        let variants: [(String, Int64)]
    }
    static let catalogue: [Item] = [
        Item(code: "PA", name: "Personalausweis", words: "ausweis perso", variants: [("ab 24 Jahre", 4600), ("unter 24 Jahre", 2760)]),
        Item(code: "PAV", name: "Vorläufiger Personalausweis", words: "ausweis", variants: [("", 1000)]),
        Item(code: "RP", name: "Reisepass", words: "pass", variants: [("ab 24 Jahre", 7000), ("unter 24 Jahre", 3750)]),
        Item(code: "FZ", name: "Führungszeugnis", words: "zeugnis", variants: [("", 1300)]),
        Item(code: "FZE", name: "Erweitertes Führungszeugnis", words: "zeugnis", variants: [("", 1300)]),
        Item(code: "MB", name: "Meldebescheinigung", words: "meldung", variants: [("", 1000)]),
        Item(code: "LB", name: "Lebensbescheinigung (Rente)", words: "rente", variants: [("", 0)]),
    ]

    struct Line {
        var code: String
        var variant: Int
        var quantity: Int
    }
    var lines: [Line] = []
    var paid = Money.zero
    var operatorName: String?
    var needsShiftOpening = true
    var float: Money?
    var payments: [String] = []
    var printed: [String] = []
    var receiptCounter = 0
    var sales: [SaleSummary] = []
    var movements: [String] = []
    var cardJob: FakeCardJob?
    var wrongPINs = 0

    var isTraining = false
    var status: StatusInfo {
        var status = StatusInfo(office: "Bürgeramt Musterstadt", register: "1", terminal: "SIMULIERTES TERMINAL", terminalIsSimulated: true)
        status.isTraining = isTraining
        return status
    }

    var needsFirstSetup = false
    func setUpFirstOperator(login: String, name: String, pin: String, pinRepeated: String) throws {
        guard !login.contains(" ") else { throw AccessError.invalidLogin(login) }
        guard pin == pinRepeated else { throw CounterUserError("Die beiden PINs stimmen nicht überein.") }
        needsFirstSetup = false
    }
    func logIn(operatorID: String, pin: String) throws -> String {
        guard wrongPINs < 5 else { throw CounterUserError("Bediener \(operatorID) ist nach 5 falschen PINs gesperrt; bitte Vorgesetzte rufen.") }
        guard operatorID == "1", pin == "1234" else {
            wrongPINs += 1
            throw CounterUserError("Bediener-Nr. oder PIN falsch (Versuch \(wrongPINs) von 5).")
        }
        operatorName = "Erika Muster"
        return "Erika Muster"
    }
    func unlock(pin: String) throws {
        guard pin == "1234" else { throw CounterUserError("PIN falsch.") }
    }
    func logOut() { operatorName = nil }
    var locks = 0
    func lockScreen() { locks += 1 }
    var handovers: [String] = []
    var shiftHolderNote: String?
    func handOver(to login: String, pin: String, countedCash: Money) throws -> (name: String, difference: Money) {
        guard login == "9", pin == "9999" else { throw CounterUserError("Kennung oder PIN falsch.") }
        handovers.append("\(login) \(countedCash.formatted)")
        operatorName = "Vera Vorgesetzt"
        return ("Vera Vorgesetzt", Money(cents: countedCash.cents - 10000))
    }
    func openShift(float: Money) throws {
        self.float = float
        needsShiftOpening = false
    }

    static func fold(_ text: String) -> String {
        text.lowercased().replacingOccurrences(of: "ä", with: "a").replacingOccurrences(of: "ö", with: "o")
            .replacingOccurrences(of: "ü", with: "u").replacingOccurrences(of: "ß", with: "ss")
    }

    func search(_ query: String, limit: Int) -> [CatalogEntry] {
        let q = Self.fold(query)
        let exact = Self.catalogue.filter { Self.fold($0.code) == q }
        let prefix = Self.catalogue.filter { Self.fold($0.code).hasPrefix(q) && Self.fold($0.code) != q }
        let words = Self.catalogue.filter { !Self.fold($0.code).hasPrefix(q) && Self.fold($0.name + " " + $0.words).contains(q) }
        return (exact + prefix + words).prefix(limit).map(Self.entry)
    }

    static func entry(_ item: Item) -> CatalogEntry {
        CatalogEntry(code: item.code, name: item.name, variants: item.variants.map { .init(label: $0.0, price: Money(cents: $0.1)) })
    }

    var basket: BasketView {
        let views = lines.map { line -> BasketView.Line in
            let item = Self.catalogue.first { $0.code == line.code }!
            let (label, cents) = item.variants[line.variant]
            return BasketView.Line(
                code: item.code, name: item.name, variantLabel: label.isEmpty ? nil : label, quantity: line.quantity,
                unitPrice: Money(cents: cents), total: Money(cents: cents * Int64(line.quantity)), hasVariants: item.variants.count > 1)
        }
        return BasketView(lines: views, total: Money(cents: views.reduce(0) { $0 + $1.total.cents }), paid: paid, reference: reference)
    }

    var trainingOutcomes: [TrainingTerminalOutcome] = []
    func queueTrainingOutcome(_ outcome: TrainingTerminalOutcome) throws {
        guard status.isTraining else { throw CounterUserError("Das Ergebnis des Terminals wählt nur die Schulung (webkasse run --training).") }
        trainingOutcomes.append(outcome)
    }

    var reference: String?
    var referenceRule = SaleReferenceRule()
    func setReference(_ text: String) throws { reference = try referenceRule.check(text) }
    func recognisesReference(_ text: String) -> Bool { referenceRule.recognises(text) }

    func addToBasket(code: String, variant: Int) throws {
        if let index = lines.firstIndex(where: { $0.code == code && $0.variant == variant }) {
            lines[index].quantity += 1
        } else {
            lines.append(Line(code: code, variant: variant, quantity: 1))
        }
    }
    func setQuantity(line: Int, quantity: Int) throws { lines[line].quantity = quantity }
    func nextVariant(line: Int) throws {
        let count = Self.catalogue.first { $0.code == lines[line].code }!.variants.count
        lines[line].variant = (lines[line].variant + 1) % count
    }
    func removeLine(_ line: Int) { if lines.indices.contains(line) { lines.remove(at: line) } }
    func discardBasket() {
        lines = []
        paid = .zero
        reference = nil
    }

    private func book(_ method: String, amount: Money) -> PaymentStep {
        payments.append("\(method) \(amount.formatted)")
        paid = Money(cents: paid.cents + amount.cents)
        let due = basket.due
        if due.cents > 0 { return .remaining(due) }
        receiptCounter += 1
        let number = String(format: "2026-%06d", receiptCounter)
        let receipt = ReceiptView(number: number, lines: receiptLines(number: number), note: "Beleg gedruckt.")
        sales.append(
            SaleSummary(receiptNumber: number, time: "09:1\(receiptCounter)", amount: basket.total, methods: method, isCancelled: false, reference: reference))
        lines = []
        paid = .zero
        reference = nil
        return .completed(receipt, change: .zero)
    }

    private func receiptLines(number: String) -> [String] {
        var text = ["Bürgeramt Musterstadt", "Beleg \(number)", ""]
        for line in basket.lines {
            text.append("\(line.quantity) x \(line.code) \(line.name)")
            text.append(String(repeating: " ", count: 30) + line.total.formatted)
        }
        text.append("SUMME " + basket.total.formatted)
        if let reference { text.append("Kassenzeichen \(reference)") }
        return text
    }

    var changeConfirmationLimit: Money? = Money(cents: 20000)
    func payCash(amount: Money, tendered: Money) throws -> PaymentStep {
        let step = book("Bar", amount: amount)
        if case .completed(let receipt, _) = step { return .completed(receipt, change: Money(cents: tendered.cents - amount.cents)) }
        return step
    }
    func payCheque(amount: Money, number: String, bank: String, name: String) throws -> PaymentStep {
        book("Scheck \(number)", amount: amount)
    }
    func startCardPayment(amount: Money) throws -> CardPaymentJob {
        let job = FakeCardJob()
        job.onApprove = { [unowned self] in self.book("Karte", amount: amount) }
        cardJob = job
        return job
    }
    func printCopy(receiptNumber: String) throws { printed.append(receiptNumber) }
    var printerProblems: [String] = []
    func takePrinterProblems() -> [String] {
        defer { printerProblems = [] }
        return printerProblems
    }
    var startupNotes: [String] = []
    func takeStartupNotes() -> [String] {
        defer { startupNotes = [] }
        return startupNotes
    }
    func receipt(number: String) throws -> ReceiptView {
        guard sales.contains(where: { $0.receiptNumber == number }) else { throw CounterUserError("Beleg \(number) gibt es nicht.") }
        return ReceiptView(number: number, lines: ["Nachdruck", "Beleg \(number)"])
    }
    func todaysSales() -> [SaleSummary] { sales }
    func storno(receiptNumber: String, reason: String, approval: SupervisorApproval) throws -> CardPaymentJob {
        let receipt: ReceiptView = try stornoReceipt(receiptNumber: receiptNumber, reason: reason, approval: approval)
        let job = FakeCardJob()
        job.finish(.approved(.completed(receipt, change: .zero)))
        return job
    }

    func stornoReceipt(receiptNumber: String, reason: String, approval: SupervisorApproval) throws -> ReceiptView {
        guard approval.login == "9", approval.pin == "9999" else {
            throw CounterUserError("Freigabe abgelehnt: Bediener-Nr. oder PIN der Vorgesetzten falsch.")
        }
        guard let index = sales.firstIndex(where: { $0.receiptNumber == receiptNumber }) else {
            throw CounterUserError("Beleg \(receiptNumber) gibt es nicht.")
        }
        sales[index].isCancelled = true
        return ReceiptView(number: receiptNumber + "-S", lines: ["STORNO", "zu Beleg \(receiptNumber)", "Grund: \(reason)"])
    }
    var unresolved: [UnresolvedCardPayment] = []
    var terminalAnswer: FakeTerminalQuery?
    var settledByHand: [String] = []
    func unresolvedCardPayments() -> [UnresolvedCardPayment] { unresolved }
    /// Set by a test: the basket's sale counts as booked at the next look.
    var basketBooked = false
    func basketBookedMeanwhile() -> String? {
        guard basketBooked, !lines.isEmpty else { return nil }
        lines = []
        paid = .zero
        return "Der Verkauf ist gebucht (Beleg 2); der Warenkorb ist frei für den nächsten Kunden."
    }
    func askTerminalAboutUnresolvedPayments() -> TerminalQueryJob {
        let query = FakeTerminalQuery()
        terminalAnswer = query
        return query
    }
    func terminalLastTransaction() -> TerminalQueryJob {
        let query = FakeTerminalQuery()
        terminalAnswer = query
        return query
    }
    func settleCardPaymentByHand(id: String, paid: Bool, terminalReceiptNumber: String, note: String, approval: SupervisorApproval) throws -> String {
        guard approval == SupervisorApproval(login: "9", pin: "9999") else { throw CounterUserError("Freigabe abgelehnt: Kennung oder PIN falsch.") }
        unresolved.removeAll { $0.id == id }
        settledByHand.append("\(id) \(paid ? "bezahlt \(terminalReceiptNumber)" : "nicht bezahlt") \(note)")
        return paid ? "Von Hand geklärt: bezahlt – Beleg 2 gebucht." : "Von Hand geklärt: nicht bezahlt – nichts gebucht."
    }
    /// The drawer's Sollbestand the fake reports.
    var drawer = Money(cents: 50000)
    func cashInDrawer() throws -> Money { drawer }
    func cashMovementNeedsApproval(_ kind: CashMovementKind) -> Bool { kind != .einlage }
    func cashMovement(_ kind: CashMovementKind, amount: Money, reason: String, approval: SupervisorApproval?) throws {
        if kind != .einlage {
            guard approval == SupervisorApproval(login: "9", pin: "9999") else { throw CounterUserError("Freigabe abgelehnt: Kennung oder PIN falsch.") }
        }
        movements.append("\(kind.label) \(amount.formatted) \(reason)")
    }
    /// The receiver named last for an Abschöpfung (Kennung 7 with PIN 7777 is »Frau Kasse«).
    var stadtkasseReceiverName: String?
    func stadtkasseReceiver(_ nameOrLogin: String, pin: String) throws -> String {
        if pin.isEmpty {
            guard nameOrLogin.count >= 2 else { throw CounterUserError("Es fehlt: der Name der Person, die für die Stadtkasse annimmt (2 bis 60 Zeichen).") }
            stadtkasseReceiverName = nameOrLogin
        } else {
            guard nameOrLogin == "7", pin == "7777" else { throw CounterUserError("Kennung oder PIN falsch.") }
            stadtkasseReceiverName = "Frau Kasse"
        }
        return stadtkasseReceiverName!
    }
    func transferToStadtkasse(amount: Money, pieces: [Int64: Int], note: String, approval: SupervisorApproval?) throws -> String {
        guard approval == SupervisorApproval(login: "9", pin: "9999") else { throw CounterUserError("Freigabe abgelehnt: Kennung oder PIN falsch.") }
        let count = pieces.sorted { $0.key > $1.key }.map { "\($0.value)×\($0.key)" }.joined(separator: " ")
        movements.append("Stadtkasse \(amount.formatted) an \(stadtkasseReceiverName ?? "?") [\(count)] \(note)")
        return "\(amount.formatted) an die Stadtkasse (\(stadtkasseReceiverName ?? "?")) gebucht, Beleg 7."
    }
    /// The day close and the X report: the fixed figures of ``FakeDayCloseBackend``.
    let dayClose = FakeDayCloseBackend()
    func prepareDayClose(blindCount: Bool) throws -> DayCloseSheet { try dayClose.prepareDayClose(blindCount: blindCount) }
    func dayCloseNeedsApproval(counted: Money) throws -> Bool { try dayClose.dayCloseNeedsApproval(counted: counted) }
    func closeDay(_ request: DayCloseRequest, approverLogin: String?, approverPIN: String?) throws -> DayCloseDone {
        try dayClose.closeDay(request, approverLogin: approverLogin, approverPIN: approverPIN)
    }
    func interimReportLines() throws -> [String] { try dayClose.interimReportLines() }

    // MARK: Receipt printer and drawer
    var printerStatusText: String?
    var centralStatusText: String?
    var mayOpenDrawerWithoutSale = false
    /// The reasons of the »No Sale« openings, with the approving supervisor's login if any.
    var drawerOpenings: [(reason: String, approver: String?)] = []
    func openDrawerWithoutSale(reason: String, approval: SupervisorApproval?) throws {
        if !mayOpenDrawerWithoutSale {
            guard let approval, approval.pin == "9999" else { throw CounterUserError("Freigabe abgelehnt.") }
        }
        drawerOpenings.append((reason, approval?.login))
    }

    // MARK: EC terminal
    var terminalLight: TerminalLight?
    /// Whether the logged-in operator may open the terminal menu (the live backend asks the roles).
    var terminalMenuAllowed = false
    /// The functions started, in order.
    var terminalFunctions: [TerminalMenuFunction] = []
    var terminalJob: FakeTerminalFunctionJob?
    func openTerminalMenu() throws -> [String] {
        guard terminalMenuAllowed else { throw CounterUserError("»Terminal-Menü« braucht die Rolle Kassenaufsicht; »erika« hat Sachbearbeitung.") }
        return [
            "Terminal 127.0.0.1:20007 (ZVT über TCP), simuliert",
            "Steuerport des Simulators: 127.0.0.1:20017 (für Schulung und Support, docs/zvt-sim.md)",
            "z. B. printf 'next decline-05\\n' | nc 127.0.0.1 20017",
        ]
    }
    func startTerminalFunction(_ function: TerminalMenuFunction) throws -> TerminalFunctionJob {
        guard terminalMenuAllowed else { throw CounterUserError("»Terminal-Menü« braucht die Rolle Kassenaufsicht; »erika« hat Sachbearbeitung.") }
        terminalFunctions.append(function)
        let job = FakeTerminalFunctionJob()
        terminalJob = job
        return job
    }
}

/// A terminal function whose progress the test sets.
final class FakeTerminalFunctionJob: TerminalFunctionJob, @unchecked Sendable {
    private let lock = NSLock()
    private var current = TerminalFunctionSnapshot(texts: [], result: nil)
    var snapshot: TerminalFunctionSnapshot { lock.withLock { current } }
    func show(_ text: String) { lock.withLock { current.texts.append(text) } }
    func finish(_ result: TerminalFunctionResult) { lock.withLock { current.result = result } }
}

/// A card payment whose progress the test sets.
final class FakeCardJob: CardPaymentJob, @unchecked Sendable {
    private let lock = NSLock()
    private var current = CardPaymentSnapshot(texts: [], state: .running)
    var onApprove: (() -> PaymentStep)?
    private(set) var abortCalled = false

    var snapshot: CardPaymentSnapshot { lock.withLock { current } }
    func abort() { lock.withLock { abortCalled = true } }
    func show(_ text: String) { lock.withLock { current.texts.append(text) } }
    func finish(_ state: CardPaymentSnapshot.State) { lock.withLock { current.state = state } }
    func approve() { finish(.approved(onApprove!())) }
}

/// A question to the terminal whose answer the test gives.
final class FakeTerminalQuery: TerminalQueryJob, @unchecked Sendable {
    private let lock = NSLock()
    private var answer: [String]?
    var lines: [String]? { lock.withLock { answer } }
    func answer(_ lines: [String]) { lock.withLock { answer = lines } }
}
