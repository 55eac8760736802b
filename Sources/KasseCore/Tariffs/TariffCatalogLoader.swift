import Foundation

/// One problem in a catalogue file, with its place: `file:line:column: CODE: reason`.
public struct CatalogProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int
    /// The item code, or a JSON path like `items[3]` when the code is unknown.
    public let subject: String
    public let reason: String

    public init(file: String, line: Int, column: Int, subject: String, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.subject = subject
        self.reason = reason
    }

    public var description: String {
        let place = line > 0 ? "\(file):\(line):\(column)" : file
        return subject.isEmpty ? "\(place): \(reason)" : "\(place): \(subject): \(reason)"
    }
}

/// The catalogue could not be used; `problems` lists every problem found, in file order.
public struct CatalogError: Error, Sendable, CustomStringConvertible {
    public let problems: [CatalogProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Reads and validates catalogue files. Every problem is collected, none stops the check early
/// (except that a file with a JSON syntax error cannot be read further).
public enum TariffCatalogLoader {
    /// Loads a catalogue from a file or from every `*.json` file in a directory (sorted by name).
    /// Throws ``CatalogError`` listing every problem.
    public static func load(path: String, versionOf: VersionFunction? = nil) throws(CatalogError) -> TariffCatalog {
        let (catalog, problems) = check(path: path, versionOf: versionOf)
        guard problems.isEmpty, let catalog else { throw CatalogError(problems: problems) }
        return catalog
    }

    /// Names a catalogue's version from its files' names (without directory) and bytes, in the
    /// order read (the counter's is a SHA-256: `Counter.CatalogFiles`).
    public typealias VersionFunction = @Sendable ([(name: String, bytes: [UInt8])]) -> String

    /// Checks a catalogue path; returns the catalogue when it has no problem, and every problem.
    /// With `versionOf` the catalogue's ``TariffCatalog/version`` is named from the very bytes read.
    public static func check(path: String, versionOf: VersionFunction? = nil) -> (TariffCatalog?, [CatalogProblem]) {
        let (sources, unreadable) = readSources(path: path)
        guard !sources.isEmpty || unreadable.isEmpty else { return (nil, unreadable) }
        let (catalog, problems) = check(sources: sources, versionOf: versionOf)
        return (unreadable.isEmpty ? catalog : nil, unreadable + problems)
    }

    /// ``check(path:versionOf:)`` of files already read (``readSources(path:)``).
    public static func check(sources: [(name: String, bytes: [UInt8])], versionOf: VersionFunction? = nil) -> (TariffCatalog?, [CatalogProblem]) {
        var (catalog, problems) = parse(sources: sources)
        if let versionOf { catalog.version = versionOf(sources.map { ((($0.name as NSString).lastPathComponent), $0.bytes) }) }
        return (problems.isEmpty ? catalog : nil, problems)
    }

    /// The files of a catalogue path, as read: the file itself, or every `*.json` file in a
    /// directory sorted by name; a path or file that cannot be read is a problem.
    public static func readSources(path: String) -> ([(name: String, bytes: [UInt8])], [CatalogProblem]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return ([], [CatalogProblem(file: path, line: 0, column: 0, subject: "", reason: "Datei oder Verzeichnis nicht gefunden.")])
        }
        var files: [String] = []
        if isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            files = names.filter { $0.hasSuffix(".json") }.sorted().map { (path as NSString).appendingPathComponent($0) }
            if files.isEmpty {
                return ([], [CatalogProblem(file: path, line: 0, column: 0, subject: "", reason: "Das Verzeichnis enthält keine .json-Katalogdatei.")])
            }
        } else {
            files = [path]
        }
        var sources: [(name: String, bytes: [UInt8])] = []
        var problems: [CatalogProblem] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                problems.append(CatalogProblem(file: file, line: 0, column: 0, subject: "", reason: "Datei nicht lesbar (Rechte prüfen)."))
                continue
            }
            sources.append((file, [UInt8](data)))
        }
        return (sources, problems)
    }

    /// Parses and validates catalogue texts (file name → bytes) as one catalogue.
    public static func parse(sources: [(name: String, bytes: [UInt8])]) -> (TariffCatalog, [CatalogProblem]) {
        var parser = CatalogParser()
        for source in sources { parser.read(file: source.name, bytes: source.bytes) }
        parser.crossCheck()
        let catalog = TariffCatalog(
            items: parser.items, accounts: parser.accounts, sourceFiles: sources.map(\.name),
            vatRates: parser.vatRates.mapValues(\.periods))
        return (catalog, parser.problems)
    }
}

