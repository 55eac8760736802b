import Central
import Foundation
import XCTest

/// A database of its own on the test server (`WEBKASSE_TEST_PG_URL`, a superuser; started by
/// `scripts/pg-test-cluster`), created with a random name and dropped by ``drop()``.
///
/// Without the variable the test fails under CI (`CI` set) and is skipped elsewhere, naming how to
/// start the server.
public final class CentralTestDatabase {
    public let name: String
    /// The new database's URL, as the superuser.
    public let url: String
    public let password: String?
    public let passwordFile: String?
    private let serverURL: String
    private var roles: [String] = []

    public init() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let server = environment["WEBKASSE_TEST_PG_URL"], !server.isEmpty else {
            let how =
                "WEBKASSE_TEST_PG_URL fehlt: `scripts/pg-test-cluster start /tmp/wkpg && . /tmp/wkpg/env` (oder scripts/test) startet den Testserver"
            if environment["CI"] != nil { throw CentralTestServerMissing(message: how) }
            throw XCTSkip(how)
        }
        serverURL = server
        passwordFile = environment["WEBKASSE_TEST_PG_PASSWORD_FILE"]
        password = try passwordFile.map { try String(contentsOfFile: $0, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
        name = "webkasse_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let admin = try PostgreSQLConnection(url: server, password: password)
        try admin.execute("CREATE DATABASE \(name)")
        url = Self.replacingDatabase(in: server, with: name)
    }

    /// `url` naming the database `database` instead.
    static func replacingDatabase(in url: String, with database: String) -> String {
        var base = url
        var query = ""
        if let q = base.firstIndex(of: "?") {
            query = String(base[q...])
            base = String(base[..<q])
        }
        guard let slash = base.range(of: "/", options: .backwards), base[..<slash.lowerBound].contains("@") || base.hasPrefix("postgresql://")
        else { return url }
        return String(base[..<slash.upperBound]) + database + query
    }

    /// `url` with another user (e.g. the counter role).
    public func url(user: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + user + url[at...]
    }

    public func connect() throws -> PostgreSQLConnection { try PostgreSQLConnection(url: url, password: password) }

    public func store() throws -> CentralStore { CentralStore(connection: try connect()) }

    /// A login role with `password` (dropped with the database).
    public func createRole(_ role: String, password: String) throws {
        let admin = try connect()
        try admin.execute("DROP ROLE IF EXISTS \(role)")
        try admin.execute("CREATE ROLE \(role) LOGIN PASSWORD '\(password)'")
        roles.append(role)
    }

    public func drop() {
        guard let admin = try? PostgreSQLConnection(url: serverURL, password: password) else { return }
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        for role in roles { _ = try? admin.execute("DROP ROLE IF EXISTS \(role)") }
    }
}

/// Not a skip: the error that fails a test needing the server under CI.
public struct CentralTestServerMissing: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
