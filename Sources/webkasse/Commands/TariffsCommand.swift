import CLISupport
import Counter
import Foundation
import KasseCore

/// `webkasse tariffs check [PATH]`, `webkasse tariffs list [--date YYYY-MM-DD] [PATH]`,
/// `webkasse tariffs search QUERY [--date …] [PATH]` (Tariffs/README.md).
enum TariffsCommand {
    static let help = """
        Aufruf:
          webkasse tariffs check [PFAD]                       prüft den Katalog, meldet jedes Problem
          webkasse tariffs list [--date JJJJ-MM-TT] [PFAD]    Gebühren, die an dem Tag gelten (Standard: heute)
          webkasse tariffs search SUCHE [--date …] [PFAD]     sucht wie die Kasse (Code oder Wörter)
        PFAD ist eine Katalogdatei oder ein Verzeichnis mit .json-Dateien; ohne PFAD gilt
        $WEBKASSE_CATALOG oder das Verzeichnis Tariffs/ der Installation.
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        let args = try ArgumentList(arguments, valueOptions: ["date", "catalog"], flagOptions: ["help"])
        guard let action = args.positionals.first, !args.flag("help") else {
            print(help)
            return args.flag("help") ? .success : .usage
        }
        let rest = Array(args.positionals.dropFirst())
        switch action {
        case "check":
            guard rest.count <= 1 else { throw UsageError.unexpectedArgument(rest[1]) }
            return check(path: CatalogLocation.resolve(explicit: rest.first ?? args.value("catalog")))
        case "list":
            guard rest.count <= 1 else { throw UsageError.unexpectedArgument(rest[1]) }
            let date = try parseDate(args.value("date"))
            let catalog = try load(CatalogLocation.resolve(explicit: rest.first ?? args.value("catalog")))
            list(catalog, on: date)
            return .success
        case "search":
            guard let query = rest.first else { throw UsageError.missingArgument("SUCHE") }
            guard rest.count <= 2 else { throw UsageError.unexpectedArgument(rest[2]) }
            let date = try parseDate(args.value("date"))
            let catalog = try load(CatalogLocation.resolve(explicit: rest.count > 1 ? rest[1] : args.value("catalog")))
            let search = CatalogSearch(catalog: catalog)
            for item in search.items(matching: query) where item.isInForce(on: date) {
                print(row(item, on: date))
            }
            return .success
        default:
            throw UsageError.unknownSubcommand(action, known: ["check", "list", "search"])
        }
    }

    private static func parseDate(_ text: String?) throws -> BusinessDate {
        guard let text else { return BusinessDate.today() }
        guard let date = BusinessDate(iso: text) else {
            throw UsageError.invalidValue(option: "date", value: text, expected: "ein Datum JJJJ-MM-TT, z. B. 2026-02-07")
        }
        return date
    }

    private static func load(_ path: String) throws -> TariffCatalog {
        do {
            return try TariffCatalogLoader.load(path: path)
        } catch {
            throw CatalogUnusable(problems: error.problems)
        }
    }

    private static func check(path: String) -> ExitCode {
        let (catalog, problems) = CatalogFiles.check(path: path)
        for problem in problems { print(problem.description) }
        guard let catalog, problems.isEmpty else {
            printError("\(problems.count) Problem\(problems.count == 1 ? "" : "e") in \(path).")
            return .failure
        }
        let variants = catalog.items.reduce(0) { $0 + $1.variants.count }
        let taxable = catalog.items.filter { item in
            item.variants.contains { if case .steuerpflichtig = item.taxRule(for: $0).treatment { true } else { false } }
        }.count
        print(
            "\(path): in Ordnung – \(catalog.items.count) Gebühren, \(variants) Varianten, \(catalog.accounts.count) Konten, "
                + "\(taxable) umsatzsteuerpflichtig; Katalogversion \(catalog.version ?? "-").")
        return .success
    }

    private static func list(_ catalog: TariffCatalog, on date: BusinessDate) {
        print("Gebühren am \(date.german):")
        let items = catalog.itemsInForce(on: date)
        var categories: [String] = []
        for item in items where !categories.contains(item.category) { categories.append(item.category) }
        for category in categories {
            print("\n\(category)")
            for item in items where item.category == category { print(row(item, on: date)) }
        }
    }

    private static func row(_ item: TariffItem, on date: BusinessDate) -> String {
        let variants = item.variants.compactMap { v -> String? in
            guard let price = v.price(on: date) else { return nil }
            return v.name.isEmpty ? price.formatted : "\(v.name) \(price.formatted)"
        }
        let split =
            item.booking.shares.isEmpty
            ? "" : "  [" + item.booking.shares.map { "\($0.numerator)/\($0.denominator) \($0.account)" }.joined(separator: ", ") + "]"
        return "  " + item.code.padding(toLength: 6, withPad: " ", startingAt: 0) + item.name + ": " + variants.joined(separator: " · ") + split
    }
}

/// The catalogue has problems; each line names file, place and reason.
struct CatalogUnusable: Error, CustomStringConvertible {
    let problems: [CatalogProblem]
    var description: String {
        "Der Gebührenkatalog ist fehlerhaft (\(problems.count) Problem\(problems.count == 1 ? "" : "e")):\n"
            + problems.map(\.description).joined(separator: "\n")
    }
}
