import KasseCore

/// `search`: a 10,000-item catalogue, every prefix of 50 realistic queries, p99 per keystroke.
/// Baseline in the same run: a naive scan (`lowercased().contains`) over the same items.
enum SearchBench {
    static let queries = [
        "personalausweis", "PA", "reisepass", "RP", "führungszeugnis", "fuhrung", "FZ", "fz eu",
        "meldebescheinigung", "MB", "beglaubigung kopie", "beglaubigung unterschrift", "gewerbezentralregister",
        "gzr", "express", "48 seiten", "vorläufiger pass", "vorlaufiger ausweis", "pin", "eid einschalten",
        "entsperren", "passfoto", "lichtbild", "lebensbescheinigung", "rente", "abmeldung", "anmeldung",
        "melderegisterauskunft", "auskunft", "kinderreisepass", "zuschlag", "hundesteuer marke", "fischereischein",
        "parkausweis anwohner", "sondernutzung", "standesamt urkunde", "geburtsurkunde", "eheurkunde",
        "sterbeurkunde", "namensänderung", "wohnsitzbescheinigung", "waffenbesitzkarte", "jagdschein",
        "veranstaltung genehmigung", "friedhof grabstelle", "baumfällung", "straßenverkehr ausnahme",
        "bewohnerparken", "gaststätte erlaubnis", "xyz unbekannt",
    ]

    static let subjects = [
        "Melderegister", "Gewerbe", "Fischerei", "Hunde", "Anwohnerpark", "Sondernutzungs", "Straßenverkehrs",
        "Baumfällungs", "Friedhofs", "Standesamts", "Geburts", "Ehe", "Sterbe", "Namensänderungs", "Wohnsitz",
        "Waffenbesitz", "Jagd", "Veranstaltungs", "Gaststätten", "Bewohnerpark", "Lebenspartnerschafts",
        "Einbürgerungs", "Aufenthalts", "Kfz-Zulassungs", "Schwerbehinderten", "Spielhallen", "Märkte",
    ]
    static let kinds = [
        "bescheinigung", "auskunft", "genehmigung", "erlaubnis", "urkunde", "ausweis", "schein", "karte",
        "bestätigung", "verlängerung", "änderung", "ersatz", "zweitschrift", "gebühr", "zuschlag",
    ]

    /// The shipped catalogue plus generated items up to `count`.
    static func catalogue(base: TariffCatalog, count: Int) -> [TariffItem] {
        var items = base.items
        let template = base.items[0]
        var i = 0
        while items.count < count {
            let subject = subjects[i % subjects.count]
            let kind = kinds[(i / subjects.count) % kinds.count]
            let variant = i / (subjects.count * kinds.count)
            let name = "\(subject)\(kind)" + (variant > 0 ? " Stufe \(variant)" : "")
            items.append(
                TariffItem(
                    code: "G\(i)", name: name, category: "\(subject)wesen",
                    keywords: [kind.capitalized, "Bezirk \(variant % 12)"],
                    booking: template.booking, variants: template.variants))
            i += 1
        }
        return items
    }

    static func run(report: Report, catalogPath: String) throws {
        let base = try TariffCatalogLoader.load(path: catalogPath)
        let items = catalogue(base: base, count: 10_000)
        let buildNs = timed { _ = CatalogSearch(items: items) }
        let search = CatalogSearch(items: items)
        let naiveTexts = items.map { ($0.code + " " + $0.name + " " + $0.keywords.joined(separator: " ") + " " + $0.category).lowercased() }

        var ours = Samples()
        var naive = Samples()
        var found = 0
        for _ in 0..<3 {  // repeat to smooth noise; every prefix of every query
            for query in queries {
                for length in 1...query.count {
                    let prefix = String(query.prefix(length))
                    ours.add(timed { found &+= search.search(prefix).count })
                    let needle = prefix.lowercased()
                    naive.add(timed { found &+= naiveTexts.reduce(0) { $0 + ($1.contains(needle) ? 1 : 0) } })
                }
            }
        }
        report.add("search", "items", Double(items.count), "items")
        report.add("search", "keystrokes", Double(ours.count), "queries")
        report.add("search", "index_build", Double(buildNs) / 1e6, "ms")
        report.add("search", "p50", Double(ours.percentile(50)) / 1000, "us")
        report.add("search", "p99", Double(ours.percentile(99)) / 1000, "us")
        report.add("search", "baseline_naive_p99", Double(naive.percentile(99)) / 1000, "us")
        report.add("search", "ratio_p99", Double(ours.percentile(99)) / Double(max(naive.percentile(99), 1)), "x")
        report.note("search", "goal: p99 < 1000 us per keystroke; baseline = lowercased().contains scan without umlaut folding or ranking (found \(found))")
        report.finish("search")
    }
}
