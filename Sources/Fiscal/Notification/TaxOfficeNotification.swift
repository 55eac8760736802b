/// What the notification of an electronic recording system to the tax office needs (§ 146a Abs. 4
/// AO Nr. 1–8; ELSTER form "Mitteilung über elektronische Aufzeichnungssysteme"), as
/// `webkasse fiscal report` prints it (docs/fiscal.md).
public struct TaxOfficeNotification: Equatable, Sendable {
    public static let softwareName = "Web-Kasse"
    /// The software's version as the notification names it.
    public static let softwareVersion = "2027.1"
    public static let systemType = "Computergestütztes Kassensystem (PC-Kasse)"

    public var operatorName: String
    public var taxNumber: String
    public var registerSerialNumber: String
    public var acquisitionDate: String
    public var tseKind: TSEKind
    public var tseSerialNumber: String?
    public var certificationId: String?
    public var tseSignatureCounter: UInt64?

    public init(
        operatorName: String, taxNumber: String, registerSerialNumber: String, acquisitionDate: String, tseKind: TSEKind,
        tseSerialNumber: String?, certificationId: String?, tseSignatureCounter: UInt64?
    ) {
        self.operatorName = operatorName
        self.taxNumber = taxNumber
        self.registerSerialNumber = registerSerialNumber
        self.acquisitionDate = acquisitionDate
        self.tseKind = tseKind
        self.tseSerialNumber = tseSerialNumber
        self.certificationId = certificationId
        self.tseSignatureCounter = tseSignatureCounter
    }

    /// The TSE's type as the form asks for it.
    public var tseType: String {
        switch tseKind {
        case .none: "keine TSE (nur hoheitliche Gebühren)"
        case .software: "Software-TSE – nicht zertifiziert, nicht meldefähig"
        case .fiskaly: "Cloud-TSE (fiskaly SIGN DE)"
        }
    }

    /// What is missing or wrong for a notification, each with the setting that fixes it.
    public var problems: [String] {
        var out: [String] = []
        if operatorName.isEmpty { out.append("Name des Steuerpflichtigen fehlt: [fiscal] operator_name (oder [office] name).") }
        if taxNumber.isEmpty { out.append("Steuernummer fehlt: [office] tax_number.") }
        if acquisitionDate.isEmpty { out.append("Anschaffungsdatum fehlt: [fiscal] acquisition_date = JJJJ-MM-TT.") }
        switch tseKind {
        case .none: out.append("Keine TSE eingestellt ([fiscal] tse = none): für steuerpflichtige Bareinnahmen ist eine zertifizierte TSE nötig.")
        case .software: out.append("Die Software-TSE ist nicht zertifiziert: für die Mitteilung eine zertifizierte TSE wählen.")
        case .fiskaly: if certificationId == nil { out.append("BSI-Zertifizierungs-ID der TSE unbekannt.") }
        }
        return out
    }

    /// The report as lines of `Feld: Wert`.
    public var lines: [String] {
        var out = [
            "Mitteilung nach § 146a Abs. 4 AO – Angaben für das Finanzamt",
            "",
            "Steuerpflichtiger:           \(operatorName.isEmpty ? "(fehlt)" : operatorName)",
            "Steuernummer:                \(taxNumber.isEmpty ? "(fehlt)" : taxNumber)",
            "",
            "Art des Systems:             \(Self.systemType)",
            "Software:                    \(Self.softwareName)",
            "Software-Version:            \(Self.softwareVersion)",
            "Anzahl der Systeme:          1",
            "Seriennummer des Systems:    \(registerSerialNumber) (= Client-ID der TSE)",
            "Anschaffungsdatum:           \(acquisitionDate.isEmpty ? "(fehlt)" : acquisitionDate)",
            "Außerbetriebnahme:           –",
            "",
            "Art der TSE:                 \(tseType)",
            "Seriennummer der TSE:        \(tseSerialNumber ?? "–")",
            "BSI-Zertifizierungs-ID:      \(certificationId ?? "– (keine)")",
        ]
        if let counter = tseSignatureCounter { out.append("Signaturzähler bisher:       \(counter)") }
        let problems = problems
        if !problems.isEmpty {
            out.append("")
            out.append("Noch nicht meldefähig:")
            out += problems.map { "  – " + $0 }
        }
        return out
    }
}
