import Foundation
import SystemCalls
import TestSupport
import XCTest

final class FileSecurityTests: XCTestCase {
    func testAnUnknownGroupIsNamed() {
        XCTAssertThrowsError(try FileSecurity.configure(group: "keine-solche-gruppe")) {
            XCTAssertEqual("\($0)", "register.file_group: Die Gruppe »keine-solche-gruppe« gibt es auf diesem System nicht.")
        }
        XCTAssertNoThrow(try FileSecurity.configure(group: ""))
        XCTAssertEqual(FileSecurity.mode(directory: false), 0o600)
    }
}
