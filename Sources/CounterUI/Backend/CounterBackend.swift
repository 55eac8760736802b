import Foundation
import KasseCore

/// What the counter screen needs from the application: the counter service seen from the UI.
///
/// The screens only talk to this protocol, so golden tests run against a fake and the
/// executable wires the real counter service (`LiveCounterBackend`). Every throwing call
/// throws an error whose `description` is one German sentence the clerk can act on; nothing
/// is booked when a call throws. The day close and the X report are its ``DayCloseBackend`` part.
public protocol CounterBackend: DayCloseBackend {
    /// The status line (office, register, terminal).
    var status: StatusInfo { get }
    /// What the start-up did that the clerk must know (e.g. card payments resolved after a crash).
    func takeStartupNotes() -> [String]

    // MARK: Operators and shift
    /// True on the very first start: no operator exists yet, the setup screen creates the first
    /// supervisor.
    var needsFirstSetup: Bool { get }
    func setUpFirstOperator(login: String, name: String, pin: String, pinRepeated: String) throws
    /// Checks login id and PIN and makes that operator the current one. Returns the display name.
    func logIn(operatorID: String, pin: String) throws -> String
    /// Checks the current operator's PIN (lock screen).
    func unlock(pin: String) throws
    func logOut()
    /// The screen locks (audited); ``unlock(pin:)`` returns.
    func lockScreen()
    /// Whether the current operator must open a shift (count the float) before selling.
    var needsShiftOpening: Bool { get }
    /// Set when the open shift belongs to someone else: why selling will be refused and what to do.
    var shiftHolderNote: String? { get }
    func openShift(float: Money) throws
    /// Hands the drawer to the operator `login`, who confirms with their PIN; `countedCash` is
    /// what both counted. The receiver becomes the current operator; returns the name and the
    /// difference (counted − expected).
    func handOver(to login: String, pin: String, countedCash: Money) throws -> (name: String, difference: Money)

    // MARK: Catalogue and basket
    /// Items matching what the clerk typed (code or words), best first.
    func search(_ query: String, limit: Int) -> [CatalogEntry]
    var basket: BasketView { get }
    func addToBasket(code: String, variant: Int) throws
    func setQuantity(line: Int, quantity: Int) throws
    /// Switches the line to the item's next variant (e.g. age ≥ 24 ↔ < 24).
    func nextVariant(line: Int) throws
    func removeLine(_ line: Int)
    /// Empties the basket; a cash part taken for a split payment (not booked yet) is dropped with it.
    func discardBasket()
    /// Sets the reference (Kassenzeichen, Aktenzeichen, Vorgangsnummer) the sale is booked and
    /// printed with (``BasketView/reference``); an empty text removes it. Throws when the office's
    /// rule refuses it (``SaleReferenceRule``).
    func setReference(_ text: String) throws
    /// Whether `text`, typed into the search field, is a reference as a barcode scanner gives it
    /// (only when the office set a pattern), so Enter takes it as the sale's reference.
    func recognisesReference(_ text: String) -> Bool

    // MARK: Payment
    /// Change above this is asked about once before the cash payment is booked
    /// (`[thresholds] change_confirmation`); `nil` never asks.
    var changeConfirmationLimit: Money? { get }
    /// Pays `amount` of the basket in cash; `tendered` is what the citizen handed over.
    func payCash(amount: Money, tendered: Money) throws -> PaymentStep
    func payCheque(amount: Money, number: String, bank: String, name: String) throws -> PaymentStep
    /// Starts a girocard payment in the background; poll the job.
    func startCardPayment(amount: Money) throws -> CardPaymentJob
    /// Prints a copy ("Kopie") of a booked receipt. (A booking delivers its receipt itself:
    /// file and printer; a completed payment has already emptied the basket.)
    func printCopy(receiptNumber: String) throws
    /// Printer failures since the last call (the printer works in the background), as sentences.
    func takePrinterProblems() -> [String]
    /// A booked receipt by number (reprint).
    func receipt(number: String) throws -> ReceiptView

