import Exports
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// Exports read from a real ledger: scopes, `--new`, repeats, provisional days, the export log.
final class LedgerExportTests: XCTestCase {
    var fixture: LedgerDayFixture!

    override func setUpWithError() throws {
        fixture = try LedgerDayFixture()
        try fixture.build()
    }

    override func tearDown() {
        // WEBKASSE_KEEP_FIXTURE=1 keeps the ledgers for trying `webkasse export` by hand.
        if ProcessInfo.processInfo.environment["WEBKASSE_KEEP_FIXTURE"] != nil { print("fixture: \(fixture.data)") } else { fixture.directory.remove() }
    }

    private func objects(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    private func export(_ scope: ExportScope, _ out: String, format: ExportFormat = .jsonl, open: Bool = false) throws -> LedgerExport.Outcome? {
        try LedgerExport.run(fixture.request(format, scope, out: out, includeOpenDays: open), now: Date(timeIntervalSince1970: 1_795_100_000))
    }

    func testClosedDaysExportEqualsTheDayCloses() throws {
        let outcome = try XCTUnwrap(try export(.closedDays, "all.jsonl"))
        let totals = outcome.result.totals
        XCTAssertTrue(totals.isBalanced)
        XCTAssertEqual(totals.provisionalCount, 0, "the open day 3 is not exported")
        // Day 1: PA 1 + FZ 2 shares + RP 2 payments + storno 1 + movement 1 + difference 1; day 2: 1.
        XCTAssertEqual(totals.recordCount, 9)
        XCTAssertEqual(totals.netByAccount["431100"], -(520 + 8_000 + 900))
        XCTAssertEqual(totals.netByAccount["376100"], -780)
        XCTAssertEqual(totals.netByAccount["182100"], 1_300 + 3_000)
        XCTAssertEqual(totals.netByAccount["182200"], 900)
        // The cash account moves by exactly what the day closes counted minus their floats.
        let cashMovedByCloses = fixture.closes.reduce(Int64(0)) { $0 + $1.countedCash.cents - $1.totals.float.cents }
        XCTAssertEqual(totals.netByAccount["181000"], cashMovedByCloses)
        XCTAssertEqual(totals.netByAccount["549100"], 55, "the shortage of Z 1")
        XCTAssertEqual(totals.netByAccount["189000"], 2_000, "the Abschöpfung to the Stadtkasse")
        // The sales of each close equal the export's sales and stornos of its period.
        let lines = try objects(outcome.result.path)
        for close in fixture.closes {
            let ofClose = lines.filter { ($0["zNumber"] as? Int) == Int(close.zNumber) && ["sale", "storno"].contains($0["kind"] as? String) }
            let net = ofClose.reduce(0) { $0 + (($1["amountCents"] as? Int) ?? 0) }
            XCTAssertEqual(Int64(net), close.totals.sales.cents - close.totals.stornos.cents, "Z \(close.zNumber)")
        }
        // The split payment of the Reisepass: 50 cash + 30 card.
        let passport = lines.filter { $0["itemCode"] as? String == "RP24" }
        XCTAssertEqual(passport.map { $0["paymentMethod"] as? String }, ["cash", "card"])
        XCTAssertEqual(passport.map { $0["amountCents"] as? Int }, [5_000, 3_000])
        let storno = try XCTUnwrap(lines.first { $0["kind"] as? String == "storno" })
        XCTAssertEqual(storno["stornoReference"] as? String, "K1-000001")
        XCTAssertEqual(storno["cashReference"] as? String, "5.2026.000123")
        XCTAssertEqual(storno["operator"] as? String, "Anna Amt")
        XCTAssertEqual(storno["approver"] as? String, "Bert Aufsicht", "the storno names its approver, not only the clerk")
        let movement = try XCTUnwrap(lines.first { $0["kind"] as? String == "cashMovement" })
        XCTAssertEqual(movement["approver"] as? String, "Bert Aufsicht")
        XCTAssertEqual(lines.first { $0["kind"] as? String == "sale" }?["approver"] as? String, "")

        let lastClose = try XCTUnwrap(try fixture.reopen().dayCloseBoundaries().last?.seq)
        XCTAssertEqual(try fixture.ledger.bookingLineEstimate(inJournal: 1...lastClose), 8, "all but the second payment of the Reisepass")

        XCTAssertEqual(outcome.records.count, 1)
        let record = outcome.records[0]
        XCTAssertEqual(record.format, "jsonl")
        XCTAssertEqual(record.scope, "alle")
        XCTAssertEqual(record.recordCount, 9)
        XCTAssertEqual(record.fileSHA256, outcome.result.sha256)
        XCTAssertFalse(record.isRepeat)
        XCTAssertEqual(record.afterSeq, 0)
        XCTAssertEqual(record.throughSeq, try fixture.reopen().dayCloseBoundaries().last?.seq)
        XCTAssertEqual(try fixture.reopen().exportRuns(), [record], "the run is in the ledger's export log")
    }

    func testZNumberScopeAndItsErrors() throws {
        let outcome = try XCTUnwrap(try export(.zNumber(2), "z2.jsonl"))
        let lines = try objects(outcome.result.path)
        XCTAssertEqual(lines.count, 1)
        XCTAssertEqual(lines[0]["businessDate"] as? String, "2026-11-27")
        XCTAssertEqual(outcome.records.first?.scope, "Z 2")
        XCTAssertThrowsError(try export(.zNumber(9), "z9.jsonl")) { error in
            XCTAssertEqual("\(error)", "Die Kasse K1 hat keinen Tagesabschluss Z 9 (der letzte ist Z 2).")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.data + "/z9.jsonl"))
    }

