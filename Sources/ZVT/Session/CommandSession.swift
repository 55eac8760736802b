/// The sans-I/O state machine of one ECR command sequence (ZVT 13.08 §2.2, PA00P016 §3.4/§5.2).
///
/// It is fed events — bytes decoded to APDUs, timer checks, an abort request, a lost connection —
/// with the current time from an injected clock, and returns ``Action``s for a thin driver to carry
/// out in order. It never reads a clock or a socket itself, so tests run without sleeping.
///
/// Rules it implements:
/// - T3 for the terminal's `80 00`/`84 xx` to our command; T4 (restarted by every terminal message,
///   and set by the timeout of a `04 FF`) while the terminal is master.
/// - Every terminal message is acknowledged with `80 00 00`; unknown commands get `84 83 00` (§2.66).
/// - The result is BMP 27 of the `04 0F` (ZVT 13.08 §2.2.8); `06 0F`/`06 1E` only end the sequence, a
///   `06 1E` without `04 0F` carries the result itself. After an error `04 0F` a short grace timer
///   replaces T4.
/// - Commit point (ZVT 13.08 §2.2.8): the terminal keeps a payment only after the ECR
///   acknowledged the `04 0F` **and every `06 D1`/`06 D3` that follows it**; without those acks it
///   reverses by itself. So an acknowledged approval of a financial command is final without the
///   Completion only if no receipts can follow (``SessionConfiguration/paymentReceiptsViaECR`` off:
///   the registration leaves the receipts to the terminal). If receipts can follow, a lost connection
///   or T4 before the `06 0F` — or a `06 1E` after the approval — is "outcome unknown"
///   (``SessionProblem/noCompletionAfterResult(timedOut:)``): only the terminal can say whether it kept
///   the payment (Repeat Receipt, ZVT 13.08 §2.2.9, §2.20). A declining `04 0F` stands either way.
/// - A lost connection or T4 before the `04 0F` of a financial command is "outcome unknown", never "declined".
public struct CommandSession: Sendable {
    public enum State: Equatable, Sendable {
        case notStarted
        /// Our command is sent; waiting for `80 00` / `84 xx` until the deadline (T3).
        case awaitingAcknowledgement(deadline: Int64)
        /// The terminal is master; waiting for its messages until the deadline (T4 or grace).
        case terminalIsMaster(deadline: Int64)
        case finished
    }

    public enum Action: Equatable, Sendable {
        /// Write these bytes to the terminal.
        case send(APDU)
        /// Show this text to the clerk (intermediate status, `04 FF`).
        case showStatus(String, IntermediateStatus)
        /// The `04 0F` arrived: record it durably now — the acknowledgement that follows is the commit point (§2.2.8).
        case record(StatusInformation)
        /// A receipt is complete (closing attribute) and can be printed.
        case printReceipt(PrintedReceipt)
        /// The sequence is over.
        case finished(SequenceResult)
    }

    public let command: APDU
    public let kind: SequenceKind
    public let configuration: SessionConfiguration
    public private(set) var state: State = .notStarted

    private var statusInformation: StatusInformation?
    private var allStatusInformation: [StatusInformation] = []
    private var resultAcknowledged = false
    private var completion: Completion?
    private var terminalAbort: TerminalAbort?
    private var refusal: Acknowledgement?
    private var receipts: [PrintedReceipt] = []
    private var openReceipt: PrintedReceipt?
    private var abortRequested = false
    private var abortPending = false
    private var abortSent = false
    private var t4Ms: Int64
    /// An intermediate status (`04 FF`) came after an error `04 0F`: the terminal goes on (a PIN
    /// retry), so that error is not its last word; T4 applies again until the next `04 0F`.
    private var workingAfterError = false

    public init(command: APDU, kind: SequenceKind? = nil, configuration: SessionConfiguration = SessionConfiguration()) {
        self.command = command
        self.kind = kind ?? SequenceKind.of(command.command)
        self.configuration = configuration
        self.t4Ms = configuration.t4Ms
    }

