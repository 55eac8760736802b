import CLISupport
import Foundation

/// `webkasse [SUBCOMMAND] …` — the counter application and its subcommands.
///
/// Without a subcommand (or with `run`) the counter screen starts. Each subcommand lives in
/// `Commands/<Name>Command.swift` and is listed once in ``subcommands``.
struct Subcommand {
    let name: String
    let summary: String
    let run: ([String]) throws -> ExitCode
}

let subcommands: [Subcommand] = [
    Subcommand(name: "simulate", summary: "Thekentage simulieren (Verkäufe, Stornos, Abschlüsse)", run: SimulateCommand.run),
    Subcommand(name: "receipts", summary: "Gebuchten Beleg anzeigen (show N)", run: ReceiptsCommand.run),
    Subcommand(name: "report", summary: "Z-Bericht eines Tagesabschlusses (z N) oder Zwischenbericht (x) ausgeben", run: ReportCommand.run),
    Subcommand(name: "verify", summary: "Kassenbuch prüfen (Hash-Kette, Belegnummern, Summen)", run: VerifyCommand.run),
    Subcommand(name: "sync", summary: "Buchungen an die Zentrale (PostgreSQL) liefern (--once: einmal)", run: SyncCommand.run),
    Subcommand(name: "central", summary: "Zentrale aller Kassen: Schema anlegen, Stand, Prüfung (init, status, verify)", run: CentralCommand.run),
    Subcommand(name: "export", summary: "Buchungen für die Stadtkasse exportieren (DATEV, CSV, Journal, JSON Lines)", run: ExportCommand.run),
    Subcommand(name: "config", summary: "Konfigurationsdatei prüfen und Einstellungen anzeigen", run: ConfigCommand.run),
    Subcommand(name: "run", summary: "Kassenoberfläche starten (Standard ohne Befehl)", run: RunCommand.run),
    Subcommand(name: "operator", summary: "Bediener verwalten (setup, add, list, roles, set-pin, lock, unlock)", run: OperatorCommand.run),
    Subcommand(name: "audit", summary: "Prüfprotokoll anzeigen (Anmeldungen, Sperren, Freigaben, …)", run: AuditCommand.run),
    Subcommand(name: "zvt", summary: "EC-Terminal (ZVT): APDUs zerlegen, Befehle ausführen (pay, eod, status …)", run: ZVTCommand.run),
    Subcommand(name: "printer", summary: "Bondrucker: Zustand abfragen, Testbeleg drucken (status, test)", run: PrinterCommand.run),
    Subcommand(name: "fiscal", summary: "TSE: Angaben für die Mitteilung ans Finanzamt (report), TSE-Export (export-tse)", run: FiscalCommand.run),
    Subcommand(name: "tariffs", summary: "Gebührenkatalog prüfen und anzeigen (check, list, search)", run: TariffsCommand.run),
]

@MainActor func usage() -> String {
    var text = "Aufruf: webkasse [BEFEHL] [OPTIONEN]\n\nBefehle:\n"
    for command in subcommands {
        text += "  " + command.name.padding(toLength: 16, withPad: " ", startingAt: 0) + command.summary + "\n"
    }
    text += "\nOhne Befehl startet die Kassenoberfläche. `webkasse BEFEHL --help` zeigt Details.\n"
    return text
}

var arguments = Array(CommandLine.arguments.dropFirst())
// `webkasse` and `webkasse --demo …` (options without a command) start the counter screen.
if arguments.first.map({ $0.hasPrefix("--") && $0 != "--help" }) ?? true { arguments.insert("run", at: 0) }
let name = arguments[0]
if name == "--help" || name == "-h" || name == "help" {
    print(usage(), terminator: "")
    exit(.success)
}
guard let command = subcommands.first(where: { $0.name == name }) else {
    printError("webkasse: " + UsageError.unknownSubcommand(name, known: subcommands.map(\.name)).description)
    printError(usage())
    exit(.usage)
}
arguments.removeFirst()
do {
    exit(try command.run(arguments))
} catch let error as UsageError {
    printError("webkasse \(command.name): \(error)")
    exit(.usage)
} catch {
    printError("webkasse \(command.name): \(error)")
    exit(.failure)
}
