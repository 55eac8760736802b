import TestSupport
import XCTest
import ZVT

@testable import ZVTSimulator

final class JournalTests: XCTestCase {
    func testNumbersContinueAcrossRestarts() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent("journal.jsonl").path

        var simulator = try makeSimulator(journalPath: path)
        var register = try TestRegister(simulator)
        let first = register.pay(1_00).statusInformation.first
        _ = register.pay(2_13)  // declined: a trace, no receipt
        register.close()
        simulator.stop()

        simulator = try makeSimulator(journalPath: path)
        register = try TestRegister(simulator)
        let second = register.pay(3_00).statusInformation.first
        register.close()
        simulator.stop()

        XCTAssertEqual(first?.fields.receiptNumber, 1)
        XCTAssertEqual(first?.fields.trace, 1)
        XCTAssertEqual(second?.fields.receiptNumber, 2)
        XCTAssertEqual(second?.fields.trace, 3)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[2].contains("\"receipt\":2"))
        XCTAssertFalse(lines.joined().contains(where: { $0 == "\u{0}" }))
    }

    func testBrokenJournalLineIsNamed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("{\"nonsense\":1}\n", to: "journal.jsonl")
        XCTAssertThrowsError(try Journal(path: path)) { error in
            XCTAssertEqual(
                String(describing: error), "Journal \(path), Zeile 1: Die Zeile ist kein gültiger Journaleintrag; Datei bitte prüfen oder beiseitelegen.")
        }
    }

    func testNumbersWrap() throws {
        let journal = try Journal(path: nil)
        var entry = JournalEntry(
            number: 0, time: "2026-01-01T00:00:00Z", kind: .payment, status: .booked, trace: 999_999, receipt: 9_999,
            amountCents: 1, resultCode: "00", scenario: "approve", connection: 1)
        entry.card = nil
        journal.append(entry)
        XCTAssertEqual(journal.takeTrace(), 1)
        XCTAssertEqual(journal.takeReceipt(), 1)
    }

    func testCardDataIsDeterministicAndMasked() {
        let a = CardGenerator(seed: 7)
        let b = CardGenerator(seed: 7)
        let c = CardGenerator(seed: 8)
        XCTAssertEqual(a.card(forTrace: 5), b.card(forTrace: 5))
        XCTAssertNotEqual((1...20).map { a.card(forTrace: $0) }, (1...20).map { c.card(forTrace: $0) })
        for trace in 1...200 {
            let card = a.card(forTrace: trace)
            let digits = card.maskedPAN.filter(\.isNumber)
            XCTAssertEqual(digits.count, 10, "only first six and last four digits: \(card.maskedPAN)")
            XCTAssertEqual(card.expiry.count, 4)
        }
        XCTAssertGreaterThan(Set((1...200).map { a.card(forTrace: $0).cardType }).count, 2)
    }

    func testScenarioParsing() throws {
        XCTAssertEqual(try Scenario(parsing: "decline-05+split-bytes"), Scenario(.decline05, faults: [.splitBytes]))
        XCTAssertEqual(try Scenario(parsing: "drop-after-status"), Scenario(.approve, faults: [.dropAfterStatus]))
        XCTAssertEqual(try Scenario(parsing: "no-completion-after-error").outcome, .decline05)
        XCTAssertThrowsError(try Scenario(parsing: "approve+decline-05"))
        XCTAssertThrowsError(try Scenario(parsing: "flaky")) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("Unbekanntes Ergebnis oder unbekannter Fehler »flaky«"))
        }
        XCTAssertEqual(AmountRules.scenario(forAmountCents: 12_13).outcome, .decline05)
        XCTAssertEqual(AmountRules.scenario(forAmountCents: 12_34), Scenario())
        // Every outcome and fault except the connection-level banner is reachable by amount.
        let reachable = Set(AmountRules.table.map(\.scenario.outcome)).union([.approve])
        XCTAssertEqual(reachable, Set(Outcome.allCases))
        let faults = Set(AmountRules.table.flatMap(\.scenario.faults))
        XCTAssertEqual(faults.union([.banner]), Set(Fault.allCases))
    }
}
