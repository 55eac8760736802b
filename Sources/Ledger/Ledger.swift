import Foundation
import KasseCore
import KasseCrypto
import SystemCalls

/// A mistake or refusal of the ledger. Descriptions are German sentences for the clerk or admin.
public enum LedgerError: Error, CustomStringConvertible {
    case sqlite(SQLiteError)
    case cannotCreateDirectory(path: String, reason: String)
    case walUnavailable(path: String, mode: String)
    case migrationChanged(version: Int, name: String)
    case schemaTooNew(version: Int)
    case receiptNumberOutOfSequence(expected: Int64, got: Int64)
    case zNumberOutOfSequence(expected: Int64, got: Int64)
    case invalidRecord(String)
    case notInTransaction
    case periodSumsDisagree(part: String, sum: Money, sales: Money)

    public var description: String {
        switch self {
        case .sqlite(let error): return error.description
        case .cannotCreateDirectory(let path, let reason):
            return "Das Datenverzeichnis \(path) lässt sich nicht anlegen: \(reason)."
        case .walUnavailable(let path, let mode):
            return "Das Kassenbuch \(path) kann nicht im WAL-Modus betrieben werden (Modus »\(mode)«)."
        case .migrationChanged(let version, let name):
            return "Die Schema-Migration \(version) (\(name)) wurde nach der Auslieferung verändert; das Kassenbuch wird nicht geöffnet."
        case .schemaTooNew(let version):
            return "Das Kassenbuch hat Schema-Version \(version) und ist neuer als dieses Programm; bitte das Programm aktualisieren."
        case .receiptNumberOutOfSequence(let expected, let got):
            return "Belegnummer \(got) passt nicht zur Folge (erwartet \(expected)); nichts wurde gebucht."
        case .zNumberOutOfSequence(let expected, let got):
            return "Z-Nummer \(got) passt nicht zur Folge (erwartet \(expected)); nichts wurde gebucht."
        case .invalidRecord(let reason): return "Buchung abgelehnt: \(reason)"
        case .notInTransaction: return "Interner Fehler: Buchung außerhalb einer Transaktion."
        case .periodSumsDisagree(let part, let sum, let sales):
            return
                "Die Summe der \(part) des Zeitraums (\(sum.formatted)) ist nicht die Summe der Verkäufe (\(sales.formatted)); bitte `webkasse verify` ausführen und die Kasse nicht abschließen."
        }
    }
}

/// The append-only ledger of one register: SQLite (WAL, synchronous=FULL, foreign keys) with a
/// SHA-256 hash chain over every booked event.
///
/// Several threads may share one `Ledger` (the screen and a card payment in the background):
/// every access holds a recursive lock, a transaction from `BEGIN` to `COMMIT`, so another
/// thread never reads or writes in the middle of it. Several processes may open the same file:
/// writes take the write lock (`BEGIN IMMEDIATE`) and retry while it is busy.
// @unchecked Sendable: `path` is constant; `db` and its statement cache are only used while `lock` is held.
public final class Ledger: @unchecked Sendable {
    public let path: String
    let db: SQLiteConnection
    /// Serialises all use of `db` and the statement cache across threads.
    let lock = NSRecursiveLock()

