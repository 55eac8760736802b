import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

@testable import Counter

final class StornoAndDrawerTests: XCTestCase {
    func testStornoOfACashSale() throws {
        let f = try CounterFixture()
        let sale = try f.sell(.cash(tendered: Money(euros: 50))).sale
        f.clock.advance(seconds: 600)
        let outcome = try f.service.cancelSale(
            receiptNumber: sale.receiptNumber, stornoId: "st-1", operatorId: f.clerk.id, reason: "Falsche Gebühr gewählt",
            approvedBy: f.supervisor.id)
        XCTAssertEqual(outcome.storno.receiptNumber, 2)
        XCTAssertEqual(outcome.storno.refunds, [StornoRefund(method: .cash, amount: Money(cents: 3700))])
        let text = outcome.receipt.text
        for expected in ["STORNO", "STORNO zu Beleg 1 vom 27.11.2026", "Beleg-Nr. 2", "Grund: Falsche Gebühr gewählt", "Genehmigt: Bert Aufsicht"] {
            XCTAssertTrue(text.contains(expected), "missing \(expected) in\n\(text)")
        }
        XCTAssertTrue(text.contains(TextLayout.pair("SUMME STORNO", "-37,00 €")))
        XCTAssertTrue(text.contains(TextLayout.pair("Bar zurück", "37,00 €")))
        // Once only; the same storno id again returns the booked storno.
        XCTAssertThrowsError(try f.service.cancelSale(receiptNumber: 1, stornoId: "st-2", operatorId: f.clerk.id, reason: "nochmal")) {
            XCTAssertEqual("\($0)", "Beleg 1 wurde bereits storniert (Stornobeleg 2).")
        }
        XCTAssertTrue(try f.service.cancelSale(receiptNumber: 1, stornoId: "st-1", operatorId: f.clerk.id, reason: "x").alreadyBooked)
        XCTAssertThrowsError(try f.service.cancelSale(receiptNumber: 2, stornoId: "st-3", operatorId: f.clerk.id, reason: "x")) {
            XCTAssertEqual("\($0)", "Beleg 2 ist kein Verkaufsbeleg und kann nicht storniert werden.")
        }
        XCTAssertThrowsError(try f.service.cancelSale(receiptNumber: 9, stornoId: "st-4", operatorId: f.clerk.id, reason: "x"))
        let totals = try f.service.interimReport().totals
        XCTAssertEqual(try totals.expectedCash, Money(euros: 100))
        XCTAssertEqual(totals.stornoCount, 1)
        try f.assertClean()
    }

    func testStornoOfACardSaleReversesOnTheTerminalFirst() throws {
        let f = try CounterFixture()
        let sale = try f.sell(.card).sale
        let outcome = try f.service.cancelSale(receiptNumber: sale.receiptNumber, stornoId: "st", operatorId: f.clerk.id, reason: "Doppelt bezahlt")
        XCTAssertEqual(f.terminal.journal.map(\.kind), [.payment, .reversal])
        let refund = try XCTUnwrap(outcome.storno.refunds.first)
        XCTAssertEqual(refund.method, .card)
        XCTAssertEqual(refund.cardReversal?.authorizationCode, "R0001")
        XCTAssertTrue(outcome.receipt.text.contains("Storno girocard"))
        XCTAssertEqual(try f.service.interimReport().totals.stornoCard, Money(cents: 3700))
        try f.assertClean()
    }

    func testStornoOfASplitSale() throws {
        let f = try CounterFixture()
        let sale = try f.sell(.split(cash: Money(euros: 10), tendered: Money(euros: 10))).sale
        let outcome = try f.service.cancelSale(receiptNumber: sale.receiptNumber, stornoId: "st", operatorId: f.clerk.id, reason: "Irrtum")
        XCTAssertEqual(outcome.storno.refunds.map(\.method), [.cash, .card])
        XCTAssertEqual(outcome.storno.refunds.map(\.amount), [Money(euros: 10), Money(cents: 2700)])
        XCTAssertEqual(f.terminal.journal.last?.kind, .reversal)
        XCTAssertEqual(f.terminal.journal.last?.amount, Money(cents: 2700))
        try f.assertClean()
    }

