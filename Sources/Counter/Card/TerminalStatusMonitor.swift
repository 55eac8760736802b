import Foundation
import KasseCore
import Ledger

/// What the counter knows of the EC terminal, for the status line ("Terminal bereit",
/// "Terminal nicht erreichbar seit 09:41").
public enum TerminalAvailability: Equatable, Sendable {
    /// Not asked yet.
    case unknown
    /// The last Status Enquiry answered "ready" (status 00 or DC).
    case ready(at: Instant)
    /// The terminal answers but cannot pay now (e.g. F0 Kassenschnitt erforderlich).
    case notReady(TerminalStatusReport, at: Instant)
    /// No answer since `since`: the first failed attempt of those in a row.
    case unreachable(since: Instant, why: String)
}

/// When the idle Status Enquiry runs next: a pure schedule, times passed in (no clock, no thread).
///
/// ZVT 13.08 §2.56 asks for a `05 01` at least once a minute while idle. After an answer the next
/// is due one interval later; after a failure sooner at first (10 s, 20 s, 40 s …, never later than
/// the interval), so the status line turns back to "bereit" soon after the terminal is back; while
/// another command runs the poll is put off by 5 s, never sent beside it.
struct StatusPollSchedule: Equatable {
    static let firstRetryMs: Int64 = 10_000
    static let busyRetryMs: Int64 = 5_000

    /// 0: no idle poll at all.
    let intervalMs: Int64
    /// When the next poll is due; `nil` when polling is off.
    private(set) var dueMs: Int64?
    private(set) var failuresInARow = 0

    /// The first poll is due at once.
    init(intervalMs: Int64, nowMs: Int64) {
        self.intervalMs = max(0, intervalMs)
        dueMs = intervalMs > 0 ? nowMs : nil
    }

    func isDue(nowMs: Int64) -> Bool { dueMs.map { nowMs >= $0 } ?? false }

    /// The terminal answered (ready or not): the next poll one interval later.
    mutating func answered(nowMs: Int64) {
        failuresInARow = 0
        schedule(after: intervalMs, nowMs: nowMs)
    }

    /// No answer: retry sooner, doubling the pause up to the interval.
    mutating func failed(nowMs: Int64) {
        failuresInARow += 1
        let shift = min(failuresInARow - 1, 16)
        schedule(after: min(intervalMs, Self.firstRetryMs << Int64(shift)), nowMs: nowMs)
    }

    /// Another command ran: try again a little later.
    mutating func skippedBusy(nowMs: Int64) { schedule(after: min(intervalMs, Self.busyRetryMs), nowMs: nowMs) }

    private mutating func schedule(after pauseMs: Int64, nowMs: Int64) {
        guard intervalMs > 0 else { return }
        dueMs = nowMs + pauseMs
    }
}

/// The idle status poll of the EC terminal (Status Enquiry 05 01, ZVT 13.08 §2.56) and the check
/// before each payment, with what the counter knows of the terminal (``availability``).
///
/// The poll runs on its own thread (``startPolling()``), never on the key path and never beside a
/// card command (``StatusEnquiryMode/idlePoll`` skips while one runs). Each step is
/// ``pollIfDue()``: tests call it with a ``SimulatedClock`` instead of starting the thread.
// @unchecked Sendable: `schedule`, `state` and `stopRequested` are only touched under `lock`; the terminal is asked from one thread at a time per mode, and a TerminalStatusQuery serialises its commands itself.
public final class TerminalStatusMonitor: @unchecked Sendable {
    /// The idle poll's default interval: the once a minute of ZVT 13.08 §2.56.
    public static let defaultIntervalSeconds = 60

    public let intervalSeconds: Int
    private let terminal: TerminalStatusQuery
    private let clock: CounterClock
    private let lock = NSCondition()
    private var schedule: StatusPollSchedule
    private var state = TerminalAvailability.unknown
    private var polling = false
    private var stopRequested = false

    /// `intervalSeconds` 0 turns the idle poll off; the check before a payment still runs.
    public init(terminal: TerminalStatusQuery, clock: CounterClock, intervalSeconds: Int = TerminalStatusMonitor.defaultIntervalSeconds) {
        self.terminal = terminal
        self.clock = clock
        self.intervalSeconds = max(0, intervalSeconds)
        schedule = StatusPollSchedule(intervalMs: Int64(max(0, intervalSeconds)) * 1000, nowMs: clock.now().millisecondsSinceEpoch)
    }

