import Fiscal
import XCTest

final class TSEKindTests: XCTestCase {
    func testTheConfigurationNamesOfTheTSEKinds() {
        XCTAssertEqual(TSEKind(rawValue: "software"), .software)
        XCTAssertEqual(TSEKind(rawValue: "fiskaly"), .fiskaly)
        XCTAssertEqual(TSEKind(rawValue: "none"), TSEKind.none)
        XCTAssertNil(TSEKind(rawValue: "Software"))
    }

    func testTheFailureTextNamesTheCause() {
        XCTAssertEqual(TSEError.unreachable("Zeitüberschreitung").message, "TSE nicht erreichbar: Zeitüberschreitung")
    }
}