    func testAChequeAndCardSaleIsBookedTogetherAndCancelledTogether() throws {
        let f = try CounterFixture()
        let sale = try f.sell(.chequeAndCard(cheque: Money(euros: 10), number: "4711", bank: "Sparkasse", drawer: "Max Muster")).sale
        XCTAssertEqual(sale.payments.map(\.method), [.cheque, .card])
        XCTAssertEqual(sale.payments.map(\.amount), [Money(euros: 10), Money(cents: 2700)])
        XCTAssertEqual(f.terminal.journal.map(\.amount), [Money(cents: 2700)])
        let receipt = try XCTUnwrap(try f.service.receiptText(number: sale.receiptNumber, copy: false))
        XCTAssertTrue(receipt.contains("Scheck") && receipt.contains("girocard"), receipt)
        let outcome = try f.service.cancelSale(receiptNumber: sale.receiptNumber, stornoId: "st", operatorId: f.clerk.id, reason: "Irrtum")
        XCTAssertEqual(outcome.storno.refunds.map(\.method), [.cheque, .card])
        XCTAssertEqual(f.terminal.journal.last?.kind, .reversal)
        XCTAssertEqual(f.terminal.journal.last?.amount, Money(cents: 2700))
        // A declined card books nothing, the cheque included.
        f.terminal.nextBehaviours = [.decline("Karte gesperrt")]
        XCTAssertThrowsError(try f.sell(.chequeAndCard(cheque: Money(euros: 10), number: "4712", bank: "", drawer: "Max Muster")))
        XCTAssertEqual(try f.service.ledger.lastReceiptNumber(), 2)
        try f.assertClean()
    }

    func testCardReversalThatFailsBooksNothingUntilTheReasonIsGiven() throws {
        let f = try CounterFixture()
        let sale = try f.sell(.card).sale
        f.terminal.reachable = false
        XCTAssertThrowsError(try f.service.cancelSale(receiptNumber: sale.receiptNumber, stornoId: "st", operatorId: f.clerk.id, reason: "Irrtum")) {
            XCTAssertTrue("\($0)".hasPrefix("Der Kartenbetrag konnte am Terminal nicht storniert werden"), "\($0)")
        }
        XCTAssertNil(try f.service.ledger.storno(ofSale: sale.id))
        let outcome = try f.service.cancelSale(
            receiptNumber: sale.receiptNumber, stornoId: "st", operatorId: f.clerk.id, reason: "Irrtum",
            cardReversal: .notPossible(reason: "Terminal defekt, Erstattung per Überweisung"))
        XCTAssertEqual(outcome.storno.refunds.first?.notReversedReason, "Terminal defekt, Erstattung per Überweisung")
        XCTAssertTrue(outcome.receipt.text.contains("Nicht am Terminal storniert:"))
        try f.assertClean()
    }

    func testCashMovements() throws {
        let f = try CounterFixture()
        try f.sell(.cash(tendered: Money(euros: 37)))
        let einlage = try f.service.recordCashMovement(
            id: "m1", kind: .einlage, amount: Money(euros: 50), reason: "Wechselgeld aufgefüllt", operatorId: f.clerk.id)
        XCTAssertEqual(einlage.movement.receiptNumber, 2)
        XCTAssertTrue(einlage.receipt.text.contains("EINLAGE"))
        XCTAssertTrue(einlage.receipt.text.contains(TextLayout.pair("Betrag", "50,00 €")))
        let out = try f.service.recordCashMovement(
            id: "m2", kind: .abschoepfung, amount: Money(euros: 150), reason: "Abschöpfung Mittag", operatorId: f.clerk.id, approvedBy: f.supervisor.id)
        XCTAssertTrue(out.receipt.text.contains(TextLayout.pair("Betrag", "-150,00 €")))
        XCTAssertTrue(out.receipt.text.contains("ABSCHÖPFUNG AN DIE STADTKASSE"))
        // 100 + 37 + 50 − 150 = 37 € in the drawer: 40 € cannot go out.
        XCTAssertThrowsError(try f.service.recordCashMovement(id: "m3", kind: .entnahme, amount: Money(euros: 40), reason: "Porto", operatorId: f.clerk.id)) {
            XCTAssertEqual("\($0)", "In der Kasse sind nur 37,00 €, benötigt werden 40,00 €.")
        }
        XCTAssertThrowsError(try f.service.recordCashMovement(id: "m4", kind: .entnahme, amount: Money(euros: 1), reason: " ", operatorId: f.clerk.id))
        XCTAssertThrowsError(try f.service.recordCashMovement(id: "m5", kind: .einlage, amount: .zero, reason: "x", operatorId: f.clerk.id))
        // Idempotent by id.
        XCTAssertEqual(
            try f.service.recordCashMovement(id: "m1", kind: .einlage, amount: Money(euros: 50), reason: "x", operatorId: f.clerk.id).movement, einlage.movement
        )
        let totals = try f.service.interimReport().totals
        XCTAssertEqual(totals.einlagen, Money(euros: 50))
        XCTAssertEqual(totals.abschoepfungen, Money(euros: 150))
        XCTAssertEqual(try totals.expectedCash, Money(euros: 37))
        try f.assertClean()
    }

