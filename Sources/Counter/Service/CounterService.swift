import Access
import Foundation
import KasseCore
import Ledger
import SystemCalls

/// The counter service: the one application API that the screen, `webkasse simulate`, the bench
/// and the tests use. Each call either books completely or not at all, and says why in German.
///
/// A façade over parts with one job each: ``Sales``, ``Stornos``, ``CashMovements``, the card
/// settlement (``CardSettlement``: the pending-first card protocol and its recovery), the
/// receipt delivery (``ReceiptDelivery``) and the start-up (``StartupRecovery``).
///
/// A card payment may run on a background thread while the screen reads (totals, receipts): the
/// ledger serialises its use. Two *bookings* at the same time are not meant to happen (one clerk).
// @unchecked Sendable: every stored property is a constant; the parts are Sendable and the ledger serialises its own use.
public final class CounterService: @unchecked Sendable {
    public let ledger: Ledger
    public let registerId: String
    public let calendar: BusinessCalendar
    public let clock: CounterClock
    /// The EC terminal, fixed for the service's life; status texts and abort go through it.
    public let terminal: CardTerminal?
    /// Roles and four-eyes approvals, checked in every operation (nil: no checks, e.g. simulate).
    public let accessGuard: CounterAccessGuard?
    public let receiptStore: ReceiptStore
    public let printer: ReceiptPrinter?
    public let officeName: String
    public let officeAddress: String
    /// Renders, files and prints receipts after each booking's commit.
    public let receipts: ReceiptDelivery
    /// The idle status poll and the check before each payment, when the terminal can be asked how
    /// it is (``TerminalStatusQuery``); the poll thread is started by the application
    /// (``TerminalStatusMonitor/startPolling()``).
    public let terminalMonitor: TerminalStatusMonitor?
    let context: BookingContext
    let settlement: CardSettlement
    let sales: Sales
    let stornos: Stornos
    let cashMovements: CashMovements
    let startup: StartupRecovery

    public init(
        ledger: Ledger, registerId: String, officeName: String = "", officeAddress: String = "",
        calendar: BusinessCalendar = .berlin, clock: CounterClock = WallClock(), terminal: CardTerminal? = nil,
        receiptDirectory: String, printer: ReceiptPrinter? = nil, accessGuard: CounterAccessGuard? = nil,
        terminalStatusPollSeconds: Int = TerminalStatusMonitor.defaultIntervalSeconds, isTraining: Bool = false
    ) throws {
        self.ledger = ledger
        self.registerId = registerId
        self.calendar = calendar
        self.clock = clock
        self.terminal = terminal
        self.accessGuard = accessGuard
        self.receiptStore = ReceiptStore(directory: receiptDirectory)
        self.printer = printer
        self.officeName = officeName
        self.officeAddress = officeAddress
        let context = BookingContext(ledger: ledger, clock: clock, calendar: calendar, accessGuard: accessGuard)
        let receipts = ReceiptDelivery(
            ledger: ledger, store: receiptStore, printer: printer, officeName: officeName, officeAddress: officeAddress,
            registerId: registerId, calendar: calendar, isTraining: isTraining)
        let saleBooking = SaleBooking(context: context)
        let stornoBooking = StornoBooking(context: context)
        let settlement = CardSettlement(context: context, terminal: terminal, sales: saleBooking, stornos: stornoBooking, receipts: receipts)
        let monitor = (terminal as? TerminalStatusQuery).map {
            TerminalStatusMonitor(terminal: $0, clock: clock, intervalSeconds: terminalStatusPollSeconds)
        }
        self.terminalMonitor = monitor
        self.context = context
        self.receipts = receipts
        self.settlement = settlement
        self.sales = Sales(context: context, booking: saleBooking, settlement: settlement, receipts: receipts, terminalMonitor: monitor)
        self.stornos = Stornos(context: context, booking: stornoBooking, settlement: settlement, receipts: receipts)
        self.cashMovements = CashMovements(context: context, receipts: receipts)
        self.startup = StartupRecovery(context: context, settlement: settlement, receipts: receipts)
        try guarded {
            if try ledger.register() == nil {
                let now = clock.now()
                try ledger.transaction {
                    if try ledger.register() == nil {
                        try ledger.append(.register(RegisterRecord(id: registerId, name: "Kasse \(registerId)", createdAt: now)), at: now)
                    }
                }
            }
        }
    }

