import Foundation
import KasseCore

/// DATEV EXTF Buchungsstapel: format 700, category 21, format version 9 (116 columns).
///
/// Line 1 is the 31-field header, line 2 the column headings, then one booking per line:
/// Umsatz (always positive, decimal comma), S/H relative to Konto, Konto = payment account,
/// Gegenkonto = Sachkonto, Belegdatum `TTMM`, Belegfeld 1 = Kassenzeichen or receipt number
/// (≤ 12 characters), Buchungstext (≤ 60), KOST1 = Kostenstelle, KOST2 = Produkt, and
/// Zusatzinformationen (Kasse, Bon, Vorgang, Bediener, Artikel, Storno-Bezug).
/// Windows-1252, `;`-separated, texts in double quotes, CRLF line ends.
/// Layout after DOMAIN-NOTES §4 (ledermann/datev `header.rb`, `booking.rb`).
public struct DATEVWriter: BookingWriter {
    public static let formatVersion = 9

    /// The 116 column headings of Buchungsstapel format version 9, in order.
    public static let columns: [String] = {
        var names = [
            "Umsatz (ohne Soll/Haben-Kz)", "Soll/Haben-Kennzeichen", "WKZ Umsatz", "Kurs", "Basisumsatz", "WKZ Basisumsatz",
            "Konto", "Gegenkonto (ohne BU-Schlüssel)", "BU-Schlüssel", "Belegdatum", "Belegfeld 1", "Belegfeld 2", "Skonto",
            "Buchungstext", "Postensperre", "Diverse Adressnummer", "Geschäftspartnerbank", "Sachverhalt", "Zinssperre",
            "Beleglink",
        ]
        for n in 1...8 { names += ["Beleginfo – Art \(n)", "Beleginfo – Inhalt \(n)"] }
        names += [
            "KOST1 – Kostenstelle", "KOST2 – Kostenstelle", "Kost Menge", "EU-Land u. USt-IdNr.", "EU-Steuersatz",
            "Abw. Versteuerungsart", "Sachverhalt L+L", "Funktionsergänzung L+L", "BU 49 Hauptfunktionstyp",
            "BU 49 Hauptfunktionsnummer", "BU 49 Funktionsergänzung",
        ]
        for n in 1...20 { names += ["Zusatzinformation – Art \(n)", "Zusatzinformation – Inhalt \(n)"] }
        names += [
            "Stück", "Gewicht", "Zahlweise", "Forderungsart", "Veranlagungsjahr", "Zugeordnete Fälligkeit", "Skontotyp",
            "Auftragsnummer", "Buchungstyp", "USt-Schlüssel (Anzahlungen)", "EU-Mitgliedstaat (Anzahlungen)",
            "Sachverhalt L+L (Anzahlungen)", "EU-Steuersatz (Anzahlungen)", "Erlöskonto (Anzahlungen)", "Herkunft-Kz",
            "Leerfeld", "KOST-Datum", "SEPA-Mandatsreferenz", "Skontosperre", "Gesellschaftername", "Beteiligtennummer",
            "Identifikationsnummer", "Zeichnernummer", "Postensperre bis", "Bezeichnung SoBil-Sachverhalt",
            "Kennzeichen SoBil-Buchung", "Festschreibung", "Leistungsdatum", "Datum Zuord. Steuerperiode",
        ]
        precondition(names.count == 116)
        return names
    }()

    // 0-based column positions.
    static let umsatz = 0, sollHaben = 1, konto = 6, gegenkonto = 7, belegdatum = 9, belegfeld1 = 10,
        buchungstext = 13, kost1 = 36, kost2 = 37, zusatzinfo = 47, festschreibung = 113

    let context: ExportContext
    private var fields = [String](repeating: "", count: 116)
    private let lockText: String

    public init(context: ExportContext) {
        self.context = context
        lockText = String(context.settings.datevLock)
    }

    /// The first day of the fiscal year that contains `date`.
    static func fiscalYearStart(of date: BookingDate, startMonth: Int) -> BookingDate {
        let year = date.month >= startMonth ? date.year : date.year - 1
        return BookingDate(year: year, month: startMonth, day: 1)!
    }

    public mutating func begin(into out: inout [UInt8]) throws {
        let settings = context.settings
        let start = Self.fiscalYearStart(of: context.from, startMonth: settings.fiscalYearStartMonth)
        guard Self.fiscalYearStart(of: context.to, startMonth: settings.fiscalYearStartMonth) == start else {
            throw ExportError.rangeSpansFiscalYears(from: context.from.german, to: context.to.german)
        }
        guard (4...8).contains(settings.datevAccountLength) else {
            throw ExportError.invalidScope("Einstellung datev.sachkontenlaenge: »\(settings.datevAccountLength)« ist ungültig; erlaubt sind 4 bis 8.")
        }
        let title = (context.includesProvisional ? "VORLÄUFIG " : "") + context.title
        let header: [String] = [
            quoted("EXTF"), "700", "21", quoted("Buchungsstapel"), String(Self.formatVersion),
            context.createdAt.datev, "", quoted("WK"), quoted(clip(context.exportedBy, 25)), quoted(""),
            String(settings.datevConsultant), String(settings.datevClient), start.compact,
            String(settings.datevAccountLength), context.from.compact, context.to.compact,
            quoted(clip(title, 30)), quoted(clip(settings.datevDictationCode, 2)), "1", "0", "", quoted("EUR"),
            "", quoted(""), "", "", quoted(settings.datevChart), "", "", quoted(""), quoted(""),
        ]
        precondition(header.count == 31)
        appendLine(header.joined(separator: ";"), to: &out)
        appendLine(Self.columns.joined(separator: ";"), to: &out)
    }

