import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

@testable import Counter

final class SaleTests: XCTestCase {
    func testCashSaleWithChangeAndItsReceipt() throws {
        let f = try CounterFixture()
        let outcome = try f.sell(.cash(tendered: Money(euros: 100)), lines: [CounterFixture.passport, CounterFixture.certificate])
        XCTAssertEqual(outcome.sale.receiptNumber, 1)
        XCTAssertEqual(outcome.sale.total, Money(cents: 6300))
        XCTAssertEqual(try outcome.change, Money(cents: 3700))
        XCTAssertFalse(outcome.alreadyBooked)
        XCTAssertEqual(outcome.sale.businessDate, "2026-11-27")
        XCTAssertEqual(outcome.sale.endedAt.millisecondsSinceEpoch - outcome.sale.startedAt.millisecondsSinceEpoch, 95_000)

        let file = try XCTUnwrap(outcome.receipt.file)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertEqual(text, outcome.receipt.text)
        XCTAssertTrue(file.hasSuffix("K1/receipts/000001.txt"), file)
        for expected in [
            "Stadt Musterstadt – Bürgeramt", "Rathausplatz 1, 12345 Musterstadt", "Kasse K1", "Bediener: Anna Amt",
            "Datum 27.11.2026", "Beginn 10:00:00", "Ende 10:01:35", "Beleg-Nr. 1", "1 x Personalausweis (ab 24 Jahre)",
            "2 x Führungszeugnis", "Gebühr, nicht umsatzsteuerbar", "davon Bundeskasse", "Kassenzeichen KZ-2026-0815", "Prüfwert ",
        ] {
            XCTAssertTrue(text.contains(expected), "missing »\(expected)« in\n\(text)")
        }
        XCTAssertTrue(text.contains(TextLayout.pair("SUMME", "63,00 €")))
        XCTAssertTrue(text.contains(TextLayout.pair("Bar gegeben", "100,00 €")))
        XCTAssertTrue(text.contains(TextLayout.pair("Rückgeld", "37,00 €")))
        XCTAssertTrue(text.contains(TextLayout.pair("    FZ à 13,00 €", "26,00 €")))
        XCTAssertFalse(text.contains("KOPIE"))
        XCTAssertTrue(text.split(separator: "\n").allSatisfy { $0.count <= TextLayout.receiptWidth }, text)
        try f.assertClean()
    }

    func testTooLittleCashIsRefusedAndNothingIsBooked() throws {
        let f = try CounterFixture()
        XCTAssertThrowsError(try f.sell(.cash(tendered: Money(euros: 30)))) { error in
            XCTAssertEqual("\(error)", "Gegeben 30,00 € ist weniger als der zu zahlende Betrag 37,00 €.")
        }
        XCTAssertEqual(try f.service.ledger.lastReceiptNumber(), 0)
        XCTAssertThrowsError(try f.sell(.cash(tendered: Money(euros: 50)), lines: []))
        XCTAssertThrowsError(try f.sell(.none))
    }

    func testNoSaleWithoutAnOpenShift() throws {
        let f = try CounterFixture(openShift: false)
        XCTAssertThrowsError(try f.sell(.cash(tendered: Money(euros: 50)))) { error in
            XCTAssertTrue("\(error)".hasPrefix("Keine Schicht geöffnet"))
        }
        try f.service.openShift(operatorId: f.clerk.id, float: Money(euros: 150))
        XCTAssertThrowsError(try f.service.openShift(operatorId: f.clerk.id, float: Money(euros: 150)))
        XCTAssertNoThrow(try f.sell(.cash(tendered: Money(euros: 50))))
    }

    func testChequeSale() throws {
        let f = try CounterFixture()
        let outcome = try f.sell(.cheque(number: "0012345", bank: "Sparkasse Musterstadt", drawer: "Max Muster"))
        XCTAssertEqual(
            outcome.sale.payments,
            [
                PaymentRecord(
                    method: .cheque, amount: Money(cents: 3700), chequeNumber: "0012345", chequeBank: "Sparkasse Musterstadt", chequeDrawer: "Max Muster")
            ])
        XCTAssertTrue(outcome.receipt.text.contains("Nr. 0012345 Sparkasse Musterstadt"))
        XCTAssertTrue(outcome.receipt.text.contains("Aussteller Max Muster"))
        XCTAssertThrowsError(try f.sell(.cheque(number: " ", bank: "X", drawer: "Y"))) { error in
            XCTAssertEqual("\(error)", "Es fehlt: die Schecknummer.")
        }
    }

    func testCardSaleRecordsPendingFirstAndResolvesInTheSameTransaction() throws {
        let f = try CounterFixture()
        let outcome = try f.sell(.card)
        let card = try XCTUnwrap(outcome.sale.payments.first?.card)
        XCTAssertEqual(outcome.sale.payments.count, 1)
        XCTAssertEqual(card.maskedPAN, "672559XXXXXXXXX1234")
        let pendingId = try XCTUnwrap(outcome.sale.payments.first?.cardPendingId)
        let ledger = f.service.ledger
        XCTAssertEqual(try ledger.cardPending(id: pendingId)?.amount, Money(cents: 3700))
        XCTAssertEqual(try ledger.cardResolution(pendingId: pendingId)?.outcome, .approved)
        XCTAssertEqual(try ledger.unresolvedCardPayments(), [])
        // Order in the journal: pending, then sale and resolution back to back.
        var kinds: [String] = []
        try ledger.forEachEvent { entry, _ in kinds.append(entry.kind) }
        XCTAssertEqual(Array(kinds.suffix(3)), ["card_pending", "sale", "card_resolution"])
        for expected in ["girocard 672559XXXXXXXXX1234", "Terminal-ID 29001234", "Trace 000001  Beleg 0001", "Zahlung erfolgt"] {
            XCTAssertTrue(outcome.receipt.text.contains(expected), "missing \(expected) in \(outcome.receipt.text)")
        }
        try f.assertClean()
    }

