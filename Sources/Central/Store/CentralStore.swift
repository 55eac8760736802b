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

    public init(connection: PostgreSQLConnection) { self.connection = connection }

    /// Connects with the settings of the `[central]` section.
    public convenience init(settings: CentralSettings, environment: [String: String] = ProcessInfo.processInfo.environment) throws(CentralError) {
        let password = try settings.password(environment: environment)
        do { self.init(connection: try PostgreSQLConnection(url: settings.url, password: password)) } catch { throw .database(error) }
    }

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
    /// on the schema version. Nothing else: no UPDATE, DELETE or TRUNCATE, no reading of records.
    public func grantCounterRole(_ role: String) throws {
        try run {
            let quoted = try quotedIdentifier(role)
            try connection.transaction {
                try connection.execute("GRANT USAGE ON SCHEMA public TO \(quoted)")
                try connection.execute("GRANT SELECT ON central_schema_version TO \(quoted)")
                try connection.execute("GRANT INSERT ON \(centralDeliveryTables.joined(separator: ", ")) TO \(quoted)")
                try connection.execute("GRANT SELECT (register_id, seq, hash) ON journal TO \(quoted)")
                try connection.execute("GRANT USAGE ON SEQUENCE forks_id_seq, reported_heads_id_seq TO \(quoted)")
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
    public func deliver(_ entries: [DeliveryEntry], register: String, localHead: (seq: Int64, hash: String)) throws -> BatchOutcome {
        try run {
            try connection.transaction {
                try connection.executePrepared(
                    "central_report_head", "INSERT INTO reported_heads (register_id, head_seq, head_hash) VALUES ($1, $2, $3)",
                    [.text(register), .int(localHead.seq), .text(localHead.hash)])
                var inserted = 0
                for entry in entries {
                    let result = try connection.executePrepared(
                        "central_insert_journal",
                        """
                        INSERT INTO journal (register_id, seq, kind, ref, recorded_at_ms, prev_hash, hash, canonical)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (register_id, seq) DO NOTHING
                        """,
                        [
                            .text(register), .int(entry.seq), .text(entry.kind), .text(entry.ref), .int(entry.recordedAt.millisecondsSinceEpoch),
                            .text(entry.previousHash), .text(entry.hash), .bytes(entry.canonical),
                        ])
                    if result.affectedRows == 1 {
                        for row in entry.rows { try insert(row, register: register, seq: entry.seq) }
                        inserted += 1
                        continue
                    }
                    let existing = try connection.executePrepared(
                        "central_entry_hash", "SELECT hash FROM journal WHERE register_id = $1 AND seq = $2", [.text(register), .int(entry.seq)])
                    let centralHash = existing.text(0, 0) ?? ""
                    if centralHash == entry.hash { continue }  // delivered before: the same entry
                    try connection.executePrepared(
                        "central_record_fork",
                        """
                        INSERT INTO forks (register_id, seq, central_hash, offered_hash, offered_prev_hash, offered_recorded_at_ms)
                        VALUES ($1, $2, $3, $4, $5, $6)
                        """,
                        [
                            .text(register), .int(entry.seq), .text(centralHash), .text(entry.hash), .text(entry.previousHash),
                            .int(entry.recordedAt.millisecondsSinceEpoch),
                        ])
                    return .fork(Fork(register: register, seq: entry.seq, centralHash: centralHash, offeredHash: entry.hash))
                }
                return .delivered(through: entries.last?.seq ?? 0, inserted: inserted)
            }
        }
    }

    private func insert(_ row: CentralRow, register: String, seq: Int64) throws {
        let columns = ["register_id", "seq"] + row.columns
        let placeholders = (1...columns.count).map { "$\($0)" }.joined(separator: ", ")
        try connection.executePrepared(
            "central_insert_\(row.table)", "INSERT INTO \(row.table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders))",
            [.text(register), .int(seq)] + row.values)
    }
}
