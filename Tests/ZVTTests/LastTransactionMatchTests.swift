import XCTest

@testable import ZVT

/// The one recovery match of the driver and the counter: by the attempt's receipt and trace, else
/// by the known previous transaction, else — when the earlier transactions are known — by kind and amount.
final class LastTransactionMatchTests: XCTestCase {
    private func last(approved: Bool = true, cents: Int64 = 1_000, reversal: Bool? = false, receipt: Int? = 7, trace: Int? = 42)
        -> LastTransactionMatch.LastTransaction
    {
        .init(approved: approved, amountCents: cents, isReversal: reversal, receiptNumber: receipt, trace: trace, resultText: "Autostorno")
    }

    func testTheAttemptsOwnReceiptAndTraceDecide() {
        let attempt = LastTransactionMatch.Attempt(amountCents: 1_000, receiptNumber: 7, trace: 42, earlierTransactionsKnown: false)
        XCTAssertEqual(LastTransactionMatch.verdict(attempt, last: last(), lastIsKnownEarlier: false), .isTheAttempt(approved: true))
        XCTAssertEqual(LastTransactionMatch.verdict(attempt, last: last(approved: false), lastIsKnownEarlier: false), .isTheAttempt(approved: false))
        guard case .undetermined = LastTransactionMatch.verdict(attempt, last: last(trace: 43), lastIsKnownEarlier: false) else {
            return XCTFail("another trace is not the attempt")
        }
    }

    func testAKnownEarlierTransactionMeansTheAttemptDidNotGoThrough() {
        let attempt = LastTransactionMatch.Attempt(amountCents: 1_000, earlierTransactionsKnown: true)
        guard case .earlierTransaction = LastTransactionMatch.verdict(attempt, last: last(), lastIsKnownEarlier: true) else {
            return XCTFail("the previous transaction, even with the same amount")
        }
    }

    func testKindAndAmountOnlyWhenTheEarlierTransactionsAreKnown() {
        let known = LastTransactionMatch.Attempt(amountCents: 1_000, isReversal: false, earlierTransactionsKnown: true)
        XCTAssertEqual(LastTransactionMatch.verdict(known, last: last(), lastIsKnownEarlier: false), .isTheAttempt(approved: true))
        for other in [last(cents: 1_001), last(reversal: true)] {
            guard case .undetermined = LastTransactionMatch.verdict(known, last: other, lastIsKnownEarlier: false) else {
                return XCTFail("\(other) is not the attempt")
            }
        }
        let unknown = LastTransactionMatch.Attempt(amountCents: 1_000, earlierTransactionsKnown: false)
        guard case .undetermined = LastTransactionMatch.verdict(unknown, last: last(), lastIsKnownEarlier: false) else {
            return XCTFail("the same amount proves nothing without the earlier transactions")
        }
    }
}