    // MARK: Back office
    func todaysSales() -> [SaleSummary]
    /// Checks the supervisor's approval, then cancels the sale as a whole in the background (the
    /// card part is reversed on the terminal); the job's result carries the storno receipt.
    func storno(receiptNumber: String, reason: String, approval: SupervisorApproval) throws -> CardPaymentJob
    // Card payments whose outcome the terminal has not told (»Zahlung ungeklärt«)
    /// The open card payments and reversals, oldest first.
    func unresolvedCardPayments() -> [UnresolvedCardPayment]
    /// Asks the terminal again about them, in the background; the lines say what it settled.
    func askTerminalAboutUnresolvedPayments() -> TerminalQueryJob
    /// The terminal's last transaction as lines, in the background.
    func terminalLastTransaction() -> TerminalQueryJob
    /// Settles one by hand, as a supervisor read it from the terminal's journal or slip, with her
    /// approval and a note; returns what was booked.
    func settleCardPaymentByHand(id: String, paid: Bool, terminalReceiptNumber: String, note: String, approval: SupervisorApproval) throws -> String
    /// If the basket's sale was booked meanwhile (its open card payment settled as paid, by the
    /// terminal or by hand): starts the next basket and says so; `nil` otherwise.
    func basketBookedMeanwhile() -> String?

    /// The cash the drawer should hold now (the Sollbestand of the open period): an Entnahme or
    /// a transfer above it is refused before anyone approves it.
    func cashInDrawer() throws -> Money
    /// Whether a cash movement of this kind needs a supervisor's approval (four eyes).
    func cashMovementNeedsApproval(_ kind: CashMovementKind) -> Bool
    func cashMovement(_ kind: CashMovementKind, amount: Money, reason: String, approval: SupervisorApproval?) throws
    /// The person of the Stadtkasse receiving an Abschöpfung: with a PIN, `nameOrLogin` is their
    /// Kennung and they confirm as an operator (checked now, audited); without, it is their name.
    /// Returns the name to show; the next ``transferToStadtkasse(amount:pieces:note:approval:)`` books it.
    func stadtkasseReceiver(_ nameOrLogin: String, pin: String) throws -> String
    /// Books the Abschöpfung to the receiver named last, with a supervisor's approval as for an
    /// Entnahme; returns the notice (receipt number).
    func transferToStadtkasse(amount: Money, pieces: [Int64: Int], note: String, approval: SupervisorApproval?) throws -> String

    // MARK: EC terminal
    /// What the status line shows of the terminal (idle Status Enquiry, the check before a
    /// payment, the menu's status); `nil` while nothing is known.
    var terminalLight: TerminalLight? { get }
    /// Opens the terminal menu: throws unless the current operator may use it (Kassenaufsicht;
    /// the refusal is audited). Returns the lines of the menu's head (address, simulator's control port).
    func openTerminalMenu() throws -> [String]
    /// Starts a function of the terminal menu in the background (audited); poll the job.
    func startTerminalFunction(_ function: TerminalMenuFunction) throws -> TerminalFunctionJob

    // MARK: Receipt printer and drawer (docs/printer.md)
    /// The printer's state for the status line (»DRUCKER: Papier leer · 1 Beleg wartet«); nil when all is well.
    var printerStatusText: String? { get }
    /// The delivery to the central database for the status line (docs/central.md); nil without a centre.
    var centralStatusText: String? { get }
    /// »No Sale«: opens the drawer with a reason; the operator, or else the supervisor of `approval`, needs Kassenaufsicht.
    func openDrawerWithoutSale(reason: String, approval: SupervisorApproval?) throws
    /// Whether the current operator may open the drawer without a sale themself.
    var mayOpenDrawerWithoutSale: Bool { get }

    // MARK: Fee catalogue
    /// Looks for a new catalogue version (at most once a minute) and takes it when no basket is
    /// being served; returns what the clerk is told (new version, or a broken one not taken).
    func refreshCatalog() -> String?

    // MARK: Training mode
    /// Tells the simulated terminal how the next card payment ends (`webkasse run --training`
    /// only; throws otherwise).
    func queueTrainingOutcome(_ outcome: TrainingTerminalOutcome) throws
}

extension CounterBackend {
    public func refreshCatalog() -> String? { nil }
    public var printerStatusText: String? { nil }
    public var centralStatusText: String? { nil }
    public var mayOpenDrawerWithoutSale: Bool { false }
    public func openDrawerWithoutSale(reason: String, approval: SupervisorApproval?) throws {
        throw CounterUserError("An dieser Kasse ist keine Schublade angeschlossen.")
    }
}

