import ESCPOS
import Foundation
import KasseCore
import SystemCalls

/// What the printer is doing, for the status line (docs/printer.md, "Status").
public struct PrinterState: Sendable, Equatable {
    /// Why it does not print (»Papier leer«, »Deckel offen«, »offline«, »nicht erreichbar …«), or
    /// a warning that does not stop it (»Papier fast leer«); nil when all is well.
    public var problem: String?
    /// Whether the problem stops printing (near end does not).
    public var blocked: Bool
    /// Receipts and reports waiting to be printed.
    public var waiting: Int
    /// Why the printer could not be reached, in full (the status line shows only »nicht erreichbar«).
    public var detail: String?
    /// A drawer kick that could not be sent (the printer was not reachable), until the next one goes through.
    public var drawerFailed: Bool

    public static let idle = PrinterState(problem: nil, blocked: false, waiting: 0, detail: nil, drawerFailed: false)

    /// The status line's text (German), nil when there is nothing to say.
    public var statusText: String? {
        var parts: [String] = []
        if let problem { parts.append("DRUCKER: \(problem)") }
        // Short enough for 80 columns beside the terminal's state (docs/ui.md, status line).
        if waiting > 0 { parts.append("\(waiting) wartet") }
        if drawerFailed { parts.append("Schublade nicht geöffnet") }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }
}

/// The receipt printer on an ESC/POS device, with its print queue (docs/printer.md).
///
/// Receipts come after the booking's commit (``ReceiptDelivery``) and are printed one after the
/// other on this queue's own thread: a booking never waits for the printer, and a printer that
/// fails never undoes one. Before each job the real-time status is asked (`DLE EOT 1/2/4`); a
/// printer out of paper, with its cover open, offline or not reachable keeps the job waiting and
/// is asked again every ``retryMs`` until it prints.
///
/// **The queue is derived from the ledger.** Which booked receipts were printed is kept outside
/// the hash chain, in a small state file (`<register dir>/printer.state`: the number of the last
/// receipt printed), since the ledger takes no updates and a print is no booking. At start
/// (``resume(lastBooked:texts:fiscal:)``) every booked receipt above that number is printed again from
/// the ledger; a process killed with a receipt waiting prints it after the restart. The number is
/// written after the printer took the bytes: a kill between the two prints that one receipt twice,
/// never not at all. Copies and reports (Z, X, End-of-Day) wait in memory only; they can be
/// printed again from the menu.
// @unchecked Sendable: `jobs`, `state`, `stopping` and `wake` are only touched while `condition` is locked; the rest is constant or used by the queue's thread alone.
public final class ESCPOSPrinter: ReceiptPrinter, @unchecked Sendable {
    public let settings: PrinterSettings
    let stateFile: String
    let connect: @Sendable () throws -> PrinterPort?
    /// How long a printer may take to answer a status query.
    let statusTimeoutMs: Int
    /// How often a printer with a problem is asked again.
    let retryMs: Int

    enum Job {
        case receipt(number: Int64, text: String, fiscal: ReceiptFiscalBlock?)
        case copy(number: Int64, text: String, fiscal: ReceiptFiscalBlock?)
        case report(String)
        case drawer
        case bytes([UInt8])
    }

    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var state = PrinterState.idle
    private var stopping = false
    private var wake = false
    private var busy = false
    private var finished = false
    private var lastPrinted: Int64

    /// A printer on `settings.device`; `stateFile` keeps the number of the last receipt printed.
    public convenience init(settings: PrinterSettings, stateFile: String, statusTimeoutMs: Int = 2_000, retryMs: Int = 3_000) {
        let device = settings.device
        self.init(settings: settings, stateFile: stateFile, statusTimeoutMs: statusTimeoutMs, retryMs: retryMs) { try device.openPort() }
    }

    init(
        settings: PrinterSettings, stateFile: String, statusTimeoutMs: Int, retryMs: Int, connect: @escaping @Sendable () throws -> PrinterPort?
    ) {
        self.settings = settings
        self.stateFile = stateFile
        self.statusTimeoutMs = statusTimeoutMs
        self.retryMs = retryMs
        self.connect = connect
        lastPrinted = Self.readState(stateFile) ?? -1
        let thread = Thread { [self] in self.work() }
        thread.name = Self.threadName
        thread.start()
    }

