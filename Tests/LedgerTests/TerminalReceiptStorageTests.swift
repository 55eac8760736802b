import Foundation
import KasseCore
import TestSupport
import XCTest

@testable import Ledger

/// The terminal's receipts with their print attributes and the merchant copy (migration 8): stored,
/// read back, hashed only when present — so entries without them keep the bytes of format 1 — and
/// covered by the chain.
final class TerminalReceiptStorageTests: XCTestCase {
    static let card = CardDetails(
        terminalId: "52500123", traceNumber: "000123", receiptNumber: "0042", cardName: "girocard", maskedPAN: "6805XXXXXXXXXX1234",
        authorizationCode: "123456", turnoverNumber: "17",
        customerReceipt: [
            TerminalReceiptLine("Kundenbeleg", attribute: 0x40), TerminalReceiptLine("girocard"), TerminalReceiptLine("Betrag", attribute: 0x10),
        ],
        merchantReceipt: [TerminalReceiptLine("Händlerbeleg", attribute: 0x40), TerminalReceiptLine("6805XX******1234")])

    func testTheNewFieldsAreHashedOnlyWhenTheyHaveAValue() {
        func text(_ card: CardDetails) -> String {
            let sale = CanonicalEncodingTests.sale
            var payments = sale.payments
            payments[1] = PaymentRecord(method: .card, amount: payments[1].amount, card: card, cardPendingId: "p")
            let changed = SaleRecord(
                id: sale.id, receiptNumber: sale.receiptNumber, shiftId: sale.shiftId, operatorId: sale.operatorId,
                businessDate: sale.businessDate, startedAt: sale.startedAt, endedAt: sale.endedAt, reference: sale.reference, total: sale.total,
                lines: sale.lines, payments: payments)
            let bytes = CanonicalEncoding.bytes(seq: 12, recordedAt: Instant(millisecondsSinceEpoch: 5), previousHash: "ab", event: .sale(changed))
            return String(decoding: bytes, as: UTF8.self)
        }
        let full = text(Self.card)
        XCTAssertTrue(full.contains("\npayment.2.card_receipt_text=Kundenbeleg\\ngirocard\\nBetrag\npayment.2.card_receipt_attributes=40 00 10\n"), full)
        XCTAssertTrue(full.contains("\npayment.2.card_merchant_receipt_text=Händlerbeleg\\n6805XX******1234\n"), full)
        XCTAssertTrue(full.contains("\npayment.2.card_merchant_receipt_attributes=40 00\npayment.2.card_pending_id=p\n"), full)

        // Plain lines and no merchant copy: the bytes of format 1, pinned by CanonicalEncodingTests.
        let plain = CardDetails(
            terminalId: "52500123", traceNumber: "000123", receiptNumber: "0042", cardName: "girocard", maskedPAN: "6805XXXXXXXXXX1234",
            authorizationCode: "123456", turnoverNumber: "17", customerReceipt: [TerminalReceiptLine("Kundenbeleg")], merchantReceipt: [])
        let old = text(plain)
        for name in ["card_receipt_attributes", "card_merchant_receipt_text", "card_merchant_receipt_attributes"] {
            XCTAssertFalse(old.contains(name), old)
        }
        XCTAssertEqual(
            CanonicalEncoding.hash(seq: 12, recordedAt: Instant(millisecondsSinceEpoch: 5), previousHash: "ab", event: .sale(CanonicalEncodingTests.sale)),
            "e4cb599dc52da6504b0d8f55a2a3fa3350b98f7dc1d83f80ad90a42dafbe8df6", "the format-1 pin is unchanged")
    }

    func testBothCopiesAndTheirLayoutAreReadBackAndVerified() throws {
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        let shift = try fixture.openDay()
        let sale = try fixture.sale(
            shift: shift, lines: [LedgerFixture.line(cents: 1300)],
            payments: [PaymentRecord(method: .card, amount: Money(cents: 1300), card: Self.card)])
        // A plain card payment, as before migration 8.
        let before = try fixture.sale(
            shift: shift, lines: [LedgerFixture.line(cents: 900)],
            payments: [PaymentRecord(method: .card, amount: Money(cents: 900), card: LedgerFixture.card(Money(cents: 900)))])
        let storno = StornoRecord(
            id: "st", saleId: sale.id, receiptNumber: try fixture.ledger.nextReceiptNumber(), shiftId: shift.id, operatorId: "op1",
            approvedBy: nil, reason: "Irrtum", businessDate: shift.businessDate, at: fixture.tick(), total: sale.total,
            refunds: [StornoRefund(method: .card, amount: sale.total, cardReversal: Self.card)])
        try fixture.book(.storno(storno))

        let reopened = try Ledger(path: fixture.path)
        XCTAssertEqual(try reopened.sale(id: sale.id)?.payments.first?.card, Self.card)
        XCTAssertEqual(try reopened.sale(id: before.id)?.payments.first?.card?.merchantReceipt, [])
        XCTAssertEqual(try reopened.sale(id: before.id), before)
        guard case .storno(let read, _)? = try reopened.receipt(number: storno.receiptNumber) else { return XCTFail("no storno") }
        XCTAssertEqual(read.refunds.first?.cardReversal, Self.card)
        let report = try reopened.verify()
        XCTAssertTrue(report.isClean, "\(report.problems)")
        XCTAssertEqual(report.problems, try reopened.verify(decodingEverySale: true).problems)
        XCTAssertGreaterThanOrEqual(try reopened.schemaVersion(), 9)
    }

