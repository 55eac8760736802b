/// A result code: BMP 27 of `04 0F`, the byte of `06 1E`, or `84 xx` (ZVT 13.08 §10).
public struct ResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let success = ResultCode(rawValue: 0x00)
    public static let cardNotReadable = ResultCode(rawValue: 0x64)
    public static let aborted = ResultCode(rawValue: 0x6C)
    public static let wrongCurrency = ResultCode(rawValue: 0x6F)
    public static let communicationError = ResultCode(rawValue: 0x7D)
    public static let functionNotPossible = ResultCode(rawValue: 0x83)
    public static let protocolError = ResultCode(rawValue: 0x9A)
    public static let pleaseWait = ResultCode(rawValue: 0x9C)
    public static let alreadyReversed = ResultCode(rawValue: 0xB4)
    public static let reversalNotPossible = ResultCode(rawValue: 0xB5)
    public static let printerNotReady = ResultCode(rawValue: 0xCC)
    public static let systemError = ResultCode(rawValue: 0xFF)

    public var isSuccess: Bool { rawValue == 0 }

    /// German text for the clerk. Codes 01–63 come from the authorisation host; prefer BMP 3C when
    /// the terminal sent one (DCE memo, ZVT 13.08 §10).
    public var text: String {
        if let text = Self.texts[rawValue] { return text }
        if (0x01...0x63).contains(rawValue) { return "Abgelehnt vom Autorisierungssystem (Code \(rawValue))" }
        return "Unbekannter Fehler \(Hex.string([rawValue]))"
    }

    public var description: String { "\(Hex.string([rawValue])) \(text)" }

    static let texts: [UInt8: String] = [
        0x00: "Kein Fehler",
        0x64: "Karte nicht lesbar",
        0x65: "Kartendaten nicht vorhanden",
        0x66: "Verarbeitungsfehler",
        0x67: "Funktion für girocard und Maestro nicht erlaubt",
        0x68: "Funktion für Kredit- und Tankkarten nicht erlaubt",
        0x6A: "Umsatzspeicher voll",
        0x6B: "Funktion deaktiviert (Terminal nicht angemeldet)",
        0x6C: "Abbruch durch Zeitüberschreitung oder Abbruchtaste",
        0x6E: "Karte gesperrt",
        0x6F: "Falsche Währung",
        0x71: "Guthaben nicht ausreichend",
        0x72: "Chipfehler",
        0x73: "Kartendaten falsch",
        0x74: "DUKPT erschöpft",
        0x75: "Text nicht authentisch",
        0x76: "PAN nicht in der Positivliste",
        0x77: "Kassenschnitt nicht möglich",
        0x78: "Karte verfallen",
        0x79: "Karte noch nicht gültig",
        0x7A: "Karte unbekannt",
        0x7B: "Ausweichen auf Magnetstreifen bei girocard nicht möglich",
        0x7C: "Ausweichen auf Magnetstreifen nicht möglich",
        0x7D: "Kommunikationsfehler",
        0x7E: "Ausweichen auf Magnetstreifen nicht möglich, Lastschrift möglich",
        0x83: "Funktion nicht möglich",
        0x85: "Schlüssel fehlt",
        0x89: "PIN-Pad defekt",
        0x9A: "ZVT-Protokollfehler",
        0x9B: "Fehler bei der Datenfernübertragung",
        0x9C: "Bitte warten",
        0xA0: "Empfänger nicht bereit",
        0xA1: "Gegenstelle antwortet nicht",
        0xA3: "Keine Verbindung",
        0xA4: "Einreichung GeldKarte nicht möglich",
        0xA5: "Funktion wegen PCI-DSS/P2PE nicht erlaubt",
        0xB1: "Speicher voll",
        0xB2: "Händlerjournal voll",
        0xB4: "Bereits storniert",
        0xB5: "Storno nicht möglich",
        0xB7: "Vorautorisierung falsch (Betrag zu hoch) oder Betrag falsch",
        0xB8: "Fehler Vorautorisierung",
        0xBF: "Versorgungsspannung zu niedrig",
        0xC0: "Kartenverriegelung defekt",
        0xC1: "Händlerkarte gesperrt",
        0xC2: "Diagnose erforderlich",
        0xC3: "Höchstbetrag überschritten",
        0xC4: "Kartenprofil ungültig",
        0xC5: "Zahlungsart nicht unterstützt",
        0xC6: "Währung nicht anwendbar",
        0xC8: "Betrag zu klein",
        0xC9: "Maximaler Transaktionsbetrag zu klein",
        0xCB: "Funktion nur in Euro erlaubt",
        0xCC: "Drucker nicht bereit",
        0xCD: "Cashback nicht möglich",
        0xD2: "Funktion für Service- und Kundenkarten nicht erlaubt",
        0xDC: "Karte eingesteckt",
        0xDD: "Fehler beim Kartenauswurf",
        0xDE: "Fehler beim Karteneinzug",
        0xE0: "Fernwartung aktiv",
        0xE2: "Kartenleser antwortet nicht oder ist defekt",
        0xE3: "Verschluss geschlossen",
        0xE4: "Terminal-Aktivierung erforderlich",
        0xE7: "Mindestens eine Warengruppe nicht gefunden",
        0xE8: "Keine Warengruppentabelle geladen",
        0xE9: "Restriktionscode nicht erlaubt",
        0xEA: "Kartencode nicht erlaubt",
        0xEB: "Funktion nicht ausführbar (PIN-Verfahren unbekannt)",
        0xEC: "PIN-Verarbeitung nicht möglich",
        0xED: "PIN-Pad defekt",
        0xF0: "Offener Kassenschnitt vorhanden",
        0xF1: "girocard/Maestro-Offline-Fehler",
        0xF5: "OPT-Fehler",
        0xF6: "OPT-Daten nicht vorhanden",
        0xFA: "Fehler beim Übertragen der Offline-Umsätze",
        0xFB: "Umsatzdatensatz fehlerhaft",
        0xFC: "Notwendiges Gerät fehlt oder ist defekt",
        0xFD: "Baudrate nicht unterstützt",
        0xFE: "Register unbekannt",
        0xFF: "Systemfehler",
    ]
}

