/// The tables and columns of the DSFinV-K 2.4 export that the till writes (docs/dsfinvk.md): file
/// name, logical name (GDPdU `Name`), and per column its name and type, in the order of the files.
///
/// The column lists follow the DSFinV-K (§ 3, Einzelaufzeichnungsmodul, Stammdatenmodul,
/// Kassenabschlussmodul); `index.xml` is generated from them and the CSV writer checks every row
/// against them, so the files and their description can never disagree.
public enum DSFinVKSchema {
    /// A column: `Numeric` with `Accuracy` decimal places, or `AlphaNumeric` with a `MaxLength`.
    public struct Column: Equatable, Sendable {
        public enum Kind: Equatable, Sendable {
            case numeric(accuracy: Int)
            case alphanumeric(maxLength: Int)
        }
        public let name: String
        public let kind: Kind
        public let description: String

        static func text(_ name: String, _ maxLength: Int, _ description: String) -> Column {
            Column(name: name, kind: .alphanumeric(maxLength: maxLength), description: description)
        }
        static func number(_ name: String, _ accuracy: Int, _ description: String) -> Column {
            Column(name: name, kind: .numeric(accuracy: accuracy), description: description)
        }
    }

    /// One file of the export.
    public struct Table: Equatable, Sendable {
        /// `lines.csv`
        public let file: String
        /// `Bonpos` (the DSFinV-K's name of the file).
        public let name: String
        public let description: String
        /// The three columns every row starts with, then the table's own.
        public let columns: [Column]

        init(_ file: String, _ name: String, _ description: String, _ own: [Column]) {
            self.file = file
            self.name = name
            self.description = description
            self.columns = DSFinVKSchema.closingKey + own
        }

        public func index(of column: String) -> Int? { columns.firstIndex { $0.name == column } }
    }

    /// Local date and time of the office, `YYYY-MM-DDTHH:MM:SS`.
    static let timestampLength = 19

    /// Z_KASSE_ID, Z_ERSTELLUNG, Z_NR: the Kassenabschluss a row belongs to.
    static let closingKey: [Column] = [
        .text("Z_KASSE_ID", 50, "ID der (Abschluss-) Kasse"),
        .text("Z_ERSTELLUNG", timestampLength, "Zeitpunkt des Kassenabschlusses"),
        .number("Z_NR", 0, "Nr. des Kassenabschlusses"),
    ]

    static let bonID = Column.text("BON_ID", 40, "Vorgangs-ID")
    static let posZeile = Column.text("POS_ZEILE", 50, "Zeilennummer")

    // MARK: Einzelaufzeichnungsmodul

    public static let lines = Table(
        "lines.csv", "Bonpos", "Positionen der Vorgänge",
        [
            bonID, posZeile, .text("GUTSCHEIN_NR", 50, "Gutschein-Nr."), .text("ARTIKELTEXT", 255, "Artikeltext"),
            .text("POS_TERMINAL_ID", 50, "ID des Positions-Terminals"), .text("GV_TYP", 30, "Geschäftsvorfall-Art"),
            .text("GV_NAME", 40, "Zusatz zu der Geschäftsvorfall-Art"), .number("INHAUS", 0, "Verzehr an Ort und Stelle"),
            .number("P_STORNO", 0, "Positionsstorno-Kennzeichnung"), .number("AGENTUR_ID", 0, "ID der Agentur"),
            .text("ART_NR", 50, "Artikelnummer"), .text("GTIN", 50, "GTIN"), .text("WARENGR_ID", 40, "Warengruppen-ID"),
            .text("WARENGR", 50, "Bezeichnung Warengruppe"), .number("MENGE", 3, "Menge"),
            .number("FAKTOR", 3, "Faktor, z. B. Gebindegrößen"), .text("EINHEIT", 50, "Maßeinheit, z. B. kg, Liter oder Stück"),
            .number("STK_BR", 5, "Preis pro Einheit inkl. USt"),
        ])

    public static let linesVAT = Table(
        "lines_vat.csv", "Bonpos_USt", "Umsatzsteuer der Positionen",
        [
            bonID, posZeile, .number("UST_SCHLUESSEL", 0, "ID des USt-Satzes"), .number("POS_BRUTTO", 5, "Bruttoumsatz"),
            .number("POS_NETTO", 5, "Nettoumsatz"), .number("POS_UST", 5, "USt"),
        ])

