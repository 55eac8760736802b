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

    /// The block as receipt lines: the lines wrapped to the receipt's width, then the QR code with
    /// its quiet zone, centred. Drawn with half blocks (one column per module, square modules)
    /// when that fits the receipt's width, else with quadrant blocks (two columns of modules per
    /// character): a real KassenSichV string (about 340 bytes, version 13 or 14) takes 39 or 41
    /// columns that way and fits the 42-column receipt and the screen's preview. A string
    /// libqrencode refuses gives a line saying so instead.
    func receiptLines(layout: ReceiptLayout) -> [String] {
        var out = lines.flatMap { layout.wrap($0) }
        guard let matrix = try? QREncoder.encode(qrCode, errorCorrection: Self.errorCorrection) else {
            out.append(contentsOf: layout.wrap("QR-Code nicht darstellbar (\(qrCode.utf8.count) Bytes)"))
            return out
        }
        let halfBlocks = matrix.halfBlockLines()
        let drawing = (halfBlocks.first?.count ?? 0) <= layout.width ? halfBlocks : matrix.quadrantLines()
        let indent = String(repeating: " ", count: max(0, (layout.width - (drawing.first?.count ?? 0)) / 2))
        for line in drawing {
            let trimmed = line.reversed().drop { $0 == " " }.reversed()
            out.append(trimmed.isEmpty ? "" : indent + String(trimmed))
        }
        return out
    }

    /// Whether `line` is part of a QR code's drawing (not its empty quiet zone).
    static func isDrawing(_ line: String) -> Bool {
        line.contains { $0 != " " } && line.allSatisfy { QRMatrix.quadrantCharacters.contains($0) }
    }
}
