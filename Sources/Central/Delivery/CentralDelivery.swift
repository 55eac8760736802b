import Access
import Foundation
import KasseCore
import Ledger
import SystemCalls

/// What the counter knows of its delivery to the centre, for the status line and `webkasse sync`.
public struct CentralSyncStatus: Equatable, Sendable {
    /// The counter's chain head.
    public var localHead: Int64 = 0
    /// The centre's head as last acknowledged (nil: never reached since the start and no cursor).
    public var acknowledged: Int64?
    /// When the oldest entry not yet at the centre was booked.
    public var pendingSince: Instant?
    /// The entry the centre holds with another hash (delivery stopped).
    public var fork: Int64?
    /// The centre holds more entries than the local ledger: its tail was lost or cut.
    public var centralAhead: Int64?
    /// The last failure, in German (nil after a success).
    public var lastError: String?

    public init() {}

    public var pending: Int64 { max(0, localHead - (acknowledged ?? 0)) }

    /// The status line's text: "Zentrale: aktuell", "Zentrale: 37 Buchungen ausstehend seit 09:12",
    /// "Zentrale: ABWEICHUNG bei Buchung 12".
    public func text(zone: TimeZone) -> String {
        if let fork { return "Zentrale: ABWEICHUNG bei Buchung \(fork)" }
        if let centralAhead { return "Zentrale: ABWEICHUNG, Zentrale hat Buchung \(centralAhead), Kasse nur \(localHead)" }
        guard let acknowledged else { return "Zentrale: nicht erreicht" }
        let count = localHead - acknowledged
        if count <= 0 { return "Zentrale: aktuell" }
        let noun = count == 1 ? "Buchung" : "Buchungen"
        guard let since = pendingSince else { return "Zentrale: \(count) \(noun) ausstehend" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute], from: since.date)
        return String(format: "Zentrale: %lld %@ ausstehend seit %02d:%02d", count, noun, parts.hour ?? 0, parts.minute ?? 0)
    }
}

/// The counter's delivery of its journal to the centre: the thin driver of
/// ``DeliveryStateMachine`` (docs/central.md, "Delivery"). It reads the ledger (the outbox: every
/// entry has `seq`, `hash`, `prev_hash`), connects through libpq and keeps a cursor file
/// (`<register dir>/central.state`, outside the hash chain, written atomically with fsync) that
/// only feeds the status line before the centre is reached: the truth is the centre's head.
///
/// `kill -9` at any point loses and doubles nothing: a batch is one transaction of the centre
/// (all of it or none), an entry the centre has is skipped by `(register, seq)` and hash, and
/// after a restart the head is asked again.
// @unchecked Sendable: the delivery's state is touched only while `lock` is held, the published
// status only while `statusLock` is held.
public final class CentralDelivery: @unchecked Sendable {
    public let register: String
    let ledger: Ledger
    let cursorPath: String
    let now: @Sendable () -> Instant
    let connect: () throws -> CentralStore
    private var store: CentralStore?
    /// Follows the centre's catalogue after each pass (docs/central.md, "Stammdaten"); nil: none.
    public var catalogFollower: CatalogFollower?
    /// Follows the centre's operators into the ledger after each pass (docs/central.md, "Bediener
    /// aus der Zentrale"); nil: none.
    public var operatorFollower: OperatorFollower?
    /// Follows the centre's office settings into the counter's copy after each pass (docs/central.md,
    /// "Dienststelle und Konten aus der Zentrale"); nil: none.
    public var officeSettingsFollower: OfficeSettingsFollower?
    private var machine: DeliveryStateMachine
    private var current = CentralSyncStatus()
    /// Held for a whole pass, network round trips included.
    private let lock = NSRecursiveLock()
    /// A copy of `current` for readers (the status line): never waits for a pass.
    private var published = CentralSyncStatus()
    private let statusLock = NSLock()

