import CLISupport
import Counter
import Foundation
import KasseCore
import Ledger

/// `webkasse report z N [--write] | x [--data DIR] [--register ID] [--config FILE]` (docs/dayclose.md):
/// the Z report of a booked day close, or the X report of the open period, made from the ledger.
enum ReportCommand {
    static let help = """
        Aufruf: webkasse report z NUMMER [--write] [--data VERZEICHNIS] [--register KASSE] [--config DATEI]
                webkasse report x [--data VERZEICHNIS] [--register KASSE] [--config DATEI]

        z NUMMER  gibt den Z-Bericht des Tagesabschlusses NUMMER aus, erzeugt aus dem Kassenbuch, und
                  danach den Kassenschnittbeleg des Kartenterminals, wenn es einen gedruckt hat;
                  mit --write werden auch die Dateien receipts/Z-NNNNNN.txt und
                  receipts/Z-NNNNNN-Terminal.txt (neu) geschrieben.
        x         gibt den Zwischenbericht (X) des offenen Zeitraums aus; es wird nichts abgeschlossen.
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        let args = try ArgumentList(arguments, valueOptions: ["data", "register", "config"], flagOptions: ["write", "help"])
        if args.flag("help") {
            print(help)
            return .success
        }
        guard let verb = args.positionals.first else { throw UsageError.missingSubcommand(known: ["z", "x"]) }
        guard verb == "z" || verb == "x" else { throw UsageError.unknownSubcommand(verb, known: ["z", "x"]) }
        var zNumber: Int64?
        if verb == "z" {
            guard args.positionals.count >= 2 else { throw UsageError.missingArgument("NUMMER") }
            let word = args.positionals[1]
            guard let number = Int64(word), number > 0 else {
                throw UsageError.invalidValue(option: "NUMMER", value: word, expected: "eine Z-Nummer ab 1")
            }
            zNumber = number
        }
        if args.positionals.count > (verb == "z" ? 2 : 1) { throw UsageError.unexpectedArgument(args.positionals.last!) }
        let data = DataDirectory.resolve(option: args.value("data"))
        var configuration: Configuration
        do {
            configuration = try Configuration.load(
                path: ConfigurationLocation.resolve(explicit: args.value("config"), dataDirectory: data),
                centralCopy: { DataDirectory.centralSettingsPath(data: data, register: $0.registerID) })
        } catch {
            printError("webkasse report: \(error)")
            return .dataError
        }
        if let register = args.value("register") { configuration.registerID = register }
        let path = DataDirectory.ledgerPath(data: data, register: configuration.registerID)
        guard FileManager.default.fileExists(atPath: path) else {
            printError("webkasse report: Für die Kasse »\(configuration.registerID)« gibt es in \(data) kein Kassenbuch.")
            return .dataError
        }
        let service = try CounterService.open(data: data, configuration: configuration)
        let dayClose = DayCloseService(counter: service, settings: DayCloseSettings(configuration: configuration))
        guard let zNumber else {
            print(try dayClose.interimReportText(), terminator: "")
            return .success
        }
        let text: String
        let terminalReceipt: String?
        do {
            text = try dayClose.zReportText(zNumber: zNumber)
            terminalReceipt = try dayClose.terminalReceiptText(zNumber: zNumber)
        } catch let error as DayCloseError {
            printError("webkasse report: \(error) (Kasse \(configuration.registerID), letzte Z-Nummer: \(try service.ledger.nextZNumber() - 1)).")
            return .dataError
        }
        if args.flag("write") {
            var files = [(DayCloseService.zReportFileName(zNumber), text)]
            if let terminalReceipt { files.append((DayCloseService.terminalReceiptFileName(zNumber), terminalReceipt)) }
            for (name, content) in files {
                do {
                    try service.receiptStore.writeReport(content, name: name)
                } catch {
                    printError("webkasse report: Die Datei \(name) ließ sich nicht schreiben (\(error.localizedDescription)).")
                    return .ioError
                }
            }
        }
        print(text, terminator: "")
        if let terminalReceipt { print("\n" + terminalReceipt, terminator: "") }
        return .success
    }
}