    public mutating func write(_ line: BookingLine, into out: inout [UInt8]) throws {
        guard line.businessDate >= context.from && line.businessDate <= context.to else {
            throw invalid(line, "Belegdatum", line.businessDate.german, "ein Datum von \(context.from.german) bis \(context.to.german)")
        }
        for index in fields.indices where !fields[index].isEmpty { fields[index] = "" }
        fields[Self.umsatz] = MoneyFormat.plain(line.amount.magnitude, decimalSeparator: ",")
        fields[Self.sollHaben] = quoted(line.amount.isNegative ? "H" : "S")
        fields[Self.konto] = try account(line.paymentAccount, line, "Konto")
        fields[Self.gegenkonto] = try account(line.account, line, "Gegenkonto")
        fields[Self.belegdatum] = line.businessDate.dayMonth
        fields[Self.belegfeld1] = quoted(Self.belegfeld(line.cashReference.isEmpty ? line.receiptNumber : line.cashReference))
        fields[Self.buchungstext] = quoted(clip(line.text, 60))
        if !line.costCenter.isEmpty { fields[Self.kost1] = quoted(try kost(line.costCenter, line, "KOST1")) }
        if !line.product.isEmpty { fields[Self.kost2] = quoted(try kost(line.product, line, "KOST2")) }
        var info: [(String, String)] = [("Kasse", line.register), ("Bon", line.receiptNumber), ("Vorgang", line.saleID),
                                        ("Bediener", line.operatorName)]
        if !line.itemCode.isEmpty { info.append(("Artikel", line.itemCode)) }
        if !line.stornoReference.isEmpty { info.append(("Storno zu Bon", line.stornoReference)) }
        if line.isProvisional { info.append(("Status", "vorläufig")) }
        for (n, pair) in info.enumerated() where !pair.1.isEmpty {
            fields[Self.zusatzinfo + 2 * n] = quoted(clip(pair.0, 20))
            fields[Self.zusatzinfo + 2 * n + 1] = quoted(clip(pair.1, 210))
        }
        fields[Self.festschreibung] = lockText
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ";")) }
            if !field.isEmpty { Windows1252.append(field, to: &out) }
        }
        out.append(13)
        out.append(10)
    }

    public mutating func finish(into out: inout [UInt8]) throws {}

    /// Belegfeld 1: DATEV allows `A-Z a-z 0-9 $ & % * + - /` and 12 characters; other characters
    /// are dropped and, when longer, the last 12 kept (the running number is at the end).
    static func belegfeld(_ text: String) -> String {
        let allowed = text.unicodeScalars.filter {
            ($0.value < 0x80 && (CharacterSet.alphanumerics.contains($0))) || "$&%*+-/".unicodeScalars.contains($0)
        }
        let kept = String(String.UnicodeScalarView(allowed))
        return kept.count > 12 ? String(kept.suffix(12)) : kept
    }

    private func account(_ number: String, _ line: BookingLine, _ field: String) throws -> String {
        let length = context.settings.datevAccountLength
        guard !number.isEmpty, number.count <= length + 1, number.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw invalid(line, field, number, "eine Kontonummer aus höchstens \(length + 1) Ziffern")
        }
        return number.count >= length ? number : String(repeating: "0", count: length - number.count) + number
    }

    private func kost(_ value: String, _ line: BookingLine, _ field: String) throws -> String {
        guard value.count <= 8 else { throw invalid(line, field, value, "höchstens 8 Zeichen") }
        return value
    }

    private func invalid(_ line: BookingLine, _ field: String, _ value: String, _ expected: String) -> ExportError {
        .invalidBooking(format: "DATEV", receipt: line.receiptNumber, field: field, value: value, expected: expected)
    }

    private func appendLine(_ text: String, to out: inout [UInt8]) {
        Windows1252.append(text, to: &out)
        out.append(13)
        out.append(10)
    }
}

/// `"text"` with inner quotes doubled.
@inline(__always) func quoted(_ text: String) -> String {
    text.utf8.contains(UInt8(ascii: "\"")) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : "\"" + text + "\""
}

/// At most `limit` characters (Unicode-normalised first, so `ü` counts once).
@inline(__always) func clip(_ text: String, _ limit: Int) -> String {
    // Only combining marks (U+0300 and above) can need composing; most texts have none.
    let normalised = text.utf8.allSatisfy({ $0 < 0xCC }) ? text : text.precomposedStringWithCanonicalMapping
    return normalised.utf8.count <= limit || normalised.count <= limit ? normalised : String(normalised.prefix(limit))
}
