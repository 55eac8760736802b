import CLISupport
import Central
import Foundation
import KasseCore
import Ledger
import SystemCalls

/// `webkasse sync [--once]` (docs/central.md, "Delivery"): delivers this counter's journal to the
/// centre of `[central]`; `webkasse run` does the same in the background.
enum SyncCommand {
    static let help = """
        Aufruf: webkasse sync [--once] [--data VERZEICHNIS] [--config DATEI] [--register KASSE] [--batch N] [--retry-max S]

        Liefert jede Buchung des Kassenbuchs an die Zentrale ([central] url der Konfiguration), in
        Reihenfolge, in Paketen zu je einer Transaktion; schon gelieferte Buchungen werden
        übersprungen, eine andere Buchung unter derselben Nummer wird abgelehnt (ABWEICHUNG).
        --batch N: Buchungen je Paket (Standard 500); --retry-max S: längste Wartezeit nach Fehlern in
        Sekunden (Standard 60).
        Holt dabei auch den zuletzt veröffentlichten Gebührenkatalog der Zentrale in das
        Datenverzeichnis der Kasse (katalog/); die Kasse verkauft mit ihm, auch ohne Zentrale.
        Ebenso die Bediener der Zentrale (webkasse central operator …) in das Kassenbuch, damit
        Anmeldung, Sperre und Rollen auch ohne Zentrale gelten; ist dieser Stand älter als einen
        Tag, sagt es die Statuszeile (»Bediener-Stand vom 05.12. 09:12«).
        Mit --once: einmal bis zum aktuellen Stand (Status 0), bei Fehler Status 7, bei Abweichung 1.
        Ohne --once läuft es weiter, bis es mit Strg+C beendet wird, und wartet nach Fehlern immer
        länger (bis 60 s).
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        let args = try ArgumentList(arguments, valueOptions: ["data", "config", "register", "batch", "retry-max"], flagOptions: ["once", "help"])
        if args.flag("help") {
            print(help)
            return .success
        }
        if let extra = args.positionals.first { throw UsageError.unexpectedArgument(extra) }
        let data = DataDirectory.resolve(option: args.value("data"))
        let configuration: Configuration
        do {
            configuration = try Configuration.load(path: ConfigurationLocation.resolve(explicit: args.value("config"), dataDirectory: data))
        } catch {
            printError("webkasse sync: \(error)")
            return .dataError
        }
        guard let settings = CentralSettings(configuration) else {
            printError("webkasse sync: Keine Zentrale konfiguriert ([central] url in der Konfigurationsdatei oder WEBKASSE_CENTRAL_URL).")
            return .usage
        }
        let register = args.value("register") ?? configuration.registerID
        let batchSize = try args.integer("batch", in: 1...100_000) ?? 500
        let retryMaximumMs = Int64(try args.integer("retry-max", in: 1...3600) ?? 60) * 1000
        let path = DataDirectory.ledgerPath(data: data, register: register)
        // A new counter may fetch the centre's operators and catalogue before its first start:
        // its (empty) ledger is created as `webkasse run` would.
        do { try FileSecurity.configure(group: configuration.fileGroup) } catch {
            printError("webkasse sync: \(error)")
            return .ioError
        }
        let delivery: CentralDelivery
        do {
            delivery = try makeDelivery(
                ledgerPath: path, register: register, settings: settings, batchSize: batchSize,
                backoff: Backoff(firstMs: min(1000, retryMaximumMs), maximumMs: retryMaximumMs))
        } catch {
            printError("webkasse sync: \(error)")
            return .ioError
        }
        let zone = configuration.zone
        if args.flag("once") {
            let status = delivery.runOnce()
            print("Kasse \(register): \(status.text(zone: zone)) (Kasse \(status.localHead), Zentrale \(status.acknowledged.map(String.init) ?? "?")).")
            if let cache = delivery.catalogFollower?.cache, let version = cache.currentVersion {
                print("Gebührenkatalog der Zentrale: Version \(version) in \(cache.directory).")
            }
            if let problem = delivery.catalogFollower?.lastProblem { printError("webkasse sync: \(problem)") }
            if let office = delivery.officeSettingsFollower {
                if let version = office.currentVersion { print("Dienststelle und Konten der Zentrale: Version \(version) in \(office.path).") }
                if let problem = office.lastProblem { printError("webkasse sync: \(problem)") }
            }
            if let operators = delivery.operatorFollower {
                if let fetched = operators.lastFetchedAt {
                    let calendar = BusinessCalendar(timeZone: zone)
                    if let stale = operators.staleText(now: Instant.now, zone: zone) {
                        print("Bediener der Zentrale: \(stale) – älter als einen Tag.")
                    } else {
                        print(
                            "Bediener der Zentrale: übernommen bis Ereignis \(operators.appliedThrough), Stand vom \(calendar.germanDate(of: fetched)) \(calendar.time(of: fetched))."
                        )
                    }
                }
                for login in operators.collisions {
                    printError(
                        "webkasse sync: Der Bediener »\(login)« der Zentrale wird an dieser Kasse nicht übernommen: hier gibt es schon einen eigenen Bediener »\(login)« (angelegt vor der Zentrale); bitte in der Zentrale eine andere Kennung vergeben."
                    )
                }
                if let problem = operators.lastProblem { printError("webkasse sync: \(problem)") }
            }
            if let error = status.lastError {
                printError("webkasse sync: \(error)")
                return .ioError
            }
            return status.fork != nil || status.centralAhead != nil ? .failure : .success
        }
        var lastText = ""
        while true {
            let status = delivery.runOnce()
            let text = status.text(zone: zone) + (status.lastError.map { " – \($0)" } ?? "")
            if text != lastText {
                print("Kasse \(register): \(text)")
                lastText = text
            }
            Syscall.sleep(milliseconds: 500)
        }
    }

    /// The delivery of the ledger at `ledgerPath` (its own connection to the ledger) with the
    /// cursor file beside it; it also follows the centre's catalogue into the catalogue cache there.
    static func makeDelivery(
        ledgerPath: String, register: String, settings: CentralSettings, batchSize: Int = 500, backoff: Backoff = Backoff()
    ) throws -> CentralDelivery {
        let ledger = try Ledger(path: ledgerPath)
        let delivery = CentralDelivery(
            ledger: ledger, register: register, cursorPath: CentralDelivery.cursorPath(ledgerPath: ledgerPath), batchSize: batchSize,
            backoff: backoff,
            connect: { try CentralStore(settings: settings) })
        // The centre's catalogue into the register's cache, after each pass (docs/central.md, "Stammdaten").
        delivery.catalogFollower = CatalogFollower(cache: CatalogCache(registerDirectory: (ledgerPath as NSString).deletingLastPathComponent))
        // The centre's operators into the ledger, for log-in offline (docs/central.md, "Bediener aus der Zentrale").
        delivery.operatorFollower = OperatorFollower(ledger: ledger, registerDirectory: (ledgerPath as NSString).deletingLastPathComponent)
        // The office's name, address and accounts, taken at the next start (docs/central.md,
        // "Dienststelle und Konten aus der Zentrale").
        delivery.officeSettingsFollower = OfficeSettingsFollower(
            path: DataDirectory.centralSettingsPath(registerDirectory: (ledgerPath as NSString).deletingLastPathComponent))
        return delivery
    }
}
