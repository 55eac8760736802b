import Access
import CLISupport
import Central
import Counter
import CounterUI
import Foundation
import KasseCore
import Ledger
import SystemCalls
import ZVT
import ZVTSimulator

/// `webkasse [run] [--data DIR] [--config DATEI] [--terminal ADRESSE] [--catalog PFAD] [--demo]`:
/// the counter screen (docs/ui.md).
enum RunCommand {
    static let help = """
        Aufruf: webkasse [run] [OPTIONEN]

        Startet die Kassenoberfläche (mindestens 80×24 Zeichen, UTF-8).

          --data DIR            Datenverzeichnis (Standard: $WEBKASSE_DATA, sonst ~/.local/share/webkasse)
          --config DATEI        Konfigurationsdatei (Standard: $WEBKASSE_CONFIG, sonst DIR/webkasse.conf)
          --terminal ADRESSE    EC-Terminal: HOST:PORT (ZVT über TCP), serial:/dev/ttyUSB0[?baud=9600]
                                oder framed:HOST:PORT; ohne Angabe startet ein simuliertes Terminal
          --catalog PFAD        Gebührenkatalog (Datei oder Verzeichnis; Standard: Tariffs/)
          --demo                bei leerem Journal Demo-Bediener anlegen: demo/1234 und chef/9999
          --training            Schulung: eigenes Journal in DIR/schulung.training (nie exportiert), jeder
                                Bildschirm und Beleg »SCHULUNG – KEIN ZAHLUNGSBELEG«, immer das simulierte
                                Terminal (Ergebnis wählbar: Menü F9, E), Demo-Bediener demo/1234 und chef/9999

        Umgebung: NO_COLOR=1 (ohne Farben), WEBKASSE_THEME=farbe|kontrast|mono.

        """

