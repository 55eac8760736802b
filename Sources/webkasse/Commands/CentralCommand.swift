import CLISupport
import Central
import Counter
import Exports
import Foundation
import KasseCore
import Ledger

/// `webkasse central init|status|verify` (docs/central.md): the office's central PostgreSQL
/// database of every register's journal.
enum CentralCommand {
    static let help = """
        Aufruf: webkasse central init [--url URL] [--password-file DATEI] [--counter-role ROLLE]
                webkasse central status [--url URL] [--password-file DATEI]
                webkasse central verify [--register KASSE …] [--rows] [--url URL] [--password-file DATEI] [--all]
                webkasse central export --format datev|csv|journal|jsonl --out DATEI
                                        [--from DATUM --to DATUM | --z N | --new] [--open-days] [--register KASSE …]
                webkasse central export --format dsfinvk --out DATEI.zip (--z N --register KASSE | --from DATUM --to DATUM)
                webkasse central report day DATUM [--register KASSE …]
                webkasse central tariffs publish PFAD [--by NAME]
                webkasse central tariffs list
                webkasse central settings publish DATEI [--by NAME]
                webkasse central settings show
                webkasse central operator setup|add|list|roles|set-pin|lock|unlock …   (webkasse central operator --help)

        init    legt das Schema der Zentrale an oder bringt es auf den neuesten Stand (nummerierte
                Migrationen; als Eigentümer der Datenbank ausführen); mit --counter-role erhält die
                Rolle der Kassen nur die Rechte zum Einliefern (INSERT) und zum Lesen ihres Stands.
        status  jede Kasse: letzte Buchung und ihre Zeit, Rückstand, offene Schicht, letzte Z-Nummer,
                Abweichungen (Forks).
        verify  rechnet die Hash-Kette jeder Kasse in der Zentrale aus den gespeicherten Buchungsdaten
                nach (auf dem Server: jeder Hash, jede Verkettung, keine Lücke, jeder Kopf) und nennt
                die erste fehlerhafte Buchung (Kasse, Nummer); nennt auch eine Kasse, deren Kassenbuch
                kürzer wurde. Mit --rows vergleicht es zudem jede Datenzeile (Verkäufe, Positionen,
                Zahlungen …) Feld für Feld mit den Buchungsdaten. Status 1 bei Problemen.
        export  exportiert die Buchungen abgeschlossener Tage aller (oder der genannten) Kassen aus der
                Zentrale, in denselben Formaten und nach denselben Regeln wie `webkasse export`;
                jeder Lauf wird in der Zentrale vermerkt, --new exportiert genau, was in diesem Format
                noch nicht aus der Zentrale exportiert wurde. --format dsfinvk: die DSFinV-K der
                Tagesabschlüsse (wie `webkasse export --format dsfinvk`) aus den Daten der Zentrale.
        report  day DATUM: der Sammel-Z des Geschäftstags, je Kasse und gesamt: je Konto (eigene und
                durchlaufende Anteile), je Zahlweg, Z-Nummer, Soll und gezählt, Differenz, Abschöpfung
                an die Stadtkasse, Stornos, noch offene Schichten.
        tariffs publish PFAD: prüft den Gebührenkatalog (wie `webkasse tariffs check`) und
                veröffentlicht ihn als nächste Version; die Kassen übernehmen sie beim nächsten Start
                oder im Betrieb binnen einer Minute zwischen zwei Kunden und behalten die letzte
                gute Version für den Betrieb ohne Zentrale. list: die veröffentlichten Versionen.
        settings publish DATEI: prüft [office] (Name, Anschrift, Steuernummer, USt-IdNr.,
                Zeitzone) und [accounts] (Gegenkonten der Zahlungsseite) in der Form von
                webkasse.conf und veröffentlicht sie als nächste Version für alle Kassen; die
                Kassen holen sie beim Abgleich und nehmen sie beim nächsten Start (vor ihrer eigenen
                Datei). show: die neueste Version.

        Ohne --url gilt [central] url der Konfigurationsdatei (--config, --data wie bei webkasse run);
        das Passwort aus --password-file oder [central] password_file (Rechte 0600), sonst aus
        WEBKASSE_CENTRAL_PASSWORD oder PGPASSWORD.
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        if arguments.first == "operator" { return try CentralOperatorCommand.run(Array(arguments.dropFirst())) }
        let args = try ArgumentList(
            arguments,
            valueOptions: [
                "url", "password-file", "counter-role", "register", "data", "config", "format", "out", "from", "to", "z", "operator",
                "datev-berater", "datev-mandant", "datev-kontenlaenge", "by",
            ], flagOptions: ["all", "rows", "new", "open-days", "help"])
        if args.flag("help") {
            print(help)
            return .success
        }
        let verbs = ["init", "status", "verify", "export", "report", "tariffs", "settings"]
        guard let verb = args.positionals.first else { throw UsageError.missingSubcommand(known: verbs) }
        guard verbs.contains(verb) else { throw UsageError.unknownSubcommand(verb, known: verbs) }
        var reportDate: BookingDate?
        if verb == "report" {
            guard args.positionals.count >= 2 else { throw UsageError.missingSubcommand(known: ["day"]) }
            guard args.positionals[1] == "day" else { throw UsageError.unknownSubcommand(args.positionals[1], known: ["day"]) }
            guard args.positionals.count >= 3 else { throw UsageError.missingArgument("DATUM") }
            reportDate = try ExportCommand.date(args.positionals[2], option: "DATUM")
            if args.positionals.count > 3 { throw UsageError.unexpectedArgument(args.positionals[3]) }
        } else if verb == "tariffs" {
            try checkPublishOr("list", args, argument: "PFAD")
        } else if verb == "settings" {
            try checkPublishOr("show", args, argument: "DATEI")
        } else if args.positionals.count > 1 {
            throw UsageError.unexpectedArgument(args.positionals[1])
        }
        let settings: CentralSettings
        let configuration: Configuration
        do {
            let (configured, loaded) = try Self.settings(args)
            configuration = loaded
            guard let configured else {
                printError("webkasse central: Keine Zentrale angegeben: --url postgresql://… oder [central] url in der Konfigurationsdatei.")
                return .usage
            }
            settings = configured
        } catch {
            printError("webkasse central: \(error)")
            return .dataError
        }
        let store: CentralStore
        do { store = try CentralStore(settings: settings) } catch {
            printError("webkasse central: \(error)")
            return .ioError
        }
        do {
            switch verb {
            case "init": return try initialise(store, settings: settings, counterRole: args.value("counter-role"))
            case "status": return try status(store, calendar: BusinessCalendar(timeZone: configuration.zone))
            case "export": return try export(store, args: args, configuration: configuration)
            case "report":
                _ = try store.checkSchema()
                print(try store.dayReport(businessDate: reportDate!.iso, registers: args.values("register")).text, terminator: "")
                return .success
            case "settings":
                _ = try store.checkSchema()
                if args.positionals[1] == "show" { return try showOfficeSettings(store) }
                return try publishOfficeSettings(
                    store, path: args.positionals[2], by: args.value("by") ?? ProcessInfo.processInfo.environment["USER"] ?? "")
            case "tariffs":
                _ = try store.checkSchema()
                if args.positionals[1] == "list" { return try listTariffs(store) }
                return try publishTariffs(store, path: args.positionals[2], by: args.value("by") ?? ProcessInfo.processInfo.environment["USER"] ?? "")
            default: return try verify(store, registers: args.values("register"), rows: args.flag("rows"), all: args.flag("all"))
            }
        } catch let error as UsageError {
            throw error  // bad options are a usage error (exit 2), also after connecting
        } catch {
            printError("webkasse central \(verb): \(error)")
            return .ioError
        }
    }

    /// `central tariffs publish PATH`: validated as `tariffs check` does; nothing is written while
    /// the catalogue has a problem (every problem printed with its place).
    /// `VERB publish ARGUMENT` or `VERB other`, nothing more.
    private static func checkPublishOr(_ other: String, _ args: ArgumentList, argument: String) throws {
        let known = ["publish", other]
        guard args.positionals.count >= 2 else { throw UsageError.missingSubcommand(known: known) }
        let action = args.positionals[1]
        guard known.contains(action) else { throw UsageError.unknownSubcommand(action, known: known) }
        if action == "publish", args.positionals.count < 3 { throw UsageError.missingArgument(argument) }
        let allowed = action == "publish" ? 3 : 2
        if args.positionals.count > allowed { throw UsageError.unexpectedArgument(args.positionals[allowed]) }
    }

    static func publishTariffs(_ store: CentralStore, path: String, by publisher: String) throws -> ExitCode {
        guard !publisher.isEmpty else { throw UsageError.missingArgument("--by NAME") }
        let publication: CatalogPublication
        do {
            publication = try store.publishCatalog(path: path, versionOf: CatalogFiles.version, by: publisher)
        } catch CentralError.catalogProblems(let problems) {
            for problem in problems { print(problem.description) }
            printError("webkasse central tariffs publish: \(problems.count) Problem(e) in \(path); nichts veröffentlicht.")
            return .failure
        }
        switch publication {
        case .published(let version):
            print(
                "Gebührenkatalog Version \(version.version) veröffentlicht (\(version.contentVersion), \(version.itemCount) Gebühren); "
                    + "die Kassen übernehmen ihn binnen einer Minute zwischen zwei Kunden.")
        case .unchanged(let version):
            print("Gebührenkatalog unverändert: Version \(version.version) (\(version.contentVersion)) hat genau diese Dateien.")
        }
        return .success
    }

    static func publishOfficeSettings(_ store: CentralStore, path: String, by publisher: String) throws -> ExitCode {
        guard !publisher.isEmpty else { throw UsageError.missingArgument("--by NAME") }
        guard let data = FileManager.default.contents(atPath: path), let content = String(data: data, encoding: .utf8) else {
            printError("webkasse central settings publish: \(path): nicht lesbar (eine Datei in UTF-8 mit [office] und [accounts]).")
            return .dataError
        }
        let published: PublishedOfficeSettings
        let isNew: Bool
        do {
            (published, isNew) = try store.publishOfficeSettings(content: content, file: path, by: publisher)
        } catch CentralError.invalidMasterData(let reason) {
            printError("webkasse central settings publish: \(reason) Nichts veröffentlicht.")
            return .dataError
        }
        print(
            isNew
                ? "Dienststelle und Konten: Version \(published.version) veröffentlicht; die Kassen holen sie beim Abgleich und nehmen sie beim nächsten Start."
                : "Dienststelle und Konten unverändert: Version \(published.version) hat genau diesen Text.")
        return .success
    }

    static func showOfficeSettings(_ store: CentralStore) throws -> ExitCode {
        guard let newest = try store.newestOfficeSettings() else {
            print("Noch keine Einstellungen veröffentlicht (webkasse central settings publish DATEI).")
            return .success
        }
        print("# Version \(newest.version), veröffentlicht \(newest.publishedAt) (UTC) von \(newest.publishedBy)")
        print(newest.content, terminator: newest.content.hasSuffix("\n") ? "" : "\n")
        return .success
    }

    static func listTariffs(_ store: CentralStore) throws -> ExitCode {
        let versions = try store.publishedCatalogs()
        guard !versions.isEmpty else {
            print("Noch kein Gebührenkatalog veröffentlicht (webkasse central tariffs publish PFAD).")
            return .success
        }
        print("Version  Inhalt                   Gebühren  veröffentlicht (UTC)   von")
        for v in versions {
            print(
                String(repeating: " ", count: max(0, 7 - String(v.version).count)) + "\(v.version)  \(v.contentVersion)  "
                    + String(repeating: " ", count: max(0, 8 - String(v.itemCount).count)) + "\(v.itemCount)  \(v.publishedAt)  \(v.publishedBy)")
        }
        return .success
    }

    /// `--url`/`--password-file`, else the `[central]` section of the configuration; nil without a URL.
    static func settings(_ args: ArgumentList) throws -> (CentralSettings?, Configuration) {
        let data = DataDirectory.resolve(option: args.value("data"))
        let configuration = try Configuration.load(path: ConfigurationLocation.resolve(explicit: args.value("config"), dataDirectory: data))
        let url = args.value("url") ?? configuration.centralURL
        guard !url.isEmpty else { return (nil, configuration) }
        let passwordFile = args.value("password-file") ?? (configuration.centralPasswordFile.isEmpty ? nil : configuration.centralPasswordFile)
        return (CentralSettings(url: url, passwordFile: passwordFile), configuration)
    }

    static func initialise(_ store: CentralStore, settings: CentralSettings, counterRole: String?) throws -> ExitCode {
        let applied = try store.migrate()
        let version = try store.checkSchema()
        if applied.isEmpty {
            print("Zentrale \(settings.displayURL): Schema-Version \(version), schon aktuell.")
        } else {
            print("Zentrale \(settings.displayURL): Migration(en) \(applied.map(String.init).joined(separator: ", ")) angewandt, Schema-Version \(version).")
        }
        if let counterRole {
            try store.grantCounterRole(counterRole)
            print("Rolle \(counterRole): darf Buchungen einliefern (INSERT) und ihren Stand lesen, sonst nichts.")
        }
        return .success
    }

    static func status(_ store: CentralStore, calendar: BusinessCalendar) throws -> ExitCode {
        _ = try store.checkSchema()
        let registers = try store.registerStatus()
        guard !registers.isEmpty else {
            print("Die Zentrale hat noch keine Buchungen.")
            return .success
        }
        let now = Instant.now
        let header = ["Kasse", "Buchung", "gebucht", "Rückstand", "offene Schicht", "letzte Z", "Abweichungen"]
        var rows = [header]
        for r in registers {
            rows.append([
                r.register, String(r.lastSeq), calendar.germanDate(of: r.lastRecordedAt) + " " + calendar.time(of: r.lastRecordedAt),
                lag(from: r.lastRecordedAt, to: now), r.openShiftDate ?? "–", r.lastZNumber.map(String.init) ?? "–",
                r.forks == 0 ? "keine" : "\(r.forks) (ab Buchung \(r.firstForkSeq ?? 0))",
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            print(row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
        let forked = registers.filter { $0.forks > 0 }
        if !forked.isEmpty {
            print(
                "ABWEICHUNG: \(forked.map(\.register).joined(separator: ", ")) – Buchungen mit gleicher Nummer und anderem Hash wurden abgelehnt (Tabelle forks)."
            )
            return .failure
        }
        return .success
    }

    /// "vor 3 min", "vor 2 h", "vor 4 Tagen".
    static func lag(from then: Instant, to now: Instant) -> String {
        let seconds = max(0, (now.millisecondsSinceEpoch - then.millisecondsSinceEpoch) / 1000)
        if seconds < 60 { return "vor \(seconds) s" }
        if seconds < 3600 { return "vor \(seconds / 60) min" }
        if seconds < 86_400 { return "vor \(seconds / 3600) h" }
        let days = seconds / 86_400
        return days == 1 ? "vor 1 Tag" : "vor \(days) Tagen"
    }

    static func verify(_ store: CentralStore, registers: [String], rows: Bool, all: Bool) throws -> ExitCode {
        _ = try store.checkSchema()
        let started = Date()
        let report = try CentralVerifier(store: store).verify(registers: registers, rows: rows)
        let checked = rows ? "Hash-Kette und Datenzeilen" : "Hash-Kette"
        let time = String(format: "%.2f", Date().timeIntervalSince(started)).replacingOccurrences(of: ".", with: ",")
        for register in registers where report.entries[register] == nil {
            print("Kasse \(register): keine Buchungen in der Zentrale.")
        }
        for (register, count) in report.entries.sorted(by: { $0.key < $1.key }) {
            let problems = report.problems.filter { $0.register == register }
            if problems.isEmpty {
                print("Kasse \(register): \(count) Buchungen geprüft (\(checked)) – in Ordnung.")
                continue
            }
            print("Kasse \(register): \(count) Buchungen geprüft (\(checked)) – \(problems.count) Problem(e).")
            print("Erste fehlerhafte Buchung: \(problems[0])")
            let shown = all ? problems : Array(problems.prefix(20))
            for problem in shown { print("  - \(problem)") }
            if shown.count < problems.count { print("  … und \(problems.count - shown.count) weitere (alle mit --all).") }
        }
        print("Geprüft in \(time) s." + (rows ? "" : " Die Datenzeilen vergleicht --rows Feld für Feld mit den Buchungsdaten."))
        return report.isClean ? .success : .failure
    }

    static func export(_ store: CentralStore, args: ArgumentList, configuration: Configuration) throws -> ExitCode {
        let formatName = try args.required("format")
        if formatName == DSFinVKExport.formatName { return try exportDSFinVK(store, args: args, configuration: configuration) }
        guard let format = ExportFormat(rawValue: formatName) else {
            throw UsageError.invalidValue(option: "format", value: formatName, expected: "datev, csv, journal, jsonl oder dsfinvk")
        }
        let out = try args.required("out")
        let scope = try ExportCommand.scope(args)
        if case .new = scope, args.flag("open-days") {
            throw UsageError.invalidValue(
                option: "open-days", value: "--new", expected: "--open-days nicht zusammen mit --new (vorläufige Buchungen gelten nie als exportiert)")
        }
        _ = try store.checkSchema()
        var settings = ExportSettings(configuration: configuration)
        if let berater = try args.integer("datev-berater", in: 1001...9_999_999) { settings.datevConsultant = berater }
        if let mandant = try args.integer("datev-mandant", in: 1...99_999) { settings.datevClient = mandant }
        if let length = try args.integer("datev-kontenlaenge", in: 4...8) { settings.datevAccountLength = length }
        let request = CentralExportRequest(
            registers: args.values("register"), format: format, scope: scope, includeOpenDays: args.flag("open-days"), outputPath: out,
            settings: settings, timeZone: configuration.zone,
            exportedBy: args.value("operator") ?? ProcessInfo.processInfo.environment["USER"] ?? "webkasse")
        let outcome: CentralExport.Outcome?
        do {
            outcome = try CentralExport.run(request, store: store)
        } catch let error as ExportError {
            printError("webkasse central export: \(error)")
            switch error {
            case .outputExists: return .usage
            case .cannotCreate, .writeFailed: return .ioError
            case .nothingToExport: return .failure
            default: return .dataError
            }
        }
        guard let outcome else {
            print("Keine neuen Buchungen seit dem letzten \(format.germanName)-Export aus der Zentrale; es wurde keine Datei angelegt.")
            return .success
        }
        ExportCommand.printSummary(outcome.result, registers: outcome.registers, out: out, format: format)
        if outcome.isRepeat { print("Wiederholung: Buchungen dieses Umfangs wurden in diesem Format schon aus der Zentrale exportiert (so vermerkt).") }
        return .success
    }

    /// `--format dsfinvk`: the Kassenabschlüsse of `--z N` (one `--register`), `--from/--to` or
    /// all, as one ZIP, from the centre (docs/dsfinvk.md).
    static func exportDSFinVK(_ store: CentralStore, args: ArgumentList, configuration: Configuration) throws -> ExitCode {
        let out = try args.required("out")
        for option in ["datev-berater", "datev-mandant", "datev-kontenlaenge"] where args.value(option) != nil {
            throw UsageError.invalidValue(option: option, value: args.value(option)!, expected: "keine DATEV-Angabe bei --format dsfinvk")
        }
        let scope: DSFinVKExport.Scope
        switch try ExportCommand.scope(args) {
        case .zNumber(let z): scope = .zNumber(z)
        case .dates(let from, let to): scope = .dates(from: from, to: to)
        case .closedDays: scope = .all
        case .new:
            throw UsageError.invalidValue(option: "new", value: "--new", expected: "--z N oder --from/--to bei --format dsfinvk (je Tagesabschluss)")
        }
        if args.flag("open-days") {
            throw UsageError.invalidValue(
                option: "open-days", value: "--open-days", expected: "nichts: die DSFinV-K enthält nur abgeschlossene Tage (Kassenabschlüsse)")
        }
        _ = try store.checkSchema()
        let request = CentralDSFinVKRequest(
            registers: args.values("register"), scope: scope, outputPath: out, master: DSFinVKMasterData(configuration: configuration),
            timeZone: configuration.zone, exportedBy: args.value("operator") ?? ProcessInfo.processInfo.environment["USER"] ?? "webkasse")
        let outcome: CentralDSFinVKExport.Outcome
        do {
            outcome = try CentralDSFinVKExport.run(request, store: store)
        } catch let error as ExportError {
            printError("webkasse central export: \(error)")
            switch error {
            case .outputExists: return .usage
            case .cannotCreate, .writeFailed: return .ioError
            case .nothingToExport: return .failure
            default: return .dataError
            }
        }
        let zs = outcome.closings.map { "\($0.register) Z \($0.zNumber) (\($0.businessDate))" }.joined(separator: ", ")
        let count = outcome.closings.count == 1 ? "1 Kassenabschluss" : "\(outcome.closings.count) Kassenabschlüsse"
        print("Export geschrieben: \(out) (DSFinV-K, \(count), \(outcome.transactionCount) Vorgänge, \(outcome.byteCount) Bytes)")
        print("Kassenabschlüsse: \(zs)")
        print("Summe aller Zahlungen: \(outcome.payments.formatted)")
        print("SHA-256: \(outcome.sha256)")
        if configuration.taxNumber.isEmpty { print("Hinweis: keine Steuernummer konfiguriert ([office] tax_number); STNR ist leer.") }
        if outcome.isRepeat { print("Wiederholung: diese Kassenabschlüsse wurden schon als DSFinV-K aus der Zentrale exportiert (so vermerkt).") }
        return .success
    }
}
