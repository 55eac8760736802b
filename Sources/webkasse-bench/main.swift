import CLISupport
import Foundation
import KasseCore

/// `webkasse-bench [SCENARIO …] [--json] [--quick]` — measured speed, each figure beside a baseline
/// measured in the same run (this machine is shared: the ratio is what counts).
let scenarios: [(name: String, summary: String)] = [
    ("search", "Katalogsuche: 10.000 Gebühren, jedes Präfix von 50 Suchen, p99 je Tastendruck"),
]

do {
    let args = try ArgumentList(Array(CommandLine.arguments.dropFirst()), valueOptions: ["catalog"], flagOptions: ["json", "quick", "help"])
    if args.flag("help") {
        print("Aufruf: webkasse-bench [SZENARIO …] [--json] [--quick]\n\nSzenarien:")
        for s in scenarios { print("  \(s.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(s.summary)") }
        exit(.success)
    }
    let selected = args.positionals.isEmpty ? scenarios.map(\.name) : args.positionals
    for name in selected where !scenarios.contains(where: { $0.name == name }) {
        throw UsageError.unknownSubcommand(name, known: scenarios.map(\.name))
    }
    let report = Report(json: args.flag("json"))
    let catalogPath = CatalogLocation.resolve(explicit: args.value("catalog"))
    for name in selected {
        switch name {
        case "search": try SearchBench.run(report: report, catalogPath: catalogPath)
        default: break
        }
    }
    exit(.success)
} catch {
    printError("webkasse-bench: \(error)")
    exit(.failure)
}