    deinit { stop() }

    /// Ends the queue's thread after the current job and waits for it (receipts still waiting
    /// stay in the ledger for the next start).
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished && Thread.current.name != Self.threadName { condition.wait() }
        condition.unlock()
    }

    static let threadName = "webkasse printer"

    // MARK: ReceiptPrinter

    public func send(_ text: String, receiptNumber: Int64) { print(receipt: text, number: receiptNumber, copy: false) }

    public func print(receipt text: String, number: Int64, copy: Bool) { print(receipt: text, number: number, copy: copy, fiscal: nil) }

    /// A booked receipt whose TSE block is in `text`: its QR code drawing is printed as the printer's own QR code.
    public func print(receipt text: String, number: Int64, copy: Bool, fiscal: ReceiptFiscalBlock?) {
        enqueue(copy ? .copy(number: number, text: text, fiscal: fiscal) : .receipt(number: number, text: text, fiscal: fiscal))
    }

    public func printReport(_ text: String, number: Int64) { enqueue(.report(text)) }

    /// Opens the cash drawer: ahead of every waiting receipt (the clerk needs the change now),
    /// sent even when the paper is out.
    public func openDrawer() {
        guard settings.drawerPulse != nil else { return }
        condition.lock()
        jobs.insert(.drawer, at: 0)
        condition.broadcast()
        condition.unlock()
    }

    /// Raw ESC/POS bytes, e.g. the test receipt of `webkasse printer test`.
    public func printBytes(_ bytes: [UInt8]) { enqueue(.bytes(bytes)) }

    public var printerState: PrinterState { condition.withLock { state } }

    /// Asks the printer again now instead of at the next retry (the clerk put in paper).
    public func retryNow() {
        condition.lock()
        wake = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until no job is waiting or `timeout` seconds passed; true when all was printed.
    @discardableResult
    public func waitUntilPrinted(timeout: TimeInterval = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while !jobs.isEmpty || busy {
            if !condition.wait(until: deadline) { return false }
        }
        return true
    }

    // MARK: The ledger-derived queue

    /// The number of the last booked receipt printed (nil: none recorded yet).
    public var lastPrintedReceipt: Int64? { condition.withLock { lastPrinted >= 0 ? lastPrinted : nil } }

    /// Queues the booked receipts after the state file's number up to `lastBooked`, in order
    /// (receipt numbers run without gaps; `texts` renders one from the ledger, nil if it has none).
    /// Without a state file (the printer's first start) nothing old is printed: the state starts
    /// at `lastBooked`. Returns the numbers queued. `fiscal` gives a receipt's TSE block, if it has one.
    public func resume(
        lastBooked: Int64, texts: (Int64) throws -> String?, fiscal: (Int64) throws -> ReceiptFiscalBlock? = { _ in nil }
    ) throws -> [Int64] {
        let after = condition.withLock { lastPrinted }
        guard after >= 0 else {
            try writeState(lastBooked)
            condition.withLock { lastPrinted = lastBooked }
            return []
        }
        guard lastBooked > after else { return [] }
        var queued: [Int64] = []
        for number in (after + 1)...lastBooked {
            guard let text = try texts(number) else { continue }
            queued.append(number)
            enqueue(.receipt(number: number, text: text, fiscal: try fiscal(number)))
        }
        return queued
    }

    private func enqueue(_ job: Job, atFront: Bool = false) {
        condition.lock()
        if atFront { jobs.insert(job, at: 0) } else { jobs.append(job) }
        state.waiting = jobs.filter(\.isPrint).count
        condition.broadcast()
        condition.unlock()
    }

    // MARK: The queue's thread

    private func work() {
        var port: PrinterPort?
        defer {
            port?.close()
            condition.withLock {
                finished = true
                condition.broadcast()
            }
        }
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if stopping {
                condition.unlock()
                return
            }
            let job = jobs[0]
            busy = true
            condition.unlock()

            let outcome = run(job, port: &port)
            condition.lock()
            busy = false
            switch outcome {
            case .done:
                if !jobs.isEmpty { jobs.removeFirst() }
                if case .receipt(let number, _, _) = job, number > lastPrinted { lastPrinted = number }
                if case .drawer = job { state.drawerFailed = false }
                state.waiting = jobs.filter(\.isPrint).count
                condition.broadcast()
                condition.unlock()
                if case .receipt(let number, _, _) = job { try? writeState(number) }
            case .dropped:
                if !jobs.isEmpty { jobs.removeFirst() }
                state.drawerFailed = true
                state.waiting = jobs.filter(\.isPrint).count
                condition.broadcast()
                condition.unlock()
            case .wait:
                port?.close()
                port = nil
                // Asked again after `retryMs`, or at once after ``retryNow()`` or a drawer kick.
                let deadline = Date().addingTimeInterval(Double(retryMs) / 1000)
                wake = false
                while !wake && !stopping && !jobsHaveDrawerFirst && condition.wait(until: deadline) {}
                condition.unlock()
            }
        }
    }

    private var jobsHaveDrawerFirst: Bool {
        if case .drawer = jobs.first { return true }
        return false
    }

    private enum Outcome { case done, dropped, wait }

    private func run(_ job: Job, port: inout PrinterPort?) -> Outcome {
        do {
            if port == nil { port = try connect() }
            guard let open = port else { return .done }
            let encoder = settings.encoder
            if case .drawer = job {
                guard let pulse = settings.drawerPulse else { return .done }
                try open.write(encoder.encodeDrawerKick(pulse))
                return .done
            }
            let status = try open.queryStatus(timeoutMs: statusTimeoutMs)
            guard status.canPrint else {
                setProblem(status.offline && status.problem == "offline" ? "offline" : status.problem, blocked: true)
                return .wait
            }
            let bytes: [UInt8]
            switch job {
            case .receipt(_, let text, let fiscal), .copy(_, let text, let fiscal):
                bytes = encoder.encode(ReceiptPrintout.document(text, cut: settings.cutMode, fiscal: fiscal))
            case .report(let text):
                bytes = encoder.encode(ReceiptPrintout.document(text, cut: settings.cutMode))
            case .bytes(let raw): bytes = raw
            case .drawer: bytes = []
            }
            try open.write(bytes)
            setProblem(status.paperNearEnd ? "Papier fast leer" : nil, blocked: false)
            // A connection is not kept between jobs: other senders (a second counter's test print,
            // `lp`) get the printer's one raw port in between.
            let hasMore = condition.withLock { jobs.count > 1 }
            if !hasMore {
                open.close()
                port = nil
            }
            return .done
        } catch {
            port?.close()
            port = nil
            setProblem("nicht erreichbar", blocked: true, detail: "\(error)")
            if case .drawer = job { return .dropped }
            return .wait
        }
    }

    private func setProblem(_ problem: String?, blocked: Bool, detail: String? = nil) {
        condition.withLock {
            state.problem = problem
            state.blocked = blocked
            state.detail = detail
        }
    }

    // MARK: The state file

    static func readState(_ path: String) -> Int64? {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return nil }
        return Int64(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Writes the number atomically (temporary file, fsync, rename), on the printer's thread
    /// after the printer took the bytes: a crash between the two prints that receipt again,
    /// never loses one.
    private func writeState(_ number: Int64) throws {
        let temporary = stateFile + ".tmp"
        do {
            let fd = try Syscall.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions: 0o600)
            defer { Syscall.close(fd) }
            try Syscall.writeAll(fd, Array("\(number)\n".utf8))
            try Syscall.fsync(fd)
            try Syscall.rename(temporary, to: stateFile)
        } catch {
            throw PrinterPortError("Druckstatus \(stateFile) nicht geschrieben (\(error))")
        }
    }
}

extension ESCPOSPrinter.Job {
    /// Whether the job prints paper (a drawer kick does not).
    var isPrint: Bool {
        if case .drawer = self { return false }
        return true
    }
}
