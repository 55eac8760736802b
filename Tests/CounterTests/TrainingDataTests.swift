import Access
import Exports
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

@testable import Counter

/// The training mode's data directory (`webkasse run --training`, docs/ui.md): its own ledger
/// beside the real one, marked receipts, never exported.
final class TrainingDataTests: XCTestCase {
    var directory: TemporaryDirectory!
    let clock = SimulatedClock(Instant(millisecondsSinceEpoch: 1_795_770_000_000))  // 2026-11-27 10:00 Berlin

    override func setUpWithError() throws { directory = try TemporaryDirectory(prefix: "training-data") }
    override func tearDown() { directory.remove() }

    func sell(on service: CounterService, id: String) throws -> SaleOutcome {
        let access = AccessControl(store: service.ledger, configuration: Configuration(), hashIterations: PINHash.minimumIterations)
        if try access.needsSetup() { _ = try access.setUp(login: "anna", name: "Anna Amt", pin: "1357", pinRepeated: "1357") }
        let operatorId = try XCTUnwrap(try service.ledger.operators().first).id
        if try service.openShift() == nil { _ = try service.openShift(operatorId: operatorId, float: Money(euros: 100)) }
        let start = clock.now()
        clock.advance(seconds: 30)
        return try service.bookSale(
            SaleRequest(saleId: id, operatorId: operatorId, lines: [CounterFixture.passport], payment: .cash(tendered: Money(euros: 50)), startedAt: start))
    }

    func export(_ data: String, _ name: String) throws -> LedgerExport.Outcome? {
        try LedgerExport.run(
            LedgerExportRequest(
                dataDirectory: data, registers: [], format: .csv, scope: .closedDays, includeOpenDays: true, outputPath: directory.path + "/" + name,
                settings: ExportSettings(), timeZone: TimeZone(identifier: "Europe/Berlin")!, exportedBy: "test"))
    }

    func testTrainingBookingsLeaveTheRealLedgerItsReceiptNumbersAndItsExportsUntouched() throws {
        let real = directory.path
        let configuration = Configuration()
        let realService = try CounterService.open(data: real, configuration: configuration, clock: clock)
        XCTAssertEqual(try sell(on: realService, id: "real-1").sale.receiptNumber, 1)
        let realEntries = try realService.ledger.entryCount()
        let realHead = try realService.ledger.verify()

        let training = DataDirectory.trainingData(of: real)
        try DataDirectory.markAsTraining(training)
        XCTAssertTrue(DataDirectory.isTrainingData(training))
        XCTAssertFalse(DataDirectory.isTrainingData(real))
        let trainingService = try CounterService.open(data: training, configuration: configuration, clock: clock)
        let practised = try sell(on: trainingService, id: "training-1")
        _ = try sell(on: trainingService, id: "training-2")
        XCTAssertEqual(practised.sale.receiptNumber, 1, "the training ledger counts its own receipts")
        let text = practised.receipt.text
        XCTAssertTrue(text.hasPrefix(TextLayout.center(ReceiptRenderer.trainingMark) + "\n"), text)
        XCTAssertTrue(text.hasSuffix(TextLayout.center(ReceiptRenderer.trainingMark) + "\n"), text)
        XCTAssertTrue(try XCTUnwrap(practised.receipt.file).hasPrefix(training + "/K1/receipts/"))

        // The real ledger: no entry more, the next real receipt is 2, its receipts unmarked.
        XCTAssertEqual(try realService.ledger.entryCount(), realEntries)
        XCTAssertTrue(realHead.isClean)
        let next = try sell(on: realService, id: "real-2")
        XCTAssertEqual(next.sale.receiptNumber, 2)
        XCTAssertFalse(next.receipt.text.contains("SCHULUNG"), next.receipt.text)

        // The real data directory's registers and exports hold only real sales.
        XCTAssertEqual(DataDirectory.registers(in: real), ["K1"])
        let outcome = try XCTUnwrap(try export(real, "real.csv"))
        let csv = try String(contentsOfFile: outcome.result.path, encoding: .utf8)
        let saleRows = csv.components(separatedBy: "\r\n").filter { $0.hasPrefix("Buchung;") }
        XCTAssertEqual(saleRows.count, 2, csv)
        XCTAssertFalse(csv.contains("training-"), csv)

        // The training data is never exported, not even when named directly.
        XCTAssertThrowsError(try export(training, "training.csv")) { error in
            XCTAssertEqual("\(error)", "\(training) enthält Schulungsdaten (webkasse run --training): sie werden nie an die Stadtkasse exportiert.")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.path + "/training.csv"))
    }
}