    func testNewExportsExactlyWhatWasNotExportedBefore() throws {
        let first = try XCTUnwrap(try export(.new, "new1.jsonl"))
        XCTAssertEqual(first.result.totals.recordCount, 9)
        XCTAssertNil(try export(.new, "new2.jsonl"), "nothing new: no file")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.data + "/new2.jsonl"))
        // Another format has its own log.
        XCTAssertEqual(try XCTUnwrap(try export(.new, "new1.csv", format: .csv)).result.totals.recordCount, 9)
        // Closing day 3 makes it new.
        try fixture.closeOpenDay()
        let third = try XCTUnwrap(try export(.new, "new3.jsonl"))
        let lines = try objects(third.result.path)
        XCTAssertEqual(lines.map { $0["businessDate"] as? String }, ["2026-11-28"])
        XCTAssertEqual(lines.first?["zNumber"] as? Int, 3)
        XCTAssertFalse(third.isRepeat)
        XCTAssertEqual(third.records.first?.afterSeq, first.records.first?.throughSeq, "the runs follow each other without gap")
    }

    func testNewFillsAHoleLeftByADateRangeExport() throws {
        _ = try XCTUnwrap(try export(.dates(from: BookingDate(iso: "2026-11-27")!, to: BookingDate(iso: "2026-11-27")!), "day2.jsonl"))
        let new = try XCTUnwrap(try export(.new, "rest.jsonl"))
        XCTAssertEqual(Set(try objects(new.result.path).map { $0["businessDate"] as? String }), ["2026-11-26"])
        XCTAssertFalse(new.isRepeat)
    }

    func testRepeatedRangeIsMarkedAsRepeat() throws {
        let first = try XCTUnwrap(try export(.zNumber(1), "a.jsonl"))
        XCTAssertFalse(first.isRepeat)
        let again = try XCTUnwrap(try export(.dates(from: BookingDate(iso: "2026-11-26")!, to: BookingDate(iso: "2026-11-26")!), "b.jsonl"))
        XCTAssertTrue(again.isRepeat)
        XCTAssertEqual(again.records.first?.isRepeat, true)
        XCTAssertEqual(again.result.totals.recordCount, first.result.totals.recordCount)
        XCTAssertEqual(try fixture.reopen().exportRuns().map(\.isRepeat), [false, true])
    }

    func testOpenDaysOnlyOnRequestAndProvisional() throws {
        XCTAssertThrowsError(try export(.dates(from: BookingDate(iso: "2026-11-28")!, to: BookingDate(iso: "2026-11-28")!), "open.jsonl")) { error in
            XCTAssertTrue("\(error)".contains("--open-days"), "\(error)")
        }
        let outcome = try XCTUnwrap(try export(.closedDays, "withopen.jsonl", open: true))
        XCTAssertEqual(outcome.result.totals.recordCount, 10)
        XCTAssertEqual(outcome.result.totals.provisionalCount, 1)
        let open = try XCTUnwrap(try objects(outcome.result.path).last)
        XCTAssertEqual(open["provisional"] as? Bool, true)
        XCTAssertTrue(open["zNumber"] is NSNull)
        // Provisional bookings do not count as exported: once day 3 is closed, --new brings it.
        try fixture.closeOpenDay()
        let new = try XCTUnwrap(try export(.new, "final.jsonl"))
        XCTAssertEqual(new.result.totals.recordCount, 1)
        XCTAssertEqual(new.result.totals.provisionalCount, 0)
    }

    func testEveryFormatFromTheLedgerBalances() throws {
        for format in ExportFormat.allCases {
            let outcome = try XCTUnwrap(try export(.closedDays, "all.\(format.rawValue)", format: format))
            XCTAssertTrue(outcome.result.totals.isBalanced, "\(format)")
            XCTAssertEqual(outcome.result.totals.recordCount, 9)
        }
    }

    func testExistingOutputAndUnknownRegisterAreClearErrorsThatRecordNothing() throws {
        _ = try fixture.directory.write("alt", to: "x.jsonl")
        XCTAssertThrowsError(try export(.closedDays, "x.jsonl")) { error in
            XCTAssertTrue("\(error)".hasPrefix("Die Datei "), "\(error)")
        }
        var request = fixture.request(.jsonl, .closedDays, out: "y.jsonl", registers: ["K9"])
        XCTAssertThrowsError(try LedgerExport.run(request)) { error in
            XCTAssertEqual("\(error)", "Für die Kasse »K9« gibt es kein Kassenbuch in \(self.fixture.data) (vorhanden: K1).")
        }
        request.registers = []
        request.dataDirectory = fixture.data + "/leer"
        XCTAssertThrowsError(try LedgerExport.run(request))
        XCTAssertEqual(try fixture.reopen().exportRuns(), [])
    }

    func testDATEVFromTheLedgerUsesKassenzeichenAndSpansTheDays() throws {
        let outcome = try XCTUnwrap(try export(.closedDays, "all.datev.csv", format: .datev))
        let text = try XCTUnwrap(String(data: try Data(contentsOf: URL(fileURLWithPath: outcome.result.path)), encoding: .windowsCP1252))
        let lines = text.components(separatedBy: "\r\n")
        XCTAssertTrue(lines[0].contains(";20261126;20261127;\"Kasse K1 26.11.2026-27.11.2026\";"), lines[0])
        XCTAssertTrue(lines[2].hasPrefix("46,00;\"S\";;;;;181000;431100;;2611;\"5%2E2026%2E000123\";;;\"Personalausweis\";"), lines[2])
    }
}
