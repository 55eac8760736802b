import CSQLite

/// The baseline's own minimal SQLite access: plain SQL, the same pragmas as the ledger, no
/// chain, no records, no checks. The only file of the bench that imports CSQLite.
final class PlainSQLite {
    private var db: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    init(path: String) throws {
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK else {
            throw BenchError("sqlite3_open_v2 \(path): \(String(cString: sqlite3_errmsg(db)))")
        }
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=FULL")
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit {
        for (_, statement) in statements { sqlite3_finalize(statement) }
        sqlite3_close_v2(db)
    }

    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(db, sql, nil, nil, &error) == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? "?"
            sqlite3_free(error)
            throw BenchError("\(sql): \(message)")
        }
    }

    /// Every row of `sql` as SQLite values (integer, real, text or null), for copying.
    func rows(_ sql: String, _ parameter: Int64) throws -> [[SQLValue]] {
        let statement = try prepared(sql)
        sqlite3_bind_int64(statement, 1, parameter)
        var out: [[SQLValue]] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw BenchError("step \(sql): \(rc)") }
            var row: [SQLValue] = []
            for i in 0..<sqlite3_column_count(statement) {
                switch sqlite3_column_type(statement, i) {
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(statement, i)))
                case SQLITE_FLOAT: row.append(.real(sqlite3_column_double(statement, i)))
                case SQLITE_NULL: row.append(.null)
                default:
                    let bytes = sqlite3_column_text(statement, i)
                    row.append(.text(bytes.map { String(cString: $0) } ?? ""))
                }
            }
            out.append(row)
        }
        sqlite3_reset(statement)
        return out
    }

    func strings(_ sql: String) throws -> [String] {
        let statement = try prepared(sql)
        var out: [String] = []
        while sqlite3_step(statement) == SQLITE_ROW { out.append(String(cString: sqlite3_column_text(statement, 0))) }
        sqlite3_reset(statement)
        return out
    }

    /// Runs a prepared INSERT with `values`.
    func insert(_ sql: String, _ values: [SQLValue]) throws {
        let statement = try prepared(sql)
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            switch value {
            case .integer(let v): sqlite3_bind_int64(statement, index, v)
            case .real(let v): sqlite3_bind_double(statement, index, v)
            case .text(let v): sqlite3_bind_text(statement, index, v, -1, webkasse_sqlite_transient())
            case .null: sqlite3_bind_null(statement, index)
            }
        }
        let rc = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard rc == SQLITE_DONE else { throw BenchError("insert \(sql): \(String(cString: sqlite3_errmsg(db)))") }
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let s = statements[sql] { return s }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw BenchError("prepare \(sql): \(String(cString: sqlite3_errmsg(db)))")
        }
        statements[sql] = statement
        return statement
    }
}

enum SQLValue {
    case integer(Int64)
    case real(Double)
    case text(String)
    case null
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
