import Foundation
import KasseCore
import KasseCrypto
import Ledger

/// A mistake or refusal around the centre. Descriptions are German sentences for the admin.
public enum CentralError: Error, CustomStringConvertible {
    case database(PostgreSQLError)
    case migrationChanged(version: Int, name: String)
    case schemaTooNew(version: Int)
    case schemaMissing
    case passwordFileUnsafe(path: String, mode: String)
    case passwordFileUnreadable(path: String)
    case localEntryDamaged(register: String, seq: Int64)
    case localEntryMissing(register: String, seq: Int64)
    /// Master data (catalogue, operators) the centre cannot take or give as it is.
    case invalidMasterData(String)
    /// The catalogue to publish has problems (each with its place); nothing was published.
    case catalogProblems([CatalogProblem])

    public var description: String {
        switch self {
        case .database(let error): return error.description
        case .migrationChanged(let version, let name):
            return "Die Migration \(version) (\(name)) der Zentrale wurde nach der Auslieferung verändert; die Zentrale wird nicht benutzt."
        case .schemaTooNew(let version):
            return "Die Zentrale hat Schema-Version \(version) und ist neuer als dieses Programm; bitte das Programm aktualisieren."
        case .schemaMissing:
            return "Die Datenbank hat noch kein Schema der Zentrale; bitte zuerst `webkasse central init --url …` ausführen."
        case .passwordFileUnsafe(let path, let mode):
            return "Die Passwortdatei \(path) ist für andere lesbar (Rechte \(mode)); erlaubt ist nur 0600 (`chmod 600 \(path)`)."
        case .passwordFileUnreadable(let path):
            return "Die Passwortdatei \(path) lässt sich nicht lesen."
        case .localEntryDamaged(let register, let seq):
            return "Buchung \(seq) der Kasse \(register) passt nicht zu ihrem Hash; sie wird nicht geliefert (bitte `webkasse verify`)."
        case .localEntryMissing(let register, let seq):
            return "Buchung \(seq) der Kasse \(register) ist im Kassenbuch unvollständig; sie wird nicht geliefert (bitte `webkasse verify`)."
        case .invalidMasterData(let why):
            return why
        case .catalogProblems(let problems):
            return "Der Gebührenkatalog hat \(problems.count) Problem(e); nichts veröffentlicht:\n"
                + problems.map { "  \($0)" }.joined(separator: "\n")
        }
    }
}

/// One journal entry as the counter delivers it: the chain link, its canonical bytes (the hash
/// input, Sources/Ledger/Chain/CanonicalEncoding.swift) and the typed rows of its record.
public struct DeliveryEntry: Equatable, Sendable {
    public let seq: Int64
    public let kind: String
    public let ref: String
    public let recordedAt: Instant
    public let previousHash: String
    public let hash: String
    public let canonical: [UInt8]
    let rows: [CentralRow]

    /// The entry of `event` at `entry`, after checking that its bytes give its hash.
    public init(entry: JournalEntry, event: LedgerEvent, register: String) throws(CentralError) {
        let bytes = CanonicalEncoding.bytes(seq: entry.seq, recordedAt: entry.recordedAt, previousHash: entry.previousHash, event: event)
        guard LibCrypto.sha256(bytes).hexString == entry.hash else { throw .localEntryDamaged(register: register, seq: entry.seq) }
        seq = entry.seq
        kind = entry.kind
        ref = entry.ref
        recordedAt = entry.recordedAt
        previousHash = entry.previousHash
        hash = entry.hash
        canonical = bytes
        rows = CentralRows.rows(of: event)
    }
}

/// What the centre did with a batch.
public enum BatchOutcome: Equatable, Sendable {
    /// Every entry is at the centre (`inserted` new ones, the rest it had with the same hash).
    case delivered(through: Int64, inserted: Int)
    /// The centre holds another hash under `seq`: the entries before it committed (through
    /// `seq - 1`), this one and the rest were refused and the fork recorded.
    case fork(Fork)
}

/// An entry refused because the centre holds another one under the same `(register, seq)`.
public struct Fork: Equatable, Sendable {
    public let register: String
    public let seq: Int64
    public let centralHash: String
    public let offeredHash: String
}

/// The centre's database seen from one connection: the schema, the delivery of entries, the
/// heads. The statements bind every value (``PostgreSQLConnection``).
public final class CentralStore {
    public let connection: PostgreSQLConnection

