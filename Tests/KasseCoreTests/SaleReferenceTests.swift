import KasseCore
import XCTest

final class SaleReferenceTests: XCTestCase {
    func testReferenceIsTrimmedEmptyIsNoneAndDATEVCharactersPass() throws {
        let rule = SaleReferenceRule()
        XCTAssertNil(try rule.check("   "))
        XCTAssertEqual(try rule.check(" KZ-2026/0815 "), "KZ-2026/0815")
        let longest = String(repeating: "7", count: 36)
        XCTAssertEqual(try rule.check(longest), longest, "36 characters fit DATEV Belegfeld 1 whole")
    }

    func testCharactersDATEVCannotCarryAndTooLongAreRefusedNamingWhy() {
        let rule = SaleReferenceRule()
        XCTAssertThrowsError(try rule.check("5.2026.000123")) { error in
            XCTAssertEqual(
                "\(error)", "Das Kassenzeichen »5.2026.000123« enthält ».«: erlaubt sind A–Z, a–z, 0–9 und $ & * + - / (DATEV Belegfeld 1).")
        }
        XCTAssertThrowsError(try rule.check("KZ Ä1")) { XCTAssertEqual($0 as? SaleReferenceError, .character("KZ Ä1", " ")) }
        XCTAssertThrowsError(try rule.check(String(repeating: "1", count: 37))) { error in
            XCTAssertEqual("\(error)", "Das Kassenzeichen hat 37 Zeichen; erlaubt sind höchstens 36 (DATEV Belegfeld 1).")
        }
    }

    func testThePatternMustMatchTheWholeReference() throws {
        let rule = SaleReferenceRule(pattern: "KZ-[0-9]{4}-[0-9]{6}", example: "KZ-2026-000123")
        XCTAssertEqual(try rule.check("KZ-2026-000123"), "KZ-2026-000123")
        XCTAssertThrowsError(try rule.check("XKZ-2026-000123")) { error in
            XCTAssertEqual("\(error)", "Das Kassenzeichen »XKZ-2026-000123« entspricht nicht der Form KZ-2026-000123 (register.reference_pattern).")
        }
        XCTAssertThrowsError(try rule.check("KZ-2026-0001234"), "a longer text is not a whole match")
        XCTAssertThrowsError(try SaleReferenceRule(pattern: "[0-9]{3}").check("12")) { error in
            XCTAssertEqual("\(error)", "Das Kassenzeichen »12« entspricht nicht dem Muster [0-9]{3} (register.reference_pattern).")
        }
    }

    func testOnlyAPatternLetsTheSearchFieldTakeAScannedReference() {
        XCTAssertFalse(SaleReferenceRule().recognises("KZ-2026-000123"), "without a pattern a search text is never a reference")
        let rule = SaleReferenceRule(pattern: "KZ-[0-9]{4}-[0-9]{6}")
        XCTAssertTrue(rule.recognises("KZ-2026-000123"))
        XCTAssertFalse(rule.recognises("pa"))
        XCTAssertFalse(rule.recognises(""))
    }

    func testConfigurationReadsAndChecksThePattern() throws {
        var configuration = Configuration()
        try configuration.apply(text: "[register]\nreference_pattern = KZ-[0-9]{4}\nreference_example = KZ-2026\n", file: "k.conf")
        XCTAssertEqual(configuration.referencePattern, "KZ-[0-9]{4}")
        XCTAssertEqual(SaleReferenceRule(configuration: configuration), SaleReferenceRule(pattern: "KZ-[0-9]{4}", example: "KZ-2026"))
        XCTAssertThrowsError(try configuration.apply(text: "[register]\nreference_pattern = KZ-[0-9\n", file: "k.conf")) { error in
            XCTAssertEqual("\(error)", "k.conf:2: register.reference_pattern: »KZ-[0-9« ist kein gültiger regulärer Ausdruck.")
        }
    }
}
