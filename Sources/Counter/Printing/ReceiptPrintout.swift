import ESCPOS
import KasseCore

/// The printer's version of a receipt or report: the very lines of its text
/// (``ReceiptRenderer``, rendered from the booked records), with the head in bold, the sum and
/// the change bold and double height, the STORNO and KOPIE marks bold, then the cut
/// (docs/printer.md, "What is printed"). A receipt with a ``ReceiptFiscalBlock`` gets its QR code
/// as the printer's own (`GS ( k`) where the text has its half-block drawing.
enum ReceiptPrintout {
    /// Lines whose start marks them as the sum or the change: bold, double height.
    static let emphasisedPrefixes = ["SUMME", "Rückgeld", "ZU ZAHLEN"]
    /// Marks printed bold and centred.
    static let marks = ["*** KOPIE ***", "STORNO", "Z-BERICHT", "X-BERICHT"]

    static func document(_ text: String, cut: CutMode?, fiscal: ReceiptFiscalBlock? = nil) -> PrintDocument {
        var document = PrintDocument()
        var inHead = true
        var inDrawing = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0) {
            let line = String(raw)
            // The drawing's lines become one native QR code; its empty quiet-zone lines stay as empty lines.
            if let fiscal, ReceiptFiscalBlock.isDrawing(line) {
                if !inDrawing { document.append(.qrCode(QRCode(fiscal.qrCode, moduleSize: 4, errorCorrection: .medium))) }
                inDrawing = true
                continue
            }
            inDrawing = false
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.allSatisfy({ $0 == "-" || $0 == "=" }) && !trimmed.isEmpty { inHead = false }
            if marks.contains(where: { trimmed.hasPrefix($0) }) {
                document.line(trimmed, TextStyle(bold: true, alignment: .center))
            } else if inHead {
                document.line(trimmed, TextStyle(bold: true, alignment: .center))
            } else if emphasisedPrefixes.contains(where: { line.hasPrefix($0) }) {
                document.line(line, .emphasised)
            } else {
                document.line(line)
            }
        }
        if let cut { document.append(.cut(cut)) } else { document.append(.feed(lines: 4)) }
        return document
    }
}
