import XCTest

@testable import CounterUI

/// The themes as the terminal draws them (``Theme/look(_:)``, used by ``CursesTerminal``):
/// monochrome without any colour (NO_COLOR), high contrast readable (EN 301 549 4.2.2, WCAG 1.4.3).
final class ThemeTests: XCTestCase {
    /// Styles whose cells must stand out from plain text on their own (besides the `▶` marker).
    let marked: [CellStyle] = [.status, .barKey, .selected, .focusedField, .error, .notice]

    func testMonochromeUsesNoColourAndStillMarksWhatMatters() {
        for style in CellStyle.allCases { XCTAssertFalse(Theme.monochrome.look(style).usesColour, "\(style)") }
        for style in marked { XCTAssertNotEqual(Theme.monochrome.look(style), Theme.monochrome.look(.normal), "\(style)") }
        XCTAssertNotEqual(Theme.monochrome.look(.focusedField), Theme.monochrome.look(.field))
    }

    func testHighContrastUsesFourColoursWithAtLeast4Point5To1() {
        let allowed: Set<TerminalColour> = [.black, .white, .yellow, .red]
        for style in CellStyle.allCases {
            let look = Theme.highContrast.look(style)
            let foreground = try? XCTUnwrap(look.foreground, "\(style) sets its foreground")
            let background = try? XCTUnwrap(look.background, "\(style) sets its background (no terminal default)")
            guard let foreground, let background else { continue }
            XCTAssertTrue(allowed.contains(foreground) && allowed.contains(background), "\(style): \(foreground) on \(background)")
            XCTAssertGreaterThanOrEqual(foreground.contrast(with: background), 4.5, "\(style): \(foreground) on \(background)")
        }
        XCTAssertTrue(Theme.highContrast.look(.normal).bold, "plain text is bold in high contrast")
        for style in marked {
            XCTAssertNotEqual(Theme.highContrast.look(style).background, Theme.highContrast.look(.normal).background, "\(style) stands out")
        }
        XCTAssertNotEqual(Theme.highContrast.look(.focusedField), Theme.highContrast.look(.field))
    }

    func testContrastRatioFollowsWCAG() {
        XCTAssertEqual(TerminalColour.black.contrast(with: .black), 1, accuracy: 0.001)
        XCTAssertEqual(TerminalColour.white.contrast(with: .black), TerminalColour.black.contrast(with: .white), accuracy: 0.001)
        XCTAssertGreaterThan(TerminalColour.white.contrast(with: .black), 15)
        XCTAssertLessThan(TerminalColour.yellow.contrast(with: .white), 4.5, "yellow on white would fail")
    }
}
