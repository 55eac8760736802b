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
        XCTAssertEqual(try reopened.schemaVersion(), migrations.map(\.version).max())
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
}
