import Access
import Foundation
import KasseCore
import Ledger
import SystemCalls

/// The counter's copy of the centre's operators (docs/central.md, "Bediener aus der Zentrale"):
/// from the delivery's background thread, at most every ``intervalMs``, the events that shape
/// operators (`operator_directory_events`) after the last one taken are appended to the local
/// ledger's credential store in the centre's order, so log-in, lock and role checks work offline
/// with the counter's own access code. The local events keep the centre's operator ids and carry
/// the centre's number (``AuditField/centralSeq``) and time (``AuditField/centralAt``).
///
/// One local transaction per batch, and an event whose number the ledger already holds is skipped:
/// a kill before, during or after a batch loses and doubles nothing. The cursor file
/// (`<register dir>/central-operators.state`, fsynced) names where to ask from and when the last
/// fetch succeeded (for ``staleText(now:zone:)``); the truth of what was applied is the ledger.
///
/// An operator created on this counter before it had a centre stays; a central operator with
/// the same login id and another id is not taken (``collisions``), nor anything about them.
public final class OperatorFollower: @unchecked Sendable {
    public static let intervalMs: Int64 = 30_000
    /// After this long without a successful fetch the counter says its copy is old.
    public static let staleAfterMs: Int64 = 24 * 3_600_000
    /// The kinds the counter takes (the view's kinds).
    public static let followedKinds: [AuditEventType] = [.operatorAdded, .operatorRolesChanged, .operatorPINChanged, .operatorLocked, .operatorUnlocked]
    /// The kinds that shape the local directory (as `AccessControl` folds them).
    static let directoryKinds: [AuditEventType] = followedKinds + [.loginFailed, .loginSucceeded, .approvalGranted]

    public let ledger: Ledger
    public let cursorPath: String
    public let batchSize: Int
    private var lastAsked: Int64?
    private let lock = NSLock()
    private var cursor: OperatorCursor
    private var problem: String?

    public init(ledger: Ledger, registerDirectory: String, batchSize: Int = 500) {
        self.ledger = ledger
        self.cursorPath = Self.cursorPath(registerDirectory: registerDirectory)
        self.batchSize = batchSize
        cursor = OperatorCursor.read(cursorPath)
    }

    public static func cursorPath(registerDirectory: String) -> String { registerDirectory + "/central-operators.state" }

    /// When the last fetch from the centre succeeded (from the cursor file across restarts).
    public var lastFetchedAt: Instant? { lock.withLock { cursor.fetchedAtMs.map { Instant(millisecondsSinceEpoch: $0) } } }
    /// The centre's number of the last operator event taken.
    public var appliedThrough: Int64 { lock.withLock { cursor.applied } }
    /// Central login ids not taken because a local operator of this counter has them.
    public var collisions: [String] { lock.withLock { cursor.collisions } }
    /// Why the last fetch failed, nil when it went well.
    public var lastProblem: String? { lock.withLock { problem } }