    /// - Parameters:
    ///   - connect: opens a connection to the centre (``CentralStore/init(settings:environment:)``).
    ///   - now: the clock (injected: tests never sleep).
    public init(
        ledger: Ledger, register: String, cursorPath: String, batchSize: Int = 500, backoff: Backoff = Backoff(),
        now: @escaping @Sendable () -> Instant = { Instant.now }, connect: @escaping () throws -> CentralStore
    ) {
        self.ledger = ledger
        self.register = register
        self.cursorPath = cursorPath
        self.now = now
        self.connect = connect
        machine = DeliveryStateMachine(batchSize: batchSize, backoff: backoff)
        let cursor = DeliveryCursor.read(cursorPath)
        current.acknowledged = cursor.acknowledged
        current.fork = cursor.fork
        if let fork = cursor.fork { machine.forkFound(at: fork) }
        published = current
    }

    /// The cursor file beside the ledger of `ledger`.
    public static func cursorPath(ledgerPath: String) -> String {
        (ledgerPath as NSString).deletingLastPathComponent + "/central.state"
    }

    /// The state as of the last step of a pass; returns at once, also while a pass waits for the centre.
    public var status: CentralSyncStatus { statusLock.withLock { published } }

    private func publish() {
        let snapshot = current
        statusLock.withLock { published = snapshot }
    }

    /// Drops the connection (the next pass connects again and asks the head).
    public func disconnect() {
        lock.withLock {
            store = nil
            if !machine.isForked { machine.failed(now: now()) }
        }
    }

    /// Delivers until the centre has everything, a failure (then backoff) or a fork.
    @discardableResult
    public func runOnce() -> CentralSyncStatus {
        lock.withLock {
            do {
                while true {
                    let local = try ledger.chainHead()
                    current.localHead = local.seq
                    publish()
                    let action = machine.next(localHead: local.seq, now: now())
                    switch action {
                    case .askHead:
                        let store = try connected()
                        let head = try store.head(register: register)
                        try checkHead(head, local: local, store: store)
                        if current.fork != nil { break }
                        if let ahead = current.centralAhead {
                            machine.failed(now: now())
                            current.lastError =
                                "Die Zentrale hat Buchungen bis \(ahead), das Kassenbuch nur bis \(local.seq): das Ende des Kassenbuchs fehlt (bitte `webkasse verify`)."
                            refreshPendingSince()
                            publish()
                            return current
                        }
                        machine.headReceived(head.seq)
                        acknowledge(head.seq)
                        continue
                    case .send(let range):
                        let entries = try readEntries(range)
                        let outcome = try connected().deliver(entries, register: register, localHead: local)
                        switch outcome {
                        case .delivered(let through, _):
                            machine.delivered(through: through)
                            acknowledge(through)
                        case .fork(let fork):
                            raiseFork(fork)
                        }
                        continue
                    case .wait, .upToDate, .stopped:
                        break
                    }
                    break
                }
                current.lastError = nil
                if let catalogFollower { catalogFollower.follow(try connected(), now: now()) }
                if let operatorFollower { operatorFollower.follow(try connected(), now: now()) }
                if let officeSettingsFollower { officeSettingsFollower.follow(try connected(), now: now()) }
            } catch {
                store = nil
                machine.failed(now: now())
                current.lastError = "\(error)"
            }
            refreshPendingSince()
            publish()
            return current
        }
    }

    private func connected() throws -> CentralStore {
        if let store, store.connection.isConnected { return store }
        store = nil
        let fresh = try connect()
        _ = try fresh.checkSchema()
        store = fresh
        return fresh
    }

    /// The centre's head against the local chain (``CentralStore/compare(_:register:centralHead:)``):
    /// a centre that holds more than the counter with every entry equal means the local tail is
    /// gone; entries that differ are a fork (another history under the same register id: a second
    /// machine, a restored old copy that booked on, a rewritten ledger), recorded at the centre at
    /// the first entry where the two histories part.
    private func checkHead(_ head: (seq: Int64, hash: String), local: (seq: Int64, hash: String), store: CentralStore) throws {
        switch try store.compare(ledger, register: register, centralHead: head) {
        case .differs(let seq):
            current.centralAhead = nil
            let offered = try readEntries(seq...seq)
            if case .fork(let fork) = try store.deliver(offered, register: register, localHead: local) { raiseFork(fork) }
        case .localTailMissing(_, let centralHead):
            // Reported once per finding; asked again after the backoff.
            if current.centralAhead != centralHead { try store.reportHead(register: register, head: local) }
            current.centralAhead = centralHead
        case .agrees, .nothingAtCentre:
            current.centralAhead = nil
        }
    }

