import CLISupport
import Central
import Counter
import Foundation
import KasseCore
import Ledger

/// `webkasse simulate --sales N [--seed S] [--terminal ADRESSE] [--data DIR]` (docs/ledger.md): drives
/// realistic counter days through the counter service and prints what it did.
enum SimulateCommand {
    static let help = """
        Aufruf: webkasse simulate --sales N [--seed S] [--terminal ADRESSE] [--data VERZEICHNIS]
                                  [--register KASSE] [--per-day M] [--keep-open] [--config DATEI] [--catalog PFAD]

        Bucht N Verkäufe wie an der Theke über denselben Kassendienst wie die Oberfläche: Gebühren aus dem
        Katalog mit Varianten, bar (mit Rückgeld), Scheck, girocard und geteilte Zahlung, Stornos,
        Geldbewegungen und Tagesabschlüsse (M Verkäufe je Tag, Standard 60). Ohne --terminal zahlt ein
        simuliertes Terminal im Prozess. Die Uhr ist simuliert (Arbeitstage ab 08:00 Uhr).
        Standard-Kasse ist »SIM«, damit echte Kassenbücher unberührt bleiben.
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        let args = try ArgumentList(
            arguments, valueOptions: ["sales", "seed", "terminal", "data", "register", "per-day", "config", "catalog", "printer"],
            flagOptions: ["keep-open", "help"])
        if args.flag("help") {
            print(help)
            return .success
        }
        if let extra = args.positionals.first { throw UsageError.unexpectedArgument(extra) }
        guard let sales = try args.integer("sales", in: 1...10_000_000) else { throw UsageError.missingOption("sales") }
        let seed = UInt64(try args.integer("seed", in: 0...Int.max) ?? 1)
        let perDay = try args.integer("per-day", in: 1...100_000) ?? 60
        let data = DataDirectory.resolve(option: args.value("data"))
        var configuration: Configuration
        do {
            configuration = try Configuration.load(
                path: ConfigurationLocation.resolve(explicit: args.value("config"), dataDirectory: data),
                centralCopy: { DataDirectory.centralSettingsPath(data: data, register: $0.registerID) })
        } catch {
            printError("webkasse simulate: \(error)")
            return .dataError
        }
        configuration.registerID = args.value("register") ?? "SIM"
        guard DataDirectory.isValidRegisterId(configuration.registerID) else {
            throw UsageError.invalidValue(option: "register", value: configuration.registerID, expected: "eine Kassen-ID aus A–Z, 0–9, - und _")
        }
        if let printer = args.value("printer") { configuration.printerCommand = printer }
        let catalogPath = CatalogLocation.resolve(explicit: args.value("catalog") ?? (configuration.catalogPath.isEmpty ? nil : configuration.catalogPath))
        let catalog: TariffCatalog
        do {
            catalog = try CatalogFiles.load(path: catalogPath)
        } catch {
            printError("webkasse simulate: \(error)")
            return .dataError
        }

        var terminal: CardTerminal
        if let address = args.value("terminal") {
            do {
                terminal = try TerminalFactory.connect(address: address, settings: configuration.terminal)
            } catch {
                printError("webkasse simulate: \(error)")
                return .terminalError
            }
        } else {
            terminal = FakeCardTerminal(terminalName: "simuliert")
        }
        if let text = ProcessInfo.processInfo.environment[KillingTerminal.environmentVariable], let percent = Int(text), percent > 0 {
            terminal = KillingTerminal(terminal, percent: percent)
        }

        let clock = SimulatedClock(Instant(millisecondsSinceEpoch: 1_793_606_400_000))  // Mo 2026-11-02 08:00 Berlin
        let service: CounterService
        do {
            service = try CounterService.open(data: data, configuration: configuration, clock: clock, terminal: terminal)
        } catch {
            printError("webkasse simulate: \(error)")
            return .ioError
        }
        // Continue after what is already booked.
        let head = try service.ledger.chainHead()
        if head.seq > 0, let last = try service.ledger.entry(at: head.seq), last.recordedAt >= clock.now() {
            clock.set(Instant(millisecondsSinceEpoch: last.recordedAt.millisecondsSinceEpoch + 60_000))
        }

        print("Simulation: \(sales) Verkäufe (Seed \(seed)) in Kasse \(configuration.registerID), Daten \(data)")
        // With `[central]`: delivered in the background while it books, as `webkasse run` does (docs/central.md).
        var delivery: CentralDelivery?
        if let central = CentralSettings(configuration) {
            delivery = try SyncCommand.makeDelivery(ledgerPath: service.ledger.path, register: configuration.registerID, settings: central)
            delivery?.start()
        }
        let started = Date()
        let simulation = CounterSimulation(
            service: service, catalog: catalog, clock: clock,
            options: .init(sales: sales, seed: seed, salesPerDay: perDay, closeAtEnd: !args.flag("keep-open")),
            dayCloseSettings: DayCloseSettings(configuration: configuration))
        let summary: CounterSimulation.Summary
        do {
            summary = try simulation.run { print($0) }
        } catch {
            printError("webkasse simulate: \(error)")
            return error is CounterError ? .failure : .ioError
        }
        service.receipts.waitUntilIdle()
        if let printer = service.printer as? CommandPrinter {
            printer.waitUntilIdle()
            for problem in printer.takeProblems() { printError(problem) }
        }
        let elapsed = Date().timeIntervalSince(started)
        delivery?.stop()
        let centralLine = delivery.map { delivery in
            let status = delivery.runOnce()
            return status.text(zone: configuration.zone) + (status.lastError.map { " – \($0)" } ?? "")
        }

        print("Verkäufe gebucht: \(summary.sales)" + (summary.alreadyBooked > 0 ? " (\(summary.alreadyBooked) bereits gebucht)" : ""))
        if summary.declinedCard > 0 { print("Kartenzahlungen abgelehnt (dann bar bezahlt): \(summary.declinedCard)") }
        if summary.unknownCard > 0 { print("Kartenzahlungen ungeklärt (offen): \(summary.unknownCard)") }
        print("Stornos: \(summary.stornos) (\(summary.stornoTotal.negated.formatted))")
        print("Geldbewegungen: \(summary.movements)")
        print("Tagesabschlüsse: " + (summary.dayCloses.isEmpty ? "keine" : "Z " + summary.dayCloses.map(String.init).joined(separator: ", ")))
        let methods = PaymentMethod.allCases.map { "\($0.label) \((summary.byMethod[$0] ?? .zero).formatted)" }
        print("Summen je Zahlart: " + methods.joined(separator: "; "))
        if let first = summary.firstReceipt, let last = summary.lastReceipt { print("Belege: \(first)–\(last)") }
        let report = try service.ledger.verify()
        print(
            "Prüfung: \(report.entryCount) Einträge, " + (report.isClean ? "in Ordnung" : "\(report.problems.count) Problem(e): \(report.problems[0])")
                + String(format: " (%.2f s)", report.duration).replacingOccurrences(of: ".", with: ","))
        print(String(format: "Dauer: %.1f s", elapsed).replacingOccurrences(of: ".", with: ","))
        if let centralLine { print(centralLine) }
        return report.isClean ? .success : .failure
    }
}

/// Connects the counter service to a real terminal (`HOST:PORT`, `serial:…`, `framed:…`) through the ZVT driver.
enum TerminalFactory {
    static func connect(address: String, settings: TerminalSettings) throws -> CardTerminal {
        try ZVTCardTerminal(address: address, settings: settings)
    }
}

/// For the crash test only: after an approval, kills the process with SIGKILL in `percent` % of
/// the payments (4 × `percent` % of the reversals) — the worst moment, the terminal has committed
/// and the ledger has not booked.
final class KillingTerminal: CardTerminal {
    static let environmentVariable = "WEBKASSE_SIMULATE_KILL_AFTER_APPROVAL"
    let inner: CardTerminal
    let percent: Int
    init(_ inner: CardTerminal, percent: Int) {
        self.inner = inner
        self.percent = percent
    }
    var terminalName: String { inner.terminalName }
    func authorize(amount: Money) throws(CardTerminalError) -> CardResult {
        let result = try inner.authorize(amount: amount)
        if case .approved = result, Int.random(in: 0..<100) < percent { kill(getpid(), SIGKILL) }
        return result
    }
    func reverse(receiptNumber: String, amount: Money) throws(CardTerminalError) -> CardResult {
        let result = try inner.reverse(receiptNumber: receiptNumber, amount: amount)
        if case .approved = result, Int.random(in: 0..<100) < percent * 4 { kill(getpid(), SIGKILL) }
        return result
    }
    func lastTransaction() throws(CardTerminalError) -> TerminalTransaction? { try inner.lastTransaction() }
}
