import Foundation
import KasseCore
import SystemCalls

/// Where the centre is and how the counter proves who it is (`[central]`, docs/central.md
/// "Configuration"). The password comes from a file only the owner can read (0600), or from
/// `WEBKASSE_CENTRAL_PASSWORD` / `PGPASSWORD`; it is never part of the URL we print or log.
public struct CentralSettings: Equatable, Sendable {
    /// `postgresql://user@host:port/db?sslmode=verify-full` (libpq's URI or `key=value` form).
    public let url: String
    public let passwordFile: String?

    public init(url: String, passwordFile: String? = nil) {
        self.url = url
        self.passwordFile = passwordFile
    }

    /// The settings of `configuration`'s `[central]` section; nil without a URL (no centre).
    public init?(_ configuration: Configuration) {
        guard !configuration.centralURL.isEmpty else { return nil }
        self.init(url: configuration.centralURL, passwordFile: configuration.centralPasswordFile.isEmpty ? nil : configuration.centralPasswordFile)
    }

    /// The URL without a password in it (for messages and the log).
    public var displayURL: String { PostgreSQLConnection.withoutPassword(url) }

    /// The password: the file's first line (refused unless it is 0600 or stricter), else
    /// `WEBKASSE_CENTRAL_PASSWORD`, else nil (libpq then reads `PGPASSWORD` or `~/.pgpass` itself).
    public func password(environment: [String: String]) throws(CentralError) -> String? {
        if let passwordFile {
            guard let mode = FileSecurity.permissions(passwordFile) else { throw .passwordFileUnreadable(path: passwordFile) }
            guard mode & 0o077 == 0 else { throw .passwordFileUnsafe(path: passwordFile, mode: String(format: "%04o", mode)) }
            guard let data = FileManager.default.contents(atPath: passwordFile), let text = String(data: data, encoding: .utf8) else {
                throw .passwordFileUnreadable(path: passwordFile)
            }
            return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        if let fromEnvironment = environment["WEBKASSE_CENTRAL_PASSWORD"], !fromEnvironment.isEmpty { return fromEnvironment }
        return nil
    }
}