/// The validating reader behind ``TariffCatalogLoader``.
private struct CatalogParser {
    var items: [TariffItem] = []
    var accounts: [String: Account] = [:]
    var problems: [CatalogProblem] = []
    /// The dated VAT rates by key, with where each key is defined.
    var vatRates: [VATRateKey: (periods: [VATRatePeriod], source: String)] = [:]

    /// Taxable items and variants whose rate key is checked (and whose rates are filled in) once
    /// every file's `vat_rates` are known.
    private var rateReferences: [(item: Int, variant: Int?, key: VATRateKey, file: String, node: JSONNode, subject: String, prices: [PricePeriod])] = []
    private var accountSources: [String: String] = [:]
    private var codeSources: [String: String] = [:]
    /// Account references to check once every file's accounts are known.
    private var accountReferences: [(account: String, file: String, node: JSONNode, subject: String, field: String)] = []
    private var file = ""

    private mutating func problem(_ node: JSONNode?, _ subject: String, _ reason: String) {
        problems.append(CatalogProblem(file: file, line: node?.line ?? 0, column: node?.column ?? 0, subject: subject, reason: reason))
    }

    mutating func read(file: String, bytes: [UInt8]) {
        self.file = file
        let root: JSONNode
        do {
            root = try JSONReader.parse(bytes)
        } catch {
            problems.append(
                CatalogProblem(
                    file: file, line: error.line, column: error.column, subject: "",
                    reason: "kein gültiges JSON: \(error.reason)"))
            return
        }
        guard let members = root.members else {
            problem(root, "", "Die Datei muss ein JSON-Objekt mit »accounts« und »items« sein, nicht \(root.kindName).")
            return
        }
        checkKeys(root, members, allowed: ["catalog", "description", "format", "accounts", "vat_rates", "items"], subject: "")
        if let format = root["format"], format.integer != 1 {
            problem(format, "", "Unbekanntes Format »\(describe(format))«; unterstützt wird \"format\": 1.")
        }
        if let accountList = root["accounts"] {
            if let list = accountList.array {
                for (i, node) in list.enumerated() { readAccount(node, path: "accounts[\(i)]") }
            } else {
                problem(accountList, "accounts", "muss eine Liste sein, nicht \(accountList.kindName).")
            }
        }
        if let rateList = root["vat_rates"] {
            if let list = rateList.array {
                for (i, node) in list.enumerated() { readVATRate(node, path: "vat_rates[\(i)]") }
            } else {
                problem(rateList, "vat_rates", "muss eine Liste sein, nicht \(rateList.kindName).")
            }
        }
        guard let itemList = root["items"] else {
            problem(root, "", "Das Feld »items« fehlt.")
            return
        }
        guard let list = itemList.array else {
            problem(itemList, "items", "muss eine Liste sein, nicht \(itemList.kindName).")
            return
        }
        for (i, node) in list.enumerated() { readItem(node, path: "items[\(i)]") }
    }

    private func describe(_ node: JSONNode) -> String {
        switch node.value {
        case .string(let s): return s
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        default: return node.kindName
        }
    }

    private mutating func checkKeys(_ node: JSONNode, _ members: [JSONMember], allowed: Set<String>, subject: String) {
        var seen: Set<String> = []
        for member in members {
            if !allowed.contains(member.key) {
                problem(member.value, subject, "Unbekanntes Feld »\(member.key)« (erlaubt: \(allowed.sorted().joined(separator: ", "))).")
            }
            if !seen.insert(member.key).inserted {
                problem(member.value, subject, "Feld »\(member.key)« ist doppelt angegeben.")
            }
        }
    }

    private mutating func text(_ node: JSONNode, _ key: String, subject: String, required: Bool = true) -> String? {
        guard let value = node[key] else {
            if required { problem(node, subject, "Das Feld »\(key)« fehlt.") }
            return nil
        }
        guard let s = value.string else {
            problem(value, subject, "»\(key)« muss ein Text sein, nicht \(value.kindName).")
            return nil
        }
        if required && s.trimmingCharacters(in: .whitespaces).isEmpty {
            problem(value, subject, "»\(key)« darf nicht leer sein.")
            return nil
        }
        return s
    }

