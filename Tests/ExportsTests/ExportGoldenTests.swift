import Exports
import Foundation
import XCTest

/// The exact bytes of each format for the fixed day (Tests/ExportsTests/Golden).
final class ExportGoldenTests: XCTestCase {
    func testDATEVGolden() throws { try assertGolden(render(.datev), "fixture-day.datev.csv") }
    func testMunicipalCSVGolden() throws { try assertGolden(render(.csv), "fixture-day.csv") }
    func testJournalGolden() throws { try assertGolden(render(.journal), "fixture-day.journal") }
    func testJSONLinesGolden() throws { try assertGolden(render(.jsonl), "fixture-day.jsonl") }

    /// A taxable sale: net and VAT postings per rate in every format; DATEV with a BU-Schlüssel
    /// configured for 7 % only (docs/exports.md, "Umsatzsteuer").
    func testTaxableSaleGoldens() throws {
        var context = FixtureDay.context
        context.settings.datevTaxKeys = [.reduced1: "40"]
        for (format, name) in [(ExportFormat.datev, "datev.csv"), (.csv, "csv"), (.journal, "journal"), (.jsonl, "jsonl")] {
            try assertGolden(render(format, FixtureDay.taxableLines, context: context), "fixture-taxable." + name)
        }
    }

    func testProvisionalDayIsMarkedInEveryFormat() throws {
        var context = FixtureDay.context
        context.includesProvisional = true
        let open = [
            FixtureDay.line(
                1, .sale, receipt: "K1-000010", sale: "S-0010", line: 1, share: 1, item: "MB", text: "Meldebescheinigung",
                account: "4311", cents: 900, method: .cash, zNumber: nil)
        ]
        let datev = String(decoding: try render(.datev, open, context: context), as: UTF8.self)
        XCTAssertTrue(datev.contains("\"VORL"), "DATEV header Bezeichnung starts with VORLÄUFIG")
        XCTAssertTrue(String(decoding: try render(.csv, open, context: context), as: UTF8.self).contains(";vorläufig;"))
        XCTAssertTrue(String(decoding: try render(.journal, open, context: context), as: UTF8.self).contains("2026-11-26 ! (K1-000010)"))
        XCTAssertTrue(String(decoding: try render(.jsonl, open, context: context), as: UTF8.self).contains("\"zNumber\":null,\"provisional\":true"))
    }
}
