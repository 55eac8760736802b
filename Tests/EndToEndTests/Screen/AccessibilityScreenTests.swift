import Foundation
import XCTest

/// Accessibility of the real binary under tmux (docs/ui.md, "Accessibility"; BITV 2.0 / EN 301 549
/// 4.2.1–4.2.3): the hardware cursor on the focused item after every key, no colour with
/// `NO_COLOR=1` and the selection still visible as text, the high-contrast theme drawn in its colours.
final class AccessibilityScreenTests: XCTestCase {
    var data: URL!
    var sessions: [TmuxSession] = []

    override func setUpWithError() throws {
        data = FileManager.default.temporaryDirectory.appendingPathComponent("webkasse-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    }

    override func tearDown() {
        for session in sessions { session.close() }
        sessions.removeAll()
        try? FileManager.default.removeItem(at: data)
    }

    func start(_ environment: [String: String]) throws -> TmuxSession {
        let session = try TmuxSession(
            command: [try Binaries.path("webkasse"), "run", "--data", data.path, "--demo"], environment: environment.merging(["TZ": "UTC"]) { $1 })
        sessions.append(session)
        return session
    }

    /// Sends `key` (a tmux key name, or text with `typing`), waits for `text` when given, then for the
    /// cursor at (`x`, `y`).
    func step(
        _ session: TmuxSession, _ key: String, typing: Bool = false, until text: String? = nil, cursor x: Int, _ y: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        if typing { try session.type(key) } else { try session.press(key) }
        if let text { try session.waitFor(text, file: file, line: line) }
        try session.waitForCursor(x: x, y: y, file: file, line: line)
    }

    /// Sends `key`, then waits for the cursor right after `typed` in the field after `label`.
    func field(
        _ session: TmuxSession, _ key: String, typing: Bool = false, label: String, typed: String, file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        if typing { try session.type(key) } else { try session.press(key) }
        let shown = label + typed + "_"
        let screen = try session.waitFor(shown, file: file, line: line)
        let rows = screen.components(separatedBy: "\n")
        guard let y = rows.firstIndex(where: { $0.contains(shown) }), let range = rows[y].range(of: shown) else { return }
        let x = rows[y].distance(from: rows[y].startIndex, to: range.lowerBound) + label.count + typed.count
        try session.waitForCursor(x: x, y: y, file: file, line: line)
    }

    /// The SGR parameters (`ESC [ … m`) of a `capture-pane -e` capture.
    static func sgrParameters(_ capture: String) -> [[Int]] {
        var result: [[Int]] = []
        var rest = Substring(capture)
        while let start = rest.range(of: "\u{1B}[") {
            rest = rest[start.upperBound...]
            guard let end = rest.firstIndex(where: { !($0.isNumber || $0 == ";") }) else { break }
            if rest[end] == "m" { result.append(rest[..<end].split(separator: ";").compactMap { Int($0) }) }
            rest = rest[end...]
        }
        return result
    }

    /// Whether any SGR sets a colour: 30–38 and 90–97 foreground, 40–48 and 100–107 background
    /// (38/48 extended). 39 and 49 only restore the terminal's own colours (tmux writes them anyway).
    static func setsColour(_ parameters: [[Int]]) -> Bool {
        parameters.contains { $0.contains { (30...38).contains($0) || (40...48).contains($0) || (90...97).contains($0) || (100...107).contains($0) } }
    }

    func testCursorFollowsTheFocusAfterEveryKeyWithoutColour() throws {
        let session = try start(["NO_COLOR": "1"])
        try session.waitFor("Anmeldung")
        try session.waitForCursor(x: 31, y: 11)  // Kennung
        for (index, letter) in "demo".enumerated() { try step(session, String(letter), typing: true, cursor: 32 + index, 11) }
        try step(session, "Enter", cursor: 31, 12)  // PIN
        for (index, digit) in "1234".enumerated() { try step(session, String(digit), typing: true, cursor: 32 + index, 12) }
        try step(session, "Enter", until: "Schicht öffnen", cursor: 14, 4)  // Summe
        try step(session, "Tab", cursor: 14, 7)  // first denomination
        try step(session, "BTab", cursor: 14, 4)
        for (index, digit) in "100".enumerated() { try step(session, String(digit), typing: true, cursor: 15 + index, 4) }
        try step(session, "Enter", until: "Suche (Code oder Begriff)", cursor: 28, 1)  // search field
        try step(session, "f", typing: true, cursor: 29, 1)
        try step(session, "z", typing: true, until: "Führungszeugnis", cursor: 30, 1)
        try step(session, "Enter", until: "Warenkorb (1 Posten)", cursor: 28, 1)
        try step(session, "Tab", cursor: 1, 10)  // the basket line
        try step(session, "Tab", cursor: 28, 1)
        // The menu: on the selected entry, which is also marked as text.
        try step(session, "F9", until: "▶ 1  Beleg stornieren", cursor: 15, 5)
        try step(session, "Down", until: "▶ 2  Beleg nachdrucken", cursor: 15, 6)
        try step(session, "Down", until: "▶ 3  Bargeld einlegen", cursor: 15, 7)
        let menu = try session.captureWithEscapes()
        XCTAssertFalse(Self.setsColour(Self.sgrParameters(menu)), "NO_COLOR=1: no colour in\n\(menu.debugDescription)")
        XCTAssertFalse(Self.sgrParameters(menu).isEmpty, "the selection and the bars still use attributes (reverse, bold)")
        try step(session, "Escape", cursor: 28, 1)
        try step(session, "F1", until: "Ohne F-Tasten", cursor: 1, 3)  // help: its first entry
        try step(session, "Escape", cursor: 28, 1)
        // The amount field: right after what is typed (the dialog grows with the change line).
        try field(session, "F5", label: "Gegeben: ", typed: "")
        try field(session, "2", typing: true, label: "Gegeben: ", typed: "2")
        try field(session, "0", typing: true, label: "Gegeben: ", typed: "20")
        try field(session, "BSpace", label: "Gegeben: ", typed: "2")
        try step(session, "Escape", cursor: 28, 1)
        try step(session, "Escape", until: "verwerfen?", cursor: 22, 12)  // the answer line (j/n)
        try step(session, "n", typing: true, cursor: 28, 1)
        try field(session, "F5", label: "Gegeben: ", typed: "")
        try field(session, "13", typing: true, label: "Gegeben: ", typed: "13")
        try step(session, "Enter", until: "Enter Weiter", cursor: 47, 2)  // the receipt preview
        try step(session, "Enter", until: "Nächster Kunde", cursor: 28, 1)
        try step(session, "F9", until: "Menü", cursor: 15, 5)
        try step(session, "2", typing: true, until: "Nachdruck: Beleg wählen", cursor: 1, 4)  // the selected receipt
        try step(session, "Escape", cursor: 28, 1)
        try step(session, "F9", until: "Menü", cursor: 15, 5)
        try step(session, "5", typing: true, until: "Zwischenbericht", cursor: 4, 2)  // the report's first line
        try step(session, "Escape", cursor: 28, 1)
    }

    func testHighContrastThemeIsDrawnInItsColoursWithTheCursorOnTheSelection() throws {
        // An empty NO_COLOR counts as unset (no-color.org); the test runner's own environment may carry one.
        let session = try start(["WEBKASSE_THEME": "kontrast", "NO_COLOR": ""])
        try session.waitFor("Anmeldung")
        try session.type("demo")
        try session.press("Enter")
        try session.type("1234")
        try session.press("Enter")
        try session.waitFor("Schicht öffnen")
        try session.type("100")
        try session.press("Enter")
        try session.waitFor("Suche (Code oder Begriff)")
        try step(session, "F9", until: "▶ 1  Beleg stornieren", cursor: 15, 5)
        try step(session, "Down", until: "▶ 2  Beleg nachdrucken", cursor: 15, 6)
        let parameters = Self.sgrParameters(try session.captureWithEscapes())
        XCTAssertTrue(Self.setsColour(parameters), "the theme draws in colour")
        // The selected entry: black on yellow, bold (Theme.highContrast); no other colours than
        // black, red, yellow and white anywhere.
        XCTAssertTrue(parameters.contains { $0.contains(43) }, "yellow background: \(parameters)")
        let colours = Set(parameters.flatMap { $0 }.filter { (30...37).contains($0) || (40...47).contains($0) })
        XCTAssertTrue(colours.isSubset(of: [30, 31, 33, 37, 40, 41, 43, 47]), "only black, red, yellow, white: \(colours.sorted())")
    }
}

extension TmuxSession {
    /// The visible screen with its escape sequences (`capture-pane -e`).
    func captureWithEscapes() throws -> String {
        try spawnAndWait(TmuxSession.tmuxPath!, ["-L", socket, "capture-pane", "-e", "-p", "-t", name]).output
    }
}
