import CLISupport
import Central
import Foundation
import KasseCore
import Ledger

/// `webkasse central init|status|verify` (docs/central.md): the office's central PostgreSQL
/// database of every register's journal.
enum CentralCommand {
    static let help = """
        Aufruf: webkasse central init [--url URL] [--password-file DATEI] [--counter-role ROLLE]
                webkasse central status [--url URL] [--password-file DATEI]
                webkasse central verify [--register KASSE …] [--url URL] [--password-file DATEI] [--all]

        init    legt das Schema der Zentrale an oder bringt es auf den neuesten Stand (nummerierte
                Migrationen; als Eigentümer der Datenbank ausführen); mit --counter-role erhält die
                Rolle der Kassen nur die Rechte zum Einliefern (INSERT) und zum Lesen ihres Stands.
        status  jede Kasse: letzte Buchung und ihre Zeit, Rückstand, offene Schicht, letzte Z-Nummer,
                Abweichungen (Forks).
        verify  rechnet die Hash-Kette jeder Kasse in der Zentrale aus den gespeicherten Buchungsdaten
                nach, vergleicht jede Zeile damit und nennt die erste fehlerhafte Buchung (Kasse, Nummer);
                nennt auch eine Kasse, deren Kassenbuch kürzer wurde. Status 1 bei Problemen.

        Ohne --url gilt [central] url der Konfigurationsdatei (--config, --data wie bei webkasse run);
        das Passwort aus --password-file oder [central] password_file (Rechte 0600), sonst aus
        WEBKASSE_CENTRAL_PASSWORD oder PGPASSWORD.
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        let args = try ArgumentList(
            arguments, valueOptions: ["url", "password-file", "counter-role", "register", "data", "config"], flagOptions: ["all", "help"])
        if args.flag("help") {
            print(help)
            return .success
        }
        let verbs = ["init", "status", "verify"]
        guard let verb = args.positionals.first else { throw UsageError.missingSubcommand(known: verbs) }
        guard verbs.contains(verb) else { throw UsageError.unknownSubcommand(verb, known: verbs) }
        if args.positionals.count > 1 { throw UsageError.unexpectedArgument(args.positionals[1]) }
        let settings: CentralSettings
        let zone: TimeZone
        do {
            let (configured, configuration) = try Self.settings(args)
            zone = configuration.zone
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
            case "status": return try status(store, calendar: BusinessCalendar(timeZone: zone))
            default: return try verify(store, registers: args.values("register"), all: args.flag("all"))
            }
        } catch {
            printError("webkasse central \(verb): \(error)")
            return .ioError
        }
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
            print("ABWEICHUNG: \(forked.map(\.register).joined(separator: ", ")) – Buchungen mit gleicher Nummer und anderem Hash wurden abgelehnt (Tabelle forks).")
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

    static func verify(_ store: CentralStore, registers: [String], all: Bool) throws -> ExitCode {
        _ = try store.checkSchema()
        let started = Date()
        let report = try CentralVerifier(store: store).verify(registers: registers)
        let time = String(format: "%.2f", Date().timeIntervalSince(started)).replacingOccurrences(of: ".", with: ",")
        for register in registers where report.entries[register] == nil {
            print("Kasse \(register): keine Buchungen in der Zentrale.")
        }
        for (register, count) in report.entries.sorted(by: { $0.key < $1.key }) {
            let problems = report.problems.filter { $0.register == register }
            if problems.isEmpty {
                print("Kasse \(register): \(count) Buchungen geprüft – in Ordnung.")
                continue
            }
            print("Kasse \(register): \(count) Buchungen geprüft – \(problems.count) Problem(e).")
            print("Erste fehlerhafte Buchung: \(problems[0])")
            let shown = all ? problems : Array(problems.prefix(20))
            for problem in shown { print("  - \(problem)") }
            if shown.count < problems.count { print("  … und \(problems.count - shown.count) weitere (alle mit --all).") }
        }
        print("Geprüft in \(time) s.")
        return report.isClean ? .success : .failure
    }
}
