import CLISupport
import Foundation
import KasseCore
import ZVT

/// `webkasse config check [FILE]` — reads the config file (and the environment overrides) and
/// prints the settings in effect, or the first problem with file and line.
enum ConfigCommand {
    static let help = """
        Aufruf: webkasse config check [DATEI]
        Ohne DATEI gilt --config, $WEBKASSE_CONFIG oder <Datenverzeichnis>/webkasse.conf.
        Beispiel mit allen Einstellungen: docs/webkasse.conf.example
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        let args = try ArgumentList(arguments, valueOptions: ["config", "data"], flagOptions: ["help"])
        guard args.positionals.first == "check", !args.flag("help") else {
            print(help)
            return args.flag("help") ? .success : .usage
        }
        guard args.positionals.count <= 2 else { throw UsageError.unexpectedArgument(args.positionals[2]) }
        let path =
            args.positionals.count == 2 ? args.positionals[1] : ConfigurationLocation.resolve(explicit: args.value("config"), dataDirectory: args.value("data"))
        let configuration: Configuration
        do {
            configuration = try Configuration.load(path: path)
        } catch {
            printError(error.description)
            return .dataError
        }
        if !configuration.terminalAddress.isEmpty {
            do {
                _ = try ZVTTerminalAddress(parsing: configuration.terminalAddress)
            } catch {
                printError("\(path ?? "Umgebung"): terminal.address: \(error)")
                return .dataError
            }
        }
        print("Konfiguration: \(path ?? "(keine Datei, Standardwerte)")")
        let printerRows: [(String, String)] = PrinterSettings.Key.allCases.map { ("printer." + $0.rawValue, configuration.printer.text($0)) }
        let displayRows: [(String, String)] = DisplaySettings.Key.allCases.map { ("display." + $0.rawValue, configuration.display.text($0)) }
        let fiscalRows: [(String, String)] = FiscalSettings.Key.allCases.map { ("fiscal." + $0.rawValue, configuration.fiscal.text($0)) }
        let devices = printerRows + displayRows + fiscalRows
        let rows: [(String, String)] =
            [
                ("office.name", configuration.officeName), ("office.address", configuration.officeAddress),
                ("office.time_zone", configuration.timeZone), ("register.id", configuration.registerID),
                ("register.catalog", configuration.catalogPath.isEmpty ? "(Standard: \(CatalogLocation.resolve()))" : configuration.catalogPath),
                ("register.printer_command", configuration.printerCommand.isEmpty ? "(keiner)" : configuration.printerCommand),
                ("register.idle_lock_minutes", "\(configuration.idleLockMinutes)"),
                ("terminal.address", configuration.terminalAddress.isEmpty ? "(simuliertes Terminal)" : configuration.terminalAddress),
            ]
            + TerminalSettings.Key.allCases.map { key in
                let source =
                    key == .profile || key == .password || configuration.terminal.explicitKeys.contains(key)
                    ? "" : "  (Vorgabe des Profils \(configuration.terminal.profile.rawValue))"
                return ("terminal." + key.rawValue, configuration.terminal.text(key) + source)
            } + devices + [
                ("thresholds.day_close_difference_approval", configuration.dayCloseDifferenceApproval.formatted),
                ("thresholds.change_confirmation", configuration.changeConfirmation.formatted),
                ("thresholds.max_pin_attempts", "\(configuration.maximumPINAttempts)"),
                ("thresholds.lockout_minutes", "\(configuration.lockoutMinutes)"),
                ("accounts.cash", configuration.cashAccount), ("accounts.card", configuration.cardAccount),
                ("accounts.cheque", configuration.chequeAccount), ("accounts.transfer", configuration.transferAccount),
                ("accounts.shortfall", configuration.shortfallAccount), ("accounts.surplus", configuration.surplusAccount),
                ("central.url", configuration.centralURL.isEmpty ? "(keine Zentrale)" : configuration.centralURL),
                (
                    "central.password_file",
                    configuration.centralPasswordFile.isEmpty ? "(WEBKASSE_CENTRAL_PASSWORD oder PGPASSWORD)" : configuration.centralPasswordFile
                ),
            ]
        for (key, value) in rows { print("  \(key.padding(toLength: 42, withPad: " ", startingAt: 0)) \(value)") }
        return .success
    }
}
