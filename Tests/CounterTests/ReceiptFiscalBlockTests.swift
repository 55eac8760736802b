import ESCPOS
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

@testable import Counter

/// A receipt with the TSE's block (KassenSichV §6; FISCAL-DEVICES-CENTRAL-NOTES §1b): its lines
/// and the QR code at the foot — drawn with half blocks in the receipt's text, printed as the
/// printer's own QR code (`GS ( k`, §2) — and receipts without it as before.
final class ReceiptFiscalBlockTests: XCTestCase {
    /// A KassenSichV QR string of real length (343 bytes: P-256 signature and key, Base64) for the
    /// fixture's sale of 2026-11-27, 10:00:00–10:01:35 in Berlin.
    static let qrString =
        "V0;BA-MUSTERSTADT-K1;Kassenbeleg-V1;Beleg^0.00_0.00_0.00_0.00_37.00^37.00:Bar;4711;9999;2026-11-27T09:00:00.000Z;"
        + "2026-11-27T09:01:35.000Z;ecdsa-plain-SHA256;unixTime;CzBVep/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYar0PUaP2SJrtP4HUJnjLHW+yBFao+02f4jSG2St9wBJg==;"
        + "BAVguxZxzCeC3TiT7kmk/1q1EGvGIXzXMo3oQ575VK8KZcAbdtEsh+I9mPNOqQRfuhVwyyaB3DeS7Uij/lm0D2o="

    static let block = ReceiptFiscalBlock(
        lines: [
            "TSE-Seriennummer: 3c8a4f0e1b2d6a7f9e0c5b4a3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e",
            "TSE-Transaktion: 4711", "TSE-Signaturzähler: 9999", "TSE-Start: 2026-11-27T09:00:00.000Z", "TSE-Ende: 2026-11-27T09:01:35.000Z",
        ], qrCode: qrString)

    private func bookedSale() throws -> (BookedReceipt, ReceiptContext) {
        let f = try CounterFixture()
        let outcome = try f.sell(.cash(tendered: Money(euros: 50)))
        let receipt = BookedReceipt.sale(outcome.sale)
        return (receipt, try f.service.receipts.context(for: receipt))
    }

