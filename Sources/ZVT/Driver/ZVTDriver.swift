import Foundation
import SystemCalls

/// The ECR-side ZVT driver: runs command sequences over a ``ZVTTransport`` with a ``CommandSession``.
///
/// Synchronous by design: call it from a background thread; it blocks until the sequence ends.
/// ``abort()`` may be called from any thread. Status texts (`04 FF`) go to ``Handlers/status``; the
/// `04 0F` goes to ``Handlers/record`` *before* it is acknowledged, so the caller can store it durably
/// (the acknowledgement is the commit point, ZVT 13.08 §2.2.8).
// @unchecked Sendable: the only mutable state (abort flag, busy flag, registered config) is behind `lock`; one sequence runs at a time (`busy`).
public final class ZVTDriver: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var password: Password
        public var currencyCode: Int
        public var session: SessionConfiguration
        /// Config byte for Registration (§2.1): default `BE` = receipts via print commands, intermediate
        /// status, ECR controls payment and administration.
        public var registrationConfig: UInt8
        /// Whether the Registration asks for `06 D3` text blocks (TLV 26 { 0A 06 D3 }).
        public var registrationTLV: RegistrationTLV
        /// BMP 03 of the Registration (§2.1 table 2); `nil` = not sent.
        public var registrationServiceByte: UInt8?
        /// BMP 19 of the payment `06 01` (§2.2.1 table 4, e.g. 40 = the terminal chooses); `nil` = not sent.
        public var paymentType: UInt8?
        /// How long to wait for a read before checking abort and timers.
        public var pollIntervalMs: Int
        /// How often a command the terminal refused as busy (`84 9C`) is sent again, and the pause
        /// before the first retry (doubled, tripled … before the next ones).
        public var busyRetries = 3
        public var busyRetryDelayMs = 500
        /// A command that follows the end of the last sequence within this time first waits for
        /// the rest of it, watching the connection: a terminal that closes the connection after
        /// each sequence has then closed it, and the driver opens a new one instead of sending
        /// the command into a closed connection. Only after an administrative sequence (the
        /// counter pays right after a Registration or a last-transaction query), or once the
        /// terminal was seen closing the connection between sequences.
        public var closeSettleMs: Int

        public init(
            password: Password = .zero, currencyCode: Int = 978, session: SessionConfiguration = SessionConfiguration(),
            registrationConfig: UInt8 = 0xBE, registrationTLV: RegistrationTLV = .auto, registrationServiceByte: UInt8? = nil, paymentType: UInt8? = nil,
            pollIntervalMs: Int = 100, closeSettleMs: Int = 50
        ) {
            self.password = password
            self.currencyCode = currencyCode
            self.session = session
            self.registrationConfig = registrationConfig
            self.registrationTLV = registrationTLV
            self.registrationServiceByte = registrationServiceByte
            self.paymentType = paymentType
            self.pollIntervalMs = pollIntervalMs
            self.closeSettleMs = closeSettleMs
        }
    }

    /// Whether ``register()`` sends TLV 26 (BMP 06) and what it does when the terminal refuses it.
    public enum RegistrationTLV: String, Sendable, CaseIterable {
        /// Always with TLV 26; a refusal is the Registration's result.
        case on
        /// Never: the terminal sends receipts as `06 D1` lines (§2.1, tag 26 absent).
        case off
        /// With TLV 26; a terminal that refuses that Registration (`84 xx`, or `06 1E`) is asked
        /// once more without BMP 06, and, if that succeeds, is registered without TLV for the
        /// rest of this driver's life.
        case auto
    }

    public enum Direction: String, Sendable {
        case toTerminal = "ECR->PT"
        case fromTerminal = "PT->ECR"
    }

    public let configuration: Configuration
    private let transport: ZVTTransport
    private let clock: MonotonicClock
    private let lock = NSLock()
    private var abortFlag = false
    private var busy = false
    /// The config byte the terminal was last registered with by this driver (86 after Log-Off, §2.24).
    private var registeredConfig: UInt8?
    /// The terminal refused a Registration with TLV and took one without (``RegistrationTLV/auto``).
    private var refusesRegistrationTLV = false
    /// When the last sequence ended, if a command after it should settle first
    /// (``Configuration/closeSettleMs``); only touched while `busy`.
    private var settleAfterMs: Int64?
    /// The terminal closed the connection between two sequences at least once; only touched while `busy`.
    private var terminalClosesBetweenSequences = false

    /// Who hears what happens during a sequence. Fixed when the driver is made: the driver is
    /// used from a background thread while the screen reads, so nothing here changes afterwards.
    public struct Handlers: Sendable {
        /// Texts to show while a sequence runs (intermediate status, "Abbruch angefordert…").
        public var status: (@Sendable (String) -> Void)?
        /// Called with each `04 0F` before it is acknowledged: store it durably here, quickly.
        public var record: (@Sendable (StatusInformation) -> Void)?
        /// Called with each complete receipt as soon as the terminal closes it.
        public var receipt: (@Sendable (PrintedReceipt) -> Void)?
        /// Every byte block in both directions (for `--trace`).
        public var trace: (@Sendable (Direction, [UInt8]) -> Void)?

        public init(
            status: (@Sendable (String) -> Void)? = nil, record: (@Sendable (StatusInformation) -> Void)? = nil,
            receipt: (@Sendable (PrintedReceipt) -> Void)? = nil, trace: (@Sendable (Direction, [UInt8]) -> Void)? = nil
        ) {
            self.status = status
            self.record = record
            self.receipt = receipt
            self.trace = trace
        }
    }

    public let handlers: Handlers

    public init(
        configuration: Configuration = Configuration(), transport: ZVTTransport, clock: MonotonicClock = SystemClock(), handlers: Handlers = Handlers()
    ) {
        self.configuration = configuration
        self.handlers = handlers
        self.transport = transport
        self.clock = clock
    }

    // MARK: Commands

    /// Payment `06 01` of `amountCents` (ZVT 13.08 §2.2).
    public func authorize(amountCents: Int64) -> PaymentOutcome {
        guard amountCents > 0,
            let command = try? Authorization(amountCents: amountCents, currencyCode: configuration.currencyCode, paymentType: configuration.paymentType)
        else {
            return .error("Ungültiger Betrag \(amountCents) Cent für eine Kartenzahlung.")
        }
        return paymentOutcome(run(command.apdu), amountCents: amountCents, receiptNumber: nil)
    }

    /// Refund `06 31` of `amountCents` (ZVT 13.08 §2.15).
    public func refund(amountCents: Int64) -> PaymentOutcome {
        guard amountCents > 0, let command = try? Refund(password: configuration.password, amountCents: amountCents, currencyCode: configuration.currencyCode)
        else {
            return .error("Ungültiger Betrag \(amountCents) Cent für eine Gutschrift.")
        }
        return paymentOutcome(run(command.apdu), amountCents: amountCents, receiptNumber: nil)
    }

    /// Reversal `06 30` of the payment with `receiptNumber` (ZVT 13.08 §2.9).
    public func reverse(receiptNumber: Int) -> PaymentOutcome {
        guard (0...9999).contains(receiptNumber), let command = try? Reversal(password: configuration.password, receiptNumber: receiptNumber) else {
            return .error("Ungültige Belegnummer \(receiptNumber) (erlaubt 0 bis 9999).")
        }
        return paymentOutcome(run(command.apdu), amountCents: nil, receiptNumber: receiptNumber)
    }

    /// Registration `06 00` (ZVT 13.08 §2.1) with the configured config byte, service byte and,
    /// per ``Configuration/registrationTLV``, TLV 26 { 0A 06 D3 }. With ``RegistrationTLV/auto`` a
    /// refusal of the TLV Registration is answered by one without BMP 06 (receipts then come as
    /// `06 D1` lines), the clerk told on ``Handlers/status``; a success is remembered, so later
    /// Registrations of this driver go without TLV at once.
    public func register() -> SequenceResult {
        let withTLV: Bool
        switch configuration.registrationTLV {
        case .on: withTLV = true
        case .off: withTLV = false
        case .auto: withTLV = !lock.withLock { refusesRegistrationTLV }
        }
        var result = runRegistration(withTLV: withTLV)
        if configuration.registrationTLV == .auto, withTLV, let refusal = Self.refusal(of: result) {
            handlers.status?("Anmeldung mit TLV abgelehnt (\(refusal)); neuer Versuch ohne TLV, die Belege kommen dann als Druckzeilen.")
            result = runRegistration(withTLV: false)
            if result.outcome == .success {
                lock.withLock { refusesRegistrationTLV = true }
                result.text = "Angemeldet ohne TLV (mit TLV abgelehnt: \(refusal))"
            }
        }
        if result.outcome == .success { lock.withLock { registeredConfig = configuration.registrationConfig } }
        return result
    }

    /// Whether the terminal refused a Registration with TLV since this driver was made, and took one without.
    public var refusedRegistrationTLV: Bool { lock.withLock { refusesRegistrationTLV } }

    private func runRegistration(withTLV: Bool) -> SequenceResult {
        let tlv: [TLVObject]? = withTLV ? [TLVObject(0x26, children: [TLVObject(0x0A, [0x06, 0xD3])])] : nil
        return run(
            Registration(
                password: configuration.password, config: configuration.registrationConfig, currencyCode: configuration.currencyCode,
                serviceByte: configuration.registrationServiceByte, tlv: tlv
            ).apdu)
    }

    /// The terminal's refusal, if it refused the command itself — `84 xx` (other than "busy",
    /// `84 9C`) or a result code in `06 1E` / `06 0F` — rather than losing the connection or timing out.
    private static func refusal(of result: SequenceResult) -> String? {
        switch result.outcome {
        case .failed(.refused(let code)) where code != .pleaseWait:
            return "\(result.refusal.map { Hex.string($0.apdu.bytes) } ?? "84 " + Hex.string([code.rawValue])): \(code.text)"
        case .declined(let code):
            return "\(result.terminalAbort != nil ? "06 1E" : "06 0F") \(Hex.string([code.rawValue])): \(code.text)"
        default:
            return nil
        }
    }

    /// End-of-Day `06 50` (ZVT 13.08 §2.16); totals in `statusInformation?.totals`.
    public func endOfDay() -> SequenceResult { run(EndOfDay(password: configuration.password).apdu) }

    /// Status Enquiry `05 01` (ZVT 13.08 §2.56); terminal status in `completion?.terminalStatus`.
    /// `t3Ms`/`t4Ms` replace the configured T3/T4 for this one sequence (the quick check before a
    /// payment); a `04 FF` timeout byte still extends T4.
    public func statusEnquiry(t3Ms: Int64? = nil, t4Ms: Int64? = nil) -> SequenceResult {
        run(StatusEnquiry(password: configuration.password).apdu, t3Ms: t3Ms, t4Ms: t4Ms)
    }

    /// Repeat Receipt `06 20` (ZVT 13.08 §2.20): the terminal prints (or sends) the last receipt again.
    public func repeatReceipt() -> SequenceResult { run(RepeatReceipt(password: configuration.password).apdu) }

    /// The terminal's last transaction without printing: Repeat Receipt with service byte 03
    /// (01 = send the Status-Information, 02 = do not print), ZVT 13.08 §2.20.
    public func lastTransaction() -> SequenceResult { run(RepeatReceipt(password: configuration.password, serviceByte: 0x03).apdu) }

    /// Log-Off `06 02` (ZVT 13.08 §2.24).
    public func logOff() -> SequenceResult {
        let result = run(LogOff().apdu)
        if result.outcome == .success { lock.withLock { registeredConfig = 0x86 } }  // §2.24: the terminal falls back to 86
        return result
    }

    /// Diagnosis `06 70` (ZVT 13.08 §2.17).
    public func diagnosis() -> SequenceResult { run(Diagnosis().apdu) }

    /// A stand-alone Abort `06 B0` (releases a card kept after Read Card, §2.23). To cancel a running
    /// payment use ``abort()``.
    public func sendAbortCommand() -> SequenceResult { run(AbortCommand().apdu) }

    /// Asks the running sequence to abort (thread-safe). The terminal decides; the outcome still comes
    /// from the terminal and may be "approved".
    public func abort() { lock.withLock { abortFlag = true } }

    /// Closes the connection (the next command reconnects).
    public func disconnect() { transport.close() }

    /// Whether a command sequence runs now (thread-safe). An idle poll asks first, so it never
    /// competes with a command (one sequence at a time, ZVT 13.08 §2).
    public var isBusy: Bool { lock.withLock { busy } }

    // MARK: Running a sequence

    /// Runs one command sequence to its end. Never throws: connection problems are part of the result.
    public func run(_ command: APDU) -> SequenceResult { run(command, t3Ms: nil, t4Ms: nil) }

    /// ``run(_:)`` with T3/T4 of this sequence replaced where given.
    private func run(_ command: APDU, t3Ms: Int64?, t4Ms: Int64?) -> SequenceResult {
        let alreadyBusy: Bool = lock.withLock {
            if busy { return true }
            busy = true
            abortFlag = false
            return false
        }
        if alreadyBusy {
            return SequenceResult(
                command: command.command, outcome: .failed(.protocolViolation("es läuft bereits ein Vorgang")), statusInformation: nil,
                completion: nil, terminalAbort: nil, refusal: nil, receipts: [], completed: false, abortRequested: false,
                text: "Am Terminal läuft bereits ein Vorgang.")
        }
        defer {
            settleAfterMs = terminalClosesBetweenSequences || !isFinancial(command.command) ? clock.nowMs() : nil
            lock.withLock { busy = false }
        }
        // `84 9C` (busy, please wait): the terminal did not start the command, so it is sent again
        // after a pause, a few times, before the clerk sees "Terminal beschäftigt" (ZVT 13.08 §2.66).
        var result = runSequence(command, t3Ms: t3Ms, t4Ms: t4Ms)
        var attempt = 0
        while case .failed(.refused(.pleaseWait)) = result.outcome, attempt < configuration.busyRetries, !lock.withLock({ abortFlag }) {
            attempt += 1
            handlers.status?("Terminal beschäftigt – neuer Versuch \(attempt) von \(configuration.busyRetries) …")
            Syscall.sleep(milliseconds: configuration.busyRetryDelayMs * attempt)
            result = runSequence(command, t3Ms: t3Ms, t4Ms: t4Ms)
        }
        if case .failed(.refused(.pleaseWait)) = result.outcome { result.text = "Terminal beschäftigt: bitte gleich noch einmal versuchen." }
        return result
    }

    /// One command sequence, from sending the command to its end.
    private func runSequence(_ command: APDU, t3Ms: Int64?, t4Ms: Int64?) -> SequenceResult {
        var timers = sessionConfiguration()
        if let t3Ms { timers.t3Ms = t3Ms }
        if let t4Ms { timers.t4Ms = t4Ms }
        var session = CommandSession(command: command, configuration: timers)
        if let failure = prepareConnection(command) { return failure }
        var buffer: [UInt8] = []
        var pending = session.start(now: clock.nowMs())
        while true {
            // Carry out the actions in order; a failed send means the connection is gone.
            var sendFailed = false
            for action in pending {
                switch action {
                case .send(let apdu):
                    let bytes = apdu.bytes
                    handlers.trace?(.toTerminal, bytes)
                    do { try transport.send(bytes) } catch { sendFailed = true }
                case .showStatus(let text, _):
                    handlers.status?(text)
                case .record(let info):
                    handlers.record?(info)
                case .printReceipt(let receipt):
                    handlers.receipt?(receipt)
                case .finished(let result):
                    if !result.completed { transport.close() }
                    return result
                }
                if sendFailed { break }
            }
            if sendFailed {
                transport.close()
                pending = session.connectionLost(now: clock.nowMs(), unsentAcknowledgement: true)
                continue
            }
            if lock.withLock({ abortFlag }) {
                lock.withLock { abortFlag = false }
                pending = session.requestAbort(now: clock.nowMs())
                if !pending.isEmpty { continue }
            }
            let now = clock.nowMs()
            guard let deadline = session.deadline else { return finishedUnexpectedly(command) }
            if now >= deadline {
                pending = session.timerFired(now: now)
                continue
            }
            let wait = Int(min(Int64(configuration.pollIntervalMs), deadline - now))
            let bytes: [UInt8]
            do {
                bytes = try transport.receive(timeoutMs: wait)
            } catch {
                pending = session.connectionLost(now: clock.nowMs())
                continue
            }
            pending = []
            if bytes.isEmpty { continue }
            buffer += bytes
            let received = buffer
            while !session.isFinished {
                do {
                    guard let apdu = try APDUDecoder.decode(&buffer) else { break }
                    pending += session.receive(apdu, now: clock.nowMs())
                } catch {
                    continue  // garbage was dropped; resynchronised
                }
            }
            // Traced once whole (APDUs and dropped garbage), so that a card number split over two
            // reads is masked too (``CardNumberMask``); an incomplete tail waits for the next read.
            let consumed = session.isFinished ? received.count : received.count - buffer.count
            if consumed > 0 { handlers.trace?(.fromTerminal, CardNumberMask.maskedTrace(Array(received.prefix(consumed)))) }
        }
    }

    /// The session settings for the next command. Whether receipts may follow the `04 0F` (and so
    /// whether an acknowledged approval needs the Completion, ZVT 13.08 §2.2.8) comes from this driver's
    /// last Registration; before one, ``SessionConfiguration/paymentReceiptsViaECR`` as configured
    /// (default: they may — the terminal may still be registered that way by another program).
    private func sessionConfiguration() -> SessionConfiguration {
        var session = configuration.session
        if let config = lock.withLock({ registeredConfig }) {
            session.paymentReceiptsViaECR = SessionConfiguration.paymentReceiptsViaECR(registrationConfig: config)
        }
        return session
    }

    /// Connects if needed and discards stale bytes (banners, late answers) before a new command
    /// (ZVT 13.08 §2.2.9, §2.20). A connection the terminal has closed meanwhile (some close it
    /// after every sequence or when idle) is opened again, once, before the command is sent:
    /// nothing was sent on it, so nothing can be lost.
    private func prepareConnection(_ command: APDU) -> SequenceResult? {
        do {
            var reconnected = false
            if !transport.isConnected {
                try transport.connect()
                reconnected = true
            }
            var drained = 0
            while drained < 1_000_000 {
                let stale: [UInt8]
                do {
                    let settle = reconnected ? 0 : settleAfterMs.map { Int(max(0, Int64(configuration.closeSettleMs) - (clock.nowMs() - $0))) } ?? 0
                    stale = try transport.receive(timeoutMs: settle)
                } catch ZVTTransportError.closed where !reconnected {
                    terminalClosesBetweenSequences = true
                    transport.close()
                    try transport.connect()
                    reconnected = true
                    continue
                }
                if stale.isEmpty { break }
                handlers.trace?(.fromTerminal, CardNumberMask.maskedTrace(stale))
                drained += stale.count
            }
            return nil
        } catch {
            transport.close()
            // Nothing was sent: no money can have moved.
            return SequenceResult(
                command: command.command, outcome: .failed(.connectFailed(String(describing: error))), statusInformation: nil, completion: nil,
                terminalAbort: nil, refusal: nil, receipts: [], completed: false, abortRequested: false,
                text: String(describing: error))
        }
    }

    private func finishedUnexpectedly(_ command: APDU) -> SequenceResult {
        SequenceResult(
            command: command.command, outcome: .failed(.protocolViolation("Sitzung ohne Ergebnis beendet")), statusInformation: nil, completion: nil,
            terminalAbort: nil, refusal: nil, receipts: [], completed: false, abortRequested: false, text: "Sitzung ohne Ergebnis beendet")
    }

    private func paymentOutcome(_ result: SequenceResult, amountCents: Int64?, receiptNumber: Int?) -> PaymentOutcome {
        switch result.outcome {
        case .success:
            guard let info = result.statusInformation else {
                return .outcomeUnknown(
                    UnknownOutcome(
                        command: result.command, amountCents: amountCents, receiptNumber: receiptNumber,
                        problem: .protocolViolation("keine Status-Information"), statusInformation: nil, text: result.text))
            }
            return .approved(ApprovedTransaction(info, receipts: result.receipts, completed: result.completed))
        case .declined(let code):
            return .declined(TransactionFailure(resultCode: code, text: result.text, statusInformation: result.statusInformation, receipts: result.receipts))
        case .aborted(let code):
            return .aborted(TransactionFailure(resultCode: code, text: result.text, statusInformation: result.statusInformation, receipts: result.receipts))
        case .unknown(let problem):
            return .outcomeUnknown(
                UnknownOutcome(
                    command: result.command, amountCents: amountCents, receiptNumber: receiptNumber, problem: problem,
                    statusInformation: result.statusInformation, text: result.text))
        case .failed(let problem):
            return .error(problem.description)
        }
    }
}
