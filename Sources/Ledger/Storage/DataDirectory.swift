import Foundation
import KasseCore

/// Where ledgers live: `--data DIR`, else `$WEBKASSE_DATA`, else `$XDG_DATA_HOME/webkasse`,
/// else `~/.local/share/webkasse`. Inside, one directory per register (Kasse):
/// `<data>/<register>/ledger.sqlite` and `<data>/<register>/receipts/`.
public enum DataDirectory {
    public static let environmentVariable = "WEBKASSE_DATA"
    public static let ledgerFileName = "ledger.sqlite"

    public static func resolve(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let option, !option.isEmpty { return option }
        if let value = environment[environmentVariable], !value.isEmpty { return value }
        return ConfigurationLocation.defaultDataDirectory(environment: environment)
    }

    /// The directory of one register.
    public static func registerDirectory(data: String, register: String) -> String { data + "/" + register }

    /// The ledger file of one register.
    public static func ledgerPath(data: String, register: String) -> String {
        registerDirectory(data: data, register: register) + "/" + ledgerFileName
    }

    /// Registers that have a ledger in `data`, sorted.
    public static func registers(in data: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: data)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: ledgerPath(data: data, register: $0)) }.sorted()
    }

    /// Whether `id` is usable as a register id (and so as a directory name).
    public static func isValidRegisterId(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 32
            && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// Creates `path` and its parents with owner-only permissions.
    public static func createDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
}
