import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

@testable import Counter

/// A card payment is never lost or booked twice: approval and booking torn apart in each way.
final class RecoveryTests: XCTestCase {
    func testApprovalHappenedConnectionDroppedIsBookedAtOnce() throws {
        let f = try CounterFixture()
        f.terminal.nextBehaviours = [.approveThenDrop]
        let outcome = try f.sell(.card)
        XCTAssertEqual(outcome.sale.payments.first?.card?.receiptNumber, "0001")
        XCTAssertEqual(try f.service.ledger.unresolvedCardPayments(), [])
        XCTAssertEqual(f.terminal.journal.count, 1)
        try f.assertClean()
    }

    func testRequestLostBeforeApprovalIsNotPaid() throws {
        let f = try CounterFixture()
        try f.sell(.card)  // the terminal's last transaction is an older, booked one
        f.terminal.nextBehaviours = [.dropBeforeApproval]
        XCTAssertThrowsError(try f.sell(.card)) { XCTAssertTrue("\($0)".contains("laut Terminal nicht bezahlt"), "\($0)") }
        XCTAssertEqual(try f.service.ledger.lastReceiptNumber(), 1)
        XCTAssertEqual(try f.service.ledger.unresolvedCardPayments(), [])
        try f.assertClean()
    }

    func testApprovalHappenedProcessDiedIsBookedAtStart() throws {
        let f = try CounterFixture()
        try f.useTerminal(DyingTerminal(f.terminal))
        let request = f.request(.split(cash: Money(euros: 7), tendered: Money(euros: 10)))
        XCTAssertThrowsError(try f.service.bookSale(request)) { error in
            guard case CounterError.cardOutcomeUnknown = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("bitte nicht erneut kassieren"))
        }
        XCTAssertEqual(try f.service.ledger.unresolvedCardPayments().count, 1)
        XCTAssertThrowsError(try f.closeDay(), "a pending card payment blocks the close")

        try f.restart()
        let report = try f.service.start()
        XCTAssertEqual(report.recoveries.map(\.result), [.booked(receiptNumber: 1)])
        XCTAssertTrue(report.recoveries[0].description.contains("vom Terminal genehmigt – Verkauf nachgebucht, Beleg 1"))
        let sale = try XCTUnwrap(try f.service.ledger.sale(id: request.saleId))
        XCTAssertEqual(sale.payments.map(\.amount), [Money(euros: 7), Money(euros: 30)])
        XCTAssertEqual(sale.payments.first?.change, Money(euros: 3))
        XCTAssertEqual(sale.payments.last?.card?.receiptNumber, "0001")
        XCTAssertTrue(f.service.receiptStore.exists(1))
        let resolution = try XCTUnwrap(try f.service.ledger.cardResolution(pendingId: sale.payments.last!.cardPendingId!))
        XCTAssertTrue(resolution.atStartup)
        // The clerk's second "pay" after the restart finds it booked.
        XCTAssertTrue(try f.service.bookSale(request).alreadyBooked)
        XCTAssertEqual(f.terminal.journal.count, 1)
        try f.assertClean()
    }

    func testProcessDiedBeforeTheTerminalApprovedIsNotPaidAtStart() throws {
        let f = try CounterFixture()
        let dying = DyingTerminal(f.terminal)
        f.terminal.nextBehaviours = [.dropBeforeApproval]
        try f.useTerminal(dying)
        XCTAssertThrowsError(try f.sell(.card))
        try f.restart()
        let report = try f.service.start()
        XCTAssertEqual(report.recoveries.map(\.result), [.notPaid])
        XCTAssertEqual(try f.service.ledger.lastReceiptNumber(), 0)
        try f.assertClean()
    }

    func testTerminalUnreachableAtRestartKeepsThePaymentPending() throws {
        let f = try CounterFixture()
        try f.useTerminal(DyingTerminal(f.terminal))
        XCTAssertThrowsError(try f.sell(.card))
        f.terminal.reachable = false
        try f.restart()
        let report = try f.service.start()
        XCTAssertEqual(report.unresolved.count, 1)
        XCTAssertTrue(report.unresolved[0].description.contains("weiterhin offen – Terminal nicht erreichbar (Verbindung abgelehnt)"))
        // Cash still works; a new card payment and the close wait for the answer.
        XCTAssertNoThrow(try f.sell(.cash(tendered: Money(euros: 40))))
        XCTAssertThrowsError(try f.sell(.card)) { XCTAssertTrue("\($0)".contains("noch ungeklärt")) }
        XCTAssertThrowsError(try f.closeDay())
        f.terminal.reachable = true
        let later = try f.service.resolvePendingCardPayments()
        XCTAssertEqual(later.map(\.result), [.booked(receiptNumber: 2)])
        XCTAssertNoThrow(try f.closeDay())
        try f.assertClean()
    }

    func testAnApprovalAlreadyBookedIsNotBookedAgainForAnotherPendingPayment() throws {
        let f = try CounterFixture()
        try f.sell(.card)
        // Same amount, but the terminal's last transaction is the booked one: not this payment.
        try f.useTerminal(DyingTerminal(f.terminal))
        f.terminal.nextBehaviours = [.dropBeforeApproval]
        XCTAssertThrowsError(try f.sell(.card))
        try f.restart()
        XCTAssertEqual(try f.service.start().recoveries.map(\.result), [.notPaid])
        XCTAssertEqual(try f.service.ledger.lastReceiptNumber(), 1)
        try f.assertClean()
    }
}

