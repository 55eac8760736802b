import Access
import Foundation
import KasseCore
import Ledger

/// The counter service: the one application API that the screen, `webkasse simulate`, the bench
/// and the tests use. Each call either books completely or not at all, and says why in German.
///
/// Card payments are recorded as pending *before* the terminal is asked and resolved in the same
/// transaction that books the sale; ``start()`` resolves leftovers before the counter opens.
///
/// A card payment may run on a background thread while the screen reads (totals, receipts): the
/// ledger serialises its use. Two *bookings* at the same time are not meant to happen (one clerk).
public final class CounterService: @unchecked Sendable {
    public let ledger: Ledger
    public let registerId: String
    public let calendar: BusinessCalendar
    public let clock: CounterClock
    public var terminal: CardTerminal?
    /// Issue 6: roles and four-eyes approvals, checked in every operation (nil: no checks, e.g. simulate).
    public var accessGuard: CounterAccessGuard?
    public let receiptStore: ReceiptStore
    public let printer: ReceiptPrinter?
    public let officeName: String
    public let officeAddress: String

    public init(
        ledger: Ledger, registerId: String, officeName: String = "", officeAddress: String = "",
        calendar: BusinessCalendar = .berlin, clock: CounterClock = WallClock(), terminal: CardTerminal? = nil,
        receiptDirectory: String, printer: ReceiptPrinter? = nil
    ) throws {
        self.ledger = ledger
        self.registerId = registerId
        self.calendar = calendar
        self.clock = clock
        self.terminal = terminal
        self.receiptStore = ReceiptStore(directory: receiptDirectory)
        self.printer = printer
        self.officeName = officeName
        self.officeAddress = officeAddress
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

    /// Opens the ledger of the configured register in `data` with the office's settings.
    public static func open(
        data: String, configuration: Configuration, clock: CounterClock = WallClock(), terminal: CardTerminal? = nil,
        printer: ReceiptPrinter? = nil
    ) throws -> CounterService {
        let register = configuration.registerID
        let directory = DataDirectory.registerDirectory(data: data, register: register)
        try FileSecurity.configure(group: configuration.fileGroup)  // issue 6: 0700/0600, or the office's group
        let ledger = try Ledger(path: DataDirectory.ledgerPath(data: data, register: register))
        let defaultPrinter: ReceiptPrinter? =
            configuration.printerCommand.isEmpty ? nil : CommandPrinter(command: configuration.printerCommand)
        return try CounterService(
            ledger: ledger, registerId: register, officeName: configuration.officeName,
            officeAddress: configuration.officeAddress, calendar: BusinessCalendar(timeZone: configuration.zone), clock: clock,
            terminal: terminal, receiptDirectory: directory + "/receipts", printer: printer ?? defaultPrinter)
    }

    func guarded<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as CounterError { throw error } catch { throw CounterError.ledger(error) }
    }

    static func newId() -> String { UUID().uuidString.lowercased() }

    // MARK: Start-up

    /// What ``start()`` did.
    public struct StartupReport: Sendable {
        public let recoveries: [RecoveryOutcome]
        /// Receipt files that were missing (crash right after booking) and were written again.
        public let rewrittenReceipts: [Int64]
        public var unresolved: [RecoveryOutcome] {
            recoveries.filter { if case .stillPending = $0.result { return true } else { return false } }
        }
    }

    /// Run before the counter opens: resolves every pending card payment with the terminal
    /// (books it if the terminal approved, otherwise closes it as not paid; keeps it pending if
    /// the terminal cannot be asked) and writes receipt files missing after a crash.
    public func start() throws -> StartupReport {
        try guarded {
            let recoveries = try resolvePendingCardPayments(atStartup: true)
            let rewritten = try rewriteMissingReceiptFiles()
            return StartupReport(recoveries: recoveries, rewrittenReceipts: rewritten)
        }
    }

    /// Asks the terminal about every unresolved card payment (also callable from the counter).
    public func resolvePendingCardPayments(atStartup: Bool = false) throws -> [RecoveryOutcome] {
        try guarded {
            var outcomes: [RecoveryOutcome] = []
            for pending in try ledger.unresolvedCardPayments() {
                outcomes.append(try resolve(pending, atStartup: atStartup))
            }
            let done = outcomes.filter { if case .stillPending = $0.result { return false } else { return true } }
            if !done.isEmpty {
                let now = clock.now()
                try ledger.transaction {
                    try ledger.append(
                        .audit(
                            AuditRecord(
                                id: Self.newId(), kind: atStartup ? "card_recovery_startup" : "card_recovery", operatorId: nil,
                                detail: done.map(\.description).joined(separator: "\n"), at: now)), at: now)
                }
            }
            return outcomes
        }
    }