    /// The time at which ``timerFired(now:)`` must be called, if the session waits for anything.
    public var deadline: Int64? {
        switch state {
        case .awaitingAcknowledgement(let deadline), .terminalIsMaster(let deadline): return deadline
        case .notStarted, .finished: return nil
        }
    }

    public var isFinished: Bool { state == .finished }

    /// Sends the command and arms T3.
    public mutating func start(now: Int64) -> [Action] {
        precondition(state == .notStarted, "session already started")
        state = .awaitingAcknowledgement(deadline: now + configuration.t3Ms)
        return [.send(command)]
    }

    /// One APDU from the terminal.
    public mutating func receive(_ apdu: APDU, now: Int64) -> [Action] {
        switch state {
        case .notStarted, .finished:
            return []
        case .awaitingAcknowledgement:
            if apdu.commandClass == 0x80 || apdu.commandClass == 0x84 {
                let ack = (try? Acknowledgement(apdu: apdu)) ?? .positive
                if ack.isPositive {
                    if kind == .acknowledgementOnly {
                        return finish(.success, completed: true)
                    }
                    state = .terminalIsMaster(deadline: now + t4Ms)
                    if abortPending { return sendAbort() }
                    return []
                }
                // §2.66, D3: a negative acknowledgement means the terminal did not start the command.
                refusal = ack
                return finish(.failed(.refused(ack.refusal ?? .functionNotPossible)), completed: true)
            }
            // A terminal that skips the acknowledgement (seen with simulators): its message implies it.
            guard kind == .endsWithCompletion else { return [] }
            state = .terminalIsMaster(deadline: now + t4Ms)
            return handleWhileMaster(apdu, now: now)
        case .terminalIsMaster:
            return handleWhileMaster(apdu, now: now)
        }
    }

    private mutating func handleWhileMaster(_ apdu: APDU, now: Int64) -> [Action] {
        let ack = Action.send(Acknowledgement.positive.apdu)
        rearm(now: now)
        switch apdu.command {
        case IntermediateStatusInformation.command:
            guard let status = try? IntermediateStatusInformation(apdu: apdu) else { return [ack] }
            if let minutes = status.timeoutMinutes {
                // docs/zvt-field-notes.md, timers: the safer reading is max(default, carried value).
                t4Ms = max(configuration.t4Ms, Int64(minutes) * 60_000)
                rearm(now: now)
            }
            if let code = statusInformation?.resultCode, !code.isSuccess {
                // The terminal goes on after an error (PIN falsch, enter it again): wait for its final word.
                workingAfterError = true
                rearm(now: now)
            }
            return [ack, .showStatus(status.displayText(configuration.charset), status.status)]
        case StatusInformation.command:
            guard let info = try? StatusInformation(apdu: apdu) else { return [ack] }
            statusInformation = info
            allStatusInformation.append(info)
            resultAcknowledged = true
            workingAfterError = false
            if let code = info.resultCode, !code.isSuccess {
                state = .terminalIsMaster(deadline: now + configuration.completionGraceMs)
            }
            return [.record(info), ack]
        case PrintLine.command:
            guard let line = try? PrintLine(apdu: apdu) else { return [ack] }
            var actions: [Action] = [ack]
            // A pre-2013 terminal names the receipt type in the TLV after the text (§3.5; PrintLine).
            if line.attribute == 0xFF {
                let blank = PrintedLine(attribute: 0, text: "")
                appendLines([PrintedLine](repeating: blank, count: min(line.lineFeedCount, 20)), type: line.receiptType)
            } else {
                appendLines([line.line(configuration.charset)], type: line.receiptType)
            }
            if line.line().closesReceipt, let receipt = closeReceipt() { actions.append(.printReceipt(receipt)) }
            return actions
        case PrintTextBlock.command:
            guard let block = try? PrintTextBlock(apdu: apdu) else { return [ack] }
            var actions: [Action] = [ack]
            appendLines(block.lines(configuration.charset), type: block.receiptType)
            if block.closesReceipt, let receipt = closeReceipt() { actions.append(.printReceipt(receipt)) }
            return actions
        case Completion.command:
            completion = try? Completion(apdu: apdu, pendingCommand: command.command)
            return [ack] + finishAfterEnd()
        case TerminalAbort.command:
            terminalAbort = try? TerminalAbort(apdu: apdu)
            return [ack] + finishAfterEnd()
        default:
            if apdu.commandClass == 0x80 || apdu.commandClass == 0x84 {
                // The answer to our 06 B0 during the payment (or a stray ack): no reply.
                return []
            }
            // §2.66: commands we do not support are refused, never left unanswered.
            return [.send(Acknowledgement.unknownCommand.apdu)]
        }
    }

