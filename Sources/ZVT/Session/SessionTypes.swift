/// Timing and behaviour of a ZVT session (PA00P016 §3.4–3.5, §5.2.5; ZVT 13.08 §2.2).
public struct SessionConfiguration: Sendable, Equatable {
    /// T3: how long to wait for the terminal's `80 00` / `84 xx` to our command (default 5 s).
    public var t3Ms: Int64
    /// T4: how long the terminal may stay master without sending anything (default 180 s); restarted by
    /// every message from the terminal, and extended by a `04 FF` timeout.
    public var t4Ms: Int64
    /// After a `04 0F` with an error, how long to wait for a `06 0F`/`06 1E` before taking the error as
    /// final (some terminals send none, docs/zvt-field-notes.md, vendor deviations).
    public var completionGraceMs: Int64
    /// Character set for texts from the terminal (CP437 per spec; Latin-1 for DCE Valina).
    public var charset: ZVTCharacterSet
    /// Whether the terminal may send its payment receipts to the ECR (`06 D1`/`06 D3`) after the
    /// `04 0F`: Registration config bits 80 + 02 (ZVT 13.08 §2.1 table 1). Then an
    /// approval is committed at the terminal only when the ECR has also acknowledged every receipt
    /// message, and only the Completion `06 0F` says that none is left (ZVT 13.08 §2.2.8). `true` when
    /// not known (no Registration: the terminal follows its own receipt configuration, §2.1).
    public var paymentReceiptsViaECR: Bool

    public init(
        t3Ms: Int64 = 5_000, t4Ms: Int64 = 180_000, completionGraceMs: Int64 = 5_000, charset: ZVTCharacterSet = .cp437,
        paymentReceiptsViaECR: Bool = true
    ) {
        self.t3Ms = t3Ms
        self.t4Ms = t4Ms
        self.completionGraceMs = completionGraceMs
        self.charset = charset
        self.paymentReceiptsViaECR = paymentReceiptsViaECR
    }

    /// Whether a Registration config byte has the ECR take the payment receipts as print commands
    /// (bits 80 + 02, ZVT 13.08 §2.1 table 1): `BE`, `BA`, `8E`, `DE` do; `08` or `BC` do not.
    public static func paymentReceiptsViaECR(registrationConfig config: UInt8) -> Bool {
        config & 0x82 == 0x82
    }
}

/// How a command sequence ends (ZVT 13.08 §2).
public enum SequenceKind: Sendable, Equatable {
    /// The terminal's `80 00` hands it master rights; the sequence ends with `06 0F` or `06 1E`.
    case endsWithCompletion
    /// The `80 00` / `84 xx` is the whole answer (Log-Off `06 02`, Abort `06 B0`).
    case acknowledgementOnly

    /// The kind for a command's control field.
    public static func of(_ command: UInt16) -> SequenceKind {
        command == LogOff.command || command == AbortCommand.command ? .acknowledgementOnly : .endsWithCompletion
    }
}

/// Whether money may have moved: for these commands a lost answer is "outcome unknown", not "failed".
public func isFinancial(_ command: UInt16) -> Bool {
    [Authorization.command, Reversal.command, Refund.command, 0x0622, 0x0623, 0x0624, 0x0625].contains(command)
}

/// A receipt as the terminal sent it for printing: its lines, and its type (TLV 1F07) when known.
public struct PrintedReceipt: Equatable, Sendable {
    /// 01 merchant, 02 customer, 03 administration (TLV 1F07), `nil` for `06 D1` lines.
    public var receiptType: UInt8?
    public var lines: [PrintedLine]
    public init(receiptType: UInt8?, lines: [PrintedLine]) {
        self.receiptType = receiptType
        self.lines = lines
    }
    /// The lines as plain text (one per line, no attributes).
    public var text: String { lines.map(\.text).joined(separator: "\n") }
}

