import CPostgreSQL
import Foundation

/// The one Swift face of libpq (PostgreSQL's C client, docs/central.md): connection, statements
/// with bound parameters (never spliced into SQL), prepared statements, transactions and typed
/// errors. No other file imports `CPostgreSQL`. Results and connections are freed in `deinit`.

/// A PostgreSQL SQLSTATE (PostgreSQL manual, Appendix A) with the names we act on.
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let uniqueViolation = SQLState(rawValue: "23505")
    public static let insufficientPrivilege = SQLState(rawValue: "42501")
    /// `RAISE EXCEPTION` in a trigger: the append-only refusal.
    public static let raiseException = SQLState(rawValue: "P0001")
    public static let undefinedTable = SQLState(rawValue: "42P01")
    public static let duplicateDatabase = SQLState(rawValue: "42P04")
    public static let duplicateObject = SQLState(rawValue: "42710")
    public static let invalidPassword = SQLState(rawValue: "28P01")
    public static let invalidAuthorization = SQLState(rawValue: "28000")
    public static let adminShutdown = SQLState(rawValue: "57P01")

    /// Class 08: the connection failed or was lost.
    public var isConnectionException: Bool { rawValue.hasPrefix("08") }
    public var description: String { rawValue }
}

/// A failed libpq call: where it failed, the SQLSTATE (if the server sent one), the server's or
/// libpq's message and the statement's first characters.
public struct PostgreSQLError: Error, CustomStringConvertible, Sendable {
    public enum Stage: Sendable { case connect, statement }
    public let stage: Stage
    public let sqlState: SQLState?
    public let message: String
    public let sql: String?

    public init(stage: Stage, sqlState: SQLState?, message: String, sql: String?) {
        self.stage = stage
        self.sqlState = sqlState
        self.message = message
        self.sql = sql
    }

    /// Whether the connection is gone (reconnect, then try again), not a refusal by the server.
    public var isConnectionLost: Bool {
        stage == .connect || sqlState == nil || sqlState!.isConnectionException || sqlState == .adminShutdown
    }

    public var description: String {
        let detail = message.trimmingCharacters(in: .whitespacesAndNewlines)
        switch stage {
        case .connect:
            if sqlState == .invalidPassword || detail.contains("password authentication failed") {
                return "Anmeldung an der Zentrale abgelehnt (Benutzer oder Passwort falsch): \(detail)"
            }
            return "Die Zentrale (PostgreSQL) ist nicht erreichbar: \(detail)"
        case .statement:
            if sqlState == .insufficientPrivilege { return "Die Zentrale verweigert das Recht dazu: \(detail)" }
            if sqlState == .raiseException { return "Die Zentrale lehnt ab: \(detail)" }
            let code = sqlState.map { " (SQLSTATE \($0))" } ?? ""
            return "Fehler der Zentrale\(code): \(detail)" + (sql.map { " bei »\($0.prefix(80))«" } ?? "")
        }
    }
}

/// A parameter bound to a statement: text, bytes (sent in binary format, as `bytea`) or NULL.
public enum PostgreSQLValue: Equatable, Sendable {
    case null
    case text(String)
    case bytes([UInt8])

    public static func int(_ value: Int64) -> PostgreSQLValue { .text(String(value)) }
    public static func int(_ value: Int) -> PostgreSQLValue { .text(String(value)) }
    public static func optional(_ value: String?) -> PostgreSQLValue { value.map { .text($0) } ?? .null }
    public static func optional(_ value: Int64?) -> PostgreSQLValue { value.map { .text(String($0)) } ?? .null }
    public static func bool(_ value: Bool) -> PostgreSQLValue { .text(value ? "true" : "false") }
}

/// A query's result in text format; `PQclear` in `deinit`.
public final class PostgreSQLResult {
    private let handle: OpaquePointer
    public let rowCount: Int
    public let columnCount: Int

    fileprivate init(_ handle: OpaquePointer) {
        self.handle = handle
        rowCount = Int(PQntuples(handle))
        columnCount = Int(PQnfields(handle))
    }

    deinit { PQclear(handle) }

    /// Rows changed by an INSERT/UPDATE/DELETE (`PQcmdTuples`), 0 for other statements.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    public func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(handle, Int32(row), Int32(column)) == 1 }

    public func text(_ row: Int, _ column: Int) -> String? {
        guard !isNull(row, column) else { return nil }
        return String(cString: PQgetvalue(handle, Int32(row), Int32(column)))
    }

