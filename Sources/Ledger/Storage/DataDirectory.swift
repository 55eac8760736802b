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

    /// The centre's `[office]` and `[accounts]` as this register's counter last fetched them
    /// (docs/central.md, "Dienststelle und Konten aus der Zentrale"): read by
    /// ``Configuration/load(path:environment:centralCopy:)`` after the counter's own file.
    public static func centralSettingsPath(data: String, register: String) -> String {
        centralSettingsPath(registerDirectory: registerDirectory(data: data, register: register))
    }

    /// ``centralSettingsPath(data:register:)`` in the register's directory `registerDirectory`.
    public static func centralSettingsPath(registerDirectory: String) -> String { registerDirectory + "/zentrale.conf" }

    /// The ledger file of one register.
    public static func ledgerPath(data: String, register: String) -> String {
        registerDirectory(data: data, register: register) + "/" + ledgerFileName
    }

    /// Registers that have a ledger in `data`, sorted.
    public static func registers(in data: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: data)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: ledgerPath(data: data, register: $0)) }.sorted()
    }

    /// Where `webkasse run --training` keeps its own ledgers, receipts and simulator journal: a
    /// data directory of its own inside `data` (its name, with a dot, is no register id, so the
    /// real data directory's registers never include it), marked by ``trainingMarkerFileName``.
    public static func trainingData(of data: String) -> String { data + "/schulung.training" }

    /// The file that marks a data directory as training data: never exported (docs/ui.md, "Training mode").
    public static let trainingMarkerFileName = "SCHULUNG-KEIN-ZAHLUNGSBELEG"

    /// Whether `data` holds training data (``markAsTraining(_:)``).
    public static func isTrainingData(_ data: String) -> Bool {
        FileManager.default.fileExists(atPath: data + "/" + trainingMarkerFileName)
    }

    /// Creates `data` as a training data directory (owner-only) with its marker file.
    public static func markAsTraining(_ data: String) throws {
        try createDirectory(data)
        let marker = data + "/" + trainingMarkerFileName
        guard !FileManager.default.fileExists(atPath: marker) else { return }
        let text = "Schulungsdaten von »webkasse run --training«: kein Zahlungsbeleg, nie an die Stadtkasse exportiert.\n"
        guard FileManager.default.createFile(atPath: marker, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: marker])
        }
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
