import CLISupport
import Exports
import Foundation
import KasseCore
import Ledger

/// `webkasse export --format datev|csv|journal|jsonl [--from DATE --to DATE | --z N | --new] …` (docs/exports.md):
/// the treasury's export of booked days from the registers' ledgers, recorded in each ledger; and
/// `--format dsfinvk` (docs/dsfinvk.md), the DSFinV-K of Kassenabschlüsse for the tax audit.
enum ExportCommand {
    static let help = """
        Aufruf: webkasse export --format datev|csv|journal|jsonl|dsfinvk --out DATEI
                                [--from DATUM --to DATUM | --z N | --new] [--open-days]
                                [--register KASSE] [--data VERZEICHNIS] [--config DATEI]
                                [--datev-berater N] [--datev-mandant N] [--datev-kontenlaenge N]

        Exportiert die Buchungen abgeschlossener Tage für die Stadtkasse:
          datev    DATEV-Buchungsstapel (EXTF 700, Windows-1252)
          csv      CSV für kommunale Finanzverfahren (UTF-8 mit BOM, Semikolon, Dezimalkomma)
          journal  Buchungsjournal für hledger/ledger
          jsonl    JSON Lines, ein Objekt je Buchung
          dsfinvk  DSFinV-K 2.4 für die Kassen-Nachschau und Außenprüfung (ZIP mit index.xml),
                   je Tagesabschluss: --z N oder --from/--to (nur abgeschlossene Tage)
        Umfang: ohne Angabe alle abgeschlossenen Tage; --from/--to Geschäftstage (JJJJ-MM-TT oder
        TT.MM.JJJJ); --z N der Tagesabschluss N einer Kasse; --new genau das, was in diesem Format noch
        nicht exportiert wurde. Offene Tage nur mit --open-days, als vorläufig gekennzeichnet.
        Jeder Export wird im Kassenbuch vermerkt (Umfang, Format, Datei, Anzahl, Summe, SHA-256);
        eine Wiederholung ist erlaubt und wird als solche vermerkt. Die Datei entsteht erst, wenn sie
        vollständig ist; eine vorhandene Datei wird nie überschrieben.
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        let args = try ArgumentList(
            arguments,
            valueOptions: [
                "format", "from", "to", "z", "register", "data", "out", "config", "datev-berater", "datev-mandant",
                "datev-kontenlaenge", "operator",
            ],
            flagOptions: ["new", "open-days", "help"])
        if args.flag("help") {
            print(help)
            return .success
        }
        if let extra = args.positionals.first { throw UsageError.unexpectedArgument(extra) }
        let formatName = try args.required("format")
        if formatName == DSFinVKExport.formatName { return try runDSFinVK(args) }
        guard let format = ExportFormat(rawValue: formatName) else {
            throw UsageError.invalidValue(option: "format", value: formatName, expected: "datev, csv, journal, jsonl oder dsfinvk")
        }
        let out = try args.required("out")
        let scope = try scope(args)
        if case .new = scope, args.flag("open-days") {
            throw UsageError.invalidValue(
                option: "open-days", value: "--new", expected: "--open-days nicht zusammen mit --new (vorläufige Buchungen gelten nie als exportiert)")
        }

        let data = DataDirectory.resolve(option: args.value("data"))
        let configuration: Configuration
        do {
            configuration = try Configuration.load(
                path: configPath(args, data: data), centralCopy: { DataDirectory.centralSettingsPath(data: data, register: $0.registerID) })
        } catch {
            printError("webkasse export: \(error)")
            return .dataError
        }
        var settings = ExportSettings(configuration: configuration)
        if let berater = try args.integer("datev-berater", in: 1001...9_999_999) { settings.datevConsultant = berater }
        if let mandant = try args.integer("datev-mandant", in: 1...99_999) { settings.datevClient = mandant }
        if let length = try args.integer("datev-kontenlaenge", in: 4...8) { settings.datevAccountLength = length }

        let request = LedgerExportRequest(
            dataDirectory: data, registers: args.value("register").map { [$0] } ?? [], format: format, scope: scope,
            includeOpenDays: args.flag("open-days"), outputPath: out, settings: settings, timeZone: configuration.zone,
            exportedBy: args.value("operator") ?? ProcessInfo.processInfo.environment["USER"] ?? "webkasse")
        let outcome: LedgerExport.Outcome?
        do {
            outcome = try LedgerExport.run(request, progress: ExportProgress(total: nil))
        } catch let error as ExportError {
            printError("webkasse export: \(error)")
            switch error {
            case .outputExists: return .usage
            case .cannotCreate, .writeFailed: return .ioError
            case .nothingToExport: return .failure
            default: return .dataError
            }
        } catch {
            printError("webkasse export: \(error)")
            return .ioError
        }
        guard let outcome else {
            print("Keine neuen Buchungen seit dem letzten \(format.germanName)-Export; es wurde keine Datei angelegt.")
            return .success
        }
        let totals = outcome.result.totals
        printSummary(outcome.result, registers: outcome.registers, out: out, format: format)
        if totals.provisionalCount > 0 {
            print("Vorläufig: \(totals.provisionalCount) Buchungen offener Tage (gelten nicht als exportiert).")
        }
        if outcome.isRepeat {
            print("Wiederholung: Buchungen dieses Umfangs wurden in diesem Format schon exportiert (im Kassenbuch so vermerkt).")
        }
        return .success
    }

    /// What a written booking export says: file, size, days and registers, the totals, its SHA-256
    /// (the counter's and the centre's export alike).
    static func printSummary(_ result: Exporter.Result, registers: [String], out: String, format: ExportFormat) {
        let totals = result.totals
        print("Export geschrieben: \(out) (\(format.germanName), \(totals.recordCount) Buchungen, \(result.byteCount) Bytes)")
        if let first = totals.firstDate, let last = totals.lastDate {
            print("Geschäftstage: \(first.german) bis \(last.german); Kassen: \(registers.joined(separator: ", "))")
        }
        print("Summe Soll = Haben: \(totals.debitTotal.formatted); Zahlwege netto: \(totals.paymentSummary)")
        print("SHA-256: \(result.sha256)")
    }

    /// `--format dsfinvk`: the Kassenabschlüsse of `--z N`, `--from/--to` or all, as one ZIP.
    static func runDSFinVK(_ args: ArgumentList) throws -> ExitCode {
        let out = try args.required("out")
        for option in ["datev-berater", "datev-mandant", "datev-kontenlaenge"] where args.value(option) != nil {
            throw UsageError.invalidValue(option: option, value: args.value(option)!, expected: "keine DATEV-Angabe bei --format dsfinvk")
        }
        let dsfinvkScope: DSFinVKExport.Scope
        switch try scope(args) {
        case .zNumber(let z): dsfinvkScope = .zNumber(z)
        case .dates(let from, let to): dsfinvkScope = .dates(from: from, to: to)
        case .closedDays: dsfinvkScope = .all
        case .new:
            throw UsageError.invalidValue(option: "new", value: "--new", expected: "--z N oder --from/--to bei --format dsfinvk (je Tagesabschluss)")
        }
        if args.flag("open-days") {
            throw UsageError.invalidValue(
                option: "open-days", value: "--open-days", expected: "nichts: die DSFinV-K enthält nur abgeschlossene Tage (Kassenabschlüsse)")
        }
        let data = DataDirectory.resolve(option: args.value("data"))
        let configuration: Configuration
        do {
            configuration = try Configuration.load(
                path: configPath(args, data: data), centralCopy: { DataDirectory.centralSettingsPath(data: data, register: $0.registerID) })
        } catch {
            printError("webkasse export: \(error)")
            return .dataError
        }
        let request = DSFinVKExport.Request(
            dataDirectory: data, registers: args.value("register").map { [$0] } ?? [], scope: dsfinvkScope, outputPath: out,
            master: DSFinVKMasterData(configuration: configuration), timeZone: configuration.zone, tse: DSFinVKLedgerTSE())
        let outcome: DSFinVKExport.Outcome
        do {
            outcome = try DSFinVKExport.run(request)
        } catch let error as ExportError {
            printError("webkasse export: \(error)")
            switch error {
            case .outputExists: return .usage
            case .cannotCreate, .writeFailed: return .ioError
            case .nothingToExport: return .failure
            default: return .dataError
            }
        } catch {
            printError("webkasse export: \(error)")
            return .ioError
        }
        let zs = outcome.closings.map { "\($0.register) Z \($0.zNumber) (\($0.businessDate))" }.joined(separator: ", ")
        print(
            "Export geschrieben: \(out) (DSFinV-K, \(outcome.closings.count == 1 ? "1 Kassenabschluss" : "\(outcome.closings.count) Kassenabschlüsse"), \(outcome.transactionCount) Vorgänge, \(outcome.byteCount) Bytes)"
        )
        print("Kassenabschlüsse: \(zs)")
        print("Summe aller Zahlungen: \(outcome.payments.formatted)")
        print("SHA-256: \(outcome.sha256)")
        if configuration.taxNumber.isEmpty {
            print("Hinweis: keine Steuernummer konfiguriert ([office] tax_number); STNR ist leer.")
        }
        if outcome.isRepeat {
            print("Wiederholung: diese Kassenabschlüsse wurden schon als DSFinV-K exportiert (im Kassenbuch so vermerkt).")
        }
        return .success
    }

    static func scope(_ args: ArgumentList) throws -> ExportScope {
        let from = try args.value("from").map { try date($0, option: "from") }
        let to = try args.value("to").map { try date($0, option: "to") }
        let z = try args.integer("z", in: 1...Int.max)
        let chosen = [from != nil || to != nil, z != nil, args.flag("new")].filter { $0 }.count
        guard chosen <= 1 else {
            throw UsageError.invalidValue(option: "z", value: args.value("z") ?? "--new", expected: "nur eine Auswahl: --from/--to, --z oder --new")
        }
        if let z { return .zNumber(Int64(z)) }
        if args.flag("new") { return .new }
        if from != nil || to != nil {
            guard let from, let to else { throw UsageError.missingOption(from == nil ? "from" : "to") }
            guard from <= to else {
                throw UsageError.invalidValue(option: "to", value: to.iso, expected: "ein Datum ab \(from.german)")
            }
            return .dates(from: from, to: to)
        }
        return .closedDays
    }

    /// `2026-11-26` or `26.11.2026`.
    static func date(_ text: String, option: String) throws -> BookingDate {
        if let date = BookingDate(iso: text) { return date }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 3, let d = Int(parts[0]), let m = Int(parts[1]), let y = Int(parts[2]), parts[2].count == 4,
            let date = BookingDate(year: y, month: m, day: d)
        {
            return date
        }
        throw UsageError.invalidValue(option: option, value: text, expected: "ein Datum wie 2026-11-26 oder 26.11.2026")
    }

    static func configPath(_ args: ArgumentList, data: String) -> String? {
        if let path = args.value("config") { return path }
        if let path = ProcessInfo.processInfo.environment["WEBKASSE_CONFIG"] { return path }
        let candidate = data + "/webkasse.conf"
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }
}