/// Terminal status byte of the Status-Enquiry Completion (ZVT 13.08 §11).
public struct TerminalStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let ready = TerminalStatus(rawValue: 0x00)
    public static let cardInserted = TerminalStatus(rawValue: 0xDC)
    public static let reconciliationRequired = TerminalStatus(rawValue: 0xF0)

    public var isReady: Bool { rawValue == 0 }

    public var text: String { Self.texts[rawValue] ?? "Unbekannter Terminalstatus \(Hex.string([rawValue]))" }
    /// What the technician should do (German), if the spec names something.
    public var remedy: String? { Self.remedies[rawValue] }

    public var description: String { "\(Hex.string([rawValue])) \(text)" }

    static let texts: [UInt8: String] = [
        0x00: "Terminal bereit",
        0x51: "Initialisierung erforderlich",
        0x62: "Datum/Uhrzeit falsch",
        0x9C: "Bitte warten (z. B. Software-Update)",
        0x9D: "Teilausgabe der Ware",
        0xB1: "Speicher voll",
        0xB2: "Händlerjournal voll",
        0xBF: "Versorgungsspannung zu niedrig",
        0xC0: "Kartenverriegelung defekt",
        0xC1: "Händlerkarte gesperrt",
        0xC2: "Diagnose erforderlich",
        0xC4: "Kartenprofil ungültig",
        0xCC: "Drucker nicht bereit",
        0xDC: "Karte eingesteckt",
        0xDF: "Außer Betrieb",
        0xE0: "Fernwartung aktiv",
        0xE1: "Karte nicht vollständig entnommen",
        0xE2: "Kartenleser antwortet nicht oder ist defekt",
        0xE3: "Verschluss geschlossen",
        0xE4: "Terminal-Aktivierung erforderlich",
        0xF0: "Kassenschnitt erforderlich",
        0xF6: "OPT-Daten nicht vorhanden",
    ]
    static let remedies: [UInt8: String] = [
        0x51: "Initialisierung (06 93) ausführen",
        0x62: "Datum/Uhrzeit setzen oder Diagnose (webkasse zvt diagnosis)",
        0x9C: "Später erneut abfragen",
        0xB1: "Kassenschnitt (webkasse zvt eod) oder Techniker",
        0xC1: "Diagnose (webkasse zvt diagnosis), sonst Techniker",
        0xC2: "Diagnose (webkasse zvt diagnosis)",
        0xDC: "Karte entnehmen lassen oder Abbruch (webkasse zvt abort)",
        0xE1: "Karte vollständig entnehmen lassen",
        0xF0: "Kassenschnitt (webkasse zvt eod)",
    ]
}

