/// Why an export could not be written. The description is one German sentence naming the place.
public enum ExportError: Error, Equatable, CustomStringConvertible {
    /// A booking cannot be expressed in the format (e.g. a non-numeric account for DATEV).
    case invalidBooking(format: String, receipt: String, field: String, value: String, expected: String)
    /// A DATEV batch must lie within one fiscal year.
    case rangeSpansFiscalYears(from: String, to: String)
    case outputExists(path: String)
    case cannotCreate(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case notBalanced(debit: String, credit: String)
    /// Scope or options that do not fit together.
    case invalidScope(String)
    /// Nothing to export in the chosen scope.
    case nothingToExport(String)

    public var description: String {
        switch self {
        case .invalidBooking(let format, let receipt, let field, let value, let expected):
            return "\(format)-Export, Beleg \(receipt), Feld \(field): »\(value)« ist ungültig; erwartet wird \(expected)."
        case .rangeSpansFiscalYears(let from, let to):
            return
                "Ein DATEV-Buchungsstapel umfasst nur ein Wirtschaftsjahr; der Zeitraum \(from) bis \(to) überschreitet den Jahreswechsel. Bitte je Wirtschaftsjahr exportieren."
        case .outputExists(let path):
            return "Die Datei \(path) gibt es schon; bitte einen neuen Dateinamen wählen (vorhandene Exporte werden nie überschrieben)."
        case .cannotCreate(let path, let reason):
            return "Die Exportdatei \(path) kann nicht angelegt werden: \(reason)."
        case .writeFailed(let path, let reason):
            return "Schreiben nach \(path) fehlgeschlagen: \(reason); die Datei wurde nicht angelegt."
        case .notBalanced(let debit, let credit):
            return "Der Export ist nicht ausgeglichen (Soll \(debit), Haben \(credit)); es wurde keine Datei angelegt."
        case .invalidScope(let text):
            return text
        case .nothingToExport(let text):
            return text
        }
    }
}
