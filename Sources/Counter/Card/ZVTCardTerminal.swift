import Foundation
import KasseCore
import Ledger
import ZVT

/// A real EC terminal over ZVT (TCP or serial) through the ``ZVTDriver``: payment 06 01, reversal 06 30 and
/// repeat receipt 06 20 (service byte 03) for recovery. Registers (06 00) before the first command.
public final class ZVTCardTerminal: CardTerminal {
    public let terminalName: String
    public let driver: ZVTDriver
    private let status: StatusRelay
    private var registered = false

    /// `address` is `HOST:PORT`, `serial:DEVICE[?baud=N]` or `framed:HOST:PORT` (``ZVTTerminalAddress``);
    /// `password` the terminal's six digits.
    public convenience init(address: String, password: String = "000000", session: SessionConfiguration = SessionConfiguration()) throws {
        let parsed: ZVTTerminalAddress
        do { parsed = try ZVTTerminalAddress(parsing: address) } catch { throw CardTerminalError.failed(error.description) }
        guard let pw = Password(password) else { throw CardTerminalError.failed("das Terminal-Passwort hat genau 6 Ziffern") }
        self.init(name: address, configuration: .init(password: pw, session: session), transport: parsed.makeTransport())
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

    /// Registration 06 00 once per terminal object (the terminal keeps it across connections).
    private func ensureRegistered() throws(CardTerminalError) {
        guard !registered else { return }
        let result = driver.register()
        switch result.outcome {
        case .success: registered = true
        case .failed(let problem): throw .unreachable(problem.description)
        default: throw .failed("Anmeldung am Terminal abgelehnt: \(result.text)")
        }
    }

    public func authorize(amount: Money) throws(CardTerminalError) -> CardResult {
        try ensureRegistered()
        return try map(driver.authorize(amountCents: amount.cents))
    }

    public func reverse(receiptNumber: String, amount: Money) throws(CardTerminalError) -> CardResult {
        guard let number = Int(receiptNumber) else { throw .failed("Terminal-Belegnummer »\(receiptNumber)« ist keine Zahl") }
        try ensureRegistered()
        return try map(driver.reverse(receiptNumber: number))
    }

    public func lastTransaction() throws(CardTerminalError) -> TerminalTransaction? {
        try ensureRegistered()
        driver.disconnect()  // a fresh connection, stale bytes discarded (ZVT 13.08 §2.20)
        let result = driver.lastTransaction()
        guard let info = result.statusInformation else {
            switch result.outcome {
            case .declined, .aborted: return nil  // "nothing yet" (06 1E 01 83)
            case .failed(let problem), .unknown(let problem): throw .unreachable(problem.description)
            case .success: return nil
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
        case .outcomeUnknown(let u): throw .outcomeUnknown(u.text)
        case .error(let text): throw .failed(text)
        }
    }

    /// The ledger's card data from the terminal's status information and receipt.
    static func details(_ t: ApprovedTransaction) -> CardDetails {
        let customer = t.receipts.first { $0.receiptType == 0x02 } ?? t.receipts.last
        return CardDetails(
            terminalId: t.terminalId ?? "", traceNumber: t.trace.map { String(format: "%06d", $0) } ?? "",
            receiptNumber: t.receiptNumber.map { String(format: "%04d", $0) } ?? "", cardName: t.cardName ?? "girocard",
            maskedPAN: t.maskedPAN ?? "", authorizationCode: t.authorisationAttribute,
            turnoverNumber: t.statusInformation.fields.turnoverNumber.map(String.init),
            receiptLines: customer?.lines.map(\.text) ?? [])
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