    func testSplitPaymentCashAndCard() throws {
        let f = try CounterFixture()
        let outcome = try f.sell(.split(cash: Money(euros: 20), tendered: Money(euros: 50)), lines: [CounterFixture.passport, CounterFixture.certificate])
        XCTAssertEqual(outcome.sale.payments.map(\.method), [.cash, .card])
        XCTAssertEqual(outcome.sale.payments.map(\.amount), [Money(euros: 20), Money(cents: 4300)])
        XCTAssertEqual(try outcome.change, Money(euros: 30))
        XCTAssertEqual(f.terminal.journal.map(\.amount), [Money(cents: 4300)])
        XCTAssertThrowsError(try f.sell(.split(cash: Money(cents: 3700), tendered: Money(euros: 50))), "cash part must be less than the total")
        XCTAssertThrowsError(try f.sell(.split(cash: Money(euros: 20), tendered: Money(euros: 10))))
        try f.assertClean()
    }

    func testDeclinedAndAbortedCardBooksNothing() throws {
        let f = try CounterFixture()
        f.terminal.nextBehaviours = [.decline("Karte gesperrt"), .abort, .unreachable]
        XCTAssertThrowsError(try f.sell(.card)) { XCTAssertEqual("\($0)", "Kartenzahlung abgelehnt: Karte gesperrt. Es wurde nichts gebucht.") }
        XCTAssertThrowsError(try f.sell(.card)) { XCTAssertTrue("\($0)".hasPrefix("Kartenzahlung abgebrochen")) }
        XCTAssertThrowsError(try f.sell(.card)) { XCTAssertTrue("\($0)".hasPrefix("Das Kartenterminal ist nicht erreichbar")) }
        XCTAssertEqual(try f.service.ledger.lastReceiptNumber(), 0)
        XCTAssertEqual(try f.service.ledger.unresolvedCardPayments(), [])
        XCTAssertEqual(try f.service.interimReport().totals.card, .zero)
        try f.assertClean()
    }

    func testPressingPayTwiceBooksOnce() throws {
        let f = try CounterFixture()
        let request = f.request(.card)
        let first = try f.service.bookSale(request)
        let second = try f.service.bookSale(request)
        XCTAssertFalse(first.alreadyBooked)
        XCTAssertTrue(second.alreadyBooked)
        XCTAssertEqual(first.sale, second.sale)
        XCTAssertEqual(f.terminal.journal.count, 1, "the card is charged once")
        XCTAssertEqual(try f.service.ledger.lastReceiptNumber(), 1)
        // The same id with other content is a conflict, not a silent duplicate.
        let other = SaleRequest(
            saleId: request.saleId, operatorId: f.clerk.id, lines: [CounterFixture.certificate], payment: .cash(tendered: Money(euros: 30)),
            startedAt: f.clock.now())
        XCTAssertThrowsError(try f.service.bookSale(other)) { XCTAssertTrue("\($0)".contains("gehört zu einem anderen Verkauf")) }
        try f.assertClean()
    }

    func testBasketLinesMapToLedgerLinesWithShares() throws {
        let assignment = BookingAssignment(
            revenueAccount: "431100", product: "1.2.2.02", costCentre: "3300",
            shares: [
                SplitShare(account: "431100", label: "Stadt", numerator: 2, denominator: 5, passThrough: false),
                SplitShare(account: "371000", label: "Bundeskasse", numerator: 3, denominator: 5, passThrough: true),
            ])
        let line = try BasketLine(
            id: 1, itemCode: "FZ", itemName: "Führungszeugnis", category: "Melde", variantCode: "", variantName: "", quantity: 1,
            unitPrice: Money(cents: 1300), booking: assignment, taxNote: "Gebühr, nicht umsatzsteuerbar")
        let mapped = SaleLine(basketLine: line)
        XCTAssertNil(mapped.variant)
        XCTAssertEqual(mapped.amount, Money(cents: 1300))
        XCTAssertEqual(mapped.shares.map(\.amount), [Money(cents: 520), Money(cents: 780)])
        XCTAssertEqual(mapped.shares.map(\.passThrough), [false, true])
        XCTAssertEqual(mapped.sachkonto, "431100")
    }
}

final class ThreadingTests: XCTestCase {
    /// The screen reads while a card payment books on a background thread (as the UI does).
    func testReadsWhileACardPaymentBooksInTheBackground() throws {
        let f = try CounterFixture()
        let service = f.service
        let requests = (0..<40).map { f.request($0 % 2 == 0 ? .card : .cash(tendered: Money(euros: 40))) }
        let failures = NSLock()
        nonisolated(unsafe) var errors: [String] = []
        let done = DispatchSemaphore(value: 0)
        let worker = Thread {
            for request in requests {
                do { _ = try service.bookSale(request) } catch { failures.withLock { errors.append("\(error)") } }
            }
            done.signal()
        }
        worker.start()
        var reads = 0
        while done.wait(timeout: .now()) == .timedOut {
            do {
                _ = try service.interimReport()
                _ = try service.ledger.lastReceiptNumber()
                if let text = try service.receiptText(number: 1, copy: true) { XCTAssertTrue(text.contains("KOPIE")) }
                reads += 1
            } catch {
                failures.withLock { errors.append("read: \(error)") }
            }
        }
        XCTAssertEqual(errors, [])
        XCTAssertGreaterThan(reads, 0)
        XCTAssertEqual(try service.ledger.lastReceiptNumber(), 40)
        try f.assertClean()
    }
}
