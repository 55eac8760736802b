import XCTest

@testable import CounterUI

/// With `[central]` the operators come from the centre (docs/central.md, "Bediener aus der
/// Zentrale"): the counter screen's first-start setup is refused with the sentence `webkasse run` sets.
extension LiveBackendTests {
    func testTheFirstSetupIsRefusedWhenTheOperatorsComeFromTheCentre() throws {
        backend.firstSetupRefusal = "Die Bediener kommen von der Zentrale."
        XCTAssertThrowsError(try backend.setUpFirstOperator(login: "neu", name: "Neu", pin: "1357", pinRepeated: "1357")) {
            XCTAssertEqual("\($0)", "Die Bediener kommen von der Zentrale.")
        }
        XCTAssertNil(try access.account(login: "neu"))
    }
}