    /// The ledger of the configured register in `data`, with the office's file permissions.
    public static func openLedger(data: String, configuration: Configuration) throws -> Ledger {
        try FileSecurity.configure(group: configuration.fileGroup)  // 0700/0600, or the office's group (docs/access.md)
        return try Ledger(path: DataDirectory.ledgerPath(data: data, register: configuration.registerID))
    }

    /// Opens the ledger of the configured register in `data` with the office's settings.
    public static func open(
        data: String, configuration: Configuration, clock: CounterClock = WallClock(), terminal: CardTerminal? = nil,
        printer: ReceiptPrinter? = nil
    ) throws -> CounterService {
        try open(
            ledger: try openLedger(data: data, configuration: configuration), data: data, configuration: configuration, clock: clock,
            terminal: terminal, printer: printer)
    }

    /// The service on `ledger` (from ``openLedger(data:configuration:)``), e.g. with the access
    /// control made on the same ledger.
    public static func open(
        ledger: Ledger, data: String, configuration: Configuration, clock: CounterClock = WallClock(), terminal: CardTerminal? = nil,
        printer: ReceiptPrinter? = nil, accessGuard: CounterAccessGuard? = nil,
        terminalStatusPollSeconds: Int = TerminalStatusMonitor.defaultIntervalSeconds
    ) throws -> CounterService {
        let directory = DataDirectory.registerDirectory(data: data, register: configuration.registerID)
        let defaultPrinter: ReceiptPrinter? = Self.configuredPrinter(configuration, registerDirectory: directory)
        return try CounterService(
            ledger: ledger, registerId: configuration.registerID, officeName: configuration.officeName,
            officeAddress: configuration.officeAddress, calendar: BusinessCalendar(timeZone: configuration.zone), clock: clock,
            terminal: terminal, receiptDirectory: directory + "/receipts", printer: printer ?? defaultPrinter, accessGuard: accessGuard,
            terminalStatusPollSeconds: terminalStatusPollSeconds, isTraining: DataDirectory.isTrainingData(data))
    }

    func guarded<T>(_ body: () throws -> T) throws -> T { try context.guarded(body) }

    static func newId() -> String { BookingContext.newId() }

    // MARK: Start-up and card recovery

    /// Run before the counter opens (``StartupRecovery``); then the printer's queue takes up the
    /// booked receipts not yet printed (``ESCPOSPrinter/resume(lastBooked:texts:fiscal:)``).
    public func start() throws -> StartupReport {
        let report = try startup.run()
        try resumePrinting()
        return report
    }

    /// Asks the terminal about every unresolved card payment (also callable from the counter).
    public func resolvePendingCardPayments(atStartup: Bool = false) throws -> [RecoveryOutcome] {
        try guarded { try settlement.resolveAll(atStartup: atStartup) }
    }

    /// The card payments and reversals whose outcome is still open, oldest first.
    public func unresolvedCardPayments() throws -> [PendingCardPayment] { try guarded { try settlement.unresolved() } }

    /// Settles an open card payment by hand, as the supervisor `approvedBy` read it from the
    /// terminal's journal or slip, with `note` saying how (``CardSettlement/settleByHand``).
    /// Needs `approvedBy`'s approval (``ApprovableAction/cardSettlementByHand``) for `operatorId`.
    public func settleCardPaymentByHand(
        pendingId: String, _ decision: CardSettlementByHand, note: String, operatorId: String, approvedBy: String
    ) throws -> CardSettledByHand {
        try guarded { try settlement.settleByHand(pendingId, decision, note: note, operatorId: operatorId, approvedBy: approvedBy) }
    }

    /// The terminal's last transaction as it reports it (ZVT 06 20), for a supervisor who settles
    /// an open card payment; throws ``CardTerminalError`` when it cannot say.
    public func terminalLastTransaction() throws -> TerminalTransaction? {
        guard let terminal else { throw CounterError.noTerminal }
        return try terminal.lastTransaction()
    }

    /// Writes the files of booked receipts that have none.
    public func rewriteMissingReceiptFiles() throws -> [Int64] { try guarded { try receipts.rewriteMissingFiles() } }

    // MARK: Operators and shifts