    public func int64(_ row: Int, _ column: Int) -> Int64? { text(row, column).flatMap { Int64($0) } }

    public func bool(_ row: Int, _ column: Int) -> Bool? { text(row, column).map { $0 == "t" } }

    /// A `bytea` column in text format (`\x` and hex digits).
    public func bytes(_ row: Int, _ column: Int) -> [UInt8]? {
        guard !isNull(row, column), let value = PQgetvalue(handle, Int32(row), Int32(column)) else { return nil }
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        guard length >= 2, value[0] == 0x5C, value[1] == 0x78 else { return nil }  // "\x"
        var out = [UInt8]()
        out.reserveCapacity((length - 2) / 2)
        var i = 2
        while i + 1 < length {
            guard let high = Self.nibble(UInt8(bitPattern: value[i])), let low = Self.nibble(UInt8(bitPattern: value[i + 1])) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    // Binary format (a statement run with `binaryResults: true`; PostgreSQL manual, the types'
    // send functions): `int8` is 8 bytes big-endian, `text` and `bytea` are their bytes as they are.

    /// An `int8` column of a binary result.
    public func binaryInt64(_ row: Int, _ column: Int) -> Int64? {
        guard !isNull(row, column), PQgetlength(handle, Int32(row), Int32(column)) == 8, let value = PQgetvalue(handle, Int32(row), Int32(column))
        else { return nil }
        var big: UInt64 = 0
        memcpy(&big, value, 8)
        return Int64(bitPattern: UInt64(bigEndian: big))
    }

    /// A `text` column of a binary result (its UTF-8 bytes).
    public func binaryText(_ row: Int, _ column: Int) -> String? {
        withBinaryValue(row, column) { String(decoding: $0, as: UTF8.self) }
    }

    /// A `bytea` column of a binary result.
    public func binaryBytes(_ row: Int, _ column: Int) -> [UInt8]? {
        withBinaryValue(row, column) { Array($0) }
    }

    /// Calls `body` with the value's bytes in libpq's buffer (valid while the result lives); nil for NULL.
    public func withBinaryValue<R>(_ row: Int, _ column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        guard !isNull(row, column), let value = PQgetvalue(handle, Int32(row), Int32(column)) else { return nil }
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        return try value.withMemoryRebound(to: UInt8.self, capacity: max(length, 1)) { try body(UnsafeBufferPointer(start: $0, count: length)) }
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}

/// One connection to the centre. Not thread-safe: one owner at a time. `PQfinish` in `deinit`.
public final class PostgreSQLConnection {
    private let handle: OpaquePointer
    /// The server as the user named it, without the password (for messages and the log).
    public let displayName: String
    private var prepared: Set<String> = []
    public private(set) var isInTransaction = false

    /// Connects to `url` (`postgresql://user@host:port/db?sslmode=…` or a `key=value` conninfo)
    /// with `password` passed apart from the URL, so that it is never part of a text we print.
    public convenience init(url: String, password: String?, connectTimeoutSeconds: Int = 5, applicationName: String = "webkasse") throws(PostgreSQLError) {
        let displayName = PostgreSQLConnection.withoutPassword(url)
        // Defaults first: what the URL names overrides them (libpq takes later values over earlier
        // ones). Keepalives and the TCP user timeout notice a centre that vanished without a reset
        // within about half a minute instead of the system's two hours.
        var keys = ["connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout", "dbname"]
        var values = [String(connectTimeoutSeconds), "20", "5", "3", "30000", url]
        keys.append("fallback_application_name")
        values.append(applicationName)
        if let password {
            keys.append("password")
            values.append(password)
        }
        try self.init(keys: keys, values: values, expandURL: true, displayName: displayName)
    }

    /// Connects with libpq's `keys` and `values`; `expandURL`: `dbname` may be a URL or conninfo.
    private init(keys: [String], values: [String], expandURL: Bool, displayName: String) throws(PostgreSQLError) {
        self.displayName = displayName
        let connection: OpaquePointer? = withCStrings(keys) { k in withCStrings(values) { v in PQconnectdbParams(k, v, expandURL ? 1 : 0) } }
        guard let connection else {
            throw PostgreSQLError(stage: .connect, sqlState: nil, message: "libpq: kein Speicher für die Verbindung", sql: nil)
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgreSQLError(stage: .connect, sqlState: nil, message: "\(displayName): \(message)", sql: nil)
        }
        handle = connection
        // Notices (e.g. "relation already exists, skipping") would go to stderr, which the counter
        // screen owns: drop them.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    /// A second connection to the same server, database and user with the same settings
    /// (`PQconninfo`: what this one was opened with, the password included, which stays in
    /// memory): for a reader on a thread of its own.
    public func sibling() throws(PostgreSQLError) -> PostgreSQLConnection {
        guard let options = PQconninfo(handle) else {
            throw PostgreSQLError(stage: .connect, sqlState: nil, message: "libpq: kein Speicher für die Verbindung", sql: nil)
        }
        defer { PQconninfoFree(options) }
        var keys: [String] = []
        var values: [String] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                keys.append(String(cString: keyword))
                values.append(String(cString: value))
            }
            option += 1
        }
        return try PostgreSQLConnection(keys: keys, values: values, expandURL: false, displayName: displayName)
    }

    /// Whether the connection is still up (as libpq last saw it).
    public var isConnected: Bool { PQstatus(handle) == CONNECTION_OK }

    /// `url` with any password in it replaced by `***` (`postgresql://user:secret@host` or `password=…`).
    public static func withoutPassword(_ url: String) -> String {
        if let scheme = url.range(of: "://") {
            let rest = url[scheme.upperBound...]
            guard let at = rest.firstIndex(of: "@") else { return url }
            let userInfo = rest[..<at]
            guard let colon = userInfo.firstIndex(of: ":") else { return url }
            return String(url[..<scheme.upperBound]) + userInfo[..<colon] + ":***" + rest[at...]
        }
        return url.split(separator: " ").map { $0.hasPrefix("password=") ? "password=***" : String($0) }.joined(separator: " ")
    }

    // MARK: Statements

    /// Runs one statement with `parameters` bound as `$1, $2, …` (`PQexecParams`, text results).
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgreSQLValue] = []) throws(PostgreSQLError) -> PostgreSQLResult {
        let result = withParameters(parameters) { count, values, lengths, formats in
            PQexecParams(handle, sql, count, nil, values, lengths, formats, 0)
        }
        return try check(result, sql: sql)
    }

