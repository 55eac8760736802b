import CLISupport
import Counter
import Foundation
import KasseCore
import Ledger

/// `webkasse receipts show N [--copy] | merchant N [--data DIR] [--register ID]` (docs/ledger.md):
/// prints a booked receipt, or the card terminal's merchant copies kept with it, generated from the ledger.
enum ReceiptsCommand {
    static let help = """
        Aufruf: webkasse receipts show NUMMER [--copy] [--data VERZEICHNIS] [--register KASSE] [--config DATEI]
                webkasse receipts merchant NUMMER [--data VERZEICHNIS] [--register KASSE] [--config DATEI]

        show      gibt den gebuchten Beleg NUMMER aus, erzeugt aus dem Kassenbuch (mit --copy als »Kopie«).
        merchant  gibt die Händlerbelege des Kartenterminals zum Beleg NUMMER aus (für die Akten der
                  Kasse, etwa bei einer Reklamation; nicht für den Bürger).
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        let args = try ArgumentList(arguments, valueOptions: ["data", "register", "config"], flagOptions: ["copy", "help"])
        if args.flag("help") {
            print(help)
            return .success
        }
        guard let verb = args.positionals.first else { throw UsageError.missingSubcommand(known: ["show"]) }
        guard verb == "show" || verb == "merchant" else { throw UsageError.unknownSubcommand(verb, known: ["show", "merchant"]) }
        if verb == "merchant", args.flag("copy") { throw UsageError.unexpectedArgument("--copy") }
        guard args.positionals.count >= 2 else { throw UsageError.missingArgument("NUMMER") }
        if args.positionals.count > 2 { throw UsageError.unexpectedArgument(args.positionals[2]) }
        let word = args.positionals[1]
        guard let number = Int64(word), number > 0 else {
            throw UsageError.invalidValue(option: "NUMMER", value: word, expected: "eine Belegnummer ab 1")
        }
        let data = DataDirectory.resolve(option: args.value("data"))
        var configuration: Configuration
        do {
            configuration = try Configuration.load(
                path: ConfigurationLocation.resolve(explicit: args.value("config"), dataDirectory: data),
                centralCopy: { DataDirectory.centralSettingsPath(data: data, register: $0.registerID) })
        } catch {
            printError("webkasse receipts: \(error)")
            return .dataError
        }
        if let register = args.value("register") { configuration.registerID = register }
        let path = DataDirectory.ledgerPath(data: data, register: configuration.registerID)
        guard FileManager.default.fileExists(atPath: path) else {
            printError("webkasse receipts: Für die Kasse »\(configuration.registerID)« gibt es in \(data) kein Kassenbuch.")
            return .dataError
        }
        let service = try CounterService.open(data: data, configuration: configuration)
        let found = verb == "merchant" ? try service.merchantCopyText(number: number) : try service.receiptText(number: number, copy: args.flag("copy"))
        guard let text = found else {
            printError(
                "webkasse receipts: Beleg \(number) gibt es in Kasse \(configuration.registerID) nicht (letzter Beleg: \(try service.ledger.lastReceiptNumber()))."
            )
            return .dataError
        }
        if text.isEmpty {
            printError("webkasse receipts: Zum Beleg \(number) hat das Kartenterminal keinen Händlerbeleg gesendet.")
            return .dataError
        }
        print(text, terminator: "")
        return .success
    }
}