    /// Resolves one pending payment by asking the terminal for its last transaction.
    func resolve(_ pending: PendingCardPayment, atStartup: Bool) throws -> RecoveryOutcome {
        if let reversal = StornoDraft.decode(pending.draft) { return try resolveReversal(pending, reversal, atStartup: atStartup) }
        if let sale = try ledger.sale(id: pending.saleId), sale.payments.contains(where: { $0.cardPendingId == pending.id }) {
            try resolveWithoutSale(pending, outcome: .approved, saleId: sale.id, detail: "bereits gebucht", atStartup: atStartup)
            return RecoveryOutcome(pending: pending, result: .alreadyBooked(receiptNumber: sale.receiptNumber))
        }
        guard let terminal else {
            return RecoveryOutcome(pending: pending, result: .stillPending(reason: "kein Kartenterminal eingerichtet"))
        }
        let last: TerminalTransaction?
        do {
            last = try terminal.lastTransaction()
        } catch {
            return RecoveryOutcome(pending: pending, result: .stillPending(reason: error.description))
        }
        if let last, last.kind == .payment, last.approved, last.amount == pending.amount,
            try !ledger.isCardPaymentBooked(
                terminalId: last.details.terminalId, receiptNumber: last.details.receiptNumber,
                traceNumber: last.details.traceNumber)
        {
            let draft = try SaleDraft.decode(pending.draft)
            if let shift = try ledger.openShift() {
                let (sale, entry) = try book(draft, shift: shift, card: last.details, pending: pending, atStartup: atStartup)
                _ = deliver(.sale(sale), checkValue: entry.hash)
                return RecoveryOutcome(pending: pending, result: .booked(receiptNumber: sale.receiptNumber))
            }
            return RecoveryOutcome(pending: pending, result: .stillPending(reason: "keine offene Schicht zum Nachbuchen"))
        }
        let what = last.map { "letzte Transaktion am Terminal: \($0.kind == .payment ? "Zahlung" : "Storno") \($0.amount.formatted), Beleg \($0.details.receiptNumber)" }
            ?? "das Terminal kennt keine Transaktion"
        try resolveWithoutSale(pending, outcome: .notPaid, saleId: nil, detail: "nicht bezahlt (\(what))", atStartup: atStartup)
        return RecoveryOutcome(pending: pending, result: .notPaid)
    }

    private func resolveWithoutSale(_ pending: PendingCardPayment, outcome: CardOutcome, saleId: String?, detail: String, atStartup: Bool) throws {
        let now = clock.now()
        try ledger.transaction {
            try ledger.append(
                .cardResolved(
                    CardResolution(
                        pendingId: pending.id, outcome: outcome, saleId: saleId, detail: detail, resolvedAt: now,
                        atStartup: atStartup)), at: now)
        }
    }

    /// Writes the files of booked receipts that have none.
    public func rewriteMissingReceiptFiles() throws -> [Int64] {
        // Receipt files are written right after each booking, so a crash can only lose those of the
        // open period (a day close is the checkpoint): only they are checked, no scan of every
        // receipt of every day at start. Missing files anywhere in the period; empty ones among
        // the latest (written just before a power cut).
        let numbers = try ledger.receiptNumbers(after: try ledger.lastDayCloseSeq())
        guard let first = numbers.first, let last = numbers.last else { return [] }
        let withFiles = receiptStore.numbersWithFiles(in: first...last)
        var rewritten: [Int64] = []
        for number in numbers where !withFiles.contains(number) || (number > last - 50 && receiptStore.needsRewrite(number)) {
            if let text = try receiptText(number: number, copy: false) {
                try receiptStore.write(text, number: number)
                rewritten.append(number)
            }
        }
        return rewritten
    }

    // MARK: Operators and shifts

    /// The operator with `login`, added if new (until issue 6 brings PINs and roles).
    @discardableResult
    public func addOperator(login: String, name: String) throws -> OperatorRecord {
        try guarded {
            if let existing = try ledger.operatorRecord(login: login) { return existing }
            guard !login.trimmingCharacters(in: .whitespaces).isEmpty else { throw CounterError.missingDetail("die Kennung des Bedieners") }
            let now = clock.now()
            let record = OperatorRecord(id: Self.newId(), login: login, name: name, createdAt: now)
            try ledger.transaction { try ledger.append(.operatorAdded(record), at: now) }
            return record
        }
    }

