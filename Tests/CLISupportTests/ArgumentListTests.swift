import CLISupport
import XCTest

final class ArgumentListTests: XCTestCase {
    func testValuesFlagsAndPositionals() throws {
        let args = try ArgumentList(
            ["check", "--data", "/tmp/x", "--json", "--amount=12,34", "Tariffs/"],
            valueOptions: ["data", "amount"], flagOptions: ["json"])
        XCTAssertEqual(args.positionals, ["check", "Tariffs/"])
        XCTAssertEqual(args.value("data"), "/tmp/x")
        XCTAssertEqual(args.value("amount"), "12,34")
        XCTAssertTrue(args.flag("json"))
        XCTAssertFalse(args.flag("verbose"))
    }

    func testUnknownOptionNamesTheWordAndTheKnownOnes() {
        XCTAssertThrowsError(try ArgumentList(["--dta", "x"], valueOptions: ["data"])) { error in
            XCTAssertEqual(error as? UsageError, .unknownOption("--dta", known: ["data"]))
            XCTAssertEqual("\(error)", "Unbekannte Option »--dta«. Erlaubt sind: --data.")
        }
    }

    func testMissingValueAndIntegerRange() throws {
        XCTAssertThrowsError(try ArgumentList(["--data"], valueOptions: ["data"])) { error in
            XCTAssertEqual(error as? UsageError, .missingValue(option: "data"))
        }
        let args = try ArgumentList(["--sales", "abc"], valueOptions: ["sales"])
        XCTAssertThrowsError(try args.integer("sales", in: 1...10))
        XCTAssertThrowsError(try args.required("seed")) { error in
            XCTAssertEqual(error as? UsageError, .missingOption("seed"))
        }
    }

    func testDoubleDashEndsOptions() throws {
        let args = try ArgumentList(["--", "--json"], flagOptions: ["json"])
        XCTAssertEqual(args.positionals, ["--json"])
        XCTAssertFalse(args.flag("json"))
    }
}
