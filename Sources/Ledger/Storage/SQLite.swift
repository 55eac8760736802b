import CSQLite
import SystemCalls

/// The one Swift face of SQLite: connection, prepared statements, typed errors and the retry
/// on `SQLITE_BUSY`. No other file imports `CSQLite`.

/// An SQLite result code with the names we act on (GRDB `DatabaseError` style).
public struct SQLiteResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let ok = SQLiteResultCode(rawValue: SQLITE_OK)
    public static let busy = SQLiteResultCode(rawValue: SQLITE_BUSY)
    public static let locked = SQLiteResultCode(rawValue: SQLITE_LOCKED)
    public static let constraint = SQLiteResultCode(rawValue: SQLITE_CONSTRAINT)
    public static let readonly = SQLiteResultCode(rawValue: SQLITE_READONLY)
    public static let full = SQLiteResultCode(rawValue: SQLITE_FULL)
    public static let cantOpen = SQLiteResultCode(rawValue: SQLITE_CANTOPEN)
    public static let corrupt = SQLiteResultCode(rawValue: SQLITE_CORRUPT)
    public static let notADatabase = SQLiteResultCode(rawValue: SQLITE_NOTADB)
    public static let ioError = SQLiteResultCode(rawValue: SQLITE_IOERR)

    /// The primary code (extended codes carry detail in the upper bits).
    public var primary: SQLiteResultCode { SQLiteResultCode(rawValue: rawValue & 0xFF) }

    public var description: String {
        String(cString: sqlite3_errstr(rawValue)) + " (\(rawValue))"
    }
}

/// A failed SQLite call: the code, SQLite's message and the statement it came from.
public struct SQLiteError: Error, CustomStringConvertible {
    public let code: SQLiteResultCode
    public let message: String
    public let sql: String?

    public var description: String {
        switch code.primary {
        case .full: return "Der Datenträger ist voll; die Buchung wurde nicht gespeichert (\(message))."
        case .readonly: return "Das Kassenbuch ist schreibgeschützt; die Buchung wurde nicht gespeichert (\(message))."
        case .busy, .locked: return "Das Kassenbuch ist von einem anderen Prozess gesperrt (\(message))."
        case .corrupt, .notADatabase: return "Die Kassenbuch-Datei ist beschädigt oder keine SQLite-Datenbank (\(message))."
        case .cantOpen: return "Die Kassenbuch-Datei lässt sich nicht öffnen (\(message))."
        default: return "SQLite-Fehler \(code): \(message)" + (sql.map { " bei »\($0.prefix(80))«" } ?? "")
        }
    }
}

/// A value bound to or read from a statement.
enum SQLiteValue: Equatable {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])
}

/// One open database connection. Not thread-safe: one owner at a time.
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String
    /// How often a statement is retried when another connection holds the lock.
    var busyRetries = 200

    init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        var db: OpaquePointer?
        let flags =
            (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "sqlite3_open_v2"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: SQLiteResultCode(rawValue: rc), message: message + ": " + path, sql: nil)
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        // SQLite's own busy handler waits up to 2 s; `retryingOnBusy` covers what it cannot
        // (e.g. BUSY returned at once to avoid a deadlock).
        sqlite3_busy_timeout(db, 2000)
    }

    deinit {
        for handles in idleStatements.values { for statement in handles { sqlite3_finalize(statement) } }
        sqlite3_close_v2(handle)
    }

    /// Compiled statements not in use, by SQL text. Compiling is most of the cost of a small
    /// query (parsing and planning), so a statement goes back here when its `SQLiteStatement` is
    /// released and the next `prepare` of the same text takes it (GRDB's statement cache, but
    /// check-out/check-in: two live statements never share a handle).
    private var idleStatements: [String: [OpaquePointer]] = [:]
    private var idleCount = 0
    private static let idleLimit = 256

    var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    func error(_ rc: Int32, sql: String?) -> SQLiteError {
        SQLiteError(code: SQLiteResultCode(rawValue: rc), message: lastErrorMessage, sql: sql)
    }

    /// Runs one or more statements without results.
    func execute(_ sql: String) throws(SQLiteError) {
        try retryingOnBusy(sql: sql) { () -> Int32 in sqlite3_exec(handle, sql, nil, nil, nil) }
    }

    func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let idle = idleStatements[sql]?.popLast() {
            idleCount -= 1
            return SQLiteStatement(connection: self, handle: idle, sql: sql)
        }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, sql: sql) }
        return SQLiteStatement(connection: self, handle: stmt, sql: sql)
    }

    /// Takes back a statement whose owner is done: reset for the next `prepare` of its text, or
    /// finalized when the cache is full.
    fileprivate func checkIn(_ statement: OpaquePointer, sql: String) {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        guard idleCount < Self.idleLimit else {
            sqlite3_finalize(statement)
            return
        }
        idleStatements[sql, default: []].append(statement)
        idleCount += 1
    }

    /// Runs `call` again after a short pause while SQLite answers `SQLITE_BUSY`.
    func retryingOnBusy(sql: String?, _ call: () -> Int32) throws(SQLiteError) {
        var attempt = 0
        while true {
            let rc = call()
            if rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW { return }
            let primary = rc & 0xFF
            if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) && attempt < busyRetries {
                attempt += 1
                Syscall.sleep(milliseconds: min(attempt, 20))
                continue
            }
            throw error(rc, sql: sql)
        }
    }

    var changes: Int { Int(sqlite3_changes(handle)) }
    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// The first column of the first row of `sql`, as an integer.
    func scalarInt(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> Int64? {
        let statement = try prepare(sql)
        try statement.bind(values)
        guard try statement.step() else { return nil }
        return statement.isNull(0) ? nil : statement.int64(0)
    }
}