    /// The business date of a booking now: today in the office's zone, but never a closed day.
    public func currentBusinessDate() throws -> String {
        let today = calendar.date(of: clock.now())
        guard let closed = try ledger.lastClosedBusinessDate(), closed >= today else { return today }
        return calendar.day(after: closed)
    }

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
        }
    }

    private func requireOperator(_ id: String) throws {
        guard try ledger.operatorRecord(id: id) != nil else { throw CounterError.unknownOperator(id) }
    }

    private func requireShift() throws -> ShiftRecord {
        guard let shift = try ledger.openShift() else { throw CounterError.noOpenShift }
        return shift
    }

    // MARK: Sales

    /// Books a sale: validates the payment, asks the terminal for the card part, books, writes
    /// the receipt file and sends it to the printer. Booking the same `saleId` again returns the
    /// booked sale (`alreadyBooked`) without booking or charging again.
    public func bookSale(_ request: SaleRequest) throws -> SaleOutcome {
        try guarded {
            if let existing = try alreadyBooked(request) { return existing }
            // A card payment for this sale may be pending from an earlier attempt: settle it first.
            for pending in try ledger.unresolvedCardPayments() where pending.saleId == request.saleId {
                _ = try resolve(pending, atStartup: false)
            }
            if let existing = try alreadyBooked(request) { return existing }

            let shift = try requireShift()
            try requireOperator(request.operatorId)
            try accessGuard?.check(.sell, operatorId: request.operatorId)
            guard !request.lines.isEmpty else { throw CounterError.emptySale }
            for line in request.lines where line.quantity <= 0 || line.unitPrice.isNegative {
                throw CounterError.invalidAmount("Position \(line.itemCode): Menge und Preis müssen positiv sein.")
            }
            let total = request.total
            guard total <= Money.maximumEntry else {
                throw CounterError.invalidAmount("Die Summe \(total.formatted) ist größer als \(Money.maximumEntry.formatted).")
            }
            var payments: [PaymentRecord] = []
            var cardAmount = Money.zero
            switch request.payment {
            case .cash(let tendered):
                guard total.cents > 0 else { throw CounterError.invalidAmount("Nichts zu zahlen: bitte »ohne Zahlung« buchen.") }
                guard tendered >= total else { throw CounterError.tenderedTooLow(total: total, tendered: tendered) }
                guard tendered <= Money.maximumEntry else {
                    throw CounterError.invalidAmount("Gegeben \(tendered.formatted) ist größer als \(Money.maximumEntry.formatted).")
                }
                payments = [.cash(tendered: tendered, change: Money(cents: tendered.cents - total.cents))]
            case .cheque(let number, let bank, let drawer):
                guard total.cents > 0 else { throw CounterError.invalidAmount("Nichts zu zahlen: bitte »ohne Zahlung« buchen.") }
                guard !number.trimmingCharacters(in: .whitespaces).isEmpty else { throw CounterError.missingDetail("die Schecknummer") }
                guard !drawer.trimmingCharacters(in: .whitespaces).isEmpty else { throw CounterError.missingDetail("der Aussteller des Schecks") }
                payments = [
                    PaymentRecord(method: .cheque, amount: total, chequeNumber: number, chequeBank: bank, chequeDrawer: drawer)
                ]
            case .card:
                guard total.cents > 0 else { throw CounterError.invalidAmount("Nichts zu zahlen: bitte »ohne Zahlung« buchen.") }
                cardAmount = total
            case .split(let cash, let tendered):
                guard cash.cents > 0, cash < total else {
                    throw CounterError.invalidAmount("Der Baranteil muss größer als 0,00 € und kleiner als die Summe \(total.formatted) sein.")
                }
                guard tendered >= cash else { throw CounterError.tenderedTooLow(total: cash, tendered: tendered) }
                payments = [.cash(tendered: tendered, change: Money(cents: tendered.cents - cash.cents))]
                cardAmount = Money(cents: total.cents - cash.cents)
            case .none:
                guard total.isZero else { throw CounterError.invalidAmount("Es sind \(total.formatted) zu zahlen.") }
            }
            let draft = SaleDraft(
                saleId: request.saleId, operatorId: request.operatorId, shiftId: shift.id, startedAt: request.startedAt,
                reference: request.reference, lines: request.lines, payments: payments)
            if cardAmount.isZero {
                let (sale, entry) = try book(draft, shift: shift, card: nil, pending: nil, atStartup: false)
                return SaleOutcome(sale: sale, alreadyBooked: false, receipt: deliver(.sale(sale), checkValue: entry.hash))
            }
            return try payByCard(draft, amount: cardAmount, shift: shift)
        }
    }

    private func alreadyBooked(_ request: SaleRequest) throws -> SaleOutcome? {
        guard let sale = try ledger.sale(id: request.saleId) else { return nil }
        guard sale.lines == request.lines else {
            throw CounterError.idConflict("Die Vorgangsnummer \(request.saleId) gehört zu einem anderen Verkauf (Beleg \(sale.receiptNumber)).")
        }
        let text = try receiptText(number: sale.receiptNumber, copy: false) ?? ""
        return SaleOutcome(
            sale: sale, alreadyBooked: true,
            receipt: DeliveredReceipt(number: sale.receiptNumber, text: text, file: receiptStore.path(of: sale.receiptNumber), fileProblem: nil))
    }

    private func payByCard(_ draft: SaleDraft, amount: Money, shift: ShiftRecord) throws -> SaleOutcome {
        guard let terminal else { throw CounterError.noTerminal }
        let open = try ledger.unresolvedCardPayments()
        if !open.isEmpty {
            _ = try resolvePendingCardPayments()
            let still = try ledger.unresolvedCardPayments()
            if !still.isEmpty { throw CounterError.unresolvedCardPayment(count: still.count) }
        }
        // 1. Durable before the terminal is asked.
        let now = clock.now()
        let pending = PendingCardPayment(
            id: Self.newId(), saleId: draft.saleId, amount: amount, terminal: terminal.terminalName, createdAt: now,
            draft: try draft.encoded())
        try ledger.transaction { try ledger.append(.cardPending(pending), at: now) }

        // 2. Ask the terminal.
        let result: CardResult
        do {
            result = try terminal.authorize(amount: amount)
        } catch .unreachable(let why) {
            try resolveWithoutSale(pending, outcome: .declined, saleId: nil, detail: "Terminal nicht erreichbar: \(why)", atStartup: false)
            throw CounterError.terminal(.unreachable(why))
        } catch .failed(let why) {
            // The terminal refused the command: it did not pay.
            try resolveWithoutSale(pending, outcome: .declined, saleId: nil, detail: "Terminalfehler: \(why)", atStartup: false)
            throw CounterError.terminal(.failed(why))
        } catch .outcomeUnknown(let why) {
            // 3a. Ask what happened; if the terminal cannot say, the payment stays pending.
            let recovery = try resolve(pending, atStartup: false)
            switch recovery.result {
            case .booked, .alreadyBooked:
                let sale = try ledger.sale(id: draft.saleId)!
                let text = try receiptText(number: sale.receiptNumber, copy: false) ?? ""
                return SaleOutcome(
                    sale: sale, alreadyBooked: false,
                    receipt: DeliveredReceipt(number: sale.receiptNumber, text: text, file: receiptStore.path(of: sale.receiptNumber), fileProblem: nil))
            case .notPaid:
                throw CounterError.terminal(.outcomeUnknown("\(why); laut Terminal nicht bezahlt"))
            case .stillPending(let reason):
                throw CounterError.cardOutcomeUnknown(pendingId: pending.id, reason: "\(why); \(reason)")
            }
        }
        // 3b. Book and resolve in one transaction.
        switch result {
        case .approved(let details):
            let (sale, entry) = try book(draft, shift: shift, card: details, pending: pending, atStartup: false)
            return SaleOutcome(sale: sale, alreadyBooked: false, receipt: deliver(.sale(sale), checkValue: entry.hash))
        case .declined(let text):
            try resolveWithoutSale(pending, outcome: .declined, saleId: nil, detail: text, atStartup: false)
            throw CounterError.cardDeclined(text)
        case .aborted(let text):
            try resolveWithoutSale(pending, outcome: .declined, saleId: nil, detail: text, atStartup: false)
            throw CounterError.cardAborted(text)
        }
    }

    /// Books the sale of `draft` (with the terminal's `card` data, if any) and resolves `pending`,
    /// all in one transaction.
    /// Books the sale (and resolves its pending card payment) in one transaction; returns the
    /// record as committed with its journal entry, from which the receipt is rendered.
    private func book(_ draft: SaleDraft, shift: ShiftRecord, card: CardDetails?, pending: PendingCardPayment?, atStartup: Bool)
        throws -> (sale: SaleRecord, entry: JournalEntry)
    {
        var payments = draft.payments
        if let card, let pending {
            payments.append(PaymentRecord(method: .card, amount: pending.amount, card: card, cardPendingId: pending.id))
        }
        let total = Money(cents: draft.lines.reduce(0) { $0 + $1.amount.cents })
        return try ledger.transaction {
            let now = clock.now()
            let sale = SaleRecord(
                id: draft.saleId, receiptNumber: try ledger.nextReceiptNumber(), shiftId: shift.id, operatorId: draft.operatorId,
                businessDate: try currentBusinessDate(), startedAt: min(draft.startedAt, now), endedAt: now,
                reference: draft.reference, total: total, lines: draft.lines, payments: payments)
            let entry = try ledger.append(.sale(sale), at: now)
            if let pending {
                try ledger.append(
                    .cardResolved(
                        CardResolution(
                            pendingId: pending.id, outcome: .approved, saleId: sale.id,
                            detail: "genehmigt, Terminal-Beleg \(card?.receiptNumber ?? "")", resolvedAt: now, atStartup: atStartup)),
                    at: now)
            }
            return (sale, entry)
        }
    }

    // MARK: Storno

    /// Cancels a whole sale (Storno) with its own receipt. The card part is reversed on the
    /// terminal first (ZVT 06 30), or — if that is impossible — the reason is recorded.
    public func cancelSale(
        receiptNumber: Int64, stornoId: String, operatorId: String, reason: String, approvedBy: String? = nil,
        cardReversal: CardReversalChoice = .onTerminal
    ) throws -> StornoOutcome {
        try guarded {
            if let existing = try ledger.storno(id: stornoId), let original = try ledger.sale(id: existing.saleId) {
                let text = try receiptText(number: existing.receiptNumber, copy: false) ?? ""
                return StornoOutcome(
                    storno: existing, original: original, alreadyBooked: true,
                    receipt: DeliveredReceipt(number: existing.receiptNumber, text: text, file: receiptStore.path(of: existing.receiptNumber), fileProblem: nil))
            }
            guard let booked = try ledger.receipt(number: receiptNumber) else { throw CounterError.receiptNotFound(receiptNumber) }
            guard case .sale(let sale) = booked else { throw CounterError.notASaleReceipt(receiptNumber) }
            if let storno = try ledger.storno(ofSale: sale.id) {
                throw CounterError.alreadyCancelled(receiptNumber: receiptNumber, stornoReceipt: storno.receiptNumber)
            }
            let shift = try requireShift()
            try requireOperator(operatorId)
            if let approvedBy { try requireOperator(approvedBy) }
            try accessGuard?.check(.requestStorno, operatorId: operatorId, approval: .storno, approvedBy: approvedBy)
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw CounterError.missingDetail("der Grund des Stornos") }
            let cashBack = sale.payments.filter { $0.method == .cash }.reduce(Int64(0)) { $0 + $1.amount.cents }
            let available = try ledger.periodTotals().totals.expectedCash
            if cashBack > available.cents {
                throw CounterError.insufficientCash(available: available, requested: Money(cents: cashBack))
            }
            var refunds: [StornoRefund] = []
            var reversal: (amount: Money, card: CardDetails)?
            for payment in sale.payments {
                guard payment.method == .card, let card = payment.card else {
                    refunds.append(StornoRefund(method: payment.method, amount: payment.amount))
                    continue
                }
                switch cardReversal {
                case .notPossible(let why):
                    guard !why.trimmingCharacters(in: .whitespaces).isEmpty else {
                        throw CounterError.missingDetail("der Grund, warum nicht am Terminal storniert wird")
                    }
                    refunds.append(StornoRefund(method: .card, amount: payment.amount, notReversedReason: why))
                case .onTerminal:
                    guard terminal != nil else { throw CounterError.noTerminal }
                    reversal = (payment.amount, card)
                }
            }
            let draft = StornoDraft(
                stornoId: stornoId, saleId: sale.id, operatorId: operatorId, approvedBy: approvedBy, reason: reason,
                refunds: refunds, terminalReceiptNumber: reversal?.card.receiptNumber)
            let storno: StornoRecord
            if let reversal {
                storno = try reverseOnTerminal(draft, amount: reversal.amount, original: reversal.card, shift: shift)
            } else {
                storno = try bookStorno(draft, shift: shift, reversal: nil, pending: nil, atStartup: false)
            }
            return StornoOutcome(storno: storno, original: sale, alreadyBooked: false, receipt: deliver(storno.receiptNumber, copy: false))
        }
    }

    /// Reversal 06 30 with a pending record first, like a payment: the storno and the resolution
    /// are booked in one transaction; a lost answer is settled by asking the terminal.
    private func reverseOnTerminal(_ draft: StornoDraft, amount: Money, original: CardDetails, shift: ShiftRecord) throws -> StornoRecord {
        guard let terminal else { throw CounterError.noTerminal }
        let open = try ledger.unresolvedCardPayments()
        if !open.isEmpty {
            _ = try resolvePendingCardPayments()
            let still = try ledger.unresolvedCardPayments()
            if !still.isEmpty { throw CounterError.unresolvedCardPayment(count: still.count) }
        }
        let now = clock.now()
        let pending = PendingCardPayment(
            id: Self.newId(), saleId: draft.saleId, amount: amount, terminal: terminal.terminalName, createdAt: now,
            draft: try draft.encoded())
        try ledger.transaction { try ledger.append(.cardPending(pending), at: now) }
        let result: CardResult
        do {
            result = try terminal.reverse(receiptNumber: original.receiptNumber, amount: amount)
        } catch .outcomeUnknown(let why) {
            let recovery = try resolve(pending, atStartup: false)
            switch recovery.result {
            case .booked, .alreadyBooked:
                guard let storno = try ledger.storno(id: draft.stornoId) else { throw CounterError.reversalFailed(why) }
                return storno
            case .notPaid: throw CounterError.reversalFailed("\(why); laut Terminal nicht storniert")
            case .stillPending(let reason): throw CounterError.cardOutcomeUnknown(pendingId: pending.id, reason: "\(why); \(reason)")
            }
        } catch {
            try resolveWithoutSale(pending, outcome: .declined, saleId: draft.saleId, detail: "Storno am Terminal: \(error)", atStartup: false)
            throw CounterError.reversalFailed("\(error)")
        }
        switch result {
        case .approved(let details):
            return try bookStorno(draft, shift: shift, reversal: details, pending: pending, atStartup: false)
        case .declined(let text), .aborted(let text):
            try resolveWithoutSale(pending, outcome: .declined, saleId: draft.saleId, detail: "Storno am Terminal: \(text)", atStartup: false)
            throw CounterError.reversalFailed(text)
        }
    }

    /// Books the storno of `draft` (with the terminal's reversal data, if any) and resolves
    /// `pending`, in one transaction.
    private func bookStorno(_ draft: StornoDraft, shift: ShiftRecord, reversal: CardDetails?, pending: PendingCardPayment?, atStartup: Bool)
        throws -> StornoRecord
    {
        guard let sale = try ledger.sale(id: draft.saleId) else { throw CounterError.saleNotFound(draft.saleId) }
        var refunds = draft.refunds
        if let reversal, let pending {
            refunds.append(StornoRefund(method: .card, amount: pending.amount, cardReversal: reversal))
        }
        return try ledger.transaction {
            let now = clock.now()
            let record = StornoRecord(
                id: draft.stornoId, saleId: sale.id, receiptNumber: try ledger.nextReceiptNumber(), shiftId: shift.id,
                operatorId: draft.operatorId, approvedBy: draft.approvedBy, reason: draft.reason,
                businessDate: try currentBusinessDate(), at: now, total: sale.total, refunds: refunds)
            try ledger.append(.storno(record), at: now)
            if let pending {
                try ledger.append(
                    .cardResolved(
                        CardResolution(
                            pendingId: pending.id, outcome: .reversed, saleId: sale.id,
                            detail: "am Terminal storniert, Terminal-Beleg \(reversal?.receiptNumber ?? "")", resolvedAt: now,
                            atStartup: atStartup)), at: now)
            }
            return record
        }
    }

    /// Settles a pending reversal by the terminal's last transaction.
    private func resolveReversal(_ pending: PendingCardPayment, _ draft: StornoDraft, atStartup: Bool) throws -> RecoveryOutcome {
        if let storno = try ledger.storno(ofSale: draft.saleId) {
            try resolveWithoutSale(pending, outcome: .reversed, saleId: draft.saleId, detail: "bereits gebucht", atStartup: atStartup)
            return RecoveryOutcome(pending: pending, result: .alreadyBooked(receiptNumber: storno.receiptNumber))
        }
        guard let terminal else {
            return RecoveryOutcome(pending: pending, result: .stillPending(reason: "kein Kartenterminal eingerichtet"))
        }
        let last: TerminalTransaction?
        do {
            last = try terminal.lastTransaction()
        } catch {
            return RecoveryOutcome(pending: pending, result: .stillPending(reason: error.description))
        }
        if let last, last.kind == .reversal, last.approved, last.amount == pending.amount,
            try !ledger.isCardReversalBooked(
                terminalId: last.details.terminalId, receiptNumber: last.details.receiptNumber, traceNumber: last.details.traceNumber)
        {
            guard let shift = try ledger.openShift() else {
                return RecoveryOutcome(pending: pending, result: .stillPending(reason: "keine offene Schicht zum Nachbuchen"))
            }
            let storno = try bookStorno(draft, shift: shift, reversal: last.details, pending: pending, atStartup: atStartup)
            _ = deliver(storno.receiptNumber, copy: false)
            return RecoveryOutcome(pending: pending, result: .booked(receiptNumber: storno.receiptNumber))
        }
        try resolveWithoutSale(
            pending, outcome: .notPaid, saleId: draft.saleId, detail: "Storno am Terminal nicht erfolgt; Storno nicht gebucht",
            atStartup: atStartup)
        return RecoveryOutcome(pending: pending, result: .notPaid)
    }

    // MARK: Cash movements

    /// Books an Einlage, Entnahme or Abschöpfung an die Stadtkasse with its reason and receipt.
    public func recordCashMovement(
        id: String, kind: CashMovementKind, amount: Money, reason: String, operatorId: String, approvedBy: String? = nil
    ) throws -> (movement: CashMovementRecord, receipt: DeliveredReceipt) {
        try guarded {
            if let existing = try ledger.cashMovement(id: id) {
                let text = try receiptText(number: existing.receiptNumber, copy: false) ?? ""
                return (existing, DeliveredReceipt(number: existing.receiptNumber, text: text, file: receiptStore.path(of: existing.receiptNumber), fileProblem: nil))
            }
            let shift = try requireShift()
            try requireOperator(operatorId)
            if let approvedBy { try requireOperator(approvedBy) }
            try accessGuard?.check(kind == .einlage ? .depositCash : .withdrawCash, operatorId: operatorId, approval: kind == .einlage ? nil : .cashWithdrawal(amount), approvedBy: approvedBy)
            guard amount.cents > 0, amount <= Money.maximumEntry else {
                throw CounterError.invalidAmount("Der Betrag muss größer als 0,00 € und höchstens \(Money.maximumEntry.formatted) sein.")
            }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw CounterError.missingDetail("der Grund der \(kind.label)") }
            let movement = try ledger.transaction {
                if kind != .einlage {
                    let available = try ledger.periodTotals().totals.expectedCash
                    if amount > available { throw CounterError.insufficientCash(available: available, requested: amount) }
                }
                let now = clock.now()
                let record = CashMovementRecord(
                    id: id, receiptNumber: try ledger.nextReceiptNumber(), shiftId: shift.id, operatorId: operatorId,
                    approvedBy: approvedBy, kind: kind, amount: amount, reason: reason, businessDate: try currentBusinessDate(),
                    at: now)
                try ledger.append(.cashMovement(record), at: now)
                return record
            }
            return (movement, deliver(movement.receiptNumber, copy: false))
        }
    }

    // MARK: Receipts and reports

    /// The text of booked receipt `number` (nil if there is none).
    public func receiptText(number: Int64, copy: Bool) throws -> String? {
        try guarded {
            guard let receipt = try ledger.receipt(number: number) else { return nil }
            let entry = try ledger.journalEntry(forReceipt: number)
            return ReceiptRenderer.render(receipt, context: try receiptContext(for: receipt), copy: copy, checkValue: entry?.hash)
        }
    }

    /// Operator names, loaded once and again when a receipt names an operator not yet known.
    private var operatorNames: [String: String] = [:]
    private let namesLock = NSLock()

    func receiptContext(for receipt: BookedReceipt) throws -> ReceiptContext {
        let ids: [String?]
        switch receipt {
        case .sale(let s): ids = [s.operatorId]
        case .storno(let s, let original): ids = [s.operatorId, s.approvedBy, original.operatorId]
        case .cashMovement(let m): ids = [m.operatorId, m.approvedBy]
        }
        var names = namesLock.withLock { operatorNames }
        if ids.contains(where: { $0 != nil && names[$0!] == nil }) {
            for op in try ledger.operators() { names[op.id] = op.name }
            namesLock.withLock { operatorNames = names }
        }
        return ReceiptContext(
            officeName: officeName, officeAddress: officeAddress, registerId: registerId, calendar: calendar,
            operatorNames: names)
    }

    /// Renders the receipt read back from the ledger, writes its file and hands it to the printer.
    /// Never throws: the booking stands.
    private func deliver(_ number: Int64, copy: Bool) -> DeliveredReceipt {
        let text: String
        do {
            guard let rendered = try receiptText(number: number, copy: copy) else {
                return DeliveredReceipt(number: number, text: "", file: nil, fileProblem: "Beleg \(number) nicht gefunden.")
            }
            text = rendered
        } catch {
            return DeliveredReceipt(number: number, text: "", file: nil, fileProblem: "\(error)")
        }
        return deliver(text: text, number: number, copy: copy)
    }

    /// As ``deliver(_:copy:)`` for a record just committed: rendered from the committed record
    /// and its entry's hash (the same values the ledger holds) without reading them back.
    private func deliver(_ receipt: BookedReceipt, checkValue: String) -> DeliveredReceipt {
        let text: String
        do {
            text = ReceiptRenderer.render(receipt, context: try receiptContext(for: receipt), copy: false, checkValue: checkValue)
        } catch {
            return DeliveredReceipt(number: receipt.number, text: "", file: nil, fileProblem: "\(error)")
        }
        return deliver(text: text, number: receipt.number, copy: false)
    }

    private func deliver(text: String, number: Int64, copy: Bool) -> DeliveredReceipt {
        var file: String?
        var problem: String?
        if !copy {
            do {
                try receiptStore.write(text, number: number)
                file = receiptStore.path(of: number)
            } catch {
                problem = "Die Belegdatei für Beleg \(number) ließ sich nicht schreiben (\(error.localizedDescription)); sie wird beim nächsten Start nachgeholt."
            }
        }
        printer?.send(text, receiptNumber: number)
        return DeliveredReceipt(number: number, text: text, file: file, fileProblem: problem)
    }

    /// Prints a copy ("Kopie") of a booked receipt; the reprint is audited.
    public func reprint(receiptNumber: Int64, operatorId: String) throws -> DeliveredReceipt {
        try guarded {
            guard try ledger.receipt(number: receiptNumber) != nil else { throw CounterError.receiptNotFound(receiptNumber) }
            try accessGuard?.check(.reprintReceipt, operatorId: operatorId)
            let now = clock.now()
            try ledger.transaction {
                try ledger.append(
                    .audit(AuditRecord(id: Self.newId(), kind: "reprint", operatorId: operatorId, detail: "Beleg \(receiptNumber)", at: now)),
                    at: now)
            }
            return deliver(receiptNumber, copy: true)
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

/// A storno whose card part is being reversed on the terminal, kept with its pending record.
struct StornoDraft: Codable, Equatable {
    let stornoId: String
    let saleId: String
    let operatorId: String
    let approvedBy: String?
    let reason: String
    /// The refunds other than the card reversal.
    let refunds: [StornoRefund]
    let terminalReceiptNumber: String?

    private struct Envelope: Codable { let reversal: StornoDraft }

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(Envelope(reversal: self)), as: UTF8.self)
    }

    /// The draft, if `text` is a reversal draft (sale drafts have no `reversal` key).
    static func decode(_ text: String) -> StornoDraft? {
        try? JSONDecoder().decode(Envelope.self, from: Data(text.utf8)).reversal
    }
}

/// The sale as it will be booked, kept with a pending card payment so that recovery can book it.
struct SaleDraft: Codable, Equatable {
    let saleId: String
    let operatorId: String
    let shiftId: String
    let startedAt: Instant
    let reference: String?
    let lines: [SaleLine]
    /// Payments other than the card part (the cash part of a split payment).
    let payments: [PaymentRecord]

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> SaleDraft {
        try JSONDecoder().decode(SaleDraft.self, from: Data(text.utf8))
    }
}