    /// Runs several statements without parameters in one round trip (`PQexec`): the migrations.
    public func executeScript(_ sql: String) throws(PostgreSQLError) {
        _ = try check(PQexec(handle, sql), sql: sql)
    }

    /// Runs the statement prepared under `name` (prepared once per connection with `sql`);
    /// `binaryResults` asks for every column in binary format (read with `binaryInt64` …): no
    /// hex text for `bytea`, no digits for numbers.
    @discardableResult
    public func executePrepared(_ name: String, _ sql: String, _ parameters: [PostgreSQLValue], binaryResults: Bool = false) throws(PostgreSQLError)
        -> PostgreSQLResult
    {
        if !prepared.contains(name) {
            _ = try check(PQprepare(handle, name, sql, 0, nil), sql: sql)
            prepared.insert(name)
        }
        let result = withParameters(parameters) { count, values, lengths, formats in
            PQexecPrepared(handle, name, count, values, lengths, formats, binaryResults ? 1 : 0)
        }
        return try check(result, sql: sql)
    }

    /// Loads `rows` into `table` with `COPY … FROM STDIN` in text format (PostgreSQL manual, COPY,
    /// "Text Format"): one statement and one stream for any number of rows, inside the caller's
    /// transaction. Text values are escaped (`\\`, tab, line feed, carriage return), bytes go as
    /// `\\x` and hex digits, NULL as `\N`. Returns the rows the server loaded.
    @discardableResult
    public func copyIn(_ table: String, columns: [String], rows: [[PostgreSQLValue]]) throws(PostgreSQLError) -> Int {
        let sql = "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN"
        _ = try checkCopy(PQexec(handle, sql), sql: sql, expected: PGRES_COPY_IN)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 17)
        let hex = Array("0123456789abcdef".utf8)
        var sendFailed = false
        func flush() {
            guard !buffer.isEmpty, !sendFailed else { return }
            let sent = buffer.withUnsafeBufferPointer { b in
                b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { PQputCopyData(handle, $0, Int32(b.count)) }
            }
            if sent != 1 { sendFailed = true }
            buffer.removeAll(keepingCapacity: true)
        }
        for row in rows {
            for (index, value) in row.enumerated() {
                if index > 0 { buffer.append(0x09) }
                switch value {
                case .null: buffer.append(contentsOf: [0x5C, 0x4E])  // \N
                case .text(let text):
                    for byte in text.utf8 {
                        switch byte {
                        case 0x5C: buffer.append(contentsOf: [0x5C, 0x5C])
                        case 0x09: buffer.append(contentsOf: [0x5C, 0x74])
                        case 0x0A: buffer.append(contentsOf: [0x5C, 0x6E])
                        case 0x0D: buffer.append(contentsOf: [0x5C, 0x72])
                        default: buffer.append(byte)
                        }
                    }
                case .bytes(let bytes):
                    buffer.append(contentsOf: [0x5C, 0x5C, 0x78])  // \\x: the escaped backslash of bytea's hex form
                    for byte in bytes {
                        buffer.append(hex[Int(byte >> 4)])
                        buffer.append(hex[Int(byte & 0x0F)])
                    }
                }
            }
            buffer.append(0x0A)
            if buffer.count >= 1 << 16 { flush() }
        }
        flush()
        if sendFailed || PQputCopyEnd(handle, nil) != 1 {
            let message = String(cString: PQerrorMessage(handle))
            while let result = PQgetResult(handle) { PQclear(result) }
            throw PostgreSQLError(stage: .statement, sqlState: nil, message: message, sql: sql)
        }
        let final = PQgetResult(handle)
        while let extra = PQgetResult(handle) { PQclear(extra) }
        return try check(final, sql: sql).affectedRows
    }

    private func checkCopy(_ result: OpaquePointer?, sql: String, expected: ExecStatusType) throws(PostgreSQLError) -> Bool {
        guard let result else {
            throw PostgreSQLError(stage: .statement, sqlState: nil, message: String(cString: PQerrorMessage(handle)), sql: sql)
        }
        if PQresultStatus(result) == expected {
            PQclear(result)
            return true
        }
        _ = try check(result, sql: sql)  // throws the server's error
        throw PostgreSQLError(stage: .statement, sqlState: nil, message: "COPY: unerwartete Antwort", sql: sql)
    }

    /// Runs `body` in one transaction: everything or nothing. A failure rolls back; a lost
    /// connection leaves nothing behind (the server rolls back what was not committed).
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        precondition(!isInTransaction, "nested transaction")
        try execute("BEGIN")
        isInTransaction = true
        defer { isInTransaction = false }
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if isConnected { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    private func check(_ result: OpaquePointer?, sql: String) throws(PostgreSQLError) -> PostgreSQLResult {
        guard let result else {
            throw PostgreSQLError(stage: .statement, sqlState: nil, message: String(cString: PQerrorMessage(handle)), sql: sql)
        }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { SQLState(rawValue: String(cString: $0)) }
            let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            let message = primary ?? String(cString: PQresultErrorMessage(result))
            PQclear(result)
            throw PostgreSQLError(stage: .statement, sqlState: state, message: message, sql: sql)
        }
        return PostgreSQLResult(result)
    }

    /// Calls `body` with libpq's parameter arrays: every value in one buffer (a batch binds some
    /// 20,000), text NUL-terminated, bytes as they are (binary format), NULL as a null pointer.
    private func withParameters(
        _ parameters: [PostgreSQLValue],
        _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> OpaquePointer?
    ) -> OpaquePointer? {
        var storage: [UInt8] = []
        var offsets: [Int] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        offsets.reserveCapacity(parameters.count)
        lengths.reserveCapacity(parameters.count)
        formats.reserveCapacity(parameters.count)
        for parameter in parameters {
            switch parameter {
            case .null:
                offsets.append(-1)
                lengths.append(0)
                formats.append(0)
            case .text(let text):
                offsets.append(storage.count)
                storage.append(contentsOf: text.utf8)
                storage.append(0)
                lengths.append(0)
                formats.append(0)
            case .bytes(let bytes):
                offsets.append(storage.count)
                storage.append(contentsOf: bytes)
                lengths.append(Int32(bytes.count))
                formats.append(1)
            }
        }
        if storage.isEmpty { storage.append(0) }  // a base address for the pointers
        return storage.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!)
            let values: [UnsafePointer<CChar>?] = offsets.map { $0 < 0 ? nil : (base + $0).assumingMemoryBound(to: CChar.self) }
            return values.withUnsafeBufferPointer { v in
                lengths.withUnsafeBufferPointer { l in
                    formats.withUnsafeBufferPointer { f in body(Int32(parameters.count), v.baseAddress, l.baseAddress, f.baseAddress) }
                }
            }
        }
    }
}

/// Calls `body` with a NULL-terminated array of C strings.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