    func testInterimReportAndDayClose() throws {
        let f = try CounterFixture()
        try f.sell(.cash(tendered: Money(euros: 40)))
        try f.sell(.card)
        try f.sell(.cheque(number: "1", bank: "B", drawer: "D"))
        let x = try f.service.interimReport()
        XCTAssertEqual(x.totals.saleCount, 3)
        XCTAssertEqual(x.totals.cash, Money(cents: 3700))
        XCTAssertEqual(x.totals.card, Money(cents: 3700))
        XCTAssertEqual(x.totals.cheque, Money(cents: 3700))
        XCTAssertEqual(try x.expectedCash, Money(cents: 13700))
        let close = try f.closeDay()
        XCTAssertEqual(close.zNumber, 1)
        XCTAssertEqual(close.expectedCash, Money(cents: 13700))
        XCTAssertEqual(close.difference, .zero)
        XCTAssertEqual(close.businessDate, "2026-11-27")
        XCTAssertNil(try f.service.openShift())
        XCTAssertThrowsError(try f.sell(.cash(tendered: Money(euros: 40))))
        // The same calendar day after the close belongs to the next business day.
        try f.service.openShift(operatorId: f.clerk.id, float: Money(euros: 100))
        let late = try f.sell(.cash(tendered: Money(euros: 40))).sale
        XCTAssertEqual(late.businessDate, "2026-11-28")
        let second = try f.closeDay(counted: Money(cents: 13650), reason: "Münze fehlt")
        XCTAssertEqual(second.zNumber, 2)
        XCTAssertEqual(second.difference, Money(cents: -50))
        try f.assertClean()
    }

    func testReprintIsACopyAndAudited() throws {
        let f = try CounterFixture()
        let enrolled = try f.service.ledger.chainHead().seq  // the operators' enrolment is audited too
        try f.sell(.cash(tendered: Money(euros: 40)))
        let copy = try f.service.reprint(receiptNumber: 1, operatorId: f.clerk.id)
        XCTAssertTrue(copy.text.hasPrefix(TextLayout.center("*** KOPIE ***")))
        XCTAssertNil(copy.file, "a copy does not replace the receipt file")
        XCTAssertFalse(try String(contentsOfFile: f.service.receiptStore.path(of: 1), encoding: .utf8).contains("KOPIE"))
        var audits: [AuditRecord] = []
        try f.service.ledger.forEachEvent { entry, event in if case .audit(let a) = event, entry.seq > enrolled { audits.append(a) } }
        XCTAssertEqual(audits.map(\.kind), ["reprint"])
        XCTAssertThrowsError(try f.service.reprint(receiptNumber: 5, operatorId: f.clerk.id))
    }

    func testPrinterCommandGetsTheReceiptAndAFailingPrinterNeverUndoesTheBooking() throws {
        let spool = try TemporaryDirectory(prefix: "spool")
        defer { spool.remove() }
        let good = CommandPrinter(command: "cat > \(spool.path)/bon-$$.txt")
        let f = try CounterFixture(printer: good)
        try f.sell(.cash(tendered: Money(euros: 40)))
        good.waitUntilIdle()
        XCTAssertEqual(good.takeProblems(), [])
        let printed = try FileManager.default.contentsOfDirectory(atPath: spool.path)
        XCTAssertEqual(printed.count, 1)
        XCTAssertTrue(try String(contentsOfFile: spool.path + "/" + printed[0], encoding: .utf8).contains("Beleg-Nr. 1"))

        let bad = CommandPrinter(command: "exit 3")
        let g = try CounterFixture(printer: bad)
        let outcome = try g.sell(.cash(tendered: Money(euros: 40)))
        bad.waitUntilIdle()
        XCTAssertEqual(bad.takeProblems(), ["Beleg 1: der Druckbefehl »exit 3« ist mit Status 3 gescheitert. Bitte nachdrucken."])
        XCTAssertEqual(try g.service.ledger.sale(id: outcome.sale.id), outcome.sale)
    }

    func testMissingReceiptFilesAreWrittenAgainAtStart() throws {
        let f = try CounterFixture()
        try f.sell(.cash(tendered: Money(euros: 40)))
        try f.sell(.cash(tendered: Money(euros: 40)))
        let path = f.service.receiptStore.path(of: 2)
        let original = try String(contentsOfFile: path, encoding: .utf8)
        try FileManager.default.removeItem(atPath: path)
        FileManager.default.createFile(atPath: f.service.receiptStore.path(of: 1), contents: Data())
        try f.restart()
        let report = try f.service.start()
        XCTAssertEqual(report.rewrittenReceipts, [1, 2], "missing and empty files are written again")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), original)
    }
}
