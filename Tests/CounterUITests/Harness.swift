import Foundation
import XCTest

@testable import CounterUI

/// Drives the screens with keys, as the terminal would, and renders them into a grid.
final class UIHarness {
    let backend = FakeCounterBackend()
    let stack: ScreenStack
    let flow: CounterFlow
    /// Keys sent so far (the keystroke count of a flow).
    private(set) var keyCount = 0

    init(loggedIn: Bool = true) {
        stack = ScreenStack(status: backend.status, now: { Date(timeIntervalSince1970: 1_780_000_000) })
        stack.timeZone = TimeZone(identifier: "Europe/Berlin")!
        flow = CounterFlow(backend: backend)
        flow.start(stack: stack)
        if loggedIn {
            backend.needsShiftOpening = false
            _ = try? backend.logIn(operatorID: "1", pin: "1234")
            flow.loggedIn(as: "Erika Muster", stack: stack)
        }
    }

    func press(_ keys: Key...) { press(keys) }
    func press(_ keys: [Key]) {
        for key in keys {
            keyCount += 1
            stack.handle(key)
        }
    }
    func type(_ text: String) { press(Key.typing(text)) }
    func resetKeyCount() { keyCount = 0 }

    func render(width: Int = 80, height: Int = 24) -> ScreenGrid {
        var grid = ScreenGrid(width: width, height: height)
        stack.render(into: &grid)
        return grid
    }

    var screenText: String { render().text }
}

/// Compares a rendered screen (text plus cursor position) with `Golden/<name>.txt`.
/// `WEBKASSE_RECORD_GOLDEN=1 swift test --filter CounterUITests` writes the files anew.
func assertGolden(_ grid: ScreenGrid, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
    let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    let url = goldenDirectory.appendingPathComponent(name + ".txt")
    let cursor = grid.cursor.map { "Zeile \($0.row), Spalte \($0.column)" } ?? "verborgen"
    let actual = grid.text + "\n--- \(grid.width)×\(grid.height), Cursor: \(cursor)\n"
    if ProcessInfo.processInfo.environment["WEBKASSE_RECORD_GOLDEN"] == "1" {
        try? FileManager.default.createDirectory(at: goldenDirectory, withIntermediateDirectories: true)
        try! Data(actual.utf8).write(to: url)
        return
    }
    guard let data = try? Data(contentsOf: url), let expected = String(data: data, encoding: .utf8) else {
        XCTFail("Golden screen \(name).txt is missing; record it with WEBKASSE_RECORD_GOLDEN=1.\nActual:\n\(actual)", file: file, line: line)
        return
    }
    if expected != actual {
        let expectedLines = expected.components(separatedBy: "\n")
        let actualLines = actual.components(separatedBy: "\n")
        var diff = ""
        for i in 0..<max(expectedLines.count, actualLines.count) {
            let e = i < expectedLines.count ? expectedLines[i] : "<none>"
            let a = i < actualLines.count ? actualLines[i] : "<none>"
            if e != a { diff += "line \(i + 1):\n  expected: \(e)\n  actual:   \(a)\n" }
        }
        XCTFail(
            "Screen differs from golden \(name).txt (re-record with WEBKASSE_RECORD_GOLDEN=1 if intended):\n\(diff)\nActual:\n\(actual)", file: file, line: line
        )
    }
}