/// What the trainer lets the simulated terminal do with the next card payment; the raw values are
/// the simulator's outcome names (docs/zvt-sim.md).
public enum TrainingTerminalOutcome: String, CaseIterable, Equatable, Sendable {
    case approve
    case decline = "decline-05"
    case pinRetry = "pin-retry"
    case clerkAbort = "clerk-abort"
    case pinTimeout = "pin-timeout"
    case unreachable = "host-unreachable"

    public var label: String {
        switch self {
        case .approve: return "Genehmigt"
        case .decline: return "Abgelehnt (Karte abgelehnt)"
        case .pinRetry: return "PIN falsch, dann richtig: genehmigt"
        case .clerkAbort: return "Keine Karte: mit Esc abbrechen"
        case .pinTimeout: return "Abbruch am Terminal (PIN-Eingabe abgelaufen)"
        case .unreachable: return "Bank nicht erreichbar"
        }
    }
}

/// The terminal's state as the status line shows it.
public enum TerminalLight: Equatable, Sendable {
    /// "Terminal bereit".
    case ready
    /// The terminal answers but cannot pay: "Terminal: Kassenschnitt erforderlich".
    case notReady(String)
    /// "Terminal nicht erreichbar seit 09:41" (the time in the office's zone).
    case unreachable(since: Date)
}

/// The functions of the terminal menu, in menu order (digit = position).
public enum TerminalMenuFunction: CaseIterable, Equatable, Sendable {
    case status, diagnosis, endOfDay, repeatReceipt, lastTransaction, register

    public var label: String {
        switch self {
        case .status: return "Status abfragen"
        case .diagnosis: return "Diagnose"
        case .endOfDay: return "Kassenschnitt (Tagesabschluss des Terminals)"
        case .repeatReceipt: return "Letzten Beleg wiederholen"
        case .lastTransaction: return "Letzte Transaktion anzeigen"
        case .register: return "Neu anmelden (Registrierung)"
        }
    }
}

/// A terminal function running in the background. The screen polls ``snapshot``.
public protocol TerminalFunctionJob: AnyObject, Sendable {
    var snapshot: TerminalFunctionSnapshot { get }
}

public struct TerminalFunctionSnapshot: Equatable, Sendable {
    /// The terminal's intermediate texts, newest last.
    public var texts: [String]
    /// `nil` while it runs.
    public var result: TerminalFunctionResult?
    public init(texts: [String], result: TerminalFunctionResult?) {
        self.texts = texts
        self.result = result
    }
}

public struct TerminalFunctionResult: Equatable, Sendable {
    public var succeeded: Bool
    /// One sentence: the result, or why the terminal could not do it.
    public var headline: String
    /// Details: receipt lines, amount, numbers.
    public var lines: [String]
    public init(succeeded: Bool, headline: String, lines: [String] = []) {
        self.succeeded = succeeded
        self.headline = headline
        self.lines = lines
    }
}

/// An item as the sale screen lists it.
public struct CatalogEntry: Equatable, Sendable {
    public struct Variant: Equatable, Sendable {
        public var label: String
        public var price: Money
        public init(label: String, price: Money) {
            self.label = label
            self.price = price
        }
    }
    public var code: String
    public var name: String
    /// At least one; the first is what Enter adds.
    public var variants: [Variant]
    public init(code: String, name: String, variants: [Variant]) {
        self.code = code
        self.name = name
        self.variants = variants
    }
}

/// The basket as shown.
public struct BasketView: Equatable, Sendable {
    public struct Line: Equatable, Sendable {
        public var code: String
        public var name: String
        /// `nil` for items with a single variant.
        public var variantLabel: String?
        public var quantity: Int
        public var unitPrice: Money
        public var total: Money
        public var hasVariants: Bool
        public init(code: String, name: String, variantLabel: String?, quantity: Int, unitPrice: Money, total: Money, hasVariants: Bool) {
            self.code = code
            self.name = name
            self.variantLabel = variantLabel
            self.quantity = quantity
            self.unitPrice = unitPrice
            self.total = total
            self.hasVariants = hasVariants
        }
    }
    public var lines: [Line]
    public var total: Money
    /// Already paid by earlier parts of a split payment.
    public var paid: Money
    /// The Kassenzeichen the sale will be booked with, if any.
    public var reference: String?
    /// Whether that part is a cheque (else cash).
    public var paidByCheque = false
    /// What is left to pay; `paid` is part of `total` (an earlier part of a split payment), so
    /// the subtraction cannot overflow.
    public var due: Money { (try? total.subtracting(paid)) ?? .zero }
    public var isEmpty: Bool { lines.isEmpty }
    public init(lines: [Line] = [], total: Money = .zero, paid: Money = .zero, reference: String? = nil) {
        self.lines = lines
        self.total = total
        self.paid = paid
        self.reference = reference
    }
}

