import CLISupport
import Central
import Counter
import Foundation
import KasseCore
import Ledger

/// `webkasse verify [--data DIR] [--register ID]` (docs/ledger.md): recomputes the hash chain and checks
/// every invariant of each register's ledger; names the first bad entry and exits 1 on problems.
enum VerifyCommand {
    static let help = """
        Aufruf: webkasse verify [--data VERZEICHNIS] [--register KASSE] [--config DATEI] [--all]

        Prüft das Kassenbuch jeder Kasse im Datenverzeichnis: Hash-Kette, lückenlose Belegnummern,
        ausgeglichene Verkäufe, Storno-Bezüge und Tagesabschluss-Summen, dazu die Beleg- und
        Z-Berichtsdateien im Datenverzeichnis (eine Datei ohne Buchung heißt: das Kassenbuch wurde
        am Ende gekürzt oder durch eine ältere Kopie ersetzt). Nennt den ersten fehlerhaften
        Eintrag (mit --all alle) und endet mit Status 1, wenn etwas nicht stimmt.
        Jede Beleg- und Z-Berichtsdatei im Datenverzeichnis muss ihre Buchung haben (eine Datei ohne
        Buchung heißt: das Ende des Kassenbuchs fehlt). Mit [central] in der Konfiguration wird außerdem der Stand jeder Kasse mit der Zentrale
        verglichen: ein gelöschtes oder verändertes Ende des Kassenbuchs wird mit Kasse und
        Buchungsnummer genannt (docs/central.md).
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        let args = try ArgumentList(arguments, valueOptions: ["data", "register", "config"], flagOptions: ["all", "help"])
        if args.flag("help") {
            print(help)
            return .success
        }
        if let extra = args.positionals.first { throw UsageError.unexpectedArgument(extra) }
        let data = DataDirectory.resolve(option: args.value("data"))
        var registers = DataDirectory.registers(in: data)
        if let register = args.value("register") {
            guard registers.contains(register) else {
                printError("webkasse verify: Für die Kasse »\(register)« gibt es in \(data) kein Kassenbuch.")
                return .dataError
            }
            registers = [register]
        }
        guard !registers.isEmpty else {
            printError("webkasse verify: Im Datenverzeichnis \(data) gibt es kein Kassenbuch.")
            return .dataError
        }
        // The centre as a witness (docs/central.md, "Verify"), when one is configured.
        var central: CentralSettings?
        do {
            central = CentralSettings(try Configuration.load(path: ConfigurationLocation.resolve(explicit: args.value("config"), dataDirectory: data)))
        } catch {
            printError("webkasse verify: \(error)")
            return .dataError
        }
        var clean = true
        for register in registers {
            defer {
                // The centre as the second witness, after the ledger's own check and its files'.
                if let central, !compareWithCentre(central, data: data, register: register) { clean = false }
            }
            let path = DataDirectory.ledgerPath(data: data, register: register)
            let report: VerificationReport
            let witnesses: [ReceiptFileWitness.Finding]
            do {
                let ledger = try Ledger(path: path)
                report = try ledger.verify()
                witnesses = try ReceiptFileWitness.check(
                    ledger: ledger, receiptDirectory: DataDirectory.registerDirectory(data: data, register: register) + "/receipts")
                AccessControl.recordVerification(ledger, entries: report.entryCount, problems: report.problems.count + witnesses.count)
            } catch {
                printError("webkasse verify: Kasse \(register): \(error)")
                return .ioError
            }
            let time = String(format: "%.2f", report.duration).replacingOccurrences(of: ".", with: ",")
            if !witnesses.isEmpty {
                clean = false
                print("Kasse \(register): \(witnesses.count) Beleg- oder Berichtsdatei(en) ohne Buchung im Kassenbuch.")
                for finding in witnesses.prefix(args.flag("all") ? witnesses.count : 20) { print("  - \(finding)") }
                if !args.flag("all") && witnesses.count > 20 { print("  … und \(witnesses.count - 20) weitere (alle mit --all).") }
            }
            if report.isClean {
                print("Kasse \(register): \(report.entryCount) Einträge geprüft in \(time) s – \(witnesses.isEmpty ? "in Ordnung" : "Kette in Ordnung").")
                continue
            }
            clean = false
            print("Kasse \(register): \(report.entryCount) Einträge geprüft in \(time) s – \(report.problems.count) Problem(e).")
            if let first = report.problems.first(where: { $0.seq != nil }) {
                print("Erster fehlerhafter Eintrag: \(first)")
            }
            let shown = args.flag("all") ? report.problems : Array(report.problems.prefix(20))
            for problem in shown { print("  - \(problem)") }
            if shown.count < report.problems.count {
                print("  … und \(report.problems.count - shown.count) weitere (alle mit --all).")
            }
        }
        return clean ? .success : .failure
    }

    /// Compares the ledger of `register` with the centre's copy; false when they disagree. An
    /// unreachable centre is reported and not counted as a problem of the ledger.
    static func compareWithCentre(_ settings: CentralSettings, data: String, register: String) -> Bool {
        do {
            let store = try CentralStore(settings: settings)
            _ = try store.checkSchema()
            let comparison = try store.compare(try Ledger(data: data, register: register), register: register)
            if let problem = comparison.problem(register: register) {
                print(problem)
                return false
            }
            if case .agrees(let through, let local) = comparison {
                print(
                    "Kasse \(register): stimmt mit der Zentrale überein (bis Buchung \(through)\(local > through ? ", \(local - through) noch nicht geliefert" : ""))."
                )
            }
        } catch {
            printError("webkasse verify: Kasse \(register): Vergleich mit der Zentrale nicht möglich: \(error)")
        }
        return true
    }
}
