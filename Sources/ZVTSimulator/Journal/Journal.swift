import Foundation

/// One line of the simulator's journal: a transaction as the terminal saw it end.
///
/// Written once, when the sequence ends (or the connection drops), as one JSON object per
/// line. Never rewritten: a reversal is a new line that names the receipt it reverses.
public struct JournalEntry: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// Authorisation `06 01`.
        case payment
        /// Reversal `06 30` of an earlier payment (``reversesReceipt``).
        case reversal
        /// Refund `06 31`.
        case refund
        /// End-of-Day `06 50`: the batch totals, which are then zeroed.
        case endOfDay
    }

    public enum Status: String, Codable, Sendable {
        /// Committed: the register acknowledged the Status-Information and every receipt after it.
        case booked
        /// Nothing was booked: host decline, card error, abort, time-out or refusal (see ``resultCode``).
        case declined
        /// The host approved, but the register did not accept the result (no or negative
        /// acknowledgement of the `04 0F` or a receipt): the terminal reversed it itself.
        case autoReversed
        /// End-of-Day done.
        case closed
    }

    /// Line number in the journal, from 1.
    public var number: Int
    /// UTC, ISO 8601, seconds.
    public var time: String
    public var kind: Kind
    public var status: Status
    /// Trace number (BMP 0B); `nil` when the host was never asked.
    public var trace: Int?
    /// Receipt number (BMP 87); only for approved transactions.
    public var receipt: Int?
    public var amountCents: Int64
    /// BMP 27 result code, two hex digits ("00" approved).
    public var resultCode: String
    /// The scenario that produced it, e.g. `approve`, `decline-05+no-completion-after-error`.
    public var scenario: String
    /// Register connection number (1 = the first connection since start).
    public var connection: Int
    /// The card (masked PAN only).
    public var card: SimulatedCard?
    /// For a reversal: the receipt number of the payment it reverses.
    public var reversesReceipt: Int?
    /// For a reversal: the trace number of the payment it reverses (BMP 37).
    public var reversesTrace: Int?
    /// End-of-Day totals per BMP 60 slot.
    public var totals: [TotalsLine]?
    /// Why, in one sentence, when it is not obvious (auto-reversal reason, abort trigger).
    public var note: String?

    /// Whether this entry moves money at the terminal (a booked payment, refund or reversal).
    public var isBooked: Bool { status == .booked && kind != .endOfDay }
}

/// Count and sum of one card-type slot of End-of-Day BMP 60 (ZVT 13.08 §3.1.3).
public struct TotalsLine: Codable, Sendable, Equatable {
    public var slot: String
    public var count: Int
    public var amountCents: Int64
}

/// The batch since the last End-of-Day, in the layout of BMP 60 (ZVT 13.08 §3.1.3).
public struct BatchTotals: Sendable, Equatable {
    /// Slot names in BMP 60 order.
    public static let slotNames = ["girocard", "JCB", "Eurocard", "Amex", "VISA", "Diners", "other"]
    public var counts = [Int](repeating: 0, count: 7)
    public var amounts = [Int64](repeating: 0, count: 7)
    public var firstReceipt: Int?
    public var lastReceipt: Int?
    public var totalCents: Int64 { amounts.reduce(0, +) }
    public var totalCount: Int { counts.reduce(0, +) }

    public var lines: [TotalsLine] {
        (0..<7).map { TotalsLine(slot: Self.slotNames[$0], count: counts[$0], amountCents: amounts[$0]) }
    }
}

/// A journal file that cannot be read.
public struct JournalError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let line: Int?
    public let reason: String
    public init(path: String, line: Int?, reason: String) {
        self.path = path
        self.line = line
        self.reason = reason
    }
    public var description: String {
        if let line { return "Journal \(path), Zeile \(line): \(reason)" }
        return "Journal \(path): \(reason)"
    }
}

/// The simulator's journal: an append-only JSON Lines file (or memory only), with the receipt
/// and trace counters derived from it so they continue across restarts.
///
/// Thread-safe: the session thread appends, the control thread and tests read.
// @unchecked Sendable: the entries and counters live in `state` (a lock); the file handle is written only inside that lock.
public final class Journal: @unchecked Sendable {
    public let path: String?
    private let syncEachWrite: Bool
    private let state: Locked<State>
    private let handle: FileHandle?
    /// Signalled on every append (for ``waitForEntries(count:timeoutMs:)``).
    private let appended = NSCondition()

    private struct State {
        var entries: [JournalEntry] = []
        var lastTrace = 0
        var lastReceipt = 0
        /// Index in `entries` where the current batch starts (after the last End-of-Day).
        var batchStart = 0
    }