/// A receipt ready to preview and print.
public struct ReceiptView: Equatable, Sendable {
    public var number: String
    public var lines: [String]
    /// How it was delivered ("Beleg gedruckt.", or where the file is, or what went wrong).
    public var note: String?
    public init(number: String, lines: [String], note: String? = nil) {
        self.number = number
        self.lines = lines
        self.note = note
    }
}

/// The result of one payment: more to pay (split payment) or the sale is complete.
public enum PaymentStep: Equatable, Sendable {
    case remaining(Money)
    /// The sale is booked; `change` is the cash to hand back.
    case completed(ReceiptView, change: Money)
}

/// A sale in the day's list (storno, reprint).
public struct SaleSummary: Equatable, Sendable {
    public var receiptNumber: String
    public var time: String
    public var amount: Money
    public var methods: String
    public var isCancelled: Bool
    /// The Kassenzeichen the sale was booked with, if any (the list searches it).
    public var reference: String?
    public init(receiptNumber: String, time: String, amount: Money, methods: String, isCancelled: Bool, reference: String? = nil) {
        self.receiptNumber = receiptNumber
        self.time = time
        self.amount = amount
        self.methods = methods
        self.isCancelled = isCancelled
        self.reference = reference
    }
}

/// A card payment or reversal whose outcome the terminal has not told.
public struct UnresolvedCardPayment: Equatable, Sendable {
    public var id: String
    public var amount: Money
    /// When it was asked, `HH:mm` in the office's zone.
    public var time: String
    public var isReversal: Bool
    public init(id: String, amount: Money, time: String, isReversal: Bool) {
        self.id = id
        self.amount = amount
        self.time = time
        self.isReversal = isReversal
    }
    /// `Kartenzahlung über 37,50 € von 10:42`.
    public var label: String { "\(isReversal ? "Kartenstorno" : "Kartenzahlung") über \(amount.formatted) von \(time)" }
}

/// A question to the terminal running in the background; the screen polls ``lines``.
public protocol TerminalQueryJob: AnyObject, Sendable {
    /// `nil` while the terminal is asked; then what to show.
    var lines: [String]? { get }
}

/// A card payment running in the background. The screen polls ``snapshot`` and may ``abort()``.
public protocol CardPaymentJob: AnyObject, Sendable {
    var snapshot: CardPaymentSnapshot { get }
    /// Asks the terminal to abort; the outcome still arrives through ``snapshot``.
    func abort()
}

public struct CardPaymentSnapshot: Equatable, Sendable {
    public enum State: Equatable, Sendable {
        case running
        case approved(PaymentStep)
        /// Declined or aborted: nothing booked. The text says why and what to do next.
        case declined(String)
        case aborted(String)
        /// The terminal failed; the text explains.
        case failed(String)
        /// The terminal did not tell whether the money moved: the payment stays open until it is
        /// settled (asked again, or by hand); the text says why.
        case unresolved(String)
        /// The payment did not start: the terminal is not reachable or not ready (the check
        /// before a payment). Nothing was booked and nothing is left pending.
        case notStarted(String)
    }
    /// The terminal's intermediate texts, newest last ("Karte einstecken", "PIN eingeben").
    public var texts: [String]
    public var state: State
    public init(texts: [String], state: State) {
        self.texts = texts
        self.state = state
    }
}

/// A second operator's login id and PIN, typed at the counter (four eyes).
public struct SupervisorApproval: Equatable, Sendable {
    public var login: String
    public var pin: String
    public init(login: String, pin: String) {
        self.login = login
        self.pin = pin
    }
}

/// An error for the clerk: one German sentence.
public struct CounterUserError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