    /// "Bediener-Stand vom 05.12. 09:12" when the last successful fetch is older than a day, else nil.
    public func staleText(now: Instant, zone: TimeZone) -> String? {
        guard let fetched = lastFetchedAt, now.millisecondsSinceEpoch - fetched.millisecondsSinceEpoch > Self.staleAfterMs else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.day, .month, .hour, .minute], from: fetched.date)
        return String(format: "Bediener-Stand vom %02d.%02d. %02d:%02d", c.day ?? 0, c.month ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// Fetches and applies what the centre has after the last event taken (not before the
    /// interval unless `force`); returns how many events were appended locally, nil when it did
    /// not ask or the fetch failed (``lastProblem``).
    @discardableResult
    public func follow(_ store: CentralStore, now: Instant, force: Bool = false) -> Int? {
        if !force, let lastAsked, now.millisecondsSinceEpoch - lastAsked < Self.intervalMs { return nil }
        lastAsked = now.millisecondsSinceEpoch
        do {
            var appended = 0
            while true {
                let after = lock.withLock { cursor.applied }
                let batch = try store.operatorEvents(after: after, limit: batchSize)
                guard let last = batch.last else { break }
                let (count, collided) = try apply(batch, now: now)
                appended += count
                lock.withLock {
                    cursor.applied = last.seq
                    for login in collided where !cursor.collisions.contains(login) { cursor.collisions.append(login) }
                }
                try writeCursor()
                if batch.count < batchSize { break }
            }
            lock.withLock {
                cursor.fetchedAtMs = now.millisecondsSinceEpoch
                problem = nil
            }
            try writeCursor()
            return appended
        } catch {
            lock.withLock { problem = "Bediener der Zentrale: \(error)" }
            return nil
        }
    }

    /// Appends `batch` in one local transaction: what the ledger already holds (by the centre's
    /// number) is skipped, an operator whose login a local one has is not taken.
    public func apply(_ batch: [CentralOperatorEvent], now: Instant) throws -> (appended: Int, collisions: [String]) {
        try ledger.transaction {
            var directory = OperatorDirectory()
            var applied: Int64 = 0
            for recorded in try ledger.auditEvents(Self.directoryKinds) {
                try directory.apply(recorded.event)
                if let seq = recorded.event.fields[AuditField.centralSeq].flatMap(Int64.init) { applied = max(applied, seq) }
            }
            var appended = 0
            var collisions: [String] = []
            for central in batch where central.seq > applied {
                let event = try CentralOperatorStore.event(
                    seq: central.seq, kind: central.kind, actor: central.actorID, detail: central.detail, atMs: central.atMs, pinHash: central.pinHash)
                guard let subject = event.fields[AuditField.subject] else { continue }
                if event.type == .operatorAdded {
                    if directory.account(id: subject) != nil { continue }
                    if let login = event.fields[AuditField.login], directory.account(login: login) != nil {
                        collisions.append(login)
                        continue
                    }
                } else if directory.account(id: subject) == nil {
                    continue  // about an operator not taken
                }
                var fields = event.fields
                fields[AuditField.centralSeq] = String(central.seq)
                fields[AuditField.centralAt] = AuditTime.string(event.at)
                let local = AuditEvent(event.type, actor: event.actorID, fields: fields, at: now.date)
                try directory.apply(local)
                try ledger.appendAudit(local)
                appended += 1
            }
            return (appended, collisions)
        }
    }

    private func writeCursor() throws {
        try lock.withLock { cursor }.write(cursorPath)
    }
}

/// One row of `operator_directory_events`.
public struct CentralOperatorEvent: Equatable, Sendable {
    public let seq: Int64
    public let kind: String
    public let actorID: String?
    public let detail: String
    public let atMs: Int64
    public let pinHash: String?
}

extension CentralStore {
    /// The events a counter follows after `seq`, in order (the counter role may read them).
    public func operatorEvents(after seq: Int64, limit: Int) throws -> [CentralOperatorEvent] {
        try run {
            let result = try connection.executePrepared(
                "central_operator_events",
                "SELECT seq, kind, actor_id, detail, at_ms, pin_hash FROM operator_directory_events WHERE seq > $1 ORDER BY seq LIMIT $2",
                [.int(seq), .int(limit)])
            return (0..<result.rowCount).map { row in
                CentralOperatorEvent(
                    seq: result.int64(row, 0) ?? 0, kind: result.text(row, 1) ?? "", actorID: result.text(row, 2), detail: result.text(row, 3) ?? "",
                    atMs: result.int64(row, 4) ?? 0, pinHash: result.text(row, 5))
            }
        }
    }
}

/// The follower's cursor file: one `key=value` a line.
struct OperatorCursor: Equatable {
    var applied: Int64 = 0
    var fetchedAtMs: Int64?
    var collisions: [String] = []

    static func read(_ path: String) -> OperatorCursor {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return OperatorCursor() }
        var cursor = OperatorCursor()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "applied": cursor.applied = Int64(parts[1]) ?? 0
            case "fetched_at_ms": cursor.fetchedAtMs = Int64(parts[1])
            case "collisions": cursor.collisions = parts[1].split(separator: ",").map(String.init)
            default: continue
            }
        }
        return cursor
    }

    /// Atomically (``Syscall/replaceFile(_:with:permissions:syncDirectory:)``).
    func write(_ path: String) throws {
        var text = "applied=\(applied)\n"
        if let fetchedAtMs { text += "fetched_at_ms=\(fetchedAtMs)\n" }
        if !collisions.isEmpty { text += "collisions=\(collisions.joined(separator: ","))\n" }
        try Syscall.replaceFile(path, with: Array(text.utf8))
    }
}