    private mutating func rearm(now: Int64) {
        if case .terminalIsMaster = state {
            let errorReceived = !workingAfterError && (statusInformation.map { !($0.resultCode?.isSuccess ?? true) } ?? false)
            state = .terminalIsMaster(deadline: now + (errorReceived ? configuration.completionGraceMs : t4Ms))
        }
    }

    private mutating func appendLines(_ lines: [PrintedLine], type: UInt8?) {
        if openReceipt == nil { openReceipt = PrintedReceipt(receiptType: type, lines: []) }
        if openReceipt?.receiptType == nil { openReceipt?.receiptType = type }
        openReceipt?.lines += lines
    }

    private mutating func closeReceipt() -> PrintedReceipt? {
        guard let receipt = openReceipt else { return nil }
        openReceipt = nil
        receipts.append(receipt)
        return receipt
    }

    /// `06 0F` or `06 1E` arrived (and is acknowledged).
    private mutating func finishAfterEnd() -> [Action] {
        if let info = statusInformation, let code = info.resultCode {
            if code.isSuccess, approvalAwaitsCompletion, let abort = terminalAbort, !abort.resultCode.isSuccess {
                // ZVT 13.08 §2.2.8: a terminal that missed a receipt acknowledgement reverses and ends with 06 1E.
                return finish(.unknown(.abortAfterApproval(abort.resultCode)), completed: true)
            }
            return finish(outcome(for: code), completed: true)
        }
        if let abort = terminalAbort {
            return finish(outcome(for: abort.resultCode), completed: true)
        }
        if case .fields(let fields)? = completion?.content, let code = fields.resultCode, !code.isSuccess {
            // A Completion that carries a result code other than 00 (some terminals end a refused
            // administration command so): the command did not succeed.
            return finish(outcome(for: code), completed: true)
        }
        if isFinancial(command.command) && statusInformation == nil {
            // A payment that ends with 06 0F but never reported a result: do not guess.
            return finish(.unknown(.protocolViolation("Abschluss ohne Status-Information")), completed: true)
        }
        return finish(.success, completed: true)
    }

    private func outcome(for code: ResultCode) -> SequenceResult.Outcome {
        if code.isSuccess { return .success }
        return code == .aborted ? .aborted(code) : .declined(code)
    }

    /// Whether receipt messages may still follow an approving `04 0F` of this command, so that the
    /// terminal commits it only with the Completion in sight (ZVT 13.08 §2.2.8; §2.1 config bits 80 + 02).
    private var approvalAwaitsCompletion: Bool {
        isFinancial(command.command) && configuration.paymentReceiptsViaECR
    }

    /// The outcome of an acknowledged `04 0F` when the sequence breaks off before the Completion:
    /// a decline stands; an approval stands only if no receipts can follow (ZVT 13.08 §2.2.8).
    private func outcomeWithoutCompletion(_ code: ResultCode, timedOut: Bool) -> SequenceResult.Outcome {
        if code.isSuccess, approvalAwaitsCompletion { return .unknown(.noCompletionAfterResult(timedOut: timedOut)) }
        return outcome(for: code)
    }

