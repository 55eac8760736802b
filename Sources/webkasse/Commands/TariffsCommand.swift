import CLISupport
import KasseCore

/// `webkasse tariffs check|list|search` (issue 2).
enum TariffsCommand {
    static func run(_ arguments: [String]) throws -> ExitCode {
        printError("webkasse tariffs: noch nicht verfügbar.")
        return .failure
    }
}
