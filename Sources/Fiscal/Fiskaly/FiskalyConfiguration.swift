import Foundation
import SystemCalls

/// What the fiskaly client needs (docs/fiscal.md, "fiskaly SIGN DE"): `[fiscal] fiskaly_url`,
/// `api_key`, `api_secret_file` and `fiskaly_tss_file`, plus how patient it is.
public struct FiskalyConfiguration: Sendable {
    /// fiskaly's production API (SIGN DE v2).
    public static let defaultBaseURL = "https://kassensichv.fiskaly.com/api/v2"

    /// `[fiscal] fiskaly_url`, without a trailing slash.
    public var baseURL: String
    /// `[fiscal] api_key`: the key of the fiskaly API key pair (not secret on its own).
    public var apiKey: String
    /// `[fiscal] api_secret_file`: the file (0600) holding the API secret.
    public var apiSecretFile: String
    /// `[fiscal] fiskaly_tss_file`: where `webkasse fiscal setup` keeps the TSS id and admin PIN (0600).
    public var tssFile: String
    /// The longest one HTTP exchange may take.
    public var requestTimeoutSeconds: Double
    /// How often one call is sent before it fails (the same request each time: idempotent).
    public var attempts: Int
    /// The pause before the n-th repetition (n = 1, 2, …); injected so tests do not wait.
    public var pauseBeforeRetry: @Sendable (Int) -> Void
    /// How often the export's state is asked before giving up.
    public var exportPolls: Int
    /// The pause between two questions about the export's state.
    public var pauseBetweenExportPolls: @Sendable () -> Void
    /// Now, for the access token's expiry.
    public var clock: @Sendable () -> Date

    public init(
        baseURL: String = FiskalyConfiguration.defaultBaseURL, apiKey: String, apiSecretFile: String, tssFile: String,
        requestTimeoutSeconds: Double = 10, attempts: Int = 3,
        pauseBeforeRetry: @escaping @Sendable (Int) -> Void = { n in Thread.sleep(forTimeInterval: 0.5 * Double(n)) },
        exportPolls: Int = 120, pauseBetweenExportPolls: @escaping @Sendable () -> Void = { Thread.sleep(forTimeInterval: 1) },
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.apiSecretFile = apiSecretFile
        self.tssFile = tssFile
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.attempts = max(1, attempts)
        self.pauseBeforeRetry = pauseBeforeRetry
        self.exportPolls = max(1, exportPolls)
        self.pauseBetweenExportPolls = pauseBetweenExportPolls
        self.clock = clock
    }
}

/// A file only its owner may read (API secret, TSS file): refused when group or others have any
/// right on it, because it holds what signs in the office's name.
enum OwnerOnlyFile {
    static func read(_ path: String, what: String) throws(TSEError) -> String {
        guard let bits = FileSecurity.permissions(path) else { throw .storage("\(what) \(path) fehlt") }
        guard bits & 0o077 == 0 else {
            throw .storage("\(what) \(path) ist für andere lesbar (Rechte \(String(bits, radix: 8))); bitte chmod 600 \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw .storage("\(what) \(path) lässt sich nicht lesen") }
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes `bytes` to `path` with mode 0600: a new file next to it (created 0600, synced), then
    /// renamed over it, so a crash leaves the old file or the new one.
    static func write(_ bytes: [UInt8], to path: String, what: String) throws(TSEError) {
        let temporary = path + ".neu"
        if Syscall.exists(temporary) { try? Syscall.unlink(temporary) }
        do {
            let descriptor = try Syscall.open(temporary, O_WRONLY | O_CREAT | O_EXCL, permissions: 0o600)
            defer { Syscall.close(descriptor) }
            try Syscall.writeAll(descriptor, bytes)
            try Syscall.fsync(descriptor)
        } catch {
            throw .storage("\(what) \(path) lässt sich nicht schreiben (\(error))")
        }
        do { try Syscall.rename(temporary, to: path) } catch { throw .storage("\(what) \(path) lässt sich nicht umbenennen (\(error))") }
    }
}