/// A prepared statement, handed back to its connection's cache when the object goes away
/// (GRDB `Statement`).
final class SQLiteStatement {
    let handle: OpaquePointer
    let sql: String
    private let connection: SQLiteConnection

    fileprivate init(connection: SQLiteConnection, handle: OpaquePointer, sql: String) {
        self.connection = connection
        self.handle = handle
        self.sql = sql
    }

    deinit { connection.checkIn(handle, sql: sql) }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        reset()
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(handle, index)
            case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
            case .text(let s): rc = sqlite3_bind_text(handle, index, s, -1, webkasse_sqlite_transient())
            case .blob(let bytes):
                rc = bytes.withUnsafeBytes {
                    sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), webkasse_sqlite_transient())
                }
            }
            guard rc == SQLITE_OK else { throw connection.error(rc, sql: sql) }
        }
    }

    /// Advances to the next row; `false` when done.
    func step() throws(SQLiteError) -> Bool {
        var result: Int32 = SQLITE_DONE
        try connection.retryingOnBusy(sql: sql) { () -> Int32 in
            result = sqlite3_step(handle)
            if (result & 0xFF) == SQLITE_BUSY { sqlite3_reset(handle) }
            return result
        }
        return result == SQLITE_ROW
    }

    /// Binds `values`, runs the statement to completion.
    func run(_ values: [SQLiteValue] = []) throws(SQLiteError) {
        try bind(values)
        while try step() {}
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }
    func text(_ column: Int32) -> String {
        guard let c = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: c, count: count), as: UTF8.self)
    }
    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    /// The column as UTF-8 bytes without making a `String`, as ``text(_:)`` reads it (NULL: empty).
    /// Valid until the statement steps again.
    func textBytes(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
        optionalTextBytes(column) ?? UnsafeBufferPointer(start: nil, count: 0)
    }

    /// As ``textBytes(_:)``, nil for NULL (as ``optionalText(_:)``).
    func optionalTextBytes(_ column: Int32) -> UnsafeBufferPointer<UInt8>? {
        // One column call instead of three: the connection is used by one thread at a time
        // (SQLITE_OPEN_NOMUTEX), so the column's value may be read through `sqlite3_value_*`.
        guard let value = sqlite3_column_value(handle, column) else { return nil }
        if let c = sqlite3_value_text(value) {
            return UnsafeBufferPointer(start: c, count: Int(sqlite3_value_bytes(value)))
        }
        // NULL stays NULL under the text conversion, so the type still tells NULL from empty.
        return sqlite3_value_type(value) == SQLITE_NULL ? nil : UnsafeBufferPointer(start: nil, count: 0)
    }
}

/// Reads the columns of the current row left to right, so a SELECT's column list and its
/// decoding stay in the same order.
struct ColumnReader {
    let statement: SQLiteStatement
    private var index: Int32 = 0
    init(_ statement: SQLiteStatement, from index: Int32 = 0) {
        self.statement = statement
        self.index = index
    }
    mutating func int64() -> Int64 {
        defer { index += 1 }
        return statement.int64(index)
    }
    mutating func optionalInt64() -> Int64? {
        defer { index += 1 }
        return statement.optionalInt64(index)
    }
    mutating func text() -> String {
        defer { index += 1 }
        return statement.text(index)
    }
    mutating func optionalText() -> String? {
        defer { index += 1 }
        return statement.optionalText(index)
    }
    mutating func bool() -> Bool { int64() != 0 }
    mutating func textBytes() -> UnsafeBufferPointer<UInt8> {
        defer { index += 1 }
        return statement.textBytes(index)
    }
    mutating func optionalTextBytes() -> UnsafeBufferPointer<UInt8>? {
        defer { index += 1 }
        return statement.optionalTextBytes(index)
    }
}