    /// Opens (and creates and migrates, if needed) the ledger at `path`.
    public init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            do { try DataDirectory.createDirectory(directory) } catch {
                throw LedgerError.cannotCreateDirectory(path: directory, reason: error.localizedDescription)
            }
        }
        try FileSecurity.checkLedger(path)  // refuse a world-writable ledger (docs/access.md)
        FileSecurity.applyProcessMask()
        let isNew = !FileManager.default.fileExists(atPath: path)
        do {
            db = try SQLiteConnection(path: path)
            if isNew { chmod(path, 0o600) }
            let mode = try Ledger.pragmaText(db, "PRAGMA journal_mode=WAL")
            guard mode.lowercased() == "wal" else { throw LedgerError.walUnavailable(path: path, mode: mode) }
            try db.execute("PRAGMA synchronous=FULL")
            try db.execute("PRAGMA foreign_keys=ON")
            try migrate()
            FileSecurity.secureLedgerFiles(path)
        } catch let error as SQLiteError {
            throw LedgerError.sqlite(error)
        }
    }

    /// Opens the ledger of `register` in the data directory `data`.
    public convenience init(data: String, register: String) throws {
        try self.init(path: DataDirectory.ledgerPath(data: data, register: register))
    }

    private static func pragmaText(_ db: SQLiteConnection, _ sql: String) throws(SQLiteError) -> String {
        let statement = try db.prepare(sql)
        guard try statement.step() else { return "" }
        return statement.text(0)
    }

    /// The current schema version.
    public func schemaVersion() throws -> Int {
        Int(try wrap { () throws(SQLiteError) in try db.scalarInt("SELECT max(version) FROM schema_migrations") ?? 0 })
    }

    private func migrate() throws {
        try db.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, sql_sha256 TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)
            """)
        try transaction {
            var applied: [Int: String] = [:]
            let statement = try db.prepare("SELECT version, sql_sha256 FROM schema_migrations")
            while try statement.step() { applied[statement.int(0)] = statement.text(1) }
            let known = Set(migrations.map(\.version))
            if let unknown = applied.keys.filter({ !known.contains($0) }).max() { throw LedgerError.schemaTooNew(version: unknown) }
            for migration in migrations.sorted(by: { $0.version < $1.version }) {
                let digest = LibCrypto.sha256(Array(migration.sql.utf8)).hexString
                if let stored = applied[migration.version] {
                    guard stored == digest else { throw LedgerError.migrationChanged(version: migration.version, name: migration.name) }
                    continue
                }
                try db.execute(migration.sql)
                try db.prepare("INSERT INTO schema_migrations VALUES (?, ?, ?, ?)").run([
                    .integer(Int64(migration.version)), .text(migration.name), .text(digest),
                    .integer(Instant.now.millisecondsSinceEpoch),
                ])
            }
        }
    }

    // MARK: Transactions

    /// Runs `body` in one write transaction (`BEGIN IMMEDIATE`): everything or nothing.
    /// Nested calls join the outer transaction.
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if db.isInTransaction { return try body() }
        try wrap { () throws(SQLiteError) in try db.execute("BEGIN IMMEDIATE") }
        do {
            let result = try body()
            try wrap { () throws(SQLiteError) in try db.execute("COMMIT") }
            return result
        } catch {
            if db.isInTransaction { try? db.execute("ROLLBACK") }
            runningSumsCache.removeAll()  // the sums of what was rolled back
            throw error
        }
    }

    /// Runs `body` in one read transaction, so it sees one consistent snapshot.
    public func readTransaction<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if db.isInTransaction { return try body() }
        try wrap { () throws(SQLiteError) in try db.execute("BEGIN DEFERRED") }
        defer { if db.isInTransaction { try? db.execute("COMMIT") } }
        return try body()
    }

    func wrap<T>(_ body: () throws(SQLiteError) -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        do { return try body() } catch { throw LedgerError.sqlite(error) }
    }

    // MARK: Appending

    /// The last journal entry's sequence number and hash (genesis: 0 and 64 zeros).
    public func chainHead() throws -> (seq: Int64, hash: String) {
        try wrap { () throws(SQLiteError) in
            let statement = try db.prepare("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1")
            guard try statement.step() else { return (0, JournalEntry.genesisHash) }
            return (statement.int64(0), statement.text(1))
        }
    }

    /// The receipt number the next sale, storno or cash movement gets.
    public func nextReceiptNumber() throws -> Int64 {
        try wrap { () throws(SQLiteError) in (try db.scalarInt("SELECT max(number) FROM receipts") ?? 0) + 1 }
    }

    /// The Z number the next day close gets.
    public func nextZNumber() throws -> Int64 {
        try wrap { () throws(SQLiteError) in (try db.scalarInt("SELECT max(z_number) FROM day_closes") ?? 0) + 1 }
    }

    /// Books `event` as the next journal entry. Must run inside ``transaction(_:)``.
    @discardableResult
    public func append(_ event: LedgerEvent, at recordedAt: Instant) throws -> JournalEntry {
        lock.lock()
        defer { lock.unlock() }
        guard db.isInTransaction else { throw LedgerError.notInTransaction }
        let problems = RecordChecks.problems(of: event)
        if let first = problems.first { throw LedgerError.invalidRecord(first) }
        if let number = event.receiptNumber {
            let expected = try nextReceiptNumber()
            guard number == expected else { throw LedgerError.receiptNumberOutOfSequence(expected: expected, got: number) }
        }
        if case .dayClose(let close) = event {
            let expected = try nextZNumber()
            guard close.zNumber == expected else { throw LedgerError.zNumberOutOfSequence(expected: expected, got: close.zNumber) }
        }
        let head = try chainHead()
        let seq = head.seq + 1
        let hash = CanonicalEncoding.hash(seq: seq, recordedAt: recordedAt, previousHash: head.hash, event: event)
        let entry = JournalEntry(
            seq: seq, kind: event.kind.rawValue, ref: event.ref, recordedAt: recordedAt, previousHash: head.hash, hash: hash)
        // Another connection appended since this one did: its running sums are read anew.
        if runningSumsHead != head.seq { runningSumsCache.removeAll() }
        runningSumsHead = nil
        try wrap { () throws(SQLiteError) in
            try insert(
                "journal", ["seq", "kind", "ref", "recorded_at_ms", "prev_hash", "hash"],
                [
                    .integer(seq), .text(entry.kind), .text(entry.ref), .integer(recordedAt.millisecondsSinceEpoch),
                    .text(head.hash), .text(hash),
                ])
            try RowWriter(ledger: self, seq: seq).write(event)
        }
        runningSumsHead = seq
        return entry
    }

    func insert(_ table: String, _ columns: [String], _ values: [SQLiteValue]) throws(SQLiteError) {
        precondition(columns.count == values.count, "\(table): \(columns.count) columns, \(values.count) values")
        let sql: String
        if let cached = insertSQL[table], cached.columns == columns {
            sql = cached.sql
        } else {
            sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
            insertSQL[table] = (columns, sql)
        }
        try db.prepare(sql).run(values)
    }

    /// The INSERT text per table, built once (a sale writes about ten rows).
    private var insertSQL: [String: (columns: [String], sql: String)] = [:]

    /// The last running sums per key this connection wrote (``writeRunningSums(of:seq:)``),
    /// valid while the journal's last entry is `runningSumsHead`, the one this connection appended last.
    var runningSumsCache: [RunningSumsKey: RunningSums] = [:]
    private var runningSumsHead: Int64?

}
