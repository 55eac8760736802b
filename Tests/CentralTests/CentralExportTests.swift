import Central
import Exports
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// `central export` (docs/central.md, "Export"): the same bytes as the counter's export of the
/// same register, totals across registers that add up, `--new` exporting each entry exactly once.
final class CentralExportTests: XCTestCase {
    var database: CentralTestDatabase!
    var fixtures: [LedgerDayFixture] = []
    let now = Date(timeIntervalSince1970: 1_796_640_000)
    let berlin = TimeZone(identifier: "Europe/Berlin")!

    override func setUpWithError() throws {
        database = try CentralTestDatabase()
        try database.store().migrate()
        for register in ["K1", "K2"] {
            var fixture = try LedgerDayFixture(register: register)
            try fixture.build()
            fixtures.append(fixture)
            try deliver(fixture)
        }
    }

    override func tearDown() {
        database?.drop()
        for fixture in fixtures { fixture.directory.remove() }
    }

    func deliver(_ fixture: LedgerDayFixture) throws {
        let ledger = try Ledger(path: fixture.ledger.path)
        let status = CentralDelivery(
            ledger: ledger, register: fixture.register, cursorPath: CentralDelivery.cursorPath(ledgerPath: ledger.path),
            connect: { try self.database.store() }
        ).runOnce()
        XCTAssertNil(status.lastError)
    }

    func request(_ format: ExportFormat, _ scope: ExportScope, registers: [String], out: String) -> CentralExportRequest {
        CentralExportRequest(
            registers: registers, format: format, scope: scope, outputPath: fixtures[0].directory.path + "/" + out, settings: ExportSettings(),
            timeZone: berlin, exportedBy: "stadtkasse")
    }

    func testEachFormatGivesTheSameBytesAsTheCountersOwnExportOfThatRegister() throws {
        for format in ExportFormat.allCases {
            let central = try XCTUnwrap(
                try CentralExport.run(request(format, .closedDays, registers: ["K2"], out: "zentrale.\(format.rawValue)"), store: database.store(), now: now))
            let local = try XCTUnwrap(try LedgerExport.run(fixtures[1].request(format, .closedDays, out: "kasse.\(format.rawValue)"), now: now))
            XCTAssertEqual(central.result.sha256, local.result.sha256, format.rawValue)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: central.result.path)), try Data(contentsOf: URL(fileURLWithPath: local.result.path)))
            XCTAssertGreaterThan(central.result.totals.recordCount, 0)
        }
    }

    func testAcrossRegistersTheTotalsAreThoseOfThePerRegisterExportsTogether() throws {
        let both = try XCTUnwrap(try CentralExport.run(request(.jsonl, .closedDays, registers: [], out: "alle.jsonl"), store: database.store(), now: now))
        XCTAssertEqual(both.registers, ["K1", "K2"])
        var count = 0
        var debit: Int64 = 0
        for fixture in fixtures {
            let one = try XCTUnwrap(try LedgerExport.run(fixture.request(.jsonl, .closedDays, out: "k-\(fixture.register).jsonl"), now: now))
            count += one.result.totals.recordCount
            debit += one.result.totals.debitTotal.cents
        }
        XCTAssertEqual(both.result.totals.recordCount, count)
        XCTAssertEqual(both.result.totals.debitTotal.cents, debit)
        XCTAssertTrue(both.result.totals.isBalanced)
    }

    func testNewExportsEachEntryExactlyOnce() throws {
        let store = try database.store()
        let first = try XCTUnwrap(try CentralExport.run(request(.csv, .new, registers: [], out: "neu-1.csv"), store: store, now: now))
        XCTAssertFalse(first.isRepeat)
        XCTAssertNil(try CentralExport.run(request(.csv, .new, registers: [], out: "neu-2.csv"), store: store, now: now), "nothing new")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixtures[0].directory.path + "/neu-2.csv"))
        // Day 3 of K1 closes and reaches the centre: the next --new holds that day only.
        try fixtures[0].closeOpenDay()
        try deliver(fixtures[0])
        let second = try XCTUnwrap(try CentralExport.run(request(.csv, .new, registers: [], out: "neu-3.csv"), store: store, now: now))
        XCTAssertEqual(second.registers, ["K1", "K2"])
        XCTAssertEqual(second.result.totals.firstDate?.iso, "2026-11-28")
        XCTAssertEqual(second.result.totals.lastDate?.iso, "2026-11-28")
        let all = try XCTUnwrap(try CentralExport.run(request(.csv, .closedDays, registers: [], out: "alle.csv"), store: store, now: now))
        XCTAssertTrue(all.isRepeat)
        XCTAssertEqual(first.result.totals.recordCount + second.result.totals.recordCount, all.result.totals.recordCount)
        XCTAssertEqual(first.result.totals.debitTotal.cents + second.result.totals.debitTotal.cents, all.result.totals.debitTotal.cents)
        let runs = try database.connect().execute("SELECT count(*) FROM central_exports WHERE format = 'csv'")
        XCTAssertEqual(runs.int64(0, 0), 6, "one row per register and run")
    }
}

/// `central report day DATE` (Sammel-Z, docs/central.md "Day report").
extension CentralExportTests {
    func testTheConsolidatedDayReportAddsTheRegistersUp() throws {
        let report = try database.store().dayReport(businessDate: "2026-11-26")
        XCTAssertEqual(report.registers.map(\.register), ["K1", "K2"])
        let k1 = report.registers[0]
        // Day 1 of the fixture: Z 1, 3 sales, the Personalausweis (46,00 cash) cancelled, 20,00
        // to the Stadtkasse, counted 0,55 short.
        XCTAssertEqual(k1.zNumber, 1)
        XCTAssertEqual(k1.saleCount, 3)
        XCTAssertEqual(k1.stornoCount, 1)
        XCTAssertEqual(k1.stornoCents, 4_600)
        XCTAssertEqual(k1.transferredCents, 2_000)
        XCTAssertEqual(k1.differenceCents, -55)
        XCTAssertEqual(k1.methods[.cash], 4_600 + 5_000 - 4_600)
        XCTAssertEqual(k1.methods[.card], 1_300 + 3_000)
        XCTAssertEqual(k1.accounts.first { $0.passThrough }?.cents, 780, "the Bundeskasse's share of the Führungszeugnis")
        XCTAssertEqual(k1.accounts.filter { !$0.passThrough }.reduce(0) { $0 + $1.cents }, 520 + 8_000, "own shares, storno netted")
        XCTAssertEqual(k1.openShifts, [])
        XCTAssertEqual(report.total { $0.differenceCents }, -110)
        XCTAssertEqual(report.total { $0.transferredCents }, 4_000)
        XCTAssertEqual(report.total { $0.expectedCashCents }, 2 * k1.expectedCashCents!)
        XCTAssertTrue(report.text.contains("SAMMEL-Z 26.11.2026 – 2 Kasse(n)"), report.text)

        let open = try database.store().dayReport(businessDate: "2026-11-28")
        XCTAssertEqual(open.registers.map(\.zNumber), [nil, nil])
        XCTAssertEqual(open.registers.map(\.openShifts), [["2026-11-28"], ["2026-11-28"]])
        XCTAssertTrue(open.text.contains("ohne Tagesabschluss"), open.text)
    }
}