    public static let transactions = Table(
        "transactions.csv", "Bonkopf", "Vorgänge (Bonkopf)",
        [
            bonID, .number("BON_NR", 0, "Bonnummer"), .text("BON_TYP", 30, "Bontyp"),
            .text("BON_NAME", 60, "Zusatz-Beschreibung zum Bontyp"), .text("TERMINAL_ID", 50, "ID des Erfassungsterminals"),
            .number("BON_STORNO", 0, "Storno-Kennzeichen"), .text("BON_START", timestampLength, "Zeitpunkt des Vorgangsstarts"),
            .text("BON_ENDE", timestampLength, "Zeitpunkt der Vorgangsbeendigung"), .text("BEDIENER_ID", 50, "Bediener-ID"),
            .text("BEDIENER_NAME", 50, "Bediener-Name"), .number("UMS_BRUTTO", 2, "Brutto-Gesamtumsatz"),
            .text("KUNDE_NAME", 50, "Name des Leistungsempfängers"), .text("KUNDE_ID", 50, "Kundennummer des Leistungsempfängers"),
            .text("KUNDE_TYP", 50, "Art des Leistungsempfängers"), .text("KUNDE_STRASSE", 60, "Straße und Hausnummer des Leistungsempfängers"),
            .text("KUNDE_PLZ", 10, "PLZ des Leistungsempfängers"), .text("KUNDE_ORT", 62, "Ort des Leistungsempfängers"),
            .text("KUNDE_LAND", 3, "Land des Leistungsempfängers"), .text("KUNDE_USTID", 15, "UStID des Leistungsempfängers"),
            .text("BON_NOTIZ", 255, "Zusätzliche Informationen zum Bonkopf"),
        ])

    public static let transactionsVAT = Table(
        "transactions_vat.csv", "Bonkopf_USt", "Umsatzsteuer der Vorgänge",
        [
            bonID, .number("UST_SCHLUESSEL", 0, "ID des USt-Satzes"), .number("BON_BRUTTO", 5, "Bruttoumsatz"),
            .number("BON_NETTO", 5, "Nettoumsatz"), .number("BON_UST", 5, "USt"),
        ])

    public static let allocationGroups = Table(
        "allocation_groups.csv", "Bonkopf_AbrKreis", "Abrechnungskreise der Vorgänge",
        [bonID, .text("ABRECHNUNGSKREIS", 50, "z. B. Tischnummer")])

    public static let dataPayment = Table(
        "datapayment.csv", "Bonkopf_Zahlarten", "Zahlarten der Vorgänge",
        [
            bonID, .text("ZAHLART_TYP", 25, "Typ der Zahlart"), .text("ZAHLART_NAME", 60, "Name der Zahlart"),
            .text("ZAHLWAEH_CODE", 3, "Währungscode"), .number("ZAHLWAEH_BETRAG", 2, "Betrag in Fremdwährung"),
            .number("BASISWAEH_BETRAG", 2, "Betrag in Basiswährung"),
        ])

    public static let references = Table(
        "references.csv", "Bon_Referenzen", "Referenzen der Vorgänge",
        [
            bonID, .text("POS_ZEILE", 50, "Zeilennummer des referenzierenden Vorgangs"), .text("REF_TYP", 20, "Art der Referenz"),
            .text("REF_NAME", 40, "Beschreibung bei Art ExterneSonstige"),
            .text("REF_DATUM", timestampLength, "Zeitstempel des Kassenabschlusses, auf den referenziert wird"),
            .text("REF_Z_KASSE_ID", 50, "ID der (Abschluss-) Kasse des referenzierten Vorgangs"),
            .number("REF_Z_NR", 0, "Nr. des Kassenabschlusses des referenzierten Vorgangs"),
            .text("REF_BON_ID", 40, "Vorgangs-ID des referenzierten Vorgangs"),
        ])

    /// ISO 8601 in UTC with milliseconds, `2027-01-04T09:00:00.000Z`.
    static let tseTimeLength = 30

