import Foundation
import KasseCore
import TestSupport
import XCTest
import ZVTSimulator

@testable import Counter

/// The `[terminal]` examples of docs/zvt.md, "Terminal settings", read with the real config parser
/// and each used for a card payment against zvt-sim with its vendor profile.
final class TerminalSettingsDocTests: XCTestCase {
    struct Example {
        let line: Int
        let text: String
    }

    /// The ```ini blocks of the section, each padded with empty lines so that the parser's line
    /// numbers are those of docs/zvt.md.
    static func examples() throws -> [Example] {
        let lines = try String(contentsOf: packageRoot.appendingPathComponent("docs/zvt.md"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try XCTUnwrap(lines.firstIndex(of: "## Terminal settings"))
        let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("## ") } ?? lines.count
        var examples: [Example] = []
        var open: Int?
        for index in start..<end {
            if lines[index] == "```ini" {
                open = index + 1
            } else if lines[index] == "```", let first = open {
                examples.append(Example(line: first + 1, text: String(repeating: "\n", count: first) + lines[first..<index].joined(separator: "\n")))
                open = nil
            }
        }
        return examples
    }

    func testEveryVendorProfileHasAnExampleThatParses() throws {
        let examples = try Self.examples()
        var profiles: [TerminalSettings.Profile] = []
        for example in examples {
            var configuration = Configuration()
            XCTAssertNoThrow(try configuration.apply(text: example.text, file: "docs/zvt.md"), "docs/zvt.md:\(example.line)")
            XCTAssertFalse(configuration.terminalAddress.isEmpty, "docs/zvt.md:\(example.line): an address")
            profiles.append(configuration.terminal.profile)
        }
        XCTAssertEqual(profiles, TerminalSettings.Profile.allCases, "one example per profile, in the profiles' order")

        // The parser's line numbers point into docs/zvt.md.
        var configuration = Configuration()
        let broken = examples[0].text.replacingOccurrences(of: "charset = cp437", with: "charset = cp850")
        XCTAssertThrowsError(try configuration.apply(text: broken, file: "docs/zvt.md")) { error in
            XCTAssertTrue("\(error)".hasPrefix("docs/zvt.md:\(examples[0].line + 4): terminal.charset: »cp850«"), "\(error)")
        }
    }

    /// Each example pays through the counter service against zvt-sim with the same vendor profile,
    /// also when the terminal refuses the TLV registration: booked once, journal and ledger agree,
    /// the receipt's umlauts right.
    func testEveryExamplePaysOnceAgainstTheSimulatorWithItsProfile() throws {
        for example in try Self.examples() {
            var configuration = Configuration()
            try configuration.apply(text: example.text, file: "docs/zvt.md")
            let settings = configuration.terminal
            let profile = VendorProfile(rawValue: settings.profile.rawValue) ?? .standard
            for refusal in [TLVRegistrationRefusal.off, .on] {
                let label = "docs/zvt.md:\(example.line) (\(settings.profile.rawValue)), refuse-tlv-registration \(refusal)"
                let bench = try SettingsBench(profile: profile, refuseTLV: refusal)
                let terminal = try bench.terminal(settings)
                try bench.fixture.useTerminal(terminal)
                let sale = try bench.fixture.sell(.card, lines: [SettingsBench.line(cents: 4_600)]).sale
                XCTAssertEqual(sale.payments.map(\.amount), [Money(cents: 4_600)], label)
                XCTAssertEqual(bench.booked.count, 1, label)
                XCTAssertEqual(terminal.driver.refusedRegistrationTLV, refusal == .on, label)
                let receipt = try XCTUnwrap(sale.payments.first?.card?.receiptLines, label)
                XCTAssertTrue(receipt.contains { $0.contains("gültig bis") }, "\(label): \(receipt)")
                try bench.assertJournalAgreesWithLedger()
            }
        }
    }
}
