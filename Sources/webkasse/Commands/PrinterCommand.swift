import CLISupport
import Counter
import Foundation
import KasseCore

/// `webkasse printer test|status [--config DATEI] [--data VERZEICHNIS]` (docs/printer.md): the
/// printer's real-time status, and for `test` a test receipt (umlauts, €, bold, double size, QR
/// code, cut).
enum PrinterCommand {
    static let help = """
        Aufruf: webkasse printer test|status [--config DATEI] [--data VERZEICHNIS]

        status  fragt den Bondrucker aus [printer] device nach seinem Zustand (DLE EOT):
                bereit, Papier fast leer, Papier leer, Deckel offen, offline.
        test    druckt einen Testbeleg (Umlaute, €, fett, doppelt groß, QR-Code, Schnitt)
                und meldet den Zustand. Exit 0 gedruckt, 7 Drucker nicht bereit oder nicht erreichbar.
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        let args = try ArgumentList(arguments, valueOptions: ["config", "data"], flagOptions: ["help"])
        if args.flag("help") {
            print(help)
            return .success
        }
        guard let verb = args.positionals.first else { throw UsageError.missingSubcommand(known: ["test", "status"]) }
        guard verb == "test" || verb == "status" else { throw UsageError.unknownSubcommand(verb, known: ["test", "status"]) }
        if args.positionals.count > 1 { throw UsageError.unexpectedArgument(args.positionals[1]) }
        let configuration: Configuration
        do {
            configuration = try Configuration.load(
                path: ConfigurationLocation.resolve(explicit: args.value("config"), dataDirectory: args.value("data")))
        } catch {
            printError("webkasse printer: \(error)")
            return .dataError
        }
        if case .command(let command) = configuration.printer.device {
            printError("webkasse printer: [printer] device = command:\(command) gibt nur Text weiter und kennt keinen Druckerstatus.")
            return .dataError
        }
        do {
            let result = try PrinterTest.run(configuration.printer, office: configuration.officeName, print: verb == "test")
            print(result.summary)
            if verb == "test" { print(result.printed ? "Testbeleg gedruckt (\(configuration.printer.device.text))." : "Testbeleg nicht gedruckt.") }
            return result.status.canPrint ? .success : .ioError
        } catch {
            printError("webkasse printer: \(error)")
            return .ioError
        }
    }
}