    /// Stops delivery on a fork, once: the cursor remembers it, the local ledger gets an audit
    /// event (`central.fork`) and the status line says so.
    private func raiseFork(_ fork: Fork) {
        machine.forkFound(at: fork.seq)
        guard current.fork != fork.seq else { return }
        current.fork = fork.seq
        writeCursor()
        let detail =
            "{\"register\":\"\(fork.register)\",\"seq\":\(fork.seq),\"central_hash\":\"\(fork.centralHash)\",\"local_hash\":\"\(fork.offeredHash)\"}"
        let at = now()
        _ = try? ledger.transaction {
            try ledger.append(
                .audit(AuditRecord(id: UUID().uuidString.lowercased(), kind: AuditEventType.centralFork.rawValue, operatorId: nil, detail: detail, at: at)),
                at: at)
        }
    }

    private func acknowledge(_ seq: Int64) {
        guard current.acknowledged != seq else { return }
        current.acknowledged = seq
        writeCursor()
    }

    private func writeCursor() {
        try? DeliveryCursor(acknowledged: current.acknowledged, fork: current.fork).write(cursorPath)
    }

    private func refreshPendingSince() {
        guard let acknowledged = current.acknowledged, current.localHead > acknowledged else {
            current.pendingSince = nil
            return
        }
        current.pendingSince = (try? ledger.entry(at: acknowledged + 1))?.recordedAt
    }

    /// The entries in `range`, consecutive and each matching its hash.
    func readEntries(_ range: ClosedRange<Int64>) throws -> [DeliveryEntry] {
        var out: [DeliveryEntry] = []
        out.reserveCapacity(range.count)
        var expected = range.lowerBound
        try ledger.forEachEvent(in: range) { entry, event in
            guard entry.seq == expected else { throw CentralError.localEntryMissing(register: register, seq: expected) }
            out.append(try DeliveryEntry(entry: entry, event: event, register: register))
            expected += 1
        }
        guard expected > range.upperBound else { throw CentralError.localEntryMissing(register: register, seq: expected) }
        return out
    }

    // MARK: In the background

    private var thread: Thread?
    private var stopping = false
    private let wakeUp = NSCondition()

    /// Runs ``runOnce()`` on its own thread every `pollMs` (sooner after ``wake()``), never on
    /// the clerk's key path; ``stop()`` ends it.
    public func start(pollMs: Int = 500) {
        let thread = Thread { [self] in
            while true {
                if wakeUp.withLock({ stopping }) { return }
                runOnce()
                wakeUp.lock()
                if !stopping { _ = wakeUp.wait(until: Date().addingTimeInterval(Double(pollMs) / 1000)) }
                wakeUp.unlock()
            }
        }
        thread.name = "webkasse-central"
        self.thread = thread
        thread.start()
    }

    /// Delivers soon (e.g. after a booking).
    public func wake() { wakeUp.withLock { wakeUp.signal() } }

    public func stop() {
        wakeUp.withLock {
            stopping = true
            wakeUp.signal()
        }
    }
}

/// The cursor file: the centre's head as last acknowledged and a fork found, one `key=value` a line.
struct DeliveryCursor: Equatable {
    var acknowledged: Int64?
    var fork: Int64?

    static func read(_ path: String) -> DeliveryCursor {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return DeliveryCursor() }
        var cursor = DeliveryCursor()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Int64(parts[1]) else { continue }
            if parts[0] == "acknowledged" { cursor.acknowledged = value }
            if parts[0] == "fork" { cursor.fork = value }
        }
        return cursor
    }

    /// Atomically (``Syscall/replaceFile(_:with:permissions:syncDirectory:)``).
    func write(_ path: String) throws {
        var text = ""
        if let acknowledged { text += "acknowledged=\(acknowledged)\n" }
        if let fork { text += "fork=\(fork)\n" }
        try Syscall.replaceFile(path, with: Array(text.utf8))
    }
}
