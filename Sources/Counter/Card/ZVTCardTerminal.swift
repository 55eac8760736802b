import Foundation
import KasseCore
import Ledger
import ZVT

/// A real EC terminal over ZVT (TCP or serial) through the ``ZVTDriver``: payment 06 01, reversal 06 30 and
/// repeat receipt 06 20 (service byte 03) for recovery. Registers (06 00) before the first command.
///
/// One command at a time (ZVT 13.08 §2): a payment, the day close's End-of-Day, a menu function
/// and the idle status poll run from different threads, so every command takes ``commandGate``;
/// a command waits for the one before it, the idle poll skips when the gate is taken.
// @unchecked Sendable: `registered` is only touched while `commandGate` is held; the rest is constant or Sendable.
public final class ZVTCardTerminal: CardTerminal, @unchecked Sendable {
    public let terminalName: String
    public let driver: ZVTDriver
    private let status: StatusRelay
    /// Held for each whole command (with its Registration before it); see the type's comment.
    let commandGate = NSLock()
    /// Whether this object registered (06 00); only touched while `commandGate` is held.
    var registered = false
    public private(set) var attemptSeen: CardAttemptSeen?

    /// `address` is `HOST:PORT`, `serial:DEVICE[?baud=N]` or `framed:HOST:PORT` (``ZVTTerminalAddress``);
    /// `password` the terminal's six digits.
    public convenience init(address: String, password: String = "000000", session: SessionConfiguration = SessionConfiguration()) throws {
        guard let pw = Password(password) else { throw CardTerminalError.failed("das Terminal-Passwort hat genau 6 Ziffern") }
        try self.init(address: address, configuration: .init(password: pw, session: session))
    }

    /// The terminal at `address` with the settings of the config file's `[terminal]` section.
    public convenience init(address: String, settings: TerminalSettings) throws {
        try self.init(address: address, configuration: try ZVTDriver.Configuration(settings: settings))
    }

    /// `address` is `HOST:PORT`, `serial:DEVICE[?baud=N]` or `framed:HOST:PORT` (``ZVTTerminalAddress``).
    public convenience init(address: String, configuration: ZVTDriver.Configuration) throws {
        let parsed: ZVTTerminalAddress
        do { parsed = try ZVTTerminalAddress(parsing: address) } catch { throw CardTerminalError.failed(error.description) }
        self.init(name: address, configuration: configuration, transport: parsed.makeTransport())
    }

    public init(name: String, configuration: ZVTDriver.Configuration, transport: ZVTTransport) {
        terminalName = name
        let status = StatusRelay()
        self.status = status
        driver = ZVTDriver(configuration: configuration, transport: transport, handlers: .init(status: { status.received($0) }))
        status.driver = driver
    }

    public func listenForStatus(_ listener: (@Sendable (String) -> Void)?) { status.listen(listener) }

    public func abortRunningCommand() { status.abort() }

    public func announce(_ text: String) { status.received(text) }

    /// Runs `body` as one command: waits for the command before it to end.
    func exclusively<T>(_ body: () throws(CardTerminalError) -> T) throws(CardTerminalError) -> T {
        commandGate.lock()
        defer { commandGate.unlock() }
        return try body()
    }

    /// Registration 06 00 once per terminal object (the terminal keeps it across connections).
    /// Only while `commandGate` is held.
    func ensureRegistered() throws(CardTerminalError) {
        guard !registered else { return }
        let result = driver.register()
        switch result.outcome {
        case .success: registered = true
        case .failed(.refused): throw .failed("Anmeldung am Terminal abgelehnt: \(result.text)")
        case .failed(let problem): throw .unreachable(problem.description)
        default: throw .failed("Anmeldung am Terminal abgelehnt: \(result.text)")
        }
    }

    public func authorize(amount: Money) throws(CardTerminalError) -> CardResult {
        try exclusively { () throws(CardTerminalError) in
            attemptSeen = nil
            try ensureRegistered()
            return try map(driver.authorize(amountCents: amount.cents))
        }
    }

    public func reverse(receiptNumber: String, amount: Money) throws(CardTerminalError) -> CardResult {
        guard let number = Int(receiptNumber) else { throw .failed("Terminal-Belegnummer »\(receiptNumber)« ist keine Zahl") }
        return try exclusively { () throws(CardTerminalError) in
            attemptSeen = nil
            try ensureRegistered()
            return try map(driver.reverse(receiptNumber: number))
        }
    }

    public func lastTransaction() throws(CardTerminalError) -> TerminalTransaction? {
        try exclusively { () throws(CardTerminalError) in try lastTransactionNow() }
    }

