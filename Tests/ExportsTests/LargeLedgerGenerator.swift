import Exports
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// Not a check: builds a large ledger for measuring `webkasse export` by hand.
///
///     WEBKASSE_BIG_LEDGER=500000 WEBKASSE_BIG_LEDGER_DIR=/tmp/big swift test --skip-build --filter LargeLedgerGenerator
///
/// gives one closed day of N Führungszeugnis sales (2 shares each: 2N booking lines) in DIR/K1.
final class LargeLedgerGenerator: XCTestCase {
    func testGenerateWhenAsked() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let count = environment["WEBKASSE_BIG_LEDGER"].flatMap(Int.init), let directory = environment["WEBKASSE_BIG_LEDGER_DIR"] else {
            throw XCTSkip("set WEBKASSE_BIG_LEDGER=N and WEBKASSE_BIG_LEDGER_DIR=DIR to build a large ledger")
        }
        let ledger = try Ledger(data: directory, register: "K1")
        var clock: Int64 = 1_795_000_000_000
        func at() -> Instant {
            clock += 1_000
            return Instant(millisecondsSinceEpoch: clock)
        }
        try ledger.transaction {
            try ledger.append(.register(RegisterRecord(id: "K1", name: "Kasse 1", createdAt: at())), at: at())
            try ledger.append(.operatorAdded(OperatorRecord(id: "op1", login: "anna", name: "Anna Amt", createdAt: at())), at: at())
        }
        let shift = ShiftRecord(id: "shift-1", operatorId: "op1", businessDate: "2026-11-26", openedAt: at(), float: Money(euros: 100))
        try ledger.transaction { _ = try ledger.append(.shiftOpened(shift), at: at()) }
        let line = LedgerDayFixture.line("FZ", "Führungszeugnis", cents: 1_300, bund: 780)
        var number = try ledger.nextReceiptNumber()
        let started = Date()
        var done = 0
        while done < count {
            try ledger.transaction {
                for _ in 0..<min(10_000, count - done) {
                    let sale = SaleRecord(
                        id: "sale-\(number)", receiptNumber: number, shiftId: shift.id, operatorId: "op1",
                        businessDate: shift.businessDate, startedAt: at(), endedAt: at(), reference: nil,
                        total: Money(cents: 1_300), lines: [line], payments: [LedgerDayFixture.card(1_300)])
                    try ledger.append(.sale(sale), at: at())
                    number += 1
                    done += 1
                }
            }
        }
        let (after, totals) = try ledger.periodTotals()
        let close = DayCloseRecord(
            id: "close-1", zNumber: 1, shiftId: shift.id, operatorId: "op1", approvedBy: nil,
            businessDate: shift.businessDate, closedAt: at(), afterSeq: after, totals: totals,
            expectedCash: try totals.expectedCash, countedCash: try totals.expectedCash, difference: .zero)
        try ledger.transaction { _ = try ledger.append(.dayClose(close), at: at()) }
        print("built \(count) sales in \(directory) in \(Int(Date().timeIntervalSince(started))) s")
    }
}