    /// The receipt with the block, as golden text (Tests/CounterTests/Golden/receipt-tse.txt,
    /// re-recorded with WEBKASSE_RECORD_GOLDEN=1): the receipt of old up to the Prüfwert, then the
    /// TSE lines wrapped to 42 columns, then the QR code in half blocks with its quiet zone.
    func testReceiptWithTheBlockGolden() throws {
        let (receipt, context) = try bookedSale()
        let plain = ReceiptRenderer.render(receipt, context: context, checkValue: "0f1e2d3c4b5a69788796a5b4c3d2e1f0")
        let text = ReceiptRenderer.render(receipt, context: context, checkValue: "0f1e2d3c4b5a69788796a5b4c3d2e1f0", fiscal: Self.block)
        XCTAssertTrue(text.hasPrefix(plain), "the block is appended after the receipt's last line")
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/receipt-tse.txt")
        if ProcessInfo.processInfo.environment["WEBKASSE_RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: golden.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: golden)
        }
        XCTAssertEqual(text, try String(contentsOf: golden, encoding: .utf8))
        let added = Array(text.dropFirst(plain.count).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init))
        // Wrapped at 42 columns: the serial number (64 hex digits) is split.
        XCTAssertEqual(added[0...2], ["TSE-Seriennummer:", "3c8a4f0e1b2d6a7f9e0c5b4a3d2e1f0a9b8c7d6e5f", "4a3b2c1d0e9f8a7b6c5d4e"])
        XCTAssertEqual(
            added[3...6], ["TSE-Transaktion: 4711", "TSE-Signaturzähler: 9999", "TSE-Start: 2026-11-27T09:00:00.000Z", "TSE-Ende: 2026-11-27T09:01:35.000Z"])
        // Version 14 (73 modules) and the quiet zone: 81 modules square, in quadrant blocks
        // (2 × 2 modules a character) 41 lines of at most 41 columns: it fits the 42-column receipt.
        let drawing = Array(added.dropFirst(7))
        XCTAssertEqual(drawing.count, 41)
        XCTAssertEqual(drawing.prefix(2), ["", ""])
        XCTAssertEqual(drawing.suffix(2), ["", ""])
        XCTAssertTrue(drawing[2].hasPrefix("  ▛▀▀▌"), drawing[2])  // the finder pattern's top, two modules a character
        XCTAssertLessThanOrEqual(drawing.map(\.count).max() ?? 0, 42)
    }

    /// The drawing in the receipt's text reads back (zbarimg) as the exact QR string.
    func testTheDrawingReadsBackAsTheQRString() throws {
        guard QRCodeReader.zbarimg != nil else {
            if QRCodeReader.isRequired { return XCTFail("zbarimg is missing on CI: scripts/test installs zbar-tools") }
            throw XCTSkip("zbarimg is not installed (apt-get install zbar-tools; scripts/test installs it)")
        }
        let (receipt, context) = try bookedSale()
        let text = ReceiptRenderer.render(receipt, context: context, fiscal: Self.block)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let first = try XCTUnwrap(lines.firstIndex(where: ReceiptFiscalBlock.isDrawing))
        let last = try XCTUnwrap(lines.lastIndex(where: ReceiptFiscalBlock.isDrawing))
        // With the quiet zone: the empty lines above and below, the two spaces (four modules) at the left.
        XCTAssertEqual(try QRCodeReader.read(rows: QRCodeReader.rows(fromQuadrants: Array(lines[(first - 2)...(last + 2)]))), Self.qrString)
    }

    /// For the printer the drawing becomes one `GS ( k` QR code with the string, where the drawing
    /// was; the lines around it are printed as before. Without the block the text prints as it is.
    func testPrintoutPutsTheNativeQRCodeWhereTheDrawingIs() throws {
        let (receipt, context) = try bookedSale()
        let text = ReceiptRenderer.render(receipt, context: context, checkValue: "0f1e2d3c4b5a6978", fiscal: Self.block)
        let document = ReceiptPrintout.document(text, cut: .partial, fiscal: Self.block)
        let codes = document.elements.enumerated().filter {
            if case .qrCode = $0.element { return true }
            return false
        }
        XCTAssertEqual(codes.map(\.element), [.qrCode(QRCode(Self.qrString, moduleSize: 4, errorCorrection: .medium))])
        let index = try XCTUnwrap(codes.first?.offset)
        XCTAssertEqual(document.elements[index - 3], .line("TSE-Ende: 2026-11-27T09:01:35.000Z", .normal))
        XCTAssertEqual(document.elements[(index - 2)..<index], [.line("", .normal), .line("", .normal)])
        XCTAssertEqual(document.elements[(index + 1)...], [.line("", .normal), .line("", .normal), .cut(.partial)])
        let plain = ReceiptRenderer.render(receipt, context: context, checkValue: "0f1e2d3c4b5a6978")
        XCTAssertEqual(
            Array(document.elements.prefix(ReceiptPrintout.document(plain, cut: .partial).elements.count - 1)),
            Array(ReceiptPrintout.document(plain, cut: .partial).elements.dropLast()))
        // Without the block the same text keeps its drawing as lines (no QR code, nothing dropped).
        let asText = ReceiptPrintout.document(text, cut: .partial)
        XCTAssertFalse(asText.elements.contains { if case .qrCode = $0 { true } else { false } })
        XCTAssertEqual(asText.elements.count, text.split(separator: "\n", omittingEmptySubsequences: false).count)
    }

    /// Through the print queue to the printer stand-in: the paper carries the TSE lines and one
    /// QR code with the exact string, and none of the drawing's characters; after a restart the
    /// receipt still waiting is printed from the ledger with its QR code as well.
    func testPrinterStandInReceivesTheQRString() throws {
        let standIn = try PrinterStandIn()
        let directory = try TemporaryDirectory(prefix: "fiscal-printer")
        defer {
            standIn.stop()
            directory.remove()
        }
        var settings = PrinterSettings()
        try settings.set(.device, standIn.device)
        let printer = ESCPOSPrinter(settings: settings, stateFile: directory.path + "/printer.state", statusTimeoutMs: 1_000, retryMs: 50)
        defer { printer.stop() }
        let (receipt, context) = try bookedSale()
        let text = ReceiptRenderer.render(receipt, context: context, fiscal: Self.block)
        printer.print(receipt: text, number: 1, copy: false, fiscal: Self.block)
        XCTAssertTrue(standIn.waitForPrintouts(1))
        let printout = try XCTUnwrap(standIn.printouts.first)
        XCTAssertEqual(printout.qrCodes, [Self.qrString])
        XCTAssertTrue(printout.lines.contains("TSE-Signaturzähler: 9999"), printout.text)
        XCTAssertFalse(printout.text.contains { $0 == "█" || $0 == "▀" || $0 == "▄" }, printout.text)
        XCTAssertTrue(printout.text.contains("SUMME"), printout.text)

        // The queue taken up from the ledger: receipt 2 waits, and `fiscal` gives its block.
        XCTAssertTrue(printer.waitUntilPrinted())
        let resumed = try printer.resume(lastBooked: 2, texts: { _ in text }, fiscal: { $0 == 2 ? Self.block : nil })
        XCTAssertEqual(resumed, [2])
        XCTAssertTrue(standIn.waitForPrintouts(2))
        XCTAssertEqual(standIn.printouts.last?.qrCodes, [Self.qrString])
        XCTAssertEqual(standIn.qrCodes.count, 2)
    }
}