    /// Opens (or creates) the journal at `path`; `nil` keeps it in memory.
    /// - Parameter syncEachWrite: `fsync` after every line (slower; for crash tests).
    public init(path: String?, syncEachWrite: Bool = false) throws {
        self.path = path
        self.syncEachWrite = syncEachWrite
        var loaded = State()
        if let path {
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil) else {
                    throw JournalError(path: path, line: nil, reason: "Die Datei kann nicht angelegt werden (Verzeichnis vorhanden und beschreibbar?).")
                }
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw JournalError(path: path, line: nil, reason: "Die Datei ist nicht lesbar.")
            }
            let decoder = JSONDecoder()
            var lineNumber = 0
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                lineNumber += 1
                if line.isEmpty { continue }
                do {
                    let entry = try decoder.decode(JournalEntry.self, from: Data(line))
                    Self.apply(entry, to: &loaded)
                } catch {
                    throw JournalError(
                        path: path, line: lineNumber, reason: "Die Zeile ist kein gültiger Journaleintrag; Datei bitte prüfen oder beiseitelegen.")
                }
            }
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw JournalError(path: path, line: nil, reason: "Die Datei ist nicht beschreibbar.")
            }
            handle.seekToEndOfFile()
            self.handle = handle
        } else {
            self.handle = nil
        }
        state = Locked(loaded)
    }

    deinit { try? handle?.close() }

    private static func apply(_ entry: JournalEntry, to state: inout State) {
        state.entries.append(entry)
        if let trace = entry.trace { state.lastTrace = trace }
        if let receipt = entry.receipt { state.lastReceipt = receipt }
        if entry.kind == .endOfDay { state.batchStart = state.entries.count }
    }

    // MARK: Numbers

    /// The next trace number (1…999 999, wrapping), reserved at once.
    func takeTrace() -> Int {
        state.withLock { s in
            s.lastTrace = s.lastTrace % 999_999 + 1
            return s.lastTrace
        }
    }

    /// The next receipt number (1…9 999, wrapping), reserved at once.
    func takeReceipt() -> Int {
        state.withLock { s in
            s.lastReceipt = s.lastReceipt % 9_999 + 1
            return s.lastReceipt
        }
    }

    /// The last trace and receipt numbers handed out.
    public var counters: (trace: Int, receipt: Int) { state.withLock { ($0.lastTrace, $0.lastReceipt) } }

    // MARK: Writing

    /// Appends `entry` (its ``JournalEntry/number`` is assigned here) and returns the stored entry.
    @discardableResult
    func append(_ entry: JournalEntry) -> JournalEntry {
        // Broadcast outside the state lock: a waiter holds `appended` and then reads the state.
        defer {
            appended.lock()
            appended.broadcast()
            appended.unlock()
        }
        return state.withLock { s in
            var entry = entry
            entry.number = s.entries.count + 1
            if let handle {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                if var data = try? encoder.encode(entry) {
                    data.append(UInt8(ascii: "\n"))
                    handle.write(data)
                    if syncEachWrite { try? handle.synchronize() }
                }
            }
            s.entries.append(entry)
            if entry.kind == .endOfDay { s.batchStart = s.entries.count }
            return entry
        }
    }

    /// Waits until the journal holds at least `count` entries; `false` after `timeoutMs`.
    /// (The terminal writes some entries only after its own T3 ran out, e.g. auto-reversals.)
    public func waitForEntries(count: Int, timeoutMs: Int = 5_000) -> Bool {
        let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
        appended.lock()
        defer { appended.unlock() }
        while entries.count < count {
            if !appended.wait(until: deadline) { return entries.count >= count }
        }
        return true
    }

    // MARK: Reading

    /// Every entry, oldest first.
    public var entries: [JournalEntry] { state.withLock { $0.entries } }

    /// The entries after the last End-of-Day.
    public var batch: [JournalEntry] { state.withLock { Array($0.entries[$0.batchStart...]) } }

    /// The last payment, reversal or refund that produced a Status-Information (for Repeat Receipt).
    public var lastTransaction: JournalEntry? {
        state.withLock { s in s.entries.last { $0.kind != .endOfDay && $0.trace != nil } }
    }

    /// The booked payment with `receipt` in the current batch and whether it was already reversed.
    func payment(receipt: Int) -> (entry: JournalEntry, reversed: Bool)? {
        state.withLock { s in
            let batch = s.entries[s.batchStart...]
            guard let payment = batch.last(where: { $0.kind == .payment && $0.status == .booked && $0.receipt == receipt })
            else { return nil }
            let reversed = batch.contains { $0.kind == .reversal && $0.status == .booked && $0.reversesReceipt == receipt }
            return (payment, reversed)
        }
    }

    /// Totals of the current batch: booked payments that were not reversed, per card slot.
    /// Refunds are journaled but not part of BMP 60 (it has no field for them).
    public var batchTotals: BatchTotals {
        state.withLock { s in
            let batch = s.entries[s.batchStart...]
            let reversed = Set(batch.compactMap { $0.kind == .reversal && $0.status == .booked ? $0.reversesReceipt : nil })
            var totals = BatchTotals()
            for entry in batch where entry.isBooked {
                if let receipt = entry.receipt {
                    if totals.firstReceipt == nil { totals.firstReceipt = receipt }
                    totals.lastReceipt = receipt
                }
                guard entry.kind == .payment, let receipt = entry.receipt, !reversed.contains(receipt) else { continue }
                let slot = entry.card?.totalsSlot ?? 6
                totals.counts[slot] += 1
                totals.amounts[slot] += entry.amountCents
            }
            return totals
        }
    }

    /// The journal as JSON Lines (what the file holds).
    public func jsonLines() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return entries.compactMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) + "\n" }.joined()
    }
}
