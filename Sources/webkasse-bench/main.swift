import CLISupport
import Foundation
import KasseCore

/// `webkasse-bench [SCENARIO …] [--json] [--quick] [--cold]` — measured speed, each figure beside a baseline
/// measured in the same run (this machine is shared: the ratio is what counts).
let scenarios: [(name: String, summary: String)] = [
    ("search", "Katalogsuche: 10.000 Gebühren, jedes Präfix von 50 Suchen, p99 je Tastendruck"),
    ("export", "Export: 5 Kassenbücher mit 1.000.000 Buchungszeilen je Format (--quick: 100.000) gegen sqlite3 -csv, Zeit, MB/s, Spitzen-RSS"),
    ("zvt", "Autorisierungen pro Sekunde Treiber ↔ Simulator über Loopback"),
    ("render", "Verkaufsbildschirm nach einem Tastendruck neu zeichnen"),
    ("booking", "dauerhaftes Buchen eines Verkaufs gegen dieselben Zeilen per SQL"),
    ("tse", "Barverkauf buchen mit Software-TSE gegen dieselbe Kasse ohne TSE und eine ECDSA-Signatur"),
    ("printer", "Barverkauf buchen mit ESC/POS-Drucker und Schublade gegen dieselbe Kasse ohne Drucker"),
    ("verify", "Hash-Kette von 1.000.000 Einträgen prüfen gegen sha256sum"),
    ("startup", "Kasse mit 1.000.000 Buchungen öffnen bis zur Bereitschaft"),
    ("dayclose", "Tagesabschluss mit 100.000 Verkäufen"),
    ("central", "Zentrale (PostgreSQL, WEBKASSE_BENCH_PG_URL): 100 Kassen × 5.000 Buchungen liefern gegen psql \\copy, verify gegen sha256sum"),
]

do {
    let args = try ArgumentList(
        Array(CommandLine.arguments.dropFirst()), valueOptions: ["catalog", "entries", "sales"], flagOptions: ["json", "quick", "cold", "help"])
    if args.flag("help") {
        print("Aufruf: webkasse-bench [SZENARIO …] [--json] [--quick] [--cold]\n\nSzenarien:")
        for s in scenarios { print("  \(s.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(s.summary)") }
        print("\n--cold  dayclose auch mit leerem Datei-Cache des Systems messen (braucht root)")
        exit(.success)
    }
    let selected = args.positionals.isEmpty ? scenarios.map(\.name) : args.positionals
    for name in selected where !scenarios.contains(where: { $0.name == name }) {
        throw UsageError.unknownSubcommand(name, known: scenarios.map(\.name))
    }
    if args.flag("cold") && !FileManager.default.isWritableFile(atPath: "/proc/sys/vm/drop_caches") {
        throw BenchError("--cold: der Datei-Cache lässt sich hier nicht leeren (/proc/sys/vm/drop_caches braucht root)")
    }
    let report = Report(json: args.flag("json"))
    let catalogPath = CatalogLocation.resolve(explicit: args.value("catalog"))
    let quick = args.flag("quick")
    let entries = try args.integer("entries", in: 1_000...50_000_000) ?? (quick ? 100_000 : 1_000_000)
    let sales = try args.integer("sales", in: 10...1_000_000) ?? (quick ? 300 : 2_000)
    var bigLedger: (data: String, registerId: String)?
    /// `entries` journal entries over many days; the open period is one ordinary day.
    func ledgerWithEntries() throws -> (data: String, registerId: String) {
        if let bigLedger { return bigLedger }
        printError("webkasse-bench: erzeuge ein Kassenbuch mit \(entries) Einträgen …")
        let generated = try LedgerBench.generate(entries: entries, openSales: 300, catalogPath: catalogPath)
        bigLedger = generated
        return generated
    }
    let dayCloseSales = quick ? 20_000 : 100_000
    for name in selected {
        switch name {
        case "search": try SearchBench.run(report: report, catalogPath: catalogPath)
        case "central": try CentralBench.run(report: report, quick: quick, catalogPath: catalogPath)
        case "export": try ExportBench.run(report: report, quick: quick, catalogPath: catalogPath)
        case "zvt": try ZVTBench.run(report: report, payments: quick ? 2_000 : 20_000)
        case "render": try RenderBench.run(report: report, catalogPath: catalogPath, repetitions: quick ? 5 : 40)
        case "booking": try LedgerBench.booking(report: report, catalogPath: catalogPath, sales: sales)
        case "tse": try TSEBench.run(report: report, catalogPath: catalogPath, sales: sales)
        case "printer": try PrinterBench.run(report: report, catalogPath: catalogPath, sales: sales)
        case "verify":
            let l = try ledgerWithEntries()
            try LedgerBench.verify(report: report, data: l.data, registerId: l.registerId)
        case "startup":
            let l = try ledgerWithEntries()
            try LedgerBench.startup(report: report, data: l.data, catalogPath: catalogPath, entries: Int64(entries))
        case "dayclose":
            printError("webkasse-bench: erzeuge einen offenen Tag mit \(dayCloseSales) Verkäufen …")
            let l = try LedgerBench.generate(entries: dayCloseSales + 10, openSales: dayCloseSales, catalogPath: catalogPath)
            defer { try? FileManager.default.removeItem(atPath: l.data) }
            try LedgerBench.dayclose(report: report, data: l.data, openSales: dayCloseSales, cold: args.flag("cold"))
        default: break
        }
    }
    if let bigLedger { try? FileManager.default.removeItem(atPath: bigLedger.data) }
    exit(.success)
} catch {
    printError("webkasse-bench: \(error)")
    exit(.failure)
}