/// Why a sequence ended without a definite answer.
public enum SessionProblem: Equatable, Sendable, CustomStringConvertible {
    /// No `80 00` / `84 xx` within T3.
    case noAcknowledgement
    /// The terminal stayed silent longer than T4.
    case completionTimeout
    /// The connection broke.
    case connectionLost
    /// The terminal sent something the protocol does not allow here.
    case protocolViolation(String)
    /// The connection could not be opened (nothing was sent).
    case connectFailed(String)
    /// The terminal refused the command with `84 xx` (it did not start it).
    case refused(ResultCode)
    /// The approving `04 0F` was acknowledged, but the sequence broke off (connection lost, or T4
    /// without a message) before the Completion `06 0F`, while receipt messages could still
    /// follow: the terminal keeps the payment only if the ECR acknowledged those too, otherwise it
    /// reverses it (ZVT 13.08 §2.2.8). `timedOut` = T4 ran out rather than the connection.
    case noCompletionAfterResult(timedOut: Bool)
    /// The terminal ended with Abort `06 1E` after an approving `04 0F` while receipt messages were
    /// due: it may have reversed the payment (ZVT 13.08 §2.2.8).
    case abortAfterApproval(ResultCode)

    public var description: String {
        switch self {
        case .noAcknowledgement: return "Das Terminal hat den Befehl nicht innerhalb von T3 quittiert"
        case .completionTimeout: return "Das Terminal hat die Zeitgrenze T4 überschritten"
        case .connectionLost: return "Die Verbindung zum Terminal ist abgebrochen"
        case .protocolViolation(let text): return "Protokollfehler: \(text)"
        case .connectFailed(let text): return text
        case .refused(let code): return "Das Terminal hat den Befehl abgelehnt: \(code.text) (\(Hex.string([code.rawValue])))"
        case .noCompletionAfterResult(let timedOut):
            return timedOut
                ? "Nach dem Ergebnis kam innerhalb von T4 kein Abschluss (ohne quittierte Belege storniert das Terminal die Zahlung)"
                : "Verbindung nach dem Ergebnis, vor dem Abschluss verloren (ohne quittierte Belege storniert das Terminal die Zahlung)"
        case .abortAfterApproval(let code):
            return "Das Terminal hat nach der Genehmigung mit Abbruch geendet (\(code.text)); es storniert die Zahlung womöglich"
        }
    }
}

/// The end of one command sequence as the session saw it.
public struct SequenceResult: Equatable, Sendable {
    public enum Outcome: Equatable, Sendable {
        /// Positive: `04 0F` with result 00, or (without `04 0F`) a `06 0F` / positive acknowledgement.
        case success
        /// The terminal declined: result code from `04 0F` or `06 1E`.
        case declined(ResultCode)
        /// Result 6C: aborted at the terminal (timeout / abort key) or by the clerk.
        case aborted(ResultCode)
        /// Money may have moved and nobody can say: recovery needed (financial commands only).
        case unknown(SessionProblem)
        /// Nothing happened that could have moved money, but the command failed (also: refused with `84 xx`).
        case failed(SessionProblem)
    }

    public var command: UInt16
    public var outcome: Outcome
    /// The last `04 0F` (the result of a transaction, End-of-Day totals …).
    public var statusInformation: StatusInformation?
    /// Every `04 0F` of the sequence in order: an End-of-Day sends one per acquirer or card
    /// group (ZVT 13.08 §2.16), each with its own total.
    public var allStatusInformation: [StatusInformation] = []
    public var completion: Completion?
    public var terminalAbort: TerminalAbort?
    /// A `84 xx` answer to the command.
    public var refusal: Acknowledgement?
    /// Receipts sent by the terminal (`06 D1` / `06 D3`).
    public var receipts: [PrintedReceipt]
    /// Whether the terminal ended the sequence properly (`06 0F` / `06 1E`, or the ack of an ack-only command).
    public var completed: Bool
    /// Whether the clerk asked to abort.
    public var abortRequested: Bool
    /// The German text for the clerk.
    public var text: String
}
