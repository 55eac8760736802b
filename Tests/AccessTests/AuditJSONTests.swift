import Foundation
import XCTest

@testable import Access

/// The audit JSON writer produces the bytes Foundation's JSONSerialization writes (sorted keys,
/// slashes unescaped) for audit fields — keys are snake_case identifiers, values any text — so
/// details stored before and after read alike.
final class AuditJSONTests: XCTestCase {
    func testEveryControlCharacterQuoteBackslashSlashAndNonASCIIAsJSONSerializationWritesThem() throws {
        var text = ""
        for value in 0..<0x80 { text.unicodeScalars.append(UnicodeScalar(UInt8(value))) }
        text += "äöüß€😀\u{2028}\u{FEFF}"
        try assertSameAsFoundation(["text": text, "pin_hash": "\"/\\", "pin_hash_sha256": "", "pinhash": "x"])
    }

    func testRandomFieldsAsJSONSerializationWritesThem() throws {
        var random = SystemRandomNumberGenerator()
        let keyAlphabet = Array("abcxyz_")
        let alphabet = Array("aZ09 \"\\/\n\t\u{01}\u{1F}ä€😀,:{}[]")
        for _ in 0..<200 {
            var fields: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                let key = String((0..<Int.random(in: 1...5, using: &random)).map { _ in keyAlphabet.randomElement(using: &random)! })
                fields[key] = String((0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            }
            try assertSameAsFoundation(fields)
        }
    }

    func testStoredDetailReadsBack() throws {
        let event = AuditEvent(.stornoBooked, actor: "op-1", fields: ["reason": "Tippfehler \"PA\"\n2/3"], at: Date(timeIntervalSince1970: 1_800_000_000))
        let read = try AuditEvent(type: event.type.rawValue, actor: "op-1", detailJSON: event.detailJSON, at: event.at)
        XCTAssertEqual(read, event)
    }

    private func assertSameAsFoundation(_ fields: [String: String], file: StaticString = #filePath, line: UInt = #line) throws {
        let foundation = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])
        XCTAssertEqual(AuditJSON.object(fields), String(decoding: foundation, as: UTF8.self), file: file, line: line)
    }
}