/// Intermediate status code of `04 FF` (ZVT 13.08 §3.7 table 17).
///
/// Unknown codes (e.g. Ingenico A0–A5) must not break anything: ``text`` falls back to a generic
/// "Bitte warten…"; the terminal's own TLV 24 text, when present, takes precedence.
public struct IntermediateStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let insertCard = IntermediateStatus(rawValue: 0x0A)
    public static let pleaseWait = IntermediateStatus(rawValue: 0x17)
    public static let enterPIN = IntermediateStatus(rawValue: 0x01)

    /// Whether the code is in the table of §3.7.
    public var isKnown: Bool { Self.baseText(rawValue) != nil }

    /// German text as the PT would show it (`\n` separates a second line).
    public var text: String { Self.baseText(rawValue) ?? "Bitte warten…" }

    public var description: String { "\(Hex.string([rawValue])) \(text)" }

    static func baseText(_ code: UInt8) -> String? {
        if let text = texts[code] { return text }
        if code == 0x4B { return "Bitte Karte entnehmen!" }
        if (0x41...0x5D).contains(code) || code == 0x66 || code == 0x67, code != 0x4A, let base = texts[code - 0x40] {
            return base + "\nBitte Karte entnehmen!"
        }
        return nil
    }

    static let texts: [UInt8: String] = [
        0x00: "BZT wartet auf Betragbestätigung",
        0x01: "Bitte Anzeigen auf dem PIN-Pad beachten",
        0x02: "Bitte Anzeigen auf dem PIN-Pad beachten",
        0x03: "Vorgang nicht möglich",
        0x04: "BZT wartet auf Antwort vom FEP",
        0x05: "BZT sendet Autostorno",
        0x06: "BZT sendet Nachbuchungen",
        0x07: "Karte nicht zugelassen",
        0x08: "Karte unbekannt / undefiniert",
        0x09: "Karte verfallen",
        0x0A: "Karte einstecken",
        0x0B: "Bitte Karte entnehmen!",
        0x0C: "Karte nicht lesbar",
        0x0D: "Vorgang abgebrochen",
        0x0E: "Vorgang wird bearbeitet bitte warten...",
        0x0F: "BZT leitet einen automatischen Kassenabschluss ein",
        0x10: "Karte ungültig",
        0x11: "Guthabenanzeige",
        0x12: "Systemfehler",
        0x13: "Zahlung nicht möglich",
        0x14: "Guthaben nicht ausreichend",
        0x15: "Geheimzahl falsch",
        0x16: "Limit nicht ausreichend",
        0x17: "Bitte warten...",
        0x18: "Geheimzahl zu oft falsch",
        0x19: "Kartendaten falsch",
        0x1A: "Servicemodus",
        0x1B: "Autorisierung erfolgt. Bitte tanken",
        0x1C: "Zahlung erfolgt. Bitte Ware entnehmen",
        0x1D: "Autorisierung nicht möglich",
        0x26: "BZT wartet auf Eingabe der Mobilfunknummer",
        0x27: "BZT wartet auf Wiederholung der Mobilfunknummer",
        0x28: "Währungsauswahl, bitte warten...",
        0x29: "Sprachauswahl, bitte warten...",
        0x2A: "Zum Laden Karte einstecken",
        0x2B: "Offline-Notbetrieb, bitte warten",
        0x2C: "Auswahl Debit/Kredit, bitte warten",
        0x68: "BZT hat Einstecken der Kundenkarte erkannt",
        0x69: "Bitte DCC auswählen",
        0xC7: "BZT wartet auf Eingabe des Kilometerstands",
        0xC8: "BZT wartet auf Kassierer",
        0xC9: "BZT leitet eine automatische Diagnose ein",
        0xCA: "BZT leitet eine automatische Initialisierung ein",
        0xCB: "Händlerjournal voll",
        0xCC: "Lastschrift nicht möglich, PIN notwendig",
        0xD2: "DFÜ-Verbindung wird hergestellt",
        0xD3: "DFÜ-Verbindung besteht",
        0xE0: "BZT wartet auf Anwendungsauswahl",
        0xE1: "BZT wartet auf Sprachauswahl",
        0xE2: "BZT fordert auf, die Reinigungskarte zu benutzen",
        0xF1: "Offline",
        0xF2: "Online",
        0xF3: "Offline-Transaktion",
    ]
}

/// ZVT card-type ids of BMP 8A seen in the traces (ZVT 13.08 §12), for display; others show as a number.
public enum CardTypeName {
    public static func name(_ id: UInt8) -> String? {
        [0x05: "girocard", 0x06: "Mastercard", 0x0D: "V PAY", 0x2E: "Maestro"][id]
    }
}