    /// The business date of a booking now: today in the office's zone, but never a closed day.
    public func currentBusinessDate() throws -> String { try context.currentBusinessDate() }

    public func openShift() throws -> ShiftRecord? { try guarded { try ledger.openShift() } }

    /// Opens a shift with the counted float (Wechselgeld).
    @discardableResult
    public func openShift(operatorId: String, float: Money) throws -> ShiftRecord {
        try guarded {
            try requireOperator(operatorId)
            try accessGuard?.check(.openShift, operatorId: operatorId)
            guard !float.isNegative, float <= Money.maximumEntry else {
                throw CounterError.invalidAmount("Das Wechselgeld muss zwischen 0,00 € und \(Money.maximumEntry.formatted) liegen.")
            }
            return try ledger.transaction {
                if let open = try ledger.openShift() {
                    throw CounterError.shiftAlreadyOpen(openedAt: calendar.germanDate(of: open.openedAt) + " " + calendar.time(of: open.openedAt))
                }
                let now = clock.now()
                let shift = ShiftRecord(
                    id: Self.newId(), operatorId: operatorId, businessDate: try currentBusinessDate(), openedAt: now, float: float)
                try ledger.append(.shiftOpened(shift), at: now)
                return shift
            }
        }.openingDrawer(printer)
    }

    private func requireOperator(_ id: String) throws { try context.requireOperator(id) }

    private func requireShift() throws -> ShiftRecord { try context.requireShift() }

    // MARK: Bookings

    /// Books a sale (``Sales``): returns at the commit; the receipt is delivered after it.
    public func bookSale(_ request: SaleRequest) throws -> SaleOutcome { try sales.book(request) }

    /// Cancels a whole sale with its own receipt (``Stornos``).
    public func cancelSale(
        receiptNumber: Int64, stornoId: String, operatorId: String, reason: String, approvedBy: String? = nil,
        cardReversal: CardReversalChoice = .onTerminal
    ) throws -> StornoOutcome {
        try stornos.cancel(
            receiptNumber: receiptNumber, stornoId: stornoId, operatorId: operatorId, reason: reason, approvedBy: approvedBy,
            cardReversal: cardReversal)
    }

    /// Books an Einlage, Entnahme or Abschöpfung an die Stadtkasse with its reason and receipt.
    public func recordCashMovement(
        id: String, kind: CashMovementKind, amount: Money, reason: String, operatorId: String, approvedBy: String? = nil,
        transfer: StadtkasseTransfer? = nil
    ) throws -> (movement: CashMovementRecord, receipt: DeliveredReceipt) {
        try cashMovements.record(
            id: id, kind: kind, amount: amount, reason: reason, operatorId: operatorId, approvedBy: approvedBy, transfer: transfer)
    }

    // MARK: Receipts and reports

    /// The text of booked receipt `number` (nil if there is none).
    public func receiptText(number: Int64, copy: Bool) throws -> String? { try guarded { try receipts.text(number: number, copy: copy) } }

    /// The card terminal's merchant copies (Händlerbelege) kept with booked receipt `number`:
    /// `nil` if there is no such receipt, an empty text if the terminal sent none for it.
    public func merchantCopyText(number: Int64) throws -> String? { try guarded { try receipts.merchantCopyText(number: number) } }

    /// Prints a copy ("Kopie") of a booked receipt; the reprint is audited.
    public func reprint(receiptNumber: Int64, operatorId: String) throws -> DeliveredReceipt {
        try guarded {
            guard try ledger.receipt(number: receiptNumber) != nil else { throw CounterError.receiptNotFound(receiptNumber) }
            try accessGuard?.check(.reprintReceipt, operatorId: operatorId)
            try context.audit(.receiptReprinted, operatorId: operatorId, detail: "Beleg \(receiptNumber)")
            return receipts.deliver(booked: receiptNumber, copy: true).wait()
        }
    }

    /// Interim (X) totals of the open period.
    public func interimReport() throws -> InterimReport {
        try guarded {
            try ledger.readTransaction {
                InterimReport(
                    businessDate: try currentBusinessDate(), shift: try ledger.openShift(), totals: try ledger.periodTotals().totals,
                    unresolvedCardPayments: try ledger.unresolvedCardPayments().count)
            }
        }
    }
}