/// The card part of a storno: the reversal is pending before the terminal acts, like a payment.
final class ReversalRecoveryTests: XCTestCase {
    func testReversalDoneProcessDiedIsBookedAtStart() throws {
        let f = try CounterFixture()
        let sale = try f.sell(.split(cash: Money(euros: 7), tendered: Money(euros: 7))).sale
        try f.useTerminal(DyingTerminal(f.terminal))
        XCTAssertThrowsError(try f.service.cancelSale(receiptNumber: sale.receiptNumber, stornoId: "st", operatorId: f.clerk.id, reason: "Irrtum")) { error in
            guard case CounterError.cardOutcomeUnknown = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(f.terminal.journal.map(\.kind), [.payment, .reversal])
        XCTAssertNil(try f.service.ledger.storno(ofSale: sale.id))
        XCTAssertThrowsError(try f.closeDay(), "a pending reversal blocks the close")

        try f.restart()
        let report = try f.service.start()
        XCTAssertEqual(report.recoveries.map(\.result), [.booked(receiptNumber: 2)])
        XCTAssertTrue(report.recoveries[0].isReversal)
        XCTAssertTrue(report.recoveries[0].description.contains("Storno nachgebucht, Beleg 2"), report.recoveries[0].description)
        let storno = try XCTUnwrap(try f.service.ledger.storno(ofSale: sale.id))
        XCTAssertEqual(storno.id, "st")
        XCTAssertEqual(storno.reason, "Irrtum")
        XCTAssertEqual(storno.refunds.map(\.method), [.cash, .card])
        XCTAssertEqual(storno.refunds.last?.cardReversal?.authorizationCode, "R0001")
        XCTAssertTrue(f.service.receiptStore.exists(2))
        // The clerk's retry finds it booked.
        XCTAssertTrue(try f.service.cancelSale(receiptNumber: sale.receiptNumber, stornoId: "st", operatorId: f.clerk.id, reason: "Irrtum").alreadyBooked)
        XCTAssertNoThrow(try f.closeDay())
        try f.assertClean()
    }

    func testReversalAnswerLostIsSettledAtOnce() throws {
        let f = try CounterFixture()
        let sale = try f.sell(.card).sale
        final class LosingTerminal: CardTerminal {
            let inner: FakeCardTerminal
            init(_ inner: FakeCardTerminal) { self.inner = inner }
            var terminalName: String { inner.terminalName }
            func authorize(amount: Money) throws(CardTerminalError) -> CardResult { try inner.authorize(amount: amount) }
            func reverse(receiptNumber: String, amount: Money) throws(CardTerminalError) -> CardResult {
                _ = try inner.reverse(receiptNumber: receiptNumber, amount: amount)
                throw .outcomeUnknown("Verbindung getrennt")
            }
            func lastTransaction() throws(CardTerminalError) -> TerminalTransaction? { try inner.lastTransaction() }
        }
        try f.useTerminal(LosingTerminal(f.terminal))
        let outcome = try f.service.cancelSale(receiptNumber: sale.receiptNumber, stornoId: "st", operatorId: f.clerk.id, reason: "Irrtum")
        XCTAssertEqual(outcome.storno.refunds.first?.cardReversal?.authorizationCode, "R0001")
        XCTAssertEqual(try f.service.ledger.unresolvedCardPayments(), [])
        try f.assertClean()
    }

    func testReversalDeclinedBooksNothingAndResolvesThePending() throws {
        let f = try CounterFixture()
        let sale = try f.sell(.card).sale
        f.terminal.reachable = false
        XCTAssertThrowsError(try f.service.cancelSale(receiptNumber: sale.receiptNumber, stornoId: "st", operatorId: f.clerk.id, reason: "Irrtum"))
        XCTAssertEqual(try f.service.ledger.unresolvedCardPayments(), [])
        XCTAssertNil(try f.service.ledger.storno(ofSale: sale.id))
        try f.assertClean()
    }
}
