import Foundation

/// Where the catalogue is found when no path is given.
public enum CatalogLocation {
    /// The environment variable that names a catalogue file or directory.
    public static let environmentVariable = "WEBKASSE_CATALOG"

    /// The catalogue path to use: `explicit` (flag or config file), else `$WEBKASSE_CATALOG`, else
    /// the `Tariffs/` directory of the installation (found by walking up from the executable,
    /// which covers `swift run` and `.build/debug/webkasse`), else `./Tariffs`, else
    /// `/usr/share/webkasse/Tariffs`.
    public static func resolve(explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        let fileManager = FileManager.default
        let executable = URL(fileURLWithPath: (try? fileManager.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        var directory = executable.deletingLastPathComponent()
        while directory.path != "/" && !directory.path.isEmpty {
            let candidate = directory.appendingPathComponent("Tariffs")
            if fileManager.fileExists(atPath: candidate.appendingPathComponent("buergeramt.json").path)
                || fileManager.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) && fileManager.fileExists(atPath: candidate.path)
            {
                return candidate.path
            }
            directory.deleteLastPathComponent()
        }
        if fileManager.fileExists(atPath: "Tariffs") { return "Tariffs" }
        return "/usr/share/webkasse/Tariffs"
    }
}