    static func run(_ words: [String]) throws -> ExitCode {
        let arguments = try ArgumentList(words, valueOptions: ["data", "config", "terminal", "catalog"], flagOptions: ["demo", "training", "help"])
        if arguments.flag("help") {
            print(help, terminator: "")
            return .success
        }
        if let extra = arguments.positionals.first { throw UsageError.unexpectedArgument(extra) }
        let environment = ProcessInfo.processInfo.environment

        // Configuration: file < the centre's copy < environment < flags.
        let realData = DataDirectory.resolve(option: arguments.value("data"), environment: environment)
        let configPath = ConfigurationLocation.resolve(explicit: arguments.value("config"), dataDirectory: realData, environment: environment)
        // Training: a data directory of its own (never the real ledger), always the simulated terminal.
        let training = arguments.flag("training")
        if training, arguments.value("terminal") != nil {
            throw UsageError.invalidValue(
                option: "terminal", value: arguments.value("terminal")!, expected: "keine Angabe: die Schulung nutzt immer das simulierte Terminal")
        }
        let data = training ? DataDirectory.trainingData(of: realData) : realData
        if training {
            do {
                try DataDirectory.markAsTraining(data)
            } catch {
                printError("webkasse: Das Schulungsverzeichnis \(data) lässt sich nicht anlegen: \(error.localizedDescription)")
                return .ioError
            }
        }
        var configuration: Configuration
        do {
            // With a centre, its [office] and [accounts] as last fetched (never for training data).
            configuration = try Configuration.load(
                path: configPath, environment: environment,
                centralCopy: { training ? nil : DataDirectory.centralSettingsPath(data: data, register: $0.registerID) })
        } catch {
            printError("webkasse: \(error)")
            return .dataError
        }
        if let terminal = arguments.value("terminal") {
            do {
                _ = try ZVTTerminalAddress(parsing: terminal)
            } catch {
                throw UsageError.invalidValue(option: "terminal", value: terminal, expected: error.expected)
            }
            configuration.terminalAddress = terminal
        }

        // The catalogue: refuse to start on a broken one, with every problem. With a centre, the
        // version it published last and this counter fetched (the last good one: also offline),
        // else the catalogue files (docs/central.md, "Stammdaten").
        let localCatalogPath = CatalogLocation.resolve(
            explicit: arguments.value("catalog") ?? (configuration.catalogPath.isEmpty ? nil : configuration.catalogPath),
            environment: environment)
        let registerDirectory = DataDirectory.registerDirectory(data: data, register: configuration.registerID)
        let centralCatalog = configuration.centralURL.isEmpty || training ? nil : CatalogCache(registerDirectory: registerDirectory)
        let catalogPath = centralCatalog?.currentDirectory ?? localCatalogPath
        let (loaded, problems) = CatalogFiles.check(path: catalogPath)
        guard let catalog = loaded, problems.isEmpty else {
            printError("webkasse: Der Gebührenkatalog \(catalogPath) ist fehlerhaft; die Kasse startet nicht:")
            for problem in problems { printError("  \(problem)") }
            return .dataError
        }

        do {
            try DataDirectory.createDirectory(registerDirectory)
        } catch {
            printError("webkasse: Das Datenverzeichnis \(registerDirectory) lässt sich nicht anlegen: \(error.localizedDescription)")
            return .ioError
        }

        if training { configuration.terminalAddress = "" }
        if !configuration.terminalAddress.isEmpty {
            do {
                _ = try ZVTTerminalAddress(parsing: configuration.terminalAddress)
            } catch {
                printError("webkasse: \(configPath ?? "Umgebung"): terminal.address: \(error)")
                return .dataError
            }
        }

        // Without a configured terminal: the simulator in the background on a free loopback port.
        var simulator: TerminalSimulator?
        var terminalAddress = configuration.terminalAddress
        if terminalAddress.isEmpty {
            do {
                let started = try startSimulator(directory: registerDirectory, timeZone: configuration.zone, settings: configuration.terminal)
                simulator = started
                terminalAddress = started.address!.description
            } catch {
                printError("webkasse: Das simulierte Terminal startet nicht: \(error)")
                return .terminalError
            }
        }
        defer { simulator?.stop() }

        let backend: CounterBackend
        // With `[central]`: the delivery to the centre on its own thread and its own connection to the
        // ledger, never on the clerk's key path (docs/central.md). Not for the training ledger.
        var centralDelivery: CentralDelivery?
        defer { centralDelivery?.stop() }
        do {
            let terminal = try ZVTCardTerminal(address: terminalAddress, settings: configuration.terminal)
            let ledger = try CounterService.openLedger(data: data, configuration: configuration)
            let access = AccessControl(store: ledger, configuration: configuration, log: FileLog(data: data))
            let service = try CounterService.open(
                ledger: ledger, data: data, configuration: configuration, terminal: terminal, accessGuard: access,
                terminalStatusPollSeconds: configuration.terminal.statusPollSeconds)
            // Audit a changed configuration or catalogue (docs/access.md).
            try access.recordFileChanges(configurationPath: configPath, catalogPath: catalogPath)
            var status = StatusInfo(
                office: configuration.officeName, register: configuration.registerID,
                terminal: "Terminal \(terminalAddress)", terminalIsSimulated: simulator != nil,
                simulatorControl: simulator?.controlAddress?.description)
            status.isTraining = training
            let live = try LiveCounterBackend(
                service: service, access: access, catalog: catalog, status: status,
                dayCloseSettings: DayCloseSettings(configuration: configuration), changeConfirmation: configuration.changeConfirmation,
                referenceRule: SaleReferenceRule(configuration: configuration))
            live.customerDisplay = CustomerDisplay.configured(configuration)
            live.catalogWatcher = CatalogWatcher(currentVersion: catalog.version) {
                CatalogFiles.check(path: centralCatalog?.currentDirectory ?? localCatalogPath)
            }
            if arguments.flag("demo") || training { try live.seedDemoOperators() }
            if training, let control = simulator?.control {
                live.trainingTerminal = { outcome in control.queueNext(try Scenario(parsing: outcome.rawValue)) }
            }
            service.terminalMonitor?.startPolling()
            if !training, let central = CentralSettings(configuration) {
                let delivery = try SyncCommand.makeDelivery(ledgerPath: ledger.path, register: configuration.registerID, settings: central)
                let zone = configuration.zone
                // With the age of the operators' copy when it is older than a day (docs/central.md).
                let operators = delivery.operatorFollower
                live.centralStatus = {
                    [delivery.status.text(zone: zone), operators?.staleText(now: Instant.now, zone: zone)].compactMap { $0 }.joined(separator: " · ")
                }
                // A new counter takes its operators from the centre before the first screen; it
                // never sets up one of its own (docs/central.md, "Bediener aus der Zentrale").
                if try access.needsSetup() { delivery.runOnce() }
                live.firstSetupRefusal =
                    "Die Bediener kommen von der Zentrale, die noch keine geliefert hat: F12, »webkasse sync --once« prüfen, neu starten."
                delivery.start()
                centralDelivery = delivery
            }
            backend = live
        } catch {
            printError("webkasse: \(error)")
            return .dataError
        }
        let lockAfter = configuration.idleLockMinutes > 0 ? Double(configuration.idleLockMinutes) * 60 : nil
        let app = CounterApp(
            backend: backend, options: .init(lockAfterSeconds: lockAfter, theme: Theme.from(environment: environment), timeZone: configuration.zone))
        do {
            try app.run()
        } catch let error as TerminalError {
            printError("webkasse: \(error)")
            return .ioError
        }
        return .success
    }

    /// Starts the simulated EC terminal and its control port (docs/zvt-sim.md); its journal and log
    /// live beside the ledger, never on the screen; its slips show the office's time (`timeZone`),
    /// as the receipts do. It shows the habits of the `[terminal] profile` (``VendorProfile``), so
    /// that a trainer can demonstrate a vendor's terminal; `ingenico` has none simulated (standard).
    static func startSimulator(directory: String, timeZone: TimeZone, settings: TerminalSettings) throws -> TerminalSimulator {
        var configuration = SimulatorConfiguration()
        configuration.timeZone = timeZone
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        // The control port on a free loopback port too: the terminal menu shows it (training, support).
        configuration.control = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.journalPath = directory + "/zvt-sim-journal.jsonl"
        configuration.logLevel = .transactions
        let logPath = directory + "/zvt-sim.log"
        if !FileManager.default.fileExists(atPath: logPath) {
            FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let log = FileHandle(forWritingAtPath: logPath)
        _ = try? log?.seekToEnd()
        configuration.log = { line in log?.write(Data((line + "\n").utf8)) }
        signal(SIGPIPE, SIG_IGN)
        let simulator = try TerminalSimulator(configuration: configuration)
        simulator.control.profile = VendorProfile(rawValue: settings.profile.rawValue) ?? .standard
        try simulator.start()
        return simulator
    }
}
