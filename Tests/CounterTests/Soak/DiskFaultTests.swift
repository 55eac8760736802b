import Access
import Foundation
import KasseCore
import TestSupport
import XCTest

@testable import Counter
@testable import Ledger

/// Disk faults: a full disk and a read-only ledger, injected into the ledger's own
/// SQLite connection (`max_page_count`, `query_only`), because CI runs as root, where file modes
/// do not stop writes. The sale must be refused with a clear German message and nothing may be
/// half-written: no journal entry, no receipt number used, the chain still verifies, and the next
/// sale after the fault gets the next receipt number.
final class DiskFaultTests: XCTestCase {
    var directory: TemporaryDirectory!
    var service: CounterService!
    var clerk: OperatorAccount!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory(prefix: "disk-fault")
        let ledger = try Ledger(path: DataDirectory.ledgerPath(data: directory.path, register: "K1"))
        service = try CounterService(ledger: ledger, registerId: "K1", receiptDirectory: directory.path + "/K1/receipts")
        let access = AccessControl(store: ledger, configuration: Configuration(), hashIterations: PINHash.minimumIterations)
        clerk = try access.setUp(login: "anna", name: "Anna", pin: "1357", pinRepeated: "1357")
        try service.openShift(operatorId: clerk.id, float: Money(euros: 50))
    }

    override func tearDown() { directory.remove() }

    func sale(_ id: String) -> SaleRequest {
        let line = SaleLine(
            itemCode: "PA", name: "Personalausweis", variant: "ab 24 Jahre", quantity: 1, unitPrice: Money(cents: 4600),
            amount: Money(cents: 4600), sachkonto: "431100", produkt: nil, kostenstelle: nil,
            taxNote: "Gebühr, nicht umsatzsteuerbar",
            shares: [LineShare(account: "431100", produkt: nil, kostenstelle: nil, amount: Money(cents: 4600), passThrough: false, label: "")])
        return SaleRequest(saleId: id, operatorId: clerk.id, lines: [line], payment: .cash(tendered: Money(euros: 50)), startedAt: Instant.now)
    }

    func assertRefusedCleanly(_ inject: String, _ lift: String, expectWords: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        _ = try service.bookSale(sale("first"))
        let entries = try service.ledger.entryCount()
        try service.ledger.db.execute(inject)
        XCTAssertThrowsError(try service.bookSale(sale("second")), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertFalse(message.contains("Fatal"), message, file: file, line: line)
            XCTAssertTrue(expectWords.contains { message.contains($0) }, "unclear message: \(message)", file: file, line: line)
            print("Disk-Fehler (\(inject)): \(message)")
        }
        try service.ledger.db.execute(lift)
        XCTAssertEqual(try service.ledger.entryCount(), entries, "nothing half-written", file: file, line: line)
        XCTAssertFalse(service.receiptStore.exists(2), "no receipt file for the refused sale", file: file, line: line)
        let next = try service.bookSale(sale("second"))
        XCTAssertEqual(next.sale.receiptNumber, 2, "the refused sale used no receipt number", file: file, line: line)
        XCTAssertTrue(try service.ledger.verify().isClean, file: file, line: line)
    }

    func testFullDiskRefusesTheSaleWithNothingHalfWritten() throws {
        _ = try service.bookSale(sale("first"))
        let pages = try service.ledger.db.prepare("PRAGMA page_count")
        XCTAssertTrue(try pages.step())
        try service.ledger.db.execute("PRAGMA max_page_count = \(pages.int64(0))")
        // Sell until the (capped) disk is full; the sale that hits it must leave no trace.
        var refused: String?
        var booked = 1
        for attempt in 0..<500 where refused == nil {
            let entries = try service.ledger.entryCount()
            let receipt = try service.ledger.nextReceiptNumber()
            do {
                _ = try service.bookSale(sale("fill-\(attempt)"))
                booked += 1
            } catch {
                refused = "\(error)"
                XCTAssertEqual(try service.ledger.entryCount(), entries, "nothing half-written")
                XCTAssertEqual(try service.ledger.nextReceiptNumber(), receipt, "no receipt number used")
                XCTAssertFalse(service.receiptStore.exists(receipt))
            }
        }
        let message = try XCTUnwrap(refused, "the capped ledger never filled up")
        print("Disk-Fehler (voll nach \(booked) Verkäufen): \(message)")
        XCTAssertTrue(["voll", "Speicher"].contains { message.contains($0) }, "unclear message: \(message)")
        XCTAssertFalse(message.contains("Fatal"))
        try service.ledger.db.execute("PRAGMA max_page_count = 1073741823")
        let next = try service.bookSale(sale("after"))
        XCTAssertEqual(next.sale.receiptNumber, Int64(booked + 1), "gapless after the fault")
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    func testReadOnlyLedgerRefusesTheSaleWithNothingHalfWritten() throws {
        try assertRefusedCleanly(
            "PRAGMA query_only = 1", "PRAGMA query_only = 0",
            expectWords: ["schreibgeschützt", "nur lesbar", "readonly", "read-only", "Schreib"])
    }
}
