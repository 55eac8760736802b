import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reads a DSFinV-K export back and checks it as an auditor's import would (docs/dsfinvk.md,
/// "Prüfung"): every CSV against the `index.xml` in the same archive — header = the
/// VariableColumn names in order, `;` and CRLF, every number with exactly `Accuracy` decimals after
/// the declared DecimalSymbol, every text within `MaxLength` — and the sums and references between
/// the files. Written apart from the exporter: it knows the files only through `index.xml`.
public enum DSFinVKValidator {
    // MARK: The archive

    /// The entries of a ZIP of stored entries, each checked against its CRC-32 and the central directory.
    public static func unzip(_ bytes: [UInt8]) throws -> [String: [UInt8]] {
        struct Bad: Error, CustomStringConvertible { let description: String }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) } }
        guard bytes.count >= 22, let end = (0...(bytes.count - 22)).reversed().first(where: { u32($0) == 0x0605_4B50 }) else {
            throw Bad(description: "kein Ende des zentralen Verzeichnisses")
        }
        let count = u16(end + 10)
        var at = Int(u32(end + 16))
        var files: [String: [UInt8]] = [:]
        for _ in 0..<count {
            guard u32(at) == 0x0201_4B50 else { throw Bad(description: "zentraler Eintrag bei \(at) fehlt") }
            let method = u16(at + 10)
            let crc = u32(at + 16)
            let size = Int(u32(at + 20))
            let nameLength = u16(at + 28)
            let extra = u16(at + 30)
            let comment = u16(at + 32)
            let local = Int(u32(at + 42))
            let name = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            guard method == 0, u32(local) == 0x0403_4B50, u32(local + 14) == crc, Int(u32(local + 22)) == size else {
                throw Bad(description: "\(name): Kopf passt nicht zum Verzeichnis")
            }
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            let content = Array(bytes[start..<(start + size)])
            guard crc32(content) == crc else { throw Bad(description: "\(name): CRC-32 stimmt nicht") }
            files[name] = content
            at += 46 + nameLength + extra + comment
        }
        return files
    }

    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    // MARK: index.xml

    public struct Column: Equatable {
        var name = ""
        /// nil: AlphaNumeric.
        var accuracy: Int?
        var maxLength: Int?
        var isNumeric = false
    }

    public struct Table {
        var url = ""
        var name = ""
        var utf8 = false
        var decimalSymbol = ""
        var digitGroupingSymbol = ""
        var rangeFrom = ""
        var columnDelimiter = ""
        var recordDelimiter = ""
        var textEncapsulator = ""
        var columns: [Column] = []
    }

    public struct Index {
        var version = ""
        var doctype: String?
        var tables: [Table] = []
    }

    final class IndexParser: NSObject, XMLParserDelegate {
        var index = Index()
        private var path: [String] = []
        private var text = ""
        private var table: Table?
        private var column: Column?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            path.append(name)
            text = ""
            switch name {
            case "Table": table = Table()
            case "VariableColumn": column = Column()
            case "UTF8": table?.utf8 = true
            case "Numeric": column?.isNumeric = true
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            let parent = path.dropLast().last ?? ""
            switch (parent, name) {
            case ("DataSet", "Version"): index.version = text
            case ("Table", "URL"): table?.url = text
            case ("Table", "Name"): table?.name = text
            case ("Table", "DecimalSymbol"): table?.decimalSymbol = text
            case ("Table", "DigitGroupingSymbol"): table?.digitGroupingSymbol = text
            case ("Range", "From") where path.count >= 3 && path[path.count - 3] == "Table": table?.rangeFrom = text
            case ("VariableLength", "ColumnDelimiter"): table?.columnDelimiter = text
            case ("VariableLength", "RecordDelimiter"): table?.recordDelimiter = text
            case ("VariableLength", "TextEncapsulator"): table?.textEncapsulator = text
            case ("VariableColumn", "Name"): column?.name = text
            case ("Numeric", "Accuracy"): column?.accuracy = Int(text)
            case ("VariableColumn", "MaxLength"): column?.maxLength = Int(text)
            case (_, "VariableColumn"):
                if let column { table?.columns.append(column) }
                column = nil
            case (_, "Table"):
                if let table { index.tables.append(table) }
                table = nil
            default: break
            }
            path.removeLast()
            text = ""
        }
    }

    public static func parseIndex(_ bytes: [UInt8]) -> Index? {
        let parser = XMLParser(data: Data(bytes))
        let delegate = IndexParser()
        parser.delegate = delegate
        guard parser.parse() else { return nil }
        var index = delegate.index
        let text = String(decoding: bytes, as: UTF8.self)
        if let range = text.range(of: #"<!DOCTYPE DataSet SYSTEM "([^"]+)">"#, options: .regularExpression) {
            index.doctype = text[range].components(separatedBy: "\"")[1]
        }
        return index
    }

    // MARK: One CSV against its description

    /// The records of a CSV file as index.xml describes it; problems are appended to `problems`.
    public static func records(_ bytes: [UInt8], _ table: Table, problems: inout [String]) -> [[String]] {
        let file = table.url
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            problems.append("\(file): kein UTF-8")
            return []
        }
        let delimiter = Character(table.columnDelimiter)
        let quote = Character(table.textEncapsulator)
        guard table.recordDelimiter == "\r\n" else {
            problems.append("\(file): RecordDelimiter ist nicht CRLF")
            return []
        }
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var afterQuote = false
        var chars = Array(text.unicodeScalars)
        var i = 0
        if !text.isEmpty && !text.hasSuffix("\r\n") { problems.append("\(file): der letzte Datensatz endet nicht mit CRLF") }
        while i < chars.count {
            let c = Character(chars[i])
            if quoted {
                if c == quote {
                    if i + 1 < chars.count && Character(chars[i + 1]) == quote {
                        field.append(quote)
                        i += 1
                    } else {
                        quoted = false
                        afterQuote = true
                    }
                } else {
                    field.unicodeScalars.append(chars[i])
                }
            } else if c == quote && field.isEmpty && !afterQuote {
                quoted = true
            } else if c == delimiter {
                record.append(field)
                field = ""
                afterQuote = false
            } else if chars[i] == "\r" && i + 1 < chars.count && chars[i + 1] == "\n" {
                record.append(field)
                records.append(record)
                (record, field, afterQuote) = ([], "", false)
                i += 1
            } else if chars[i] == "\r" || chars[i] == "\n" {
                problems.append("\(file) Datensatz \(records.count + 1): einzelnes CR oder LF außerhalb von Anführungszeichen")
                field.unicodeScalars.append(chars[i])
            } else {
                if afterQuote { problems.append("\(file) Datensatz \(records.count + 1): Zeichen nach schließendem Anführungszeichen") }
                field.unicodeScalars.append(chars[i])
            }
            i += 1
        }
        chars = []
        if !record.isEmpty || !field.isEmpty { records.append(record + [field]) }
        guard let header = records.first else {
            problems.append("\(file): leer, auch ohne Kopfzeile")
            return []
        }
        if header != table.columns.map(\.name) {
            problems.append("\(file): Kopfzeile \(header.joined(separator: ";")) ≠ index.xml \(table.columns.map(\.name).joined(separator: ";"))")
        }
        let group = NSRegularExpression.escapedPattern(for: table.digitGroupingSymbol)
        let decimal = NSRegularExpression.escapedPattern(for: table.decimalSymbol)
        for (n, row) in records.enumerated().dropFirst() {
            let line = n + 1
            guard row.count == table.columns.count else {
                problems.append("\(file) Zeile \(line): \(row.count) Felder, index.xml beschreibt \(table.columns.count)")
                continue
            }
            for (value, column) in zip(row, table.columns) where !value.isEmpty {
                if column.isNumeric {
                    let places = column.accuracy ?? 0
                    let pattern = "^-?([0-9]+|[0-9]{1,3}(\(group)[0-9]{3})+)" + (places > 0 ? "\(decimal)[0-9]{\(places)}" : "") + "$"
                    if value.range(of: pattern, options: .regularExpression) == nil {
                        problems.append("\(file) Zeile \(line), \(column.name): »\(value)« hat nicht genau \(places) Nachkommastellen")
                    }
                } else if let max = column.maxLength, value.unicodeScalars.count > max {
                    problems.append("\(file) Zeile \(line), \(column.name): \(value.unicodeScalars.count) Zeichen, erlaubt \(max)")
                }
            }
        }
        return Array(records.dropFirst())
    }

    // MARK: The whole export

    /// A table's rows by column name.
    public struct Rows {
        let table: Table
        let rows: [[String: String]]

        /// A numeric field in units of 10^-5 (the finest Accuracy of the DSFinV-K), 0 when empty.
        func amount(_ row: [String: String], _ column: String) -> Int64 {
            DSFinVKValidator.amount(row[column] ?? "", decimal: table.decimalSymbol, grouping: table.digitGroupingSymbol)
        }
    }

    /// `-1.234,56789` in units of 10^-5; 0 when empty.
    public static func amount(_ value: String, decimal: String = ",", grouping: String = ".") -> Int64 {
        let text = value.replacingOccurrences(of: grouping, with: "")
        guard !text.isEmpty else { return 0 }
        let parts = text.components(separatedBy: decimal)
        let negative = parts[0].hasPrefix("-")
        let whole = Int64(parts[0].trimmingCharacters(in: CharacterSet(charactersIn: "-"))) ?? 0
        let fraction = String(((parts.count > 1 ? parts[1] : "") + "00000").prefix(5))
        let units = whole * 100_000 + (Int64(fraction) ?? 0)
        return negative ? -units : units
    }

    /// Every problem of the export `files` (name → bytes); empty when it is sound.
    public static func problems(_ files: [String: [UInt8]]) -> [String] {
        var problems: [String] = []
        guard let indexBytes = files["index.xml"], let index = parseIndex(indexBytes) else { return ["index.xml fehlt oder ist kein XML"] }
        if index.version != "1.0" { problems.append("index.xml: Version \(index.version) statt 1.0") }
        if let dtd = index.doctype, files[dtd] == nil { problems.append("index.xml nennt die DTD \(dtd), die im Archiv fehlt") }
        if index.doctype == nil { problems.append("index.xml nennt keine DTD") }
        var tables: [String: Rows] = [:]
        for table in index.tables {
            guard let bytes = files[table.url] else {
                problems.append("\(table.url): in index.xml beschrieben, fehlt im Archiv")
                continue
            }
            if !table.utf8 { problems.append("\(table.url): nicht als UTF8 beschrieben") }
            if table.rangeFrom != "2" { problems.append("\(table.url): Range/From ist \(table.rangeFrom), nicht 2") }
            if table.columnDelimiter != ";" { problems.append("\(table.url): ColumnDelimiter ist nicht ;") }
            if table.textEncapsulator != "\"" { problems.append("\(table.url): TextEncapsulator ist nicht \"") }
            if table.decimalSymbol.isEmpty || table.decimalSymbol == table.digitGroupingSymbol {
                problems.append("\(table.url): DecimalSymbol und DigitGroupingSymbol fehlen oder sind gleich")
            }
            for column in table.columns where !column.isNumeric && column.maxLength == nil {
                problems.append("\(table.url), \(column.name): AlphaNumeric ohne MaxLength")
            }
            let records = records(bytes, table, problems: &problems)
            let names = table.columns.map(\.name)
            tables[table.url] = Rows(table: table, rows: records.filter { $0.count == names.count }.map { Dictionary(uniqueKeysWithValues: zip(names, $0)) })
        }
        for name in files.keys where name.hasSuffix(".csv") && tables[name] == nil {
            problems.append("\(name): im Archiv, aber nicht in index.xml beschrieben")
        }
        crossChecks(tables, &problems)
        return problems
    }

    public static let required = [
        "cashpointclosing.csv", "transactions.csv", "lines.csv", "lines_vat.csv", "transactions_vat.csv", "datapayment.csv",
        "payment.csv", "businesscases.csv", "pa.csv", "references.csv", "cash_per_currency.csv", "tse.csv", "transactions_tse.csv",
        "location.csv", "cashregister.csv", "vat.csv", "slaves.csv", "allocation_groups.csv",
    ]

    public static func crossChecks(_ tables: [String: Rows], _ problems: inout [String]) {
        for name in required where tables[name] == nil { problems.append("\(name) fehlt") }
        guard let closing = tables["cashpointclosing.csv"], let transactions = tables["transactions.csv"],
            let lines = tables["lines.csv"], let linesVAT = tables["lines_vat.csv"], let transactionsVAT = tables["transactions_vat.csv"],
            let dataPayment = tables["datapayment.csv"], let payment = tables["payment.csv"], let cases = tables["businesscases.csv"],
            let agencies = tables["pa.csv"], let references = tables["references.csv"], let cash = tables["cash_per_currency.csv"],
            let tse = tables["tse.csv"], let transactionsTSE = tables["transactions_tse.csv"]
        else { return }
        func z(_ row: [String: String]) -> String { (row["Z_KASSE_ID"] ?? "") + " Z " + (row["Z_NR"] ?? "") }
        func zFull(_ row: [String: String]) -> String { z(row) + " " + (row["Z_ERSTELLUNG"] ?? "") }
        let closings = Dictionary(closing.rows.map { (z($0), $0) }, uniquingKeysWith: { first, _ in first })
        if closings.count != closing.rows.count { problems.append("cashpointclosing.csv: ein Kassenabschluss steht mehrfach darin") }
        let closingKeys = Set(closing.rows.map(zFull))

        // 1. Every row belongs to a Kassenabschluss of cashpointclosing.csv.
        for (name, rows) in tables where name != "cashpointclosing.csv" {
            for (i, row) in rows.rows.enumerated() where !closingKeys.contains(zFull(row)) {
                problems.append("\(name) Zeile \(i + 2): Z_KASSE_ID/Z_ERSTELLUNG/Z_NR \(zFull(row)) nicht in cashpointclosing.csv")
            }
        }
        // 2. Z_START_ID / Z_ENDE_ID are the first and last BON_ID.
        var bons: [String: [String]] = [:]
        for row in transactions.rows { bons[z(row), default: []].append(row["BON_ID"] ?? "") }
        for (key, row) in closings {
            let ids = bons[key] ?? []
            if (row["Z_START_ID"] ?? "") != (ids.first ?? "") || (row["Z_ENDE_ID"] ?? "") != (ids.last ?? "") {
                problems.append(
                    "cashpointclosing.csv \(key): Z_START_ID/Z_ENDE_ID \(row["Z_START_ID"] ?? "")/\(row["Z_ENDE_ID"] ?? "") ≠ erste/letzte BON_ID \(ids.first ?? "")/\(ids.last ?? "")"
                )
            }
        }
        var allBons: Set<String> = []
        for row in transactions.rows where !allBons.insert(z(row) + "|" + (row["BON_ID"] ?? "")).inserted {
            problems.append("transactions.csv: BON_ID \(row["BON_ID"] ?? "") doppelt in \(z(row))")
        }
        // 3. payment.csv sums to Z_SE_ZAHLUNGEN, its Bar rows to Z_SE_BARZAHLUNGEN; datapayment to payment.csv.
        var paid: [String: Int64] = [:]
        var paidCash: [String: Int64] = [:]
        var perType: [String: Int64] = [:]
        for row in payment.rows {
            let amount = payment.amount(row, "Z_ZAHLART_BETRAG")
            paid[z(row), default: 0] += amount
            if row["ZAHLART_TYP"] == "Bar" { paidCash[z(row), default: 0] += amount }
            perType[z(row) + "|" + (row["ZAHLART_TYP"] ?? "") + "|" + (row["ZAHLART_NAME"] ?? ""), default: 0] += amount
        }
        for (key, row) in closings {
            if closing.amount(row, "Z_SE_ZAHLUNGEN") != paid[key] ?? 0 {
                problems.append("payment.csv \(key): Summe \(paid[key] ?? 0) ≠ Z_SE_ZAHLUNGEN \(closing.amount(row, "Z_SE_ZAHLUNGEN")) (1/100000 €)")
            }
            if closing.amount(row, "Z_SE_BARZAHLUNGEN") != paidCash[key] ?? 0 {
                problems.append("payment.csv \(key): Bar \(paidCash[key] ?? 0) ≠ Z_SE_BARZAHLUNGEN \(closing.amount(row, "Z_SE_BARZAHLUNGEN"))")
            }
        }
        var perReceipt: [String: Int64] = [:]
        var perTypeFromReceipts: [String: Int64] = [:]
        for row in dataPayment.rows {
            let amount = dataPayment.amount(row, "BASISWAEH_BETRAG")
            perReceipt[z(row) + "|" + (row["BON_ID"] ?? ""), default: 0] += amount
            perTypeFromReceipts[z(row) + "|" + (row["ZAHLART_TYP"] ?? "") + "|" + (row["ZAHLART_NAME"] ?? ""), default: 0] += amount
        }
        if perTypeFromReceipts.filter({ $0.value != 0 }) != perType.filter({ $0.value != 0 }) {
            problems.append("payment.csv ≠ datapayment.csv je Zahlart: \(perType) / \(perTypeFromReceipts)")
        }
        for (key, row) in closings {
            let cashRows = cash.rows.filter { z($0) == key && $0["ZAHLART_WAEH"] == "EUR" }
            if cashRows.map({ cash.amount($0, "ZAHLART_BETRAG_WAEH") }).reduce(0, +) != closing.amount(row, "Z_SE_BARZAHLUNGEN") {
                problems.append("cash_per_currency.csv \(key): EUR ≠ Z_SE_BARZAHLUNGEN")
            }
        }
        // 4. businesscases.csv = lines_vat.csv grouped by GV_TYP, GV_NAME, AGENTUR_ID and UST_SCHLUESSEL.
        let lineByPos = Dictionary(
            lines.rows.map { (z($0) + "|" + ($0["BON_ID"] ?? "") + "|" + ($0["POS_ZEILE"] ?? ""), $0) }, uniquingKeysWith: { first, _ in first })
        var grouped: [String: [Int64]] = [:]
        var vatPerBon: [String: [Int64]] = [:]
        for row in linesVAT.rows {
            let posKey = z(row) + "|" + (row["BON_ID"] ?? "") + "|" + (row["POS_ZEILE"] ?? "")
            guard let line = lineByPos[posKey] else {
                problems.append("lines_vat.csv: Position \(posKey) fehlt in lines.csv")
                continue
            }
            let brutto = linesVAT.amount(row, "POS_BRUTTO")
            let netto = linesVAT.amount(row, "POS_NETTO")
            let ust = linesVAT.amount(row, "POS_UST")
            if brutto != netto + ust { problems.append("lines_vat.csv \(posKey): POS_BRUTTO ≠ POS_NETTO + POS_UST") }
            let key = [z(row), line["GV_TYP"] ?? "", line["GV_NAME"] ?? "", line["AGENTUR_ID"] ?? "", row["UST_SCHLUESSEL"] ?? ""].joined(separator: "|")
            let sum = grouped[key] ?? [0, 0, 0]
            grouped[key] = [sum[0] + brutto, sum[1] + netto, sum[2] + ust]
            let bonKey = z(row) + "|" + (row["BON_ID"] ?? "") + "|" + (row["UST_SCHLUESSEL"] ?? "")
            let bonSum = vatPerBon[bonKey] ?? [0, 0]
            vatPerBon[bonKey] = [bonSum[0] + brutto, bonSum[1] + ust]
        }
        var fromCases: [String: [Int64]] = [:]
        for row in cases.rows {
            let key = [z(row), row["GV_TYP"] ?? "", row["GV_NAME"] ?? "", row["AGENTUR_ID"] ?? "", row["UST_SCHLUESSEL"] ?? ""].joined(separator: "|")
            let sum = fromCases[key] ?? [0, 0, 0]
            fromCases[key] = [sum[0] + cases.amount(row, "Z_UMS_BRUTTO"), sum[1] + cases.amount(row, "Z_UMS_NETTO"), sum[2] + cases.amount(row, "Z_UST")]
        }
        if fromCases != grouped { problems.append("businesscases.csv ≠ lines_vat.csv gruppiert: \(fromCases) / \(grouped)") }
        // transactions_vat.csv (the receipt) = its positions per key; UMS_BRUTTO = Σ BON_BRUTTO = Σ payments.
        var vatFromHeads: [String: [Int64]] = [:]
        var grossPerBon: [String: Int64] = [:]
        for row in transactionsVAT.rows {
            let brutto = transactionsVAT.amount(row, "BON_BRUTTO")
            let ust = transactionsVAT.amount(row, "BON_UST")
            if brutto != transactionsVAT.amount(row, "BON_NETTO") + ust {
                problems.append("transactions_vat.csv \(row["BON_ID"] ?? ""): BON_BRUTTO ≠ BON_NETTO + BON_UST")
            }
            let headKey = z(row) + "|" + (row["BON_ID"] ?? "") + "|" + (row["UST_SCHLUESSEL"] ?? "")
            let headSum = vatFromHeads[headKey] ?? [0, 0]
            vatFromHeads[headKey] = [headSum[0] + brutto, headSum[1] + ust]
            grossPerBon[z(row) + "|" + (row["BON_ID"] ?? ""), default: 0] += brutto
        }
        if vatFromHeads.filter({ $0.value != [0, 0] }) != vatPerBon.filter({ $0.value != [0, 0] }) {
            problems.append("transactions_vat.csv ≠ lines_vat.csv je Vorgang und USt-Schlüssel")
        }
        for row in transactions.rows {
            let key = z(row) + "|" + (row["BON_ID"] ?? "")
            let total = transactions.amount(row, "UMS_BRUTTO")
            if total != grossPerBon[key] ?? 0 { problems.append("transactions.csv \(key): UMS_BRUTTO ≠ Σ BON_BRUTTO") }
            if total != perReceipt[key] ?? 0 { problems.append("transactions.csv \(key): UMS_BRUTTO ≠ Σ datapayment") }
        }
        // 5. The Agentur rows: every AGENTUR_ID ≠ 0 of lines and businesscases has its pa.csv row.
        let agencyKeys = Set(agencies.rows.map { z($0) + "|" + ($0["AGENTUR_ID"] ?? "") })
        for (name, rows) in [("lines.csv", lines), ("businesscases.csv", cases)] {
            for row in rows.rows where !["", "0"].contains(row["AGENTUR_ID"] ?? "") {
                if !agencyKeys.contains(z(row) + "|" + (row["AGENTUR_ID"] ?? "")) {
                    problems.append("\(name): AGENTUR_ID \(row["AGENTUR_ID"] ?? "") in \(z(row)) ohne Zeile in pa.csv")
                }
            }
        }
        let usedAgencies = Set(lines.rows.map { z($0) + "|" + ($0["AGENTUR_ID"] ?? "") })
        for key in agencyKeys where !usedAgencies.contains(key) { problems.append("pa.csv: Agentur \(key) ohne Position") }
        // References point at a Vorgang of the export when its Kassenabschluss is in it.
        for row in references.rows where row["REF_TYP"] == "Transaktion" {
            let target = (row["REF_Z_KASSE_ID"] ?? "") + " Z " + (row["REF_Z_NR"] ?? "")
            if closings[target] != nil && !allBons.contains(target + "|" + (row["REF_BON_ID"] ?? "")) {
                problems.append("references.csv: REF_BON_ID \(row["REF_BON_ID"] ?? "") fehlt in \(target)")
            }
        }
        // transactions_tse.csv: a Vorgang of the Kassenabschluss and a TSE of tse.csv.
        let tseKeys = Set(tse.rows.map { z($0) + "|" + ($0["TSE_ID"] ?? "") })
        for row in transactionsTSE.rows {
            if !allBons.contains(z(row) + "|" + (row["BON_ID"] ?? "")) { problems.append("transactions_tse.csv: BON_ID \(row["BON_ID"] ?? "") ohne Vorgang") }
            if let id = row["TSE_ID"], !id.isEmpty, !tseKeys.contains(z(row) + "|" + id) {
                problems.append("transactions_tse.csv: TSE_ID \(id) nicht in tse.csv")
            }
            if (row["TSE_TA_SIG"] ?? "").isEmpty && (row["TSE_TA_FEHLER"] ?? "").isEmpty {
                problems.append("transactions_tse.csv: \(row["BON_ID"] ?? "") hat weder Signatur noch TSE_TA_FEHLER")
            }
        }
    }

    /// The rows of `file` by column name (for the tests' own comparisons).
    public static func rows(_ files: [String: [UInt8]], _ file: String) -> [[String: String]] {
        guard let index = files["index.xml"].flatMap(parseIndex), let table = index.tables.first(where: { $0.url == file }),
            let bytes = files[file]
        else { return [] }
        var ignored: [String] = []
        let names = table.columns.map(\.name)
        return records(bytes, table, problems: &ignored).map { Dictionary(uniqueKeysWithValues: zip(names, $0)) }
    }

    /// A money field (`-12,34`, exactly two decimals) in cents.
    public static func cents(_ text: String) -> Int64? {
        let parts = text.split(separator: ",")
        guard parts.count == 2, parts[1].count == 2, let whole = Int64(parts[0].replacingOccurrences(of: "-", with: "")), let fraction = Int64(parts[1])
        else { return nil }
        return (text.hasPrefix("-") ? -1 : 1) * (whole * 100 + fraction)
    }
}
