import Fiscal
import Foundation
import KasseCore
import Ledger

#if canImport(Glibc)
    import Glibc
#endif

/// A receipt on its way to its file and the printer; ``wait()`` blocks until it got there.
// @unchecked Sendable: `delivered` is only read and written while `condition` is locked.
public final class ReceiptTicket: @unchecked Sendable {
    private let condition = NSCondition()
    private var delivered: DeliveredReceipt?

    init() {}

    init(_ delivered: DeliveredReceipt) { self.delivered = delivered }

    func fulfil(_ receipt: DeliveredReceipt) {
        condition.lock()
        delivered = receipt
        condition.broadcast()
        condition.unlock()
    }

    /// The delivered receipt: its text, its file and why the file could not be written, if so.
    public func wait() -> DeliveredReceipt {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let delivered { return delivered }
            condition.wait()
        }
    }
}

/// Receipts are derived from the ledger: rendered, written to their file and handed to the
/// printer *after* the commit, one after the other on a background queue, so that a booking
/// returns at its commit (docs/ledger.md, "Receipts"). Nothing is lost in a crash: the start-up
/// (``StartupRecovery``) renders again from the ledger every receipt of the open period whose
/// file is missing; a receipt file is never the record.
// @unchecked Sendable: constants only, except `operatorNames` (under `namesLock`); `queue` runs one delivery at a time on its own thread.
public final class ReceiptDelivery: @unchecked Sendable {
    let ledger: Ledger
    public let store: ReceiptStore
    public let printer: ReceiptPrinter?
    let officeName: String
    let officeAddress: String
    let registerId: String
    let calendar: BusinessCalendar
    /// Receipts of the training mode carry ``ReceiptRenderer/trainingMark``.
    let isTraining: Bool
    /// The TSE: when one signs, every receipt prints its answer (or "TSE ausgefallen").
    let fiscal: FiscalSigner?
    private let queue = DeliveryQueue(name: "webkasse receipts")
    /// Operator names, loaded once and again when a receipt names an operator not yet known.
    private var operatorNames: [String: String] = [:]
    private let namesLock = NSLock()

    init(
        ledger: Ledger, store: ReceiptStore, printer: ReceiptPrinter?, officeName: String, officeAddress: String, registerId: String,
        calendar: BusinessCalendar, isTraining: Bool = false, fiscal: FiscalSigner? = nil
    ) {
        self.fiscal = fiscal
        self.isTraining = isTraining
        self.ledger = ledger
        self.store = store
        self.printer = printer
        self.officeName = officeName
        self.officeAddress = officeAddress
        self.registerId = registerId
        self.calendar = calendar
    }

    deinit { queue.stop() }

    /// Waits until every receipt handed over so far is delivered (tests, before the program exits).
    public func waitUntilIdle() { queue.waitUntilIdle() }

    // MARK: Rendering

    /// The text of booked receipt `number` (nil if there is none), read back from the ledger.
    func text(number: Int64, copy: Bool, width: Int = TextLayout.receiptWidth) throws -> String? {
        guard let receipt = try ledger.receipt(number: number) else { return nil }
        let entry = try ledger.journalEntry(forReceipt: number)
        let context = try context(for: receipt, width: width)
        return ReceiptRenderer.render(receipt, context: context, copy: copy, checkValue: entry?.hash, fiscal: Self.fiscalBlock(context))
    }

    /// The TSE block of booked receipt `number` (nil: none, or not signed), for the printer's own QR code.
    func fiscalBlock(number: Int64) throws -> ReceiptFiscalBlock? {
        guard fiscal != nil, let receipt = try ledger.receipt(number: number) else { return nil }
        return Self.fiscalBlock(try context(for: receipt))
    }

    /// The signed TSE answer in `context` as the receipt's block.
    static func fiscalBlock(_ context: ReceiptContext) -> ReceiptFiscalBlock? {
        context.tse.flatMap { ReceiptFiscalBlock($0, notice: context.tseNotice) }
    }

    /// The printer's line width (`[printer] width`): receipts are rendered at it for the printer.
    var printerWidth: Int { (printer as? ESCPOSPrinter)?.settings.width ?? TextLayout.receiptWidth }

    /// The terminal's merchant copies on booked receipt `number`: `nil` if there is no such
    /// receipt, an empty text if the terminal sent no merchant copy for it.
    func merchantCopyText(number: Int64) throws -> String? {
        guard let receipt = try ledger.receipt(number: number) else { return nil }
        return ReceiptRenderer.renderMerchantCopies(receipt, context: try context(for: receipt)) ?? ""
    }

    func context(for receipt: BookedReceipt, width: Int = TextLayout.receiptWidth) throws -> ReceiptContext {
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
        var context = ReceiptContext(
            officeName: officeName, officeAddress: officeAddress, registerId: registerId, calendar: calendar, operatorNames: names,
            isTraining: isTraining)
        context.width = width
        if let fiscal {
            let bookingId: String
            switch receipt {
            case .sale(let s): bookingId = s.id
            case .storno(let s, _): bookingId = s.id
            case .cashMovement(let m): bookingId = m.id
            }
            context.tse = try ledger.tseTransaction(forBooking: bookingId)
            context.tseNotice = fiscal.receiptNotice
        }
        return context
    }

    // MARK: Delivering

    /// A receipt booked earlier (a repeated request): its text and its file's place, nothing written.
    func alreadyDelivered(_ number: Int64) throws -> ReceiptTicket {
        ReceiptTicket(DeliveredReceipt(number: number, text: try text(number: number, copy: false) ?? "", file: store.path(of: number), fileProblem: nil))
    }

