import QREncoding

/// The TSE's part of a signed receipt (KassenSichV §6; FISCAL-DEVICES-CENTRAL-NOTES §1b, "Receipt
/// QR code"): the lines to print (TSE serial, transaction number, signature counter, start and
/// end, signature — as the TSE integration words them) and the QR code's string (`V0;…`, built by
/// `Fiscal.QRCodeString`). ``ReceiptRenderer`` appends it at the foot of the receipt, the QR code
/// drawn with half blocks; ``ReceiptPrintout`` prints that drawing as the printer's own QR code
/// (`GS ( k`).
public struct ReceiptFiscalBlock: Sendable, Equatable {
    public let lines: [String]
    /// The QR code's text, exactly as the printer and the drawing encode it.
    public let qrCode: String

    public init(lines: [String], qrCode: String) {
        self.lines = lines
        self.qrCode = qrCode
    }

    /// The error correction of the drawing and of the printed code: M (15 %), as `GS ( k` is sent.
    static let errorCorrection = QRErrorCorrection.medium

    /// The block as receipt lines: the lines wrapped to the receipt's width, then the QR code in
    /// half blocks with its quiet zone (the two empty lines above and below, four spaces at the
    /// side), centred when it is narrower than the receipt. The drawing is `modules + 8` columns
    /// wide: a real KassenSichV string (about 340 bytes, version 13 or 14) takes 77 or 81 —
    /// wider than the receipt; it is not cut. A string libqrencode refuses gives a line saying so instead.
    func receiptLines(layout: ReceiptLayout) -> [String] {
        var out = lines.flatMap { layout.wrap($0) }
        guard let matrix = try? QREncoder.encode(qrCode, errorCorrection: Self.errorCorrection) else {
            out.append(contentsOf: layout.wrap("QR-Code nicht darstellbar (\(qrCode.utf8.count) Bytes)"))
            return out
        }
        let drawing = matrix.halfBlockLines()
        let indent = String(repeating: " ", count: max(0, (layout.width - (drawing.first?.count ?? 0)) / 2))
        for line in drawing {
            let trimmed = line.reversed().drop { $0 == " " }.reversed()
            out.append(trimmed.isEmpty ? "" : indent + String(trimmed))
        }
        return out
    }

    /// Whether `line` is part of a QR code's half-block drawing (not its empty quiet zone).
    static func isDrawing(_ line: String) -> Bool {
        line.contains { $0 != " " } && line.allSatisfy { QRMatrix.halfBlockCharacters.contains($0) }
    }
}