    private mutating func readAccount(_ node: JSONNode, path: String) {
        guard let members = node.members else {
            problem(node, path, "Ein Konto muss ein Objekt sein, nicht \(node.kindName).")
            return
        }
        checkKeys(node, members, allowed: ["number", "name", "kind"], subject: path)
        guard let number = text(node, "number", subject: path) else { return }
        let subject = "Konto \(number)"
        if !number.allSatisfy({ $0.isASCII && $0.isNumber }) || number.count > 9 {
            problem(node["number"], subject, "Kontonummern bestehen aus 1 bis 9 Ziffern.")
        }
        let name = text(node, "name", subject: subject) ?? ""
        var kind = Account.Kind.revenue
        if let kindText = text(node, "kind", subject: subject) {
            if let k = Account.Kind(rawValue: kindText) {
                kind = k
            } else {
                problem(node["kind"], subject, "Unbekannte Kontoart »\(kindText)« (erlaubt: revenue, pass_through).")
            }
        }
        if let first = accountSources[number] {
            // The same account may be repeated in several files, but never differently.
            if accounts[number] != Account(number: number, name: name, kind: kind) {
                problem(node, subject, "Konto abweichend doppelt definiert (zuerst in \(first)).")
            }
            return
        }
        accountSources[number] = "\(file):\(node.line)"
        accounts[number] = Account(number: number, name: name, kind: kind)
    }

    private mutating func readItem(_ node: JSONNode, path: String) {
        guard let members = node.members else {
            problem(node, path, "Ein Eintrag muss ein Objekt sein, nicht \(node.kindName).")
            return
        }
        let rawCode = node["code"]?.string
        let subject = rawCode.map { $0.isEmpty ? path : $0 } ?? path
        checkKeys(
            node, members,
            allowed: [
                "code", "name", "category", "keywords", "legal_basis", "tax_note", "tax",
                "booking", "prices", "variants",
            ], subject: subject)
        var ok = true
        let code = text(node, "code", subject: subject)
        if let code {
            if code.count > 8 || code.isEmpty || !code.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) {
                problem(node["code"], subject, "Der Code muss 1 bis 8 Großbuchstaben oder Ziffern haben (z. B. PA, FZE).")
                ok = false
            } else if let first = codeSources[code] {
                problem(node["code"], subject, "Code »\(code)« ist doppelt (zuerst in \(first)).")
                ok = false
            } else {
                codeSources[code] = "\(file):\(node.line)"
            }
        } else {
            ok = false
        }
        let name = text(node, "name", subject: subject)
        let category = text(node, "category", subject: subject)
        var keywords: [String] = []
        if let k = node["keywords"] {
            if let list = k.array, list.allSatisfy({ $0.string != nil }) {
                keywords = list.compactMap(\.string)
            } else {
                problem(k, subject, "»keywords« muss eine Liste von Texten sein.")
            }
        }
        let legalBasis = text(node, "legal_basis", subject: subject, required: false) ?? ""
        let taxNode = node["tax"]
        let treatment = taxNode.flatMap { readTax($0, subject: subject) } ?? .nichtSteuerbar
        let taxNote = text(node, "tax_note", subject: subject, required: false) ?? treatment.defaultNote
        let booking = readBooking(node["booking"], parent: node, subject: subject)

