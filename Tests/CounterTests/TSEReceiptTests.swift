import Counter
import Fiscal
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// The TSE block of a receipt (docs/fiscal.md, "On the receipt"), as golden text: signed, and
/// with the TSE failed.
final class TSEReceiptTests: XCTestCase {
    static func record(failed: Bool) throws -> TSETransactionRecord {
        let sale = try VATReceiptTests.mixedSale()
        return TSETransactionRecord(
            id: "t1", booking: .sale, bookingId: sale.id, clientId: "K1",
            serial: failed ? nil : "e7d000207b8aba135baaef24e923cdcd050bd41ae5ae312a3fedc3f63085385c", transactionNumber: failed ? nil : 18,
            startedAt: failed ? nil : sale.startedAt, endedAt: failed ? nil : sale.endedAt, processType: "Kassenbeleg-V1",
            processData: "Beleg^9.50_6.90_0.00_0.00_59.00^75.40:Bar", signatureCounter: failed ? nil : 36,
            signature: failed ? nil : "JlNzcdh42dYw3pGSrecHwy88pzZPJxvB+fLEINOrVFSkGLhugGa3LAJwWbOhEosw0H2r3D5jcdHtjq277JB/ZA==",
            signatureAlgorithm: failed ? nil : "ecdsa-plain-SHA256", logTimeFormat: failed ? nil : "unixTime",
            publicKey: failed ? nil : "BAVguxZxzCeC3TiT7kmk/1q1EGvGIXzXMo3oQ575VK8KZcAbdtEsh+I9mPNOqQRfuhVwyyaB3DeS7Uij/lm0D2o=",
            error: failed ? "TSE nicht erreichbar: USB-Stick fehlt" : nil, at: sale.endedAt)
    }

    func testTheSignedReceiptPrintsTheTSEBlock() throws {
        var context = VATReceiptTests.context
        context.tse = try Self.record(failed: false)
        context.tseNotice = "Software-TSE – nicht zertifiziert"
        let block = try XCTUnwrap(ReceiptFiscalBlock(try Self.record(failed: false), notice: context.tseNotice))
        XCTAssertEqual(try QRCodeString(parsing: block.qrCode).fields.count, 12)
        XCTAssertNil(ReceiptFiscalBlock(try Self.record(failed: true), notice: nil), "no QR code without a signature")
        let text = ReceiptRenderer.render(
            .sale(try VATReceiptTests.mixedSale()), context: context, checkValue: String(repeating: "ab", count: 32), fiscal: block)
        try assertGolden(text, "tse-signed.receipt.txt")
    }

    func testAReceiptWithoutSignatureSaysTheTSEFailed() throws {
        var context = VATReceiptTests.context
        context.tse = try Self.record(failed: true)
        let text = ReceiptRenderer.render(.sale(try VATReceiptTests.mixedSale()), context: context, checkValue: String(repeating: "ab", count: 32))
        try assertGolden(text, "tse-failed.receipt.txt")
        XCTAssertTrue(text.contains("TSE ausgefallen\n"), text)
    }

    private func assertGolden(_ text: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = packageRoot.appendingPathComponent("Tests/CounterTests/Golden").appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["WEBKASSE_RECORD_GOLDEN"] != nil {
            try Data(text.utf8).write(to: url)
            XCTFail("recorded \(name); run again without WEBKASSE_RECORD_GOLDEN", file: file, line: line)
            return
        }
        XCTAssertEqual(text, try String(contentsOf: url, encoding: .utf8), "re-record with WEBKASSE_RECORD_GOLDEN=1 if intended", file: file, line: line)
    }
}