    /// Call when ``deadline`` has passed (the driver's read timed out).
    public mutating func timerFired(now: Int64) -> [Action] {
        guard let deadline, now >= deadline else { return [] }
        switch state {
        case .awaitingAcknowledgement:
            return finish(isFinancial(command.command) ? .unknown(.noAcknowledgement) : .failed(.noAcknowledgement), completed: false)
        case .terminalIsMaster:
            if workingAfterError, isFinancial(command.command) {
                // It went on after its error and then fell silent: its last word is missing.
                return finish(.unknown(.completionTimeout), completed: false)
            }
            if let info = statusInformation, let code = info.resultCode, resultAcknowledged {
                // ZVT 13.08 §2.2.8: the acknowledged 04 0F stands if no receipts can follow; otherwise ask the terminal.
                return finish(outcomeWithoutCompletion(code, timedOut: true), completed: false)
            }
            return finish(isFinancial(command.command) ? .unknown(.completionTimeout) : .failed(.completionTimeout), completed: false)
        case .notStarted, .finished:
            return []
        }
    }

    /// The clerk wants to cancel. While the terminal is master, `06 B0 00` is sent (common practice,
    /// ZVT 13.08 §2.23, docs/zvt-field-notes.md, inconsistency 9); the terminal decides: the payment may still complete.
    public mutating func requestAbort(now: Int64) -> [Action] {
        guard !abortRequested else { return [] }
        switch state {
        case .notStarted, .finished:
            return []
        case .awaitingAcknowledgement:
            abortRequested = true
            abortPending = true
            return []
        case .terminalIsMaster:
            abortRequested = true
            if statusInformation != nil {
                return [.showStatus("Abbruch nicht mehr möglich: das Ergebnis liegt bereits vor", IntermediateStatus(rawValue: 0xFF))]
            }
            return sendAbort()
        }
    }

    private mutating func sendAbort() -> [Action] {
        abortPending = false
        guard !abortSent else { return [] }
        abortSent = true
        return [.send(AbortCommand().apdu), .showStatus("Abbruch angefordert…", IntermediateStatus(rawValue: 0xFF))]
    }

    /// The connection broke. `unsentAcknowledgement` = the last ``Action/send(_:)`` (an acknowledgement)
    /// could not be written, so the terminal never got it.
    public mutating func connectionLost(now: Int64, unsentAcknowledgement: Bool = false) -> [Action] {
        switch state {
        case .notStarted, .finished:
            return []
        case .awaitingAcknowledgement:
            return finish(isFinancial(command.command) ? .unknown(.connectionLost) : .failed(.connectionLost), completed: false)
        case .terminalIsMaster:
            if unsentAcknowledgement, statusInformation != nil { resultAcknowledged = false }
            if let info = statusInformation, let code = info.resultCode, resultAcknowledged {
                return finish(outcomeWithoutCompletion(code, timedOut: false), completed: false)
            }
            return finish(isFinancial(command.command) ? .unknown(.connectionLost) : .failed(.connectionLost), completed: false)
        }
    }

    private mutating func finish(_ outcome: SequenceResult.Outcome, completed: Bool) -> [Action] {
        state = .finished
        var actions: [Action] = []
        if let receipt = closeReceipt() { actions.append(.printReceipt(receipt)) }
        let result = SequenceResult(
            command: command.command, outcome: outcome, statusInformation: statusInformation, allStatusInformation: allStatusInformation,
            completion: completion, terminalAbort: terminalAbort, refusal: refusal, receipts: receipts, completed: completed,
            abortRequested: abortRequested, text: text(for: outcome))
        actions.append(.finished(result))
        return actions
    }

    private func text(for outcome: SequenceResult.Outcome) -> String {
        switch outcome {
        case .success:
            return "Erfolgreich"
        case .declined(let code), .aborted(let code):
            if let info = statusInformation, info.resultCode == code, let text = info.resultText(configuration.charset) { return text }
            if let abort = terminalAbort, let text = abort.errorText(configuration.charset), !text.isEmpty { return "\(code.text) (\(text))" }
            return code.text
        case .unknown(let problem):
            return "Ergebnis unbekannt: \(problem). Bitte Belegwiederholung abfragen"
        case .failed(let problem):
            return problem.description
        }
    }
}
