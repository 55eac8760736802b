import Foundation
import KasseCore

/// DATEV EXTF Buchungsstapel: format 700, category 21, format version 9 (116 columns).
///
/// Line 1 is the 31-field header, line 2 the column headings, then one booking per line:
/// Umsatz (always positive, decimal comma), S/H relative to Konto, Konto = payment account,
/// Gegenkonto = Sachkonto, Belegdatum `TTMM`, Belegfeld 1 = Kassenzeichen or receipt number
/// (≤ 36 characters, ``belegfeld(_:)``), Buchungstext (≤ 60, no trailing space when shortened), KOST1 = Kostenstelle, KOST2 = Produkt, and
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
    static let umsatz = 0, sollHaben = 1, konto = 6, gegenkonto = 7, buSchluessel = 8, belegdatum = 9, belegfeld1 = 10,
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
        let title = Self.batchName((context.includesProvisional ? "VORLÄUFIG " : "") + context.title)
        let header: [String] = [
            quoted("EXTF"), "700", "21", quoted("Buchungsstapel"), String(Self.formatVersion),
            context.createdAt.datev, "", quoted("WK"), quoted(clip(context.exportedBy, 25)), quoted(""),
            String(settings.datevConsultant), String(settings.datevClient), start.compact,
            String(settings.datevAccountLength), context.from.compact, context.to.compact,
            quoted(title), quoted(clip(settings.datevDictationCode, 2)), "1", "0", lockText, quoted("EUR"),
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
        let belegfeld = line.cashReference.isEmpty ? line.receiptNumber : line.cashReference
        guard Self.belegfeldLength(belegfeld) <= Self.belegfeldLimit else {
            throw invalid(
                line, "Belegfeld 1", belegfeld, "höchstens \(Self.belegfeldLimit) Zeichen (A–Z a–z 0–9 $ & * + - /; jedes andere zählt als %XX dreifach)")
        }

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
        if let key = line.tax?.rateKey, line.taxPart == .net, let bu = context.settings.datevTaxKeys[key] {
            to(Self.buSchluessel)
            out.append(UInt8(ascii: "\""))
            out.appendUTF8(bu)
            out.append(UInt8(ascii: "\""))
        }
        to(Self.belegdatum)
        out.appendDigits(UInt64(line.businessDate.day), width: 2)
        out.appendDigits(UInt64(line.businessDate.month), width: 2)
        to(Self.belegfeld1)
        out.append(UInt8(ascii: "\""))
        Self.appendBelegfeld(belegfeld, to: &out)
        out.append(UInt8(ascii: "\""))
        to(Self.buchungstext)
        if line.text.utf8.count > Self.bookingTextLimit {
            out.appendWindows1252Quoted(Self.bookingText(line.text), clippedTo: Int.max)
        } else {
            out.appendWindows1252Quoted(line.text, clippedTo: Self.bookingTextLimit)
        }
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

    /// The length of Belegfeld 1 and of the Buchungstext (DATEV format 700, version 9).
    static let belegfeldLimit = 36, bookingTextLimit = 60

    /// Belegfeld 1 as written: DATEV allows `A–Z a–z 0–9 $ & % * + - /`; every other byte of the
    /// UTF-8 text, and `%` itself, is written `%XX` (hex), so two different texts never give the
    /// same Belegfeld (`K_1-000001` → `K%5F1-000001`, not the `K1-000001` of register K1).
    /// Nothing is dropped or cut: a text longer than 36 characters after that is refused.
    static func belegfeld(_ text: String) -> String {
        var out: [UInt8] = []
        appendBelegfeld(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always) static func isBelegfeldByte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == UInt8(ascii: "$") || b == UInt8(ascii: "&")
            || b == UInt8(ascii: "*") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") || b == UInt8(ascii: "/")
    }

    /// The number of characters ``belegfeld(_:)`` gives.
    static func belegfeldLength(_ text: String) -> Int {
        var count = 0
        for byte in text.utf8 { count += isBelegfeldByte(byte) ? 1 : 3 }
        return count
    }

    /// ``belegfeld(_:)`` appended as bytes.
    static func appendBelegfeld(_ text: String, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if isBelegfeldByte(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
    }

    /// A Buchungstext longer than 60 characters: its first 60, without the spaces a cut leaves at the end.
    static func bookingText(_ text: String) -> String {
        var clipped = clip(text, bookingTextLimit)
        while clipped.last?.isWhitespace == true { clipped.removeLast() }
        return clipped
    }

    /// The batch's Bezeichnung (header field 17, at most 30 characters), never cut inside a date:
    /// first `Kasse ` goes, then a range within one year is written `01.12.-31.12.2026`, then the
    /// `VORLÄUFIG` becomes `VORL.`, then the words before the dates are shortened.
    static func batchName(_ title: String, limit: Int = 30) -> String {
        var name = clip(title, Int.max)
        if name.count <= limit { return name }
        name = name.replacingOccurrences(of: "Kasse ", with: "")
        if name.count <= limit { return name }
        if let expression = try? NSRegularExpression(pattern: "([0-9]{2}\\.[0-9]{2}\\.)([0-9]{4})-([0-9]{2}\\.[0-9]{2}\\.)\\2") {
            name = expression.stringByReplacingMatches(
                in: name, range: NSRange(name.startIndex..<name.endIndex, in: name), withTemplate: "$1-$3$2")
        }
        if name.count <= limit { return name }
        if name.hasPrefix("VORLÄUFIG ") { name = "VORL." + name.dropFirst("VORLÄUFIG".count) }
        if name.count <= limit { return name }
        guard let space = name.lastIndex(of: " ") else { return String(name.prefix(limit)) }
        let dates = String(name[name.index(after: space)...])
        guard dates.count < limit - 1 else { return String(dates.prefix(limit)) }
        var head = String(name[..<space].prefix(limit - dates.count - 1))
        while head.last == " " { head.removeLast() }
        return head.isEmpty ? dates : head + " " + dates
    }

    private func account(_ number: String, _ line: BookingLine, _ field: String) throws -> String {
        let length = context.settings.datevAccountLength
        guard !number.isEmpty, number.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw invalid(line, field, number, "eine Kontonummer aus Ziffern")
        }
        // Every account of a till booking is a Sachkonto: it must fit the declared Sachkontenlänge.
        guard number.count <= length else {
            throw invalid(line, field, number, "eine Kontonummer aus höchstens \(length) Ziffern (Sachkontenlänge, --datev-kontenlaenge \(length))")
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
