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
/// Layout as in docs/exports.md, "DATEV EXTF Buchungsstapel" (ledermann/datev `header.rb`, `booking.rb`).
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
        // Check every field before the first byte, so a refused booking leaves no half line.
        let konto = try account(line.paymentAccount, line, "Konto")
        let gegenkonto = try account(line.account, line, "Gegenkonto")
        if !line.costCenter.isEmpty { _ = try kost(line.costCenter, line, "KOST1") }
        if !line.product.isEmpty { _ = try kost(line.product, line, "KOST2") }

        // Fields in column order; `column` is the field the next byte belongs to.
        var column = 0
        func to(_ target: Int) {
            while column < target {
                out.append(UInt8(ascii: ";"))
                column += 1
            }
        }
        out.appendMoney(line.amount.magnitude.cents, separator: UInt8(ascii: ","))
        to(Self.sollHaben)
        out.appendLiteral(line.amount.isNegative ? "\"H\"" : "\"S\"")
        to(Self.konto)
        out.appendUTF8(konto)
        to(Self.gegenkonto)
        out.appendUTF8(gegenkonto)
        to(Self.belegdatum)
        out.appendDigits(UInt64(line.businessDate.day), width: 2)
        out.appendDigits(UInt64(line.businessDate.month), width: 2)
        to(Self.belegfeld1)
        out.append(UInt8(ascii: "\""))
        Self.appendBelegfeld(line.cashReference.isEmpty ? line.receiptNumber : line.cashReference, to: &out)
        out.append(UInt8(ascii: "\""))
        to(Self.buchungstext)
        out.appendWindows1252Quoted(line.text, clippedTo: 60)
        if !line.costCenter.isEmpty {
            to(Self.kost1)
            out.appendWindows1252Quoted(line.costCenter, clippedTo: Int.max)
        }
        if !line.product.isEmpty {
            to(Self.kost2)
            out.appendWindows1252Quoted(line.product, clippedTo: Int.max)
        }
        // Zusatzinformationen: pairs in this order; an empty value keeps its pair empty.
        var n = 0
        func info(_ label: StaticString, _ value: String) {
            if !value.isEmpty {
                to(Self.zusatzinfo + 2 * n)
                out.append(UInt8(ascii: "\""))
                out.appendLiteral(label)
                out.append(UInt8(ascii: "\""))
                to(Self.zusatzinfo + 2 * n + 1)
                out.appendWindows1252Quoted(value, clippedTo: 210)
            }
            n += 1
        }
        info("Kasse", line.register)
        info("Bon", line.receiptNumber)
        info("Vorgang", line.saleID)
        info("Bediener", line.operatorName)
        if !line.itemCode.isEmpty { info("Artikel", line.itemCode) }
        if !line.stornoReference.isEmpty { info("Storno zu Bon", line.stornoReference) }
        if line.isProvisional { info("Status", "vorläufig") }
        if !line.approverName.isEmpty { info("Freigabe", line.approverName) }
        to(Self.festschreibung)
        out.appendUTF8(lockText)
        to(Self.columns.count - 1)
        out.append(13)
        out.append(10)
    }

    public mutating func finish(into out: inout [UInt8]) throws {}

    /// Belegfeld 1: DATEV allows `A-Z a-z 0-9 $ & % * + - /` and 12 characters; other characters
    /// are dropped and, when longer, the last 12 kept (the running number is at the end).
    static func belegfeld(_ text: String) -> String {
        var out: [UInt8] = []
        appendBelegfeld(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// ``belegfeld(_:)`` appended as bytes: every byte of a non-ASCII character is ≥ 0x80 and dropped.
    static func appendBelegfeld(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            func allowed(_ b: UInt8) -> Bool {
                (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == UInt8(ascii: "$") || b == UInt8(ascii: "&")
                    || b == UInt8(ascii: "%") || b == UInt8(ascii: "*") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
                    || b == UInt8(ascii: "/")
            }
            // The last 12 allowed bytes: walk back from the end.
            var start = bytes.count
            var kept = 0
            while start > 0 && kept < 12 {
                start -= 1
                if allowed(bytes[start]) { kept += 1 }
            }
            for byte in bytes[start...] where allowed(byte) { out.append(byte) }
        }
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
