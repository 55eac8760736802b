import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

@testable import Counter

final class SimulationTests: XCTestCase {
    func testSimulatedDaysAddUpAndVerify() throws {
        let catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
        let directory = try TemporaryDirectory(prefix: "sim-test")
        defer { directory.remove() }
        let clock = SimulatedClock(Instant(millisecondsSinceEpoch: 1_793_606_400_000))
        let service = try CounterFixture.makeService(directory: directory, clock: clock, terminal: FakeCardTerminal())
        let summary = try CounterSimulation(service: service, catalog: catalog, clock: clock, options: .init(sales: 150, seed: 42, salesPerDay: 40)).run()
        XCTAssertEqual(summary.sales, 150)
        XCTAssertEqual(summary.dayCloses, [1, 2, 3, 4])

        var sales = 0
        var stornos = 0
        var movements = 0
        var byMethod: [PaymentMethod: Int64] = [:]
        var closedSales: Int64 = 0
        try service.ledger.forEachEvent { _, event in
            switch event {
            case .sale(let s):
                sales += 1
                for p in s.payments { byMethod[p.method, default: 0] += p.amount.cents }
            case .storno: stornos += 1
            case .cashMovement: movements += 1
            case .dayClose(let c): closedSales += c.totals.saleCount
            default: break
            }
        }
        XCTAssertEqual(sales, 150)
        XCTAssertEqual(closedSales, 150, "every sale falls into exactly one day close")
        XCTAssertEqual(stornos, summary.stornos)
        XCTAssertEqual(movements, summary.movements)
        for method in PaymentMethod.allCases { XCTAssertEqual(byMethod[method] ?? 0, summary.byMethod[method]?.cents ?? 0) }
        XCTAssertGreaterThan(byMethod[.cheque] ?? 0, 0)
        XCTAssertGreaterThan(byMethod[.card] ?? 0, 0)
        XCTAssertEqual(try service.ledger.lastReceiptNumber(), Int64(sales + stornos + movements))
        XCTAssertTrue(try service.ledger.verify().isClean)

        // The same seed gives the same days.
        let other = try TemporaryDirectory(prefix: "sim-test")
        defer { other.remove() }
        let clock2 = SimulatedClock(Instant(millisecondsSinceEpoch: 1_793_606_400_000))
        let service2 = try CounterFixture.makeService(directory: other, clock: clock2, terminal: FakeCardTerminal())
        let again = try CounterSimulation(service: service2, catalog: catalog, clock: clock2, options: .init(sales: 150, seed: 42, salesPerDay: 40)).run()
        XCTAssertEqual(again.byMethod, summary.byMethod)
        XCTAssertEqual(again.stornos, summary.stornos)
    }

    /// The simulated clerk counts the drawer at every close; every seventh close is 0,50 € short
    /// and booked with that difference (and its reason), the others agree to the cent.
    func testSimulatedDayClosesCountTheDrawer() throws {
        let catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
        let directory = try TemporaryDirectory(prefix: "sim-count")
        defer { directory.remove() }
        let clock = SimulatedClock(Instant(millisecondsSinceEpoch: 1_793_606_400_000))
        let service = try CounterFixture.makeService(directory: directory, clock: clock, terminal: FakeCardTerminal())
        let summary = try CounterSimulation(service: service, catalog: catalog, clock: clock, options: .init(sales: 150, seed: 7, salesPerDay: 20)).run()
        XCTAssertEqual(summary.dayCloses.count, 8)
        var closes: [DayCloseRecord] = []
        try service.ledger.forEachEvent { _, event in if case .dayClose(let c) = event { closes.append(c) } }
        XCTAssertEqual(closes.map(\.zNumber), Array(1...8))
        for close in closes {
            let short = close.zNumber == 7
            XCTAssertEqual(close.countedCash.cents, close.expectedCash.cents - (short ? 50 : 0), "Z \(close.zNumber)")
            XCTAssertEqual(close.difference.cents, short ? -50 : 0, "Z \(close.zNumber)")
        }
        XCTAssertTrue(try service.ledger.verify().isClean)
        XCTAssertEqual(CashCount.standIn(total: Money(cents: 18_788)).total.cents, 18_788)
        XCTAssertEqual(CashCount.standIn(total: Money(cents: 18_788)).count(of: .note100), 1)
    }
}
