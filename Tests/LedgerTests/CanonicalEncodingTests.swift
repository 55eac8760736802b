import Foundation
import KasseCore
import XCTest

@testable import Ledger

/// The canonical bytes are a stored format: these pins must never change for format tag 1.
final class CanonicalEncodingTests: XCTestCase {
    static let sale = SaleRecord(
        id: "s-1", receiptNumber: 7, shiftId: "sh", operatorId: "op", businessDate: "2026-11-27",
        startedAt: Instant(millisecondsSinceEpoch: 1_795_770_000_000), endedAt: Instant(millisecondsSinceEpoch: 1_795_770_095_000),
        reference: "KZ\\1\nx", total: Money(cents: 6300),
        lines: [LedgerFixture.line(), LedgerFixture.line("FZ", cents: 1300, quantity: 2, bundShare: 1560)],
        payments: [
            try! .cash(tendered: Money(cents: 5000), change: Money(cents: 0)),
            PaymentRecord(method: .card, amount: Money(cents: 1300), card: LedgerFixture.card(Money(cents: 1300)), cardPendingId: "p"),
        ])

    func testSaleBytesArePinned() {
        let bytes = CanonicalEncoding.bytes(seq: 12, recordedAt: Instant(millisecondsSinceEpoch: 5), previousHash: "ab", event: .sale(Self.sale))
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("webkasse-ledger/1\nseq=12\nkind=sale\nref=s-1\nrecorded_at_ms=5\nprev=ab\nid=s-1\nreceipt_number=7\n"), text)
        XCTAssertTrue(text.contains("\nreference=KZ\\\\1\\nx\n"), text)
        XCTAssertTrue(text.contains("\nline.2.share.2.pass_through=1\n"), text)
        XCTAssertTrue(text.contains("\npayment.1.card_terminal_id\n"), "absent values have no =")
        XCTAssertTrue(text.contains("\npayment.2.card_receipt_text=Kartenzahlung\\ngirocard\\nBetrag EUR 13,00\n"), text)
        XCTAssertEqual(
            CanonicalEncoding.hash(seq: 12, recordedAt: Instant(millisecondsSinceEpoch: 5), previousHash: "ab", event: .sale(Self.sale)),
            "e4cb599dc52da6504b0d8f55a2a3fa3350b98f7dc1d83f80ad90a42dafbe8df6")
    }

    func testEveryKindIsPinned() {
        var fixtureHashes: [String] = []
        let at = Instant(millisecondsSinceEpoch: 42)
        let events: [LedgerEvent] = [
            .register(RegisterRecord(id: "K1", name: "Kasse 1", createdAt: at)),
            .operatorAdded(OperatorRecord(id: "o", login: "anna", name: "Anna", createdAt: at)),
            .shiftOpened(ShiftRecord(id: "s", operatorId: "o", businessDate: "2026-11-27", openedAt: at, float: Money(cents: 15000))),
            .storno(
                StornoRecord(
                    id: "st", saleId: "s-1", receiptNumber: 8, shiftId: "s", operatorId: "o", approvedBy: nil, reason: "r", businessDate: "2026-11-27", at: at,
                    total: Money(cents: 6300),
                    refunds: [
                        StornoRefund(method: .cash, amount: Money(cents: 5000)),
                        StornoRefund(method: .card, amount: Money(cents: 1300), notReversedReason: "x"),
                    ])),
            .cashMovement(
                CashMovementRecord(
                    id: "m", receiptNumber: 9, shiftId: "s", operatorId: "o", approvedBy: "b", kind: .abschoepfung, amount: Money(cents: 100), reason: "r",
                    businessDate: "2026-11-27", at: at)),
            .dayClose(
                DayCloseRecord(
                    id: "c", zNumber: 1, shiftId: "s", operatorId: "o", approvedBy: nil, businessDate: "2026-11-27", closedAt: at, afterSeq: 0,
                    totals: DayTotals(), expectedCash: .zero, countedCash: Money(cents: -5), difference: Money(cents: -5))),
            .cardPending(PendingCardPayment(id: "p", saleId: "s-1", amount: Money(cents: 1300), terminal: "t", createdAt: at, draft: "{}")),
            .cardResolved(CardResolution(pendingId: "p", outcome: .notPaid, saleId: nil, detail: "d", resolvedAt: at, atStartup: true)),
            .export(
                ExportRecord(
                    id: "e", format: "csv", scope: "Z 1", afterSeq: 0, throughSeq: 9, fileName: "f", recordCount: 3, total: Money(cents: 1), fileSHA256: "ff",
                    isRepeat: true, operatorId: nil, at: at)),
            .audit(AuditRecord(id: "a", kind: "reprint", operatorId: nil, detail: "Beleg 1", at: at)),
        ]
        for (i, event) in events.enumerated() {
            fixtureHashes.append(CanonicalEncoding.hash(seq: Int64(i + 1), recordedAt: at, previousHash: "00", event: event))
        }
        XCTAssertEqual(
            fixtureHashes,
            [
                "8baeb3938afb14d58306ea2ef998e346761150976712f015727563ddd4ec3598", "4035eafa3cf024a4587878c539722538c9b22e10687eb702d4df3da646d065b5",
                "feef70a429f02f2c7d3c9620f48e2ca3f19657d40cde4309aad0c82bf2304f7b", "32d2ca8593bdcec72729ce244088d104490e83bf90605d004565c0a1ad44effe",
                "14b54cd2767f374354003b6b5f6a0b0d29b533bdd779b6697a685a84fad514c0", "919cd557588388b39fd088340d2d5bf940ef11344d3c669cea84e9a7d6385485",
                "a9d97b8f0eb70491079ca43f78b30d300791b493db0dc997b6582debd8488dc0", "3e91f9ea68de83da28ac8629335ff60bc14d50c004e7f63933601f9abd860744",
                "f2ba89462a18400cf843fd7330118dd1d6943470e15a3ecf74904c5dd682389a", "6b0383560152b76885c0327a3ea151298bc37507ca522065b58c714d3e890eb8",
            ])
    }
}