    public static let transactionsTSE = Table(
        "transactions_tse.csv", "TSE_Transaktionen", "TSE-Transaktionen der Vorgänge",
        [
            bonID, .number("TSE_ID", 0, "ID der für die Transaktion verwendeten TSE"),
            .number("TSE_TANR", 0, "Transaktionsnummer der Transaktion"),
            .text("TSE_TA_START", tseTimeLength, "Log-Time der StartTransaction-Operation"),
            .text("TSE_TA_ENDE", tseTimeLength, "Log-Time der FinishTransaction-Operation"),
            .text("TSE_TA_VORGANGSART", 30, "processType der FinishTransaction-Operation"),
            .number("TSE_TA_SIGZ", 0, "Signaturzähler der FinishTransaction-Operation"),
            .text("TSE_TA_SIG", 512, "Signatur der FinishTransaction-Operation"),
            .text("TSE_TA_FEHLER", 200, "Ggf. Hinweise auf Fehler der TSE"),
            .text("TSE_TA_VORGANGSDATEN", 4000, "Daten des Vorgangs (processData)"),
        ])

    // MARK: Stammdatenmodul

    public static let cashPointClosing = Table(
        "cashpointclosing.csv", "Stamm_Abschluss", "Kassenabschlüsse",
        [
            .text("Z_BUCHUNGSTAG", 10, "Vom Erstellungsdatum abweichender Verbuchungstag"),
            .text("TAXONOMIE_VERSION", 10, "Version der DFKA-Taxonomie-Kasse"), .text("Z_START_ID", 40, "Erste BON_ID im Abschluss"),
            .text("Z_ENDE_ID", 40, "Letzte BON_ID im Abschluss"), .text("NAME", 60, "Name des Unternehmens"),
            .text("STRASSE", 60, "Straße"), .text("PLZ", 10, "Postleitzahl"), .text("ORT", 62, "Ort"), .text("LAND", 3, "Land"),
            .text("STNR", 20, "Steuernummer des Unternehmens"), .text("USTID", 15, "USTID"),
            .number("Z_SE_ZAHLUNGEN", 2, "Summe aller Zahlungen"), .number("Z_SE_BARZAHLUNGEN", 2, "Summe aller Barzahlungen"),
        ])

    public static let location = Table(
        "location.csv", "Stamm_Orte", "Betriebsstätte der Kasse",
        [
            .text("LOC_NAME", 60, "Name des Standortes"), .text("LOC_STRASSE", 60, "Straße"), .text("LOC_PLZ", 10, "Postleitzahl"),
            .text("LOC_ORT", 62, "Ort"), .text("LOC_LAND", 3, "Land"), .text("LOC_USTID", 15, "USTID"),
        ])

    public static let cashRegister = Table(
        "cashregister.csv", "Stamm_Kassen", "Stammdaten der Kasse",
        [
            .text("KASSE_BRAND", 50, "Marke der Kasse"), .text("KASSE_MODELL", 50, "Modellbezeichnung"),
            .text("KASSE_SERIENNR", 70, "Seriennummer der Kasse"), .text("KASSE_SW_BRAND", 50, "Markenbezeichnung der Software"),
            .text("KASSE_SW_VERSION", 50, "Version der Software"), .text("KASSE_BASISWAEH_CODE", 3, "Basiswährung der Kasse"),
            .number("KEINE_UST_ZUORDNUNG", 0, "UmsatzsteuerNichtErmittelbar"),
        ])

    public static let slaves = Table(
        "slaves.csv", "Stamm_Terminals", "Erfassungsterminals ohne eigenen Abschluss",
        [
            .text("TERMINAL_ID", 50, "ID des Terminals"), .text("TERMINAL_BRAND", 50, "Marke der Terminals"),
            .text("TERMINAL_MODELL", 50, "Modellbezeichnung des Terminals"), .text("TERMINAL_SERIENNR", 70, "Seriennummer des Terminals"),
            .text("TERMINAL_SW_BRAND", 50, "Markenbezeichnung der Software"), .text("TERMINAL_SW_VERSION", 50, "Version der Software"),
        ])