    deinit { stopPolling() }

    /// What the last answer (or its absence) said.
    public var availability: TerminalAvailability { lock.withLock { state } }

    /// When the next idle poll is due (`nil`: polling off).
    var nextPollDue: Instant? { lock.withLock { schedule.dueMs.map(Instant.init(millisecondsSinceEpoch:)) } }

    // MARK: The idle poll

    /// One step of the idle poll: asks the terminal if a poll is due and no command runs.
    /// Returns whether the terminal was asked.
    @discardableResult
    public func pollIfDue() -> Bool {
        guard lock.withLock({ schedule.isDue(nowMs: clock.now().millisecondsSinceEpoch) }) else { return false }
        do {
            guard let report = try terminal.statusEnquiry(.idlePoll) else {
                lock.withLock { schedule.skippedBusy(nowMs: clock.now().millisecondsSinceEpoch) }
                return false
            }
            record(report)
        } catch .unreachable(let why) {
            recordUnreachable(why)
        } catch {
            // It answered, but refused the enquiry: reachable, state unknown; ask again one interval later.
            lock.withLock { schedule.answered(nowMs: clock.now().millisecondsSinceEpoch) }
        }
        return true
    }

    /// Starts the poll thread (once); it ends with ``stopPolling()`` or when the monitor goes.
    public func startPolling() {
        let start: Bool = lock.withLock {
            guard !polling, intervalSeconds > 0 else { return false }
            polling = true
            stopRequested = false
            return true
        }
        guard start else { return }
        let thread = Thread { [weak self] in
            while let monitor = self, monitor.runOneRound() {}
        }
        thread.name = "webkasse terminal status"
        thread.start()
    }

    /// Stops the poll thread (a running enquiry still ends first).
    public func stopPolling() {
        lock.withLock {
            stopRequested = true
            polling = false
            lock.broadcast()
        }
    }

    /// A poll if due, then a wait until the next is due (at most a second, so a stop is seen soon).
    /// Returns false once stopped.
    private func runOneRound() -> Bool {
        if lock.withLock({ stopRequested }) { return false }
        pollIfDue()
        return lock.withLock {
            if stopRequested { return false }
            let now = clock.now().millisecondsSinceEpoch
            let waitMs = min(1_000, max(50, (schedule.dueMs ?? now + 1_000) - now))
            _ = lock.wait(until: Date().addingTimeInterval(Double(waitMs) / 1000))
            return !stopRequested
        }
    }

    // MARK: The check before a payment

    /// A quick Status Enquiry before a payment (short T3/T4, ``StatusEnquiryMode/beforePayment``),
    /// so that the clerk hears at once when the terminal cannot pay, before anything is written.
    /// Throws ``CounterError/terminal(_:)`` (unreachable) or ``CounterError/terminalNotReady(_:)``;
    /// a terminal that answers but refuses the enquiry itself is let try the payment.
    public func checkBeforePayment() throws {
        let report: TerminalStatusReport?
        do {
            report = try terminal.statusEnquiry(.beforePayment)
        } catch .unreachable(let why) {
            recordUnreachable(why)
            throw CounterError.terminal(.unreachable(why))
        } catch {
            return
        }
        guard let report else { return }
        record(report)
        if !report.allowsPayment { throw CounterError.terminalNotReady(report) }
    }

    // MARK: Recording answers

    /// An answer to a Status Enquiry, from the poll, the check before a payment or the menu.
    public func record(_ report: TerminalStatusReport) {
        lock.withLock {
            let now = clock.now()
            state = report.allowsPayment ? .ready(at: now) : .notReady(report, at: now)
            schedule.answered(nowMs: now.millisecondsSinceEpoch)
        }
    }

    /// No answer: "nicht erreichbar seit" the first failure of those in a row.
    public func recordUnreachable(_ why: String) {
        lock.withLock {
            let now = clock.now()
            if case .unreachable(let since, _) = state {
                state = .unreachable(since: since, why: why)
            } else {
                state = .unreachable(since: now, why: why)
            }
            schedule.failed(nowMs: now.millisecondsSinceEpoch)
        }
    }
}
