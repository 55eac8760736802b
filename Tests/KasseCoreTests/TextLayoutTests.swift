import XCTest

@testable import KasseCore

final class TextLayoutTests: XCTestCase {
    /// The scalar count stands for the character count only where they agree; elsewhere it falls back.
    func testCharacterCountIsTheStringsCharacterCount() {
        let texts = [
            "", "Summe", "  Scheck 9221", "1.234,56 €", "Führungszeugnis (Belegart O)", "Gebühr…", "Ærø ñ ß",
            "e\u{301}tude", "a\r\nb", "🇩🇪 Bürgeramt", "👩‍💻", "Straße\u{308}", "ʰʲ", "\u{2028}x",
        ]
        for text in texts { XCTAssertEqual(TextLayout.characterCount(text), text.count, text.debugDescription) }
    }

    /// Two columns fill the width exactly and shorten only the left one, by characters.
    func testColumnsPadAndShortenByCharacters() {
        XCTAssertEqual(TextLayout.columns("Summe", "1.234,56 €", width: 20), "Summe     1.234,56 €")
        XCTAssertEqual(TextLayout.columns("Führungszeugnis", "13,00 €", width: 20), "Führungszeu… 13,00 €")
        XCTAssertEqual(TextLayout.columns("e\u{301}e\u{301}", "1 €", width: 8).count, 8)
        XCTAssertEqual(TextLayout.columns("Überlange Zeile ohne Betrag", "", width: 10), "Überlange…")
        XCTAssertEqual(TextLayout.pair("Gebühr", "5,00 €", width: 14), "Gebühr  5,00 €")
    }
}