    func testAChangedMerchantCopyOrAttributeBreaksTheChain() throws {
        for edit in [
            "UPDATE payments SET card_merchant_receipt_text = 'Händlerbeleg' WHERE card_merchant_receipt_text IS NOT NULL",
            "UPDATE payments SET card_receipt_attributes = '00 00 10' WHERE card_receipt_attributes IS NOT NULL",
            "UPDATE payments SET card_merchant_receipt_text = 'neu' WHERE card_terminal_id IS NOT NULL AND card_merchant_receipt_text IS NULL",
        ] {
            var fixture = try LedgerFixture()
            defer { fixture.directory.remove() }
            let shift = try fixture.openDay()
            try fixture.sale(
                shift: shift, lines: [LedgerFixture.line(cents: 1300)],
                payments: [PaymentRecord(method: .card, amount: Money(cents: 1300), card: Self.card)])
            try fixture.sale(
                shift: shift, lines: [LedgerFixture.line(cents: 900)],
                payments: [PaymentRecord(method: .card, amount: Money(cents: 900), card: LedgerFixture.card(Money(cents: 900)))])
            RawSQLite.dropTriggers(fixture.path, ["payments"])
            RawSQLite.exec(fixture.path, edit)
            RawSQLite.restoreTriggers(fixture.path, ["payments"])
            let ledger = try Ledger(path: fixture.path)
            let report = try ledger.verify()
            XCTAssertEqual(report.firstProblem?.check, .chain, edit)
            XCTAssertEqual(report.problems, try ledger.verify(decodingEverySale: true).problems, edit)
        }
    }

    /// The terminal's approved amount (migration 9): hashed only when present, read back, covered
    /// by the chain and by the fast verify as by the decoding one.
    func testTheApprovedAmountIsHashedWhenPresentAndCoveredByTheChain() throws {
        let plain = Self.card
        let approved = Self.card.approving(Money(cents: 1250))
        var fixture = try LedgerFixture()
        defer { fixture.directory.remove() }
        let shift = try fixture.openDay()
        let sale = try fixture.sale(
            shift: shift, lines: [LedgerFixture.line(cents: 1300)],
            payments: [PaymentRecord(method: .card, amount: Money(cents: 1300), card: approved)])
        let old = try fixture.sale(
            shift: shift, lines: [LedgerFixture.line(cents: 900)], payments: [PaymentRecord(method: .card, amount: Money(cents: 900), card: plain)])
        let reopened = try Ledger(path: fixture.path)
        XCTAssertEqual(try reopened.sale(id: sale.id)?.payments.first?.card?.approvedAmount, Money(cents: 1250))
        XCTAssertEqual(try reopened.sale(id: old.id), old)
        XCTAssertEqual(try reopened.sale(id: sale.id)?.cardAmountMismatches.map(\.approved), [Money(cents: 1250)])
        XCTAssertTrue(try reopened.verify().isClean)
        let rows = try reopened.periodRows(after: 0, before: nil)
        XCTAssertEqual(
            rows.cardAmountMismatches,
            [CardAmountMismatch(receiptNumber: sale.receiptNumber, isReversal: false, requested: Money(cents: 1300), approved: Money(cents: 1250))])

        func bytes(_ card: CardDetails) -> String {
            let event = LedgerEvent.sale(
                SaleRecord(
                    id: "s", receiptNumber: 1, shiftId: "sh", operatorId: "op", businessDate: "2026-01-02", startedAt: Instant(millisecondsSinceEpoch: 1),
                    endedAt: Instant(millisecondsSinceEpoch: 2), reference: nil, total: Money(cents: 1300), lines: [LedgerFixture.line(cents: 1300)],
                    payments: [PaymentRecord(method: .card, amount: Money(cents: 1300), card: card)]))
            return String(
                decoding: CanonicalEncoding.bytes(seq: 1, recordedAt: Instant(millisecondsSinceEpoch: 2), previousHash: "", event: event), as: UTF8.self)
        }
        XCTAssertTrue(bytes(approved).contains("\npayment.1.card_approved_cents=1250\n"), bytes(approved))
        XCTAssertFalse(bytes(plain).contains("card_approved_cents"), bytes(plain))

        for edit in [
            "UPDATE payments SET card_approved_cents = 1300 WHERE card_approved_cents IS NOT NULL",
            "UPDATE payments SET card_approved_cents = 900 WHERE card_approved_cents IS NULL AND card_terminal_id IS NOT NULL",
        ] {
            var copy = try LedgerFixture()
            defer { copy.directory.remove() }
            let shift = try copy.openDay()
            try copy.sale(
                shift: shift, lines: [LedgerFixture.line(cents: 1300)],
                payments: [PaymentRecord(method: .card, amount: Money(cents: 1300), card: approved)])
            try copy.sale(
                shift: shift, lines: [LedgerFixture.line(cents: 900)], payments: [PaymentRecord(method: .card, amount: Money(cents: 900), card: plain)])
            RawSQLite.dropTriggers(copy.path, ["payments"])
            RawSQLite.exec(copy.path, edit)
            RawSQLite.restoreTriggers(copy.path, ["payments"])
            let tampered = try Ledger(path: copy.path)
            let report = try tampered.verify()
            XCTAssertEqual(report.firstProblem?.check, .chain, edit)
            XCTAssertEqual(report.problems, try tampered.verify(decodingEverySale: true).problems, edit)
        }
    }
}