    /// Delivers a record just committed, rendered from the committed record and its entry's hash
    /// (the values the ledger holds) without reading them back.
    /// A cash part opens the drawer at once, ahead of the receipt (docs/printer.md, "Drawer").
    func deliver(committed receipt: BookedReceipt, checkValue: String) -> ReceiptTicket {
        if receipt.movesCash { printer?.openDrawer() }
        return enqueue(receipt.number, copy: false) { [self] width in
            let context = try context(for: receipt, width: width)
            let block = Self.fiscalBlock(context)
            return (ReceiptRenderer.render(receipt, context: context, copy: false, checkValue: checkValue, fiscal: block), block)
        }
    }

    /// Delivers booked receipt `number`, read back from the ledger; a `copy` goes to the printer only.
    /// A booking's own receipt (not a copy) that moves cash opens the drawer first.
    func deliver(booked number: Int64, copy: Bool) -> ReceiptTicket {
        enqueue(number, copy: copy) { [self] width in
            guard let receipt = try ledger.receipt(number: number) else { return nil }
            if !copy && width == TextLayout.receiptWidth && receipt.movesCash { printer?.openDrawer() }
            let entry = try ledger.journalEntry(forReceipt: number)
            let context = try context(for: receipt, width: width)
            let block = Self.fiscalBlock(context)
            return (ReceiptRenderer.render(receipt, context: context, copy: copy, checkValue: entry?.hash, fiscal: block), block)
        }
    }

    /// Renders (nil: no such receipt) at the file's width, and at the printer's if that differs,
    /// and hands over on the delivery thread.
    private func enqueue(
        _ number: Int64, copy: Bool, render: @escaping @Sendable (Int) throws -> (text: String, fiscal: ReceiptFiscalBlock?)?
    ) -> ReceiptTicket {
        let ticket = ReceiptTicket()
        queue.async { [self] in
            do {
                guard let (text, block) = try render(TextLayout.receiptWidth) else {
                    return ticket.fulfil(DeliveredReceipt(number: number, text: "", file: nil, fileProblem: "Beleg \(number) nicht gefunden."))
                }
                let width = printerWidth
                let printed = width == TextLayout.receiptWidth ? text : try render(width)?.text ?? text
                ticket.fulfil(hand(text: text, printed: printed, fiscal: block, number: number, copy: copy))
            } catch {
                ticket.fulfil(DeliveredReceipt(number: number, text: "", file: nil, fileProblem: "\(error)"))
            }
        }
        return ticket
    }

    /// Writes the file (not for a copy) and hands the text to the printer. Never throws: the booking stands.
    private func hand(text: String, printed: String, fiscal block: ReceiptFiscalBlock?, number: Int64, copy: Bool) -> DeliveredReceipt {
        var file: String?
        var problem: String?
        if !copy {
            do {
                try store.write(text, number: number)
                file = store.path(of: number)
            } catch {
                problem =
                    "Die Belegdatei für Beleg \(number) ließ sich nicht schreiben (\(error.localizedDescription)); sie wird beim nächsten Start nachgeholt."
            }
        }
        printer?.print(receipt: printed, number: number, copy: copy, fiscal: block)
        return DeliveredReceipt(number: number, text: text, file: file, fileProblem: problem)
    }

    /// Writes the files of booked receipts of the open period that have none (or, among the
    /// latest, an empty one), rendered from the ledger. Returns their numbers.
    func rewriteMissingFiles() throws -> [Int64] {
        // A crash can only lose the files of the open period (a day close is the checkpoint): only
        // they are checked, no scan of every receipt of every day at start. Missing files anywhere
        // in the period; empty ones among the latest (written just before a power cut).
        let numbers = try ledger.receiptNumbers(after: try ledger.lastDayCloseSeq())
        guard let first = numbers.first, let last = numbers.last else { return [] }
        let withFiles = store.numbersWithFiles(in: first...last)
        var rewritten: [Int64] = []
        for number in numbers where !withFiles.contains(number) || (number > last - 50 && store.needsRewrite(number)) {
            if let text = try text(number: number, copy: false) {
                try store.write(text, number: number)
                rewritten.append(number)
            }
        }
        return rewritten
    }
}

extension BookedReceipt {
    /// Whether cash went into or out of the drawer: a sale with a cash part, a storno paying
    /// cash back, every cash movement. Card-only and cheque-only sales do not open the drawer.
    var movesCash: Bool {
        switch self {
        case .sale(let sale): sale.payments.contains { $0.method == .cash }
        case .storno(let storno, _): storno.refunds.contains { $0.method == .cash }
        case .cashMovement: true
        }
    }
}

/// One thread that runs jobs in order. Handing a job over costs the booking thread a lock and, if
/// the thread sleeps, one wake-up — less than a dispatch queue, which may start a worker each time.
/// The thread ends after ``stop()`` once the jobs handed over are done.
// @unchecked Sendable: `jobs`, `running` and `stopping` are only touched while `condition` is locked.
final class DeliveryQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var running = false
    private var stopping = false

    init(name: String) {
        let thread = Thread { [self] in self.work() }
        thread.name = name
        thread.start()
    }

    func async(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until every job handed over so far has run.
    func waitUntilIdle() {
        condition.lock()
        while !jobs.isEmpty || running { condition.wait() }
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        #if canImport(Glibc)
            // Below the booking thread, so that waking it does not take the clerk's core (on Linux
            // `setpriority` with 0 applies to the calling thread alone).
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let next = jobs
            jobs.removeAll()
            running = true
            condition.unlock()
            for job in next { job() }
            condition.lock()
            running = false
            condition.broadcast()
            condition.unlock()
        }
    }
}
