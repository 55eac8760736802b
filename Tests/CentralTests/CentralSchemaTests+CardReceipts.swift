import Central
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// The terminal's receipt texts and the card draft at the centre (docs/central.md, "Schema",
/// migration 5): typed columns as the ledger hashes them, compared by `central verify --rows`,
/// and NULL accepted only in rows delivered before the migration.
extension CentralSchemaTests {
    func testTheCentreHoldsTheTerminalsReceiptsAndTheCardDraftAndVerifyComparesThem() throws {
        let card = CardDetails(
            terminalId: "52500123", traceNumber: "000124", receiptNumber: "0043", cardName: "girocard", maskedPAN: "6805XXXXXXXXXX1234",
            customerReceipt: [TerminalReceiptLine("KUNDENBELEG", attribute: 0x40), TerminalReceiptLine("Betrag EUR 13,00")],
            merchantReceipt: [TerminalReceiptLine("HAENDLERBELEG"), TerminalReceiptLine("Zahlung erfolgt\\mit PIN")])
        let sale = try fixture.sale(
            fixture.openDay!, [LedgerDayFixture.line("FZ", "Führungszeugnis", cents: 1_300)],
            [PaymentRecord(method: .card, amount: Money(cents: 1_300), card: card)])
        let at = Instant(millisecondsSinceEpoch: 1_764_000_000_000)
        let draft = "{\"saleId\":\"\(sale.id)\",\"note\":\"Zeile 1\\nZeile 2\"}"
        try fixture.ledger.transaction {
            _ = try fixture.ledger.append(
                .cardPending(
                    PendingCardPayment(id: "pending-1", saleId: sale.id, amount: Money(cents: 1_300), terminal: "zvt-sim:20007", createdAt: at, draft: draft)),
                at: at)
        }
        XCTAssertNil(deliver { try self.database.store() }.lastError)

        let admin = try database.connect()
        let payment = try admin.execute(
            """
            SELECT card_receipt_text, card_receipt_attributes, card_merchant_receipt_text, card_merchant_receipt_attributes
            FROM payments p JOIN sales s USING (register_id, seq) WHERE s.id = $1
            """, [.text(sale.id)])
        XCTAssertEqual(payment.rowCount, 1)
        XCTAssertEqual(payment.text(0, 0), "KUNDENBELEG\nBetrag EUR 13,00")
        XCTAssertEqual(payment.text(0, 1), "40 00")
        XCTAssertEqual(payment.text(0, 2), "HAENDLERBELEG\nZahlung erfolgt\\mit PIN")
        XCTAssertNil(payment.text(0, 3), "the merchant copy is plain")
        XCTAssertEqual(try admin.execute("SELECT draft FROM card_pending WHERE id = 'pending-1'").text(0, 0), draft)
        // A card payment of the fixture without the terminal's copies: an empty text, no attributes.
        let plain = try admin.execute("SELECT card_receipt_text, card_receipt_attributes FROM payments WHERE method = 'card' ORDER BY seq LIMIT 1")
        XCTAssertEqual(plain.text(0, 0), "")
        XCTAssertNil(plain.text(0, 1))
        XCTAssertTrue(try CentralVerifier(store: database.store()).verify(rows: true).isClean)

        // Changed at the centre (around the triggers): named by --rows, not by the chain.
        try admin.execute("SET session_replication_role = replica")
        try admin.execute("UPDATE card_pending SET draft = '{}' WHERE id = 'pending-1'")
        try admin.execute(
            "UPDATE payments SET card_merchant_receipt_text = NULL WHERE (register_id, seq) = (SELECT register_id, seq FROM sales WHERE id = $1)",
            [.text(sale.id)])
        XCTAssertTrue(try CentralVerifier(store: database.store()).verify().isClean)
        let problems = try CentralVerifier(store: database.store()).verify(rows: true).problems.map(\.message)
        XCTAssertEqual(problems.count, 2, "\(problems)")
        XCTAssertTrue(
            problems.contains { $0.hasPrefix("payments: payment.1.card_merchant_receipt_text ist »NULL«, gebucht war »HAENDLERBELEG") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.hasPrefix("card_pending: draft ist »{}«") }, "\(problems)")

        // The same NULL in a row delivered before migration 5 (as a centre that was migrated
        // later sees its old rows) is no disagreement; a changed draft still is.
        try admin.execute("UPDATE central_schema_version SET applied_at = now() + interval '1 minute' WHERE version = 5")
        let early = try CentralVerifier(store: database.store()).verify(rows: true).problems.map(\.message)
        XCTAssertEqual(early.count, 1, "\(early)")
        XCTAssertTrue(early[0].hasPrefix("card_pending: draft ist »{}«"), "\(early)")
    }
}