        var variants: [TariffVariant] = []
        var variantTaxes: [(variant: Int, key: VATRateKey, node: JSONNode, subject: String)] = []
        switch (node["prices"], node["variants"]) {
        case (nil, nil):
            problem(node, subject, "Es fehlen »prices« (ein Preis) oder »variants« (mehrere Varianten).")
        case (.some(let p), .some):
            problem(p, subject, "Entweder »prices« oder »variants« angeben, nicht beides.")
        case (.some(let p), nil):
            if let prices = readPrices(p, subject: subject) { variants = [TariffVariant(code: "", name: "", prices: prices)] }
        case (nil, .some(let v)):
            if let list = v.array, !list.isEmpty {
                var seen: [String: Int] = [:]
                for (i, vnode) in list.enumerated() {
                    guard let vm = vnode.members else {
                        problem(vnode, "\(subject) variants[\(i)]", "Eine Variante muss ein Objekt sein.")
                        continue
                    }
                    let vsubject = "\(subject) variants[\(i)]"
                    checkKeys(vnode, vm, allowed: ["code", "name", "prices", "tax"], subject: vsubject)
                    guard let vcode = text(vnode, "code", subject: vsubject), let vname = text(vnode, "name", subject: vsubject) else { continue }
                    if seen[vcode.uppercased()] != nil {
                        problem(vnode["code"], "\(subject)/\(vcode)", "Variantencode doppelt.")
                        continue
                    }
                    seen[vcode.uppercased()] = i
                    guard let pnode = vnode["prices"] else {
                        problem(vnode, "\(subject)/\(vcode)", "Das Feld »prices« fehlt.")
                        continue
                    }
                    var variantTax: TaxTreatment?
                    if let vtax = vnode["tax"] {
                        variantTax = readTax(vtax, subject: "\(subject)/\(vcode)")
                        if case .steuerpflichtig(let key) = variantTax {
                            variantTaxes.append((variants.count, key, vtax, "\(subject)/\(vcode)"))
                        }
                    }
                    if let prices = readPrices(pnode, subject: "\(subject)/\(vcode)") {
                        variants.append(
                            TariffVariant(code: vcode, name: vname, prices: prices, tax: variantTax.map { TaxRule(treatment: $0) }))
                    }
                }
            } else {
                problem(v, subject, "»variants« muss eine nicht leere Liste sein.")
            }
        }
        guard ok, let code, let name, let category, let booking, !variants.isEmpty else { return }
        if case .steuerpflichtig(let key) = treatment, let taxNode {
            // The item's rate covers the prices of every variant that does not state its own tax.
            let prices = variants.filter { $0.tax == nil }.flatMap(\.prices)
            rateReferences.append((items.count, nil, key, file, taxNode, subject, prices))
        }
        for v in variantTaxes {
            rateReferences.append((items.count, v.variant, v.key, file, v.node, v.subject, variants[v.variant].prices))
        }
        items.append(
            TariffItem(
                code: code, name: name, category: category, keywords: keywords, legalBasis: legalBasis,
                taxNote: taxNote, booking: booking, variants: variants, tax: TaxRule(treatment: treatment),
                source: "\(file):\(node.line)"))
    }

    /// Reads `"tax": {"treatment": "steuerpflichtig", "rate": "NORMAL"}` (or `nicht_steuerbar`, or
    /// `steuerfrei` with `legal_basis`).
    private mutating func readTax(_ node: JSONNode, subject: String) -> TaxTreatment? {
        guard let members = node.members else {
            problem(node, subject, "»tax« muss ein Objekt wie {\"treatment\": \"steuerpflichtig\", \"rate\": \"NORMAL\"} sein, nicht \(node.kindName).")
            return nil
        }
        checkKeys(node, members, allowed: ["treatment", "rate", "legal_basis"], subject: subject)
        guard let treatment = text(node, "treatment", subject: subject) else { return nil }
        let keys = VATRateKey.allCases.map(\.rawValue).joined(separator: ", ")
        switch treatment {
        case "nicht_steuerbar":
            for field in ["rate", "legal_basis"] where node[field] != nil {
                problem(node[field], subject, "»tax.\(field)« passt nicht zu »nicht_steuerbar« (hoheitliche Gebühr ohne Umsatzsteuer).")
            }
            return .nichtSteuerbar
        case "steuerpflichtig":
            if let basis = node["legal_basis"] {
                problem(basis, subject, "»tax.legal_basis« gilt nur für »steuerfrei«.")
            }
            guard let rate = text(node, "rate", subject: subject) else { return nil }
            guard let key = VATRateKey(rawValue: rate) else {
                problem(node["rate"], subject, "Unbekannter Steuersatz »\(rate)« in »tax.rate« (erlaubt: \(keys)).")
                return nil
            }
            return .steuerpflichtig(key)
        case "steuerfrei":
            if let rate = node["rate"] { problem(rate, subject, "»tax.rate« passt nicht zu »steuerfrei«.") }
            guard let basis = text(node, "legal_basis", subject: subject) else {
                return nil
            }
            return .steuerfrei(legalBasis: basis)
        default:
            problem(
                node["treatment"], subject,
                "Unbekannte Steuerbehandlung »\(treatment)« in »tax.treatment« (erlaubt: nicht_steuerbar, steuerpflichtig, steuerfrei).")
            return nil
        }
    }

    /// Reads one key of `vat_rates`: `{"key": "NORMAL", "periods": [{"valid_from": …, "percent": "19"}]}`.
    private mutating func readVATRate(_ node: JSONNode, path: String) {
        guard let members = node.members else {
            problem(node, path, "Ein Steuersatz muss ein Objekt sein, nicht \(node.kindName).")
            return
        }
        checkKeys(node, members, allowed: ["key", "name", "periods"], subject: path)
        guard let keyText = text(node, "key", subject: path) else { return }
        guard let key = VATRateKey(rawValue: keyText) else {
            let keys = VATRateKey.allCases.map(\.rawValue).joined(separator: ", ")
            problem(node["key"], path, "Unbekannter Steuersatz-Schlüssel »\(keyText)« (erlaubt: \(keys)).")
            return
        }
        let subject = "vat_rates \(keyText)"
        if let first = vatRates[key] {
            problem(node["key"], subject, "Steuersatz »\(keyText)« ist doppelt definiert (zuerst in \(first.source)).")
            return
        }
        guard let list = node["periods"]?.array, !list.isEmpty else {
            problem(node["periods"] ?? node, subject, "»periods« muss eine nicht leere Liste von Zeiträumen mit »percent« sein.")
            return
        }
        var periods: [(period: VATRatePeriod, node: JSONNode)] = []
        var ok = true
        for (i, pnode) in list.enumerated() {
            let psubject = "\(subject) periods[\(i)]"
            guard let pm = pnode.members else {
                problem(pnode, psubject, "Ein Zeitraum muss ein Objekt sein.")
                ok = false
                continue
            }
            checkKeys(pnode, pm, allowed: ["valid_from", "valid_until", "percent"], subject: psubject)
            var from: BusinessDate?
            if let f = text(pnode, "valid_from", subject: psubject) {
                from = BusinessDate(iso: f)
                if from == nil { problem(pnode["valid_from"], psubject, "»valid_from« »\(f)« ist kein gültiges Datum (JJJJ-MM-TT).") }
            }
            var until: BusinessDate?
            if let u = pnode["valid_until"], !u.isNull {
                if let s = u.string, let d = BusinessDate(iso: s) {
                    until = d
                } else {
                    problem(u, psubject, "»valid_until« »\(describe(u))« ist kein gültiges Datum (JJJJ-MM-TT).")
                    ok = false
                }
            }
            var basisPoints: Int64?
            if let pc = pnode["percent"] {
                if let s = pc.string, let bp = VAT.parsePercent(s), bp > 0 {
                    basisPoints = bp
                } else {
                    problem(
                        pc, psubject, "»percent« »\(describe(pc))« ist kein Steuersatz wie \"19\" oder \"7\" (Text, über 0, höchstens zwei Nachkommastellen).")
                }
            } else {
                problem(pnode, psubject, "Das Feld »percent« fehlt.")
            }
            guard let from, let basisPoints else {
                ok = false
                continue
            }
            if let until, until < from {
                problem(pnode["valid_until"], psubject, "»valid_until« \(until.iso) liegt vor »valid_from« \(from.iso).")
                ok = false
                continue
            }
            periods.append((VATRatePeriod(validFrom: from, validUntil: until, basisPoints: basisPoints), pnode))
        }
        let sorted = periods.sorted { $0.period.validFrom < $1.period.validFrom }
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            guard let end = a.period.validUntil, b.period.validFrom > end else {
                problem(b.node, subject, "Zeiträume des Steuersatzes überlappen (ab \(a.period.validFrom.iso) und ab \(b.period.validFrom.iso)).")
                ok = false
                continue
            }
            if b.period.validFrom != end.adding(days: 1) {
                problem(
                    b.node, subject,
                    "Lücke im Steuersatz: vom \(end.adding(days: 1).iso) bis \(b.period.validFrom.adding(days: -1).iso) gilt kein Satz.")
                ok = false
            }
        }
        guard ok else { return }
        vatRates[key] = (sorted.map(\.period), "\(file):\(node.line)")
    }

    private mutating func readBooking(_ node: JSONNode?, parent: JSONNode, subject: String) -> BookingAssignment? {
        guard let node else {
            problem(parent, subject, "Das Feld »booking« (Sachkonto, Produkt, Kostenstelle) fehlt.")
            return nil
        }
        guard let members = node.members else {
            problem(node, subject, "»booking« muss ein Objekt sein, nicht \(node.kindName).")
            return nil
        }
        checkKeys(node, members, allowed: ["account", "product", "cost_centre", "shares"], subject: subject)
        let account = text(node, "account", subject: subject)
        let product = text(node, "product", subject: subject)
        let costCentre = text(node, "cost_centre", subject: subject)
        if let account { accountReferences.append((account, file, node["account"]!, subject, "account")) }
        var shares: [SplitShare] = []
        var sharesOK = true
        if let sharesNode = node["shares"] {
            guard let list = sharesNode.array, !list.isEmpty else {
                problem(sharesNode, subject, "»shares« muss eine nicht leere Liste sein.")
                return nil
            }
            for (i, snode) in list.enumerated() {
                let ssubject = "\(subject) shares[\(i)]"
                guard let sm = snode.members else {
                    problem(snode, ssubject, "Ein Anteil muss ein Objekt sein.")
                    sharesOK = false
                    continue
                }
                checkKeys(snode, sm, allowed: ["account", "fraction", "label", "pass_through", "product", "cost_centre"], subject: ssubject)
                let sacc = text(snode, "account", subject: ssubject)
                let label = text(snode, "label", subject: ssubject, required: false) ?? ""
                let fraction = text(snode, "fraction", subject: ssubject)
                var passThrough = false
                if let pt = snode["pass_through"] {
                    if let b = pt.bool { passThrough = b } else { problem(pt, ssubject, "»pass_through« muss true oder false sein.") }
                }
                if let sacc { accountReferences.append((sacc, file, snode["account"]!, ssubject, "account")) }
                guard let sacc, let fraction else {
                    sharesOK = false
                    continue
                }
                let parts = fraction.split(separator: "/", omittingEmptySubsequences: false)
                guard parts.count == 2, let n = Int(parts[0]), let d = Int(parts[1]), n > 0, d > 0, n <= d, d <= 1000 else {
                    problem(snode["fraction"], ssubject, "Anteil »\(fraction)« ist kein Bruch wie \"2/5\" (Zähler 1…Nenner, Nenner ≤ 1000).")
                    sharesOK = false
                    continue
                }
                shares.append(
                    SplitShare(
                        account: sacc, label: label, numerator: n, denominator: d, passThrough: passThrough,
                        product: snode["product"]?.string, costCentre: snode["cost_centre"]?.string))
            }
            if sharesOK {
                // Σ n_i/d_i == 1, exactly: compare over the least common multiple of the denominators.
                var lcm = 1
                for s in shares { lcm = lcm / gcd(lcm, s.denominator) * s.denominator }
                let sum = shares.reduce(0) { $0 + $1.numerator * (lcm / $1.denominator) }
                if sum != lcm {
                    let list = shares.map { "\($0.numerator)/\($0.denominator)" }.joined(separator: " + ")
                    problem(sharesNode, subject, "Die Anteile \(list) ergeben \(sum)/\(lcm), nicht 1: der Preis wäre nicht vollständig verteilt.")
                    sharesOK = false
                }
            }
        }
        guard let account, let product, let costCentre, sharesOK else { return nil }
        return BookingAssignment(revenueAccount: account, product: product, costCentre: costCentre, shares: shares)
    }

    private mutating func readPrices(_ node: JSONNode, subject: String) -> [PricePeriod]? {
        guard let list = node.array, !list.isEmpty else {
            problem(node, subject, "»prices« muss eine nicht leere Liste von Preiszeiträumen sein.")
            return nil
        }
        var periods: [(period: PricePeriod, node: JSONNode)] = []
        var ok = true
        for (i, pnode) in list.enumerated() {
            let psubject = "\(subject) prices[\(i)]"
            guard let pm = pnode.members else {
                problem(pnode, psubject, "Ein Preiszeitraum muss ein Objekt sein.")
                ok = false
                continue
            }
            checkKeys(pnode, pm, allowed: ["valid_from", "valid_until", "amount"], subject: psubject)
            var from: BusinessDate?
            var until: BusinessDate?
            if let f = text(pnode, "valid_from", subject: psubject) {
                from = BusinessDate(iso: f)
                if from == nil { problem(pnode["valid_from"], psubject, "»valid_from« »\(f)« ist kein gültiges Datum (JJJJ-MM-TT).") }
            }
            if let u = pnode["valid_until"], !u.isNull {
                if let s = u.string, let d = BusinessDate(iso: s) {
                    until = d
                } else {
                    problem(u, psubject, "»valid_until« »\(describe(u))« ist kein gültiges Datum (JJJJ-MM-TT).")
                    ok = false
                }
            }
            var amount: Money?
            if let a = pnode["amount"] {
                if let s = a.string {
                    do {
                        amount = try Money.parse(s, allowNegative: true)
                        if let m = amount, m.isNegative {
                            problem(a, psubject, "Negativer Preis \(m.formatted): Gebühren sind nie negativ.")
                            amount = nil
                        }
                    } catch {
                        problem(a, psubject, "Betrag: \(error.description)")
                    }
                } else {
                    problem(a, psubject, "»amount« muss ein Text wie \"46,00\" sein, nicht \(a.kindName) (Beträge nie als Kommazahl).")
                }
            } else {
                problem(pnode, psubject, "Das Feld »amount« fehlt.")
            }
            guard let from, let amount else {
                ok = false
                continue
            }
            if let until, until < from {
                problem(pnode["valid_until"], psubject, "»valid_until« \(until.iso) liegt vor »valid_from« \(from.iso).")
                ok = false
                continue
            }
            periods.append((PricePeriod(validFrom: from, validUntil: until, amount: amount), pnode))
        }
        let sorted = periods.sorted { $0.period.validFrom < $1.period.validFrom }
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            guard let end = a.period.validUntil else {
                problem(b.node, subject, "Preiszeiträume überlappen: ab \(a.period.validFrom.iso) unbefristet und ab \(b.period.validFrom.iso).")
                ok = false
                continue
            }
            if b.period.validFrom <= end {
                problem(b.node, subject, "Preiszeiträume überlappen: \(a.period.validFrom.iso)–\(end.iso) und ab \(b.period.validFrom.iso).")
                ok = false
            } else if b.period.validFrom != end.adding(days: 1) {
                problem(
                    b.node, subject,
                    "Lücke zwischen Preiszeiträumen: vom \(end.adding(days: 1).iso) bis \(b.period.validFrom.adding(days: -1).iso) gilt kein Preis.")
                ok = false
            }
        }
        return ok ? sorted.map(\.period) : nil
    }

    /// Checks that every referenced account exists (after every file's accounts are read).
    mutating func crossCheck() {
        for ref in accountReferences where accounts[ref.account] == nil {
            problems.append(
                CatalogProblem(
                    file: ref.file, line: ref.node.line, column: ref.node.column, subject: ref.subject,
                    reason: "Unbekanntes Konto »\(ref.account)« (nicht unter »accounts« definiert)."))
        }
        for ref in rateReferences {
            guard let rates = vatRates[ref.key]?.periods else {
                problems.append(
                    CatalogProblem(
                        file: ref.file, line: ref.node.line, column: ref.node.column, subject: ref.subject,
                        reason: "Steuersatz »\(ref.key.rawValue)« ist nicht unter »vat_rates« definiert."))
                continue
            }
            // The rates have no gaps, so a rate on both ends of a price period covers all of it.
            for price in ref.prices {
                let ends = [price.validFrom] + (price.validUntil.map { [$0] } ?? [])
                let uncovered =
                    ends.first { day in !rates.contains { $0.contains(day) } }
                    ?? (price.validUntil == nil && rates.last?.validUntil != nil ? rates.last!.validUntil!.adding(days: 1) : nil)
                if let day = uncovered {
                    problems.append(
                        CatalogProblem(
                            file: ref.file, line: ref.node.line, column: ref.node.column, subject: ref.subject,
                            reason: "Für den Preis ab \(price.validFrom.iso) gilt am \(day.iso) kein Steuersatz »\(ref.key.rawValue)«."))
                    break
                }
            }
            let item = items[ref.item]
            let rule = TaxRule(treatment: .steuerpflichtig(ref.key), rates: rates)
            var variants = item.variants
            if let v = ref.variant {
                let old = variants[v]
                variants[v] = TariffVariant(code: old.code, name: old.name, prices: old.prices, tax: rule)
            }
            items[ref.item] = TariffItem(
                code: item.code, name: item.name, category: item.category, keywords: item.keywords,
                legalBasis: item.legalBasis, taxNote: item.taxNote, booking: item.booking, variants: variants,
                tax: ref.variant == nil ? rule : item.tax, source: item.source)
        }
        // Keep messages in file order.
        problems.sort { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }
    }

    private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}