    /// ``lastTransaction()`` while `commandGate` is held.
    private func lastTransactionNow() throws(CardTerminalError) -> TerminalTransaction? {
        try ensureRegistered()
        driver.disconnect()  // a fresh connection, stale bytes discarded (ZVT 13.08 §2.20)
        let result = driver.lastTransaction()
        guard let info = result.statusInformation else {
            switch result.outcome {
            case .failed(let problem), .unknown(let problem): throw .unreachable(problem.description)
            case .declined, .aborted, .success:
                // `06 1E`, `84 xx` or a bare `06 0F` (PAX A80, docs/zvt-field-notes.md): the
                // answer does not name the last transaction, so it proves nothing either way.
                let said = result.text.isEmpty ? "" : " »\(result.text)«"
                throw .failed("das Terminal nennt seine letzte Transaktion nicht (Antwort\(said) ohne Statusinformation 04 0F)")
            }
        }
        let f = info.fields
        let approved = info.resultCode?.isSuccess ?? false
        return TerminalTransaction(
            kind: f.originalTrace != nil ? .reversal : .payment, approved: approved, amount: Money(cents: f.amountCents ?? 0),
            details: Self.details(ApprovedTransaction(info, receipts: result.receipts, completed: result.completed)))
    }

    private func map(_ outcome: PaymentOutcome) throws(CardTerminalError) -> CardResult {
        switch outcome {
        case .approved(let t): return .approved(Self.details(t))
        case .declined(let f): return .declined(f.text)
        case .aborted(let f): return .aborted(f.text)
        case .outcomeUnknown(let u):
            if let f = u.statusInformation?.fields, let receipt = f.receiptNumber, let trace = f.trace {
                attemptSeen = CardAttemptSeen(receiptNumber: receipt, trace: trace)
            }
            throw .outcomeUnknown(u.problem.description)
        case .error(let text): throw .failed(text)
        }
    }

    /// The ledger's card data from the terminal's status information and receipts: the customer
    /// copy and the merchant copy, each with its lines' print attributes (their text masked by
    /// the codec, ``PrintedLine``), and the amount the terminal approved (BMP 04, ZVT 13.08 §3.1.1).
    static func details(_ t: ApprovedTransaction) -> CardDetails {
        let copies = ReceiptCopies(t.receipts)
        return CardDetails(
            terminalId: t.terminalId ?? "", traceNumber: t.trace.map { String(format: "%06d", $0) } ?? "",
            receiptNumber: t.receiptNumber.map { String(format: "%04d", $0) } ?? "", cardName: t.cardName ?? "girocard",
            maskedPAN: t.maskedPAN ?? "", authorizationCode: t.authorisationAttribute,
            turnoverNumber: t.statusInformation.fields.turnoverNumber.map(String.init),
            customerReceipt: copies.customer.map(Self.lines) ?? [], merchantReceipt: copies.merchant.map(Self.lines) ?? [],
            approvedAmount: t.amountCents.map { Money(cents: $0) })
    }

    static func lines(_ receipt: PrintedReceipt) -> [TerminalReceiptLine] {
        receipt.lines.map { TerminalReceiptLine($0.text, attribute: $0.attribute) }
    }
}

/// Which of a transaction's receipts is the customer's and which the merchant's copy: by the
/// receipt type (TLV 1F07 of `06 D3`, or of the TLV a pre-2013 terminal appends to `06 D1`; ZVT
/// 13.08 §3.5, §3.6, §9.4.2.1: 01 merchant, 02 customer). Without types (`06 D1` of 13.08) the last
/// receipt is the customer's and the one before it the merchant's: terminals print the merchant
/// copy first, and a terminal that prints only one leaves the customer's to the register.
struct ReceiptCopies {
    let customer: PrintedReceipt?
    let merchant: PrintedReceipt?

    init(_ receipts: [PrintedReceipt]) {
        let untyped = receipts.filter { $0.receiptType == nil }
        customer = receipts.first { $0.receiptType == 0x02 } ?? untyped.last
        let merchantTyped = receipts.first { $0.receiptType == 0x01 }
        merchant = merchantTyped ?? (untyped.count >= 2 ? untyped[untyped.count - 2] : nil)
    }
}

/// The driver's intermediate texts to the current listener, and the clerk's abort.
///
/// The driver clears its abort flag when a command sequence starts, so an abort pressed while the
/// registration (06 00) still runs would be lost: the request is remembered and repeated with
/// every text the terminal sends until the listener changes.
// @unchecked Sendable: `listener` and `abortRequested` are only touched under `lock`; `driver` is set once, before any command runs.
private final class StatusRelay: @unchecked Sendable {
    weak var driver: ZVTDriver?
    private let lock = NSLock()
    private var listener: (@Sendable (String) -> Void)?
    private var abortRequested = false

    func listen(_ listener: (@Sendable (String) -> Void)?) {
        lock.withLock {
            abortRequested = false
            self.listener = listener
        }
    }

    func received(_ text: String) {
        let (listener, abort) = lock.withLock { (self.listener, abortRequested) }
        listener?(text)
        if abort { driver?.abort() }
    }

    func abort() {
        lock.withLock { abortRequested = true }
        driver?.abort()
    }
}