    public static let agencies = Table(
        "pa.csv", "Stamm_Agenturen", "Agenturen (Beträge für Rechnung Dritter)",
        [
            .number("AGENTUR_ID", 0, "ID der Agentur"), .text("AGENTUR_NAME", 60, "Name des Auftraggebers"),
            .text("AGENTUR_STRASSE", 60, "Straße"), .text("AGENTUR_PLZ", 10, "Postleitzahl"), .text("AGENTUR_ORT", 62, "Ort"),
            .text("AGENTUR_LAND", 3, "Land"), .text("AGENTUR_STNR", 20, "Steuernummer des Auftraggebers"),
            .text("AGENTUR_USTID", 15, "USTID des Auftraggebers"),
        ])

    public static let vat = Table(
        "vat.csv", "Stamm_USt", "Umsatzsteuersätze",
        [
            .number("UST_SCHLUESSEL", 0, "ID des Umsatzsteuersatzes"), .number("UST_SATZ", 2, "Prozentsatz"),
            .text("UST_BESCHR", 55, "Beschreibung"),
        ])

    public static let tse = Table(
        "tse.csv", "Stamm_TSE", "Technische Sicherheitseinrichtungen",
        [
            .number("TSE_ID", 0, "ID der TSE innerhalb des Kassenabschlusses"), .text("TSE_SERIAL", 68, "Seriennummer der TSE"),
            .text("TSE_SIG_ALGO", 30, "Signaturalgorithmus der TSE"), .text("TSE_ZEITFORMAT", 31, "Format der Log-Time"),
            .text("TSE_PD_ENCODING", 5, "Text-Encoding der ProcessData"),
            .text("TSE_PUBLIC_KEY", 512, "Öffentlicher Schlüssel der TSE (base64)"),
        ] + ["I", "II", "III", "IV", "V", "VI", "VII"].map { .text("TSE_ZERTIFIKAT_" + $0, 1000, "Zertifikat der TSE (base64), Teil " + $0) })

    // MARK: Kassenabschlussmodul

    public static let businessCases = Table(
        "businesscases.csv", "Z_GV_Typ", "Summen je Geschäftsvorfall-Art",
        [
            .text("GV_TYP", 30, "Typ der Geschäftsvorfall-Art"), .text("GV_NAME", 40, "Name der Geschäftsvorfall-Art"),
            .number("AGENTUR_ID", 0, "ID der Agentur"), .number("UST_SCHLUESSEL", 0, "ID des Umsatzsteuersatzes"),
            .number("Z_UMS_BRUTTO", 5, "Bruttoumsatz"), .number("Z_UMS_NETTO", 5, "Nettoumsatz"), .number("Z_UST", 5, "USt"),
        ])

    public static let payment = Table(
        "payment.csv", "Z_Zahlart", "Summen je Zahlart",
        [
            .text("ZAHLART_TYP", 25, "Typ der Zahlart"), .text("ZAHLART_NAME", 60, "Name der Zahlart"),
            .number("Z_ZAHLART_BETRAG", 2, "Betrag in der Basiswährung"),
        ])

    public static let cashPerCurrency = Table(
        "cash_per_currency.csv", "Z_Waehrungen", "Bargeld je Währung (Kassensturz)",
        [.text("ZAHLART_WAEH", 3, "Währung"), .number("ZAHLART_BETRAG_WAEH", 2, "Betrag")])

    /// Every table the export writes, in the order of `index.xml`.
    public static let tables: [Table] = [
        lines, linesVAT, transactions, transactionsVAT, allocationGroups, dataPayment, references, transactionsTSE,
        cashPointClosing, location, cashRegister, slaves, agencies, vat, tse, businessCases, payment, cashPerCurrency,
    ]

    /// `DecimalSymbol` and `DigitGroupingSymbol` of every table: a decimal comma; the files never
    /// group digits (docs/dsfinvk.md, "Zahlen").
    public static let decimalSymbol = ","
    public static let digitGroupingSymbol = "."
    public static let columnDelimiter = ";"
    public static let recordDelimiter = "\r\n"
    public static let textEncapsulator = "\""
    /// The GDPdU DTD the index.xml names (docs/dsfinvk.md, "DTD").
    public static let dtdFileName = "gdpdu-01-09-2004.dtd"
    /// TAXONOMIE_VERSION of cashpointclosing.csv.
    public static let taxonomyVersion = "2.4"
}