    /// The tables of typed rows, parents before children (for loading them in order).
    public static var typedTables: [String] { CentralRows.allTables }

    public init(connection: PostgreSQLConnection) { self.connection = connection }

    /// Connects with the settings of the `[central]` section.
    public convenience init(settings: CentralSettings, environment: [String: String] = ProcessInfo.processInfo.environment) throws(CentralError) {
        let password = try settings.password(environment: environment)
        do { self.init(connection: try PostgreSQLConnection(url: settings.url, password: password)) } catch { throw .database(error) }
    }

    @discardableResult
    func run<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as PostgreSQLError { throw CentralError.database(error) }
    }

    // MARK: Schema

    /// Creates or migrates the schema; returns the versions applied now. Run as the database owner.
    @discardableResult
    public func migrate() throws -> [Int] {
        try run {
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS central_schema_version (
                    version integer PRIMARY KEY, name text NOT NULL, sql_sha256 text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """)
            return try connection.transaction {
                // One migrator at a time (two `central init` at once).
                try connection.execute("LOCK TABLE central_schema_version IN EXCLUSIVE MODE")
                let applied = try appliedMigrations()
                let known = Set(centralMigrations.map(\.version))
                if let unknown = applied.keys.filter({ !known.contains($0) }).max() { throw CentralError.schemaTooNew(version: unknown) }
                var done: [Int] = []
                for migration in centralMigrations.sorted(by: { $0.version < $1.version }) {
                    if let stored = applied[migration.version] {
                        guard stored == migration.sha256 else { throw CentralError.migrationChanged(version: migration.version, name: migration.name) }
                        continue
                    }
                    try connection.executeScript(migration.sql)
                    try connection.execute(
                        "INSERT INTO central_schema_version (version, name, sql_sha256) VALUES ($1, $2, $3)",
                        [.int(migration.version), .text(migration.name), .text(migration.sha256)])
                    done.append(migration.version)
                }
                return done
            }
        }
    }

    private func appliedMigrations() throws -> [Int: String] {
        let result = try connection.execute("SELECT version, sql_sha256 FROM central_schema_version")
        var applied: [Int: String] = [:]
        for row in 0..<result.rowCount { applied[Int(result.int64(row, 0) ?? 0)] = result.text(row, 1) ?? "" }
        return applied
    }

    /// The schema version (0: none), refusing an edited or newer schema.
    public func checkSchema() throws -> Int {
        try run {
            let exists = try connection.execute("SELECT to_regclass('central_schema_version') IS NOT NULL")
            guard exists.bool(0, 0) == true else { throw CentralError.schemaMissing }
            let applied = try appliedMigrations()
            let known = Dictionary(uniqueKeysWithValues: centralMigrations.map { ($0.version, $0) })
            for (version, digest) in applied {
                guard let migration = known[version] else { throw CentralError.schemaTooNew(version: version) }
                guard migration.sha256 == digest else { throw CentralError.migrationChanged(version: version, name: migration.name) }
            }
            guard applied.count == known.count else { throw CentralError.schemaMissing }
            return applied.keys.max() ?? 0
        }
    }

    /// Grants `role` what a counter needs: INSERT into the journal tables and the fork and head
    /// records (with their sequences), SELECT on the journal's link columns to find its head and
    /// on the schema version, SELECT on the published catalogue versions and on the operator events
    /// a counter follows (`operator_directory_events`). Nothing else: no
    /// UPDATE, DELETE or TRUNCATE, no reading of records.
    public func grantCounterRole(_ role: String) throws {
        try run {
            let quoted = try quotedIdentifier(role)
            try connection.transaction {
                try connection.execute("GRANT USAGE ON SCHEMA public TO \(quoted)")
                try connection.execute("GRANT SELECT ON central_schema_version TO \(quoted)")
                try connection.execute("GRANT INSERT ON \(centralDeliveryTables.joined(separator: ", ")) TO \(quoted)")
                try connection.execute("GRANT SELECT (register_id, seq, hash) ON journal TO \(quoted)")
                try connection.execute("GRANT USAGE ON SEQUENCE forks_id_seq, reported_heads_id_seq TO \(quoted)")
                // The master data a counter follows (docs/central.md, "Stammdaten"): read only.
                try connection.execute("GRANT SELECT ON catalog_versions, catalog_files, office_settings TO \(quoted)")
                // The operators it keeps for offline log-in (docs/central.md, "Bediener aus der
                // Zentrale"): the view of the events that shape operators, never the table itself.
                try connection.execute("GRANT SELECT ON operator_directory_events TO \(quoted)")
            }
        }
    }

    /// `name` as a quoted SQL identifier (roles cannot be bound as parameters).
    private func quotedIdentifier(_ name: String) throws -> String {
        let result = try connection.execute("SELECT quote_ident($1)", [.text(name)])
        return result.text(0, 0) ?? "\"\""
    }

    // MARK: Delivery

    /// The centre's last entry of `register` (0 and the genesis hash: none).
    public func head(register: String) throws -> (seq: Int64, hash: String) {
        try run {
            let result = try connection.executePrepared(
                "central_head", "SELECT seq, hash FROM journal WHERE register_id = $1 ORDER BY seq DESC LIMIT 1", [.text(register)])
            guard result.rowCount == 1 else { return (0, JournalEntry.genesisHash) }
            return (result.int64(0, 0) ?? 0, result.text(0, 1) ?? "")
        }
    }

    /// Stores `entries` (in order, consecutive) of `register` in one transaction: all or nothing,
    /// except that a fork commits the entries before it together with the fork's record.
    /// `localHead` is the counter's chain head, recorded for `central verify`.
    ///
    /// A few round trips per batch, whatever its size: what the centre holds of the range is read
    /// once (an entry it holds with the same hash is skipped, the first with another hash is a
    /// fork), then the new journal rows and each table's typed rows go in one `COPY` each.
    public func deliver(_ entries: [DeliveryEntry], register: String, localHead: (seq: Int64, hash: String)) throws -> BatchOutcome {
        try run {
            try connection.transaction {
                // The counter's head is recorded for `central verify` (a head that went back),
                // except from a batch that is a fork: that history is not the register's (the
                // fork has its own record).
                func reportHead() throws {
                    try connection.executePrepared(
                        "central_report_head", "INSERT INTO reported_heads (register_id, head_seq, head_hash) VALUES ($1, $2, $3)",
                        [.text(register), .int(localHead.seq), .text(localHead.hash)])
                }
                guard let first = entries.first, let last = entries.last else {
                    try reportHead()
                    return .delivered(through: 0, inserted: 0)
                }
                let held = try connection.executePrepared(
                    "central_held_hashes", "SELECT seq, hash FROM journal WHERE register_id = $1 AND seq BETWEEN $2 AND $3",
                    [.text(register), .int(first.seq), .int(last.seq)])
                var heldHashes: [Int64: String] = [:]
                for row in 0..<held.rowCount { heldHashes[held.int64(row, 0) ?? 0] = held.text(row, 1) ?? "" }
                var fresh: [DeliveryEntry] = []
                var fork: Fork?
                for entry in entries {
                    if let centralHash = heldHashes[entry.seq] {
                        if centralHash == entry.hash { continue }  // delivered before: the same entry
                        fork = Fork(register: register, seq: entry.seq, centralHash: centralHash, offeredHash: entry.hash)
                        break
                    }
                    fresh.append(entry)
                }
                try insertJournal(fresh, register: register)
                var rowsByTable: [String: [(seq: Int64, row: CentralRow)]] = [:]
                for entry in fresh {
                    for row in entry.rows { rowsByTable[row.table, default: []].append((entry.seq, row)) }
                }
                for table in CentralRows.allTables {
                    guard let rows = rowsByTable[table], let columns = rows.first?.row.columns else { continue }
                    try insertRows(
                        table, columns: ["register_id", "seq"] + columns, rows: rows.map { [.text(register), .int($0.seq)] + $0.row.values })
                }
                if let fork, let entry = entries.first(where: { $0.seq == fork.seq }) {
                    try connection.executePrepared(
                        "central_record_fork",
                        """
                        INSERT INTO forks (register_id, seq, central_hash, offered_hash, offered_prev_hash, offered_recorded_at_ms)
                        VALUES ($1, $2, $3, $4, $5, $6)
                        """,
                        [
                            .text(register), .int(fork.seq), .text(fork.centralHash), .text(fork.offeredHash), .text(entry.previousHash),
                            .int(entry.recordedAt.millisecondsSinceEpoch),
                        ])
                    return .fork(fork)
                }
                try reportHead()
                return .delivered(through: last.seq, inserted: fresh.count)
            }
        }
    }

    /// The journal rows of `entries`, by `COPY`; refuses (rolling the batch back) when another
    /// delivery of the same register inserted some of them meanwhile (the key is taken): the next
    /// attempt compares their hashes.
    private func insertJournal(_ entries: [DeliveryEntry], register: String) throws {
        guard !entries.isEmpty else { return }
        let columns = ["register_id", "seq", "kind", "ref", "recorded_at_ms", "prev_hash", "hash", "canonical"]
        let rows = entries.map { entry -> [PostgreSQLValue] in
            [
                .text(register), .int(entry.seq), .text(entry.kind), .text(entry.ref), .int(entry.recordedAt.millisecondsSinceEpoch),
                .text(entry.previousHash), .text(entry.hash), .bytes(entry.canonical),
            ]
        }
        do {
            try connection.copyIn("journal", columns: columns, rows: rows)
        } catch {
            guard error.sqlState == .uniqueViolation else { throw error }
            throw PostgreSQLError(
                stage: .statement, sqlState: nil,
                message: "Kasse \(register): Buchungen wurden gleichzeitig von einer anderen Lieferung eingetragen; neuer Versuch", sql: nil)
        }
    }

    /// One table's typed rows of a batch, by `COPY` (one stream per table and batch).
    private func insertRows(_ table: String, columns: [String], rows: [[PostgreSQLValue]]) throws {
        try connection.copyIn(table, columns: columns, rows: rows)
    }
}

// MARK: Reading back (verify, status)

extension CentralStore {
    /// A journal row as stored at the centre.
    struct StoredEntry {
        let seq: Int64
        let kind: String
        let ref: String
        let recordedAtMs: Int64
        let previousHash: String
        let hash: String
        let canonical: [UInt8]
    }

    /// Every register with entries at the centre, sorted.
    public func registers() throws -> [String] {
        try run {
            // A loose index scan: one index probe per register, not one row per entry.
            let result = try connection.execute(
                """
                WITH RECURSIVE r AS (
                    (SELECT register_id FROM journal ORDER BY register_id LIMIT 1)
                    UNION ALL
                    SELECT (SELECT j.register_id FROM journal j WHERE j.register_id > r.register_id ORDER BY j.register_id LIMIT 1)
                    FROM r WHERE r.register_id IS NOT NULL)
                SELECT register_id FROM r WHERE register_id IS NOT NULL
                """)
            return (0..<result.rowCount).compactMap { result.text($0, 0) }
        }
    }

    /// Up to `limit` journal rows of `register` after `seq`, in binary format (the canonical
    /// bytes as they are, not as hex text): verify reads every entry.
    func journalChunk(register: String, after seq: Int64, limit: Int) throws -> [StoredEntry] {
        try run {
            let result = try connection.executePrepared(
                "central_journal_chunk_binary",
                """
                SELECT seq, kind, ref, recorded_at_ms, prev_hash, hash, canonical FROM journal
                WHERE register_id = $1 AND seq > $2 ORDER BY seq LIMIT $3
                """, [.text(register), .int(seq), .int(limit)], binaryResults: true)
            return (0..<result.rowCount).map { row in
                StoredEntry(
                    seq: result.binaryInt64(row, 0) ?? 0, kind: result.binaryText(row, 1) ?? "", ref: result.binaryText(row, 2) ?? "",
                    recordedAtMs: result.binaryInt64(row, 3) ?? 0, previousHash: result.binaryText(row, 4) ?? "",
                    hash: result.binaryText(row, 5) ?? "", canonical: result.binaryBytes(row, 6) ?? [])
            }
        }
    }

    /// The typed rows of `table` for the entries in `range`, in order, as text.
    func typedRows(table: String, register: String, range: ClosedRange<Int64>) throws -> [StoredRow] {
        try run {
            let order = CentralRows.orderColumns[table] ?? []
            let columns = (CentralRows.columns[table] ?? []).filter { !order.contains($0) }
            let result = try connection.executePrepared(
                "central_rows_\(table)",
                "SELECT \((["seq"] + order + columns).joined(separator: ", ")) FROM \(table) WHERE register_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY \((["seq"] + order).joined(separator: ", "))",
                [.text(register), .int(range.lowerBound), .int(range.upperBound)])
            let booleans = columns.map { CanonicalFields.booleanColumns.contains($0) }
            var namesByPrefix: [String: [String]] = ["": columns]
            return (0..<result.rowCount).map { row in
                let keys = (0..<order.count).map { result.text(row, 1 + $0) ?? "" }
                let prefix: String
                let counterKey: String
                switch table {
                case "sale_lines": (prefix, counterKey) = ("line.\(keys[0]).", table)
                case "line_shares": (prefix, counterKey) = ("line.\(keys[0]).share.\(keys[1]).", "line.\(keys[0]).shares")
                case "payments": (prefix, counterKey) = ("payment.\(keys[0]).", table)
                case "storno_refunds": (prefix, counterKey) = ("refund.\(keys[0]).", table)
                default: (prefix, counterKey) = ("", table)
                }
                let values = (0..<columns.count).map { result.text(row, 1 + order.count + $0) }
                let names: [String]
                if let known = namesByPrefix[prefix] {
                    names = known
                } else {
                    names = columns.map { prefix + $0 }
                    namesByPrefix[prefix] = names
                }
                return StoredRow(
                    table: table, seq: result.int64(row, 0) ?? 0, prefix: prefix, columns: columns, names: names, booleans: booleans,
                    values: values, counterKey: counterKey)
            }
        }
    }

    /// The latest report of `register`'s counter whose head is below an earlier report or below
    /// the centre's head: its local ledger lost its tail (or was replaced).
    func headWentBackwards(register: String) throws -> (seq: Int64, before: Int64, at: String)? {
        try run {
            let result = try connection.execute(
                """
                SELECT h.head_seq, greatest(
                         (SELECT max(p.head_seq) FROM reported_heads p WHERE p.register_id = h.register_id AND p.id < h.id),
                         (SELECT max(j.seq) FROM journal j WHERE j.register_id = h.register_id)),
                       to_char(h.reported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC'
                FROM reported_heads h WHERE h.register_id = $1 ORDER BY h.id DESC LIMIT 1
                """, [.text(register)])
            guard result.rowCount == 1, let seq = result.int64(0, 0), let before = result.int64(0, 1), seq < before else { return nil }
            return (seq, before, result.text(0, 2) ?? "")
        }
    }
}

/// One register as `central status` shows it.
public struct RegisterStatus: Equatable, Sendable {
    public let register: String
    public let lastSeq: Int64
    /// When the counter booked its last entry, and when it reached the centre.
    public let lastRecordedAt: Instant
    public let lastReceivedAt: String
    /// The business date of a shift without a day close, if any.
    public let openShiftDate: String?
    public let lastZNumber: Int64?
    public let forks: Int
    public let firstForkSeq: Int64?
}

extension CentralStore {
    /// Every register: its last entry, open shift, last Z number and forks.
    public func registerStatus() throws -> [RegisterStatus] {
        try run {
            let result = try connection.execute(
                """
                WITH heads AS (SELECT register_id, max(seq) AS seq FROM journal GROUP BY register_id)
                SELECT h.register_id, h.seq, j.recorded_at_ms,
                       to_char(j.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC',
                       (SELECT to_char(s.business_date, 'YYYY-MM-DD') FROM shifts s
                         WHERE s.register_id = h.register_id
                           AND NOT EXISTS (SELECT 1 FROM day_closes d WHERE d.register_id = s.register_id AND d.shift_id = s.id)
                         ORDER BY s.seq DESC LIMIT 1),
                       (SELECT max(z_number) FROM day_closes d WHERE d.register_id = h.register_id),
                       (SELECT count(*) FROM forks f WHERE f.register_id = h.register_id),
                       (SELECT min(seq) FROM forks f WHERE f.register_id = h.register_id)
                FROM heads h JOIN journal j ON j.register_id = h.register_id AND j.seq = h.seq
                ORDER BY h.register_id
                """)
            return (0..<result.rowCount).map { r in
                RegisterStatus(
                    register: result.text(r, 0) ?? "", lastSeq: result.int64(r, 1) ?? 0,
                    lastRecordedAt: Instant(millisecondsSinceEpoch: result.int64(r, 2) ?? 0), lastReceivedAt: result.text(r, 3) ?? "",
                    openShiftDate: result.text(r, 4), lastZNumber: result.int64(r, 5), forks: Int(result.int64(r, 6) ?? 0),
                    firstForkSeq: result.int64(r, 7))
            }
        }
    }

    /// Records the counter's chain head apart from a delivery (a head behind the centre's).
    public func reportHead(register: String, head: (seq: Int64, hash: String)) throws {
        try run {
            try connection.executePrepared(
                "central_report_head", "INSERT INTO reported_heads (register_id, head_seq, head_hash) VALUES ($1, $2, $3)",
                [.text(register), .int(head.seq), .text(head.hash)])
        }
    }
}
