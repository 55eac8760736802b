import Exports
import Foundation
import TestSupport
import XCTest

/// Writes `lines` in `format` into memory.
func render(_ format: ExportFormat, _ lines: [BookingLine] = FixtureDay.lines, context: ExportContext = FixtureDay.context) throws -> [UInt8] {
    let output = MemoryOutput()
    _ = try Exporter.write(lines, format: format, context: context, to: output)
    return output.bytes
}

/// Compares `bytes` with `Tests/ExportsTests/Golden/<name>`; `WEBKASSE_RECORD_GOLDEN=1` re-records (and fails, so
/// that a recording run is never mistaken for a passing one).
func assertGolden(_ bytes: [UInt8], _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let url = packageRoot.appendingPathComponent("Tests/ExportsTests/Golden").appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["WEBKASSE_RECORD_GOLDEN"] != nil {
        try Data(bytes).write(to: url)
        XCTFail("recorded \(name); run again without WEBKASSE_RECORD_GOLDEN", file: file, line: line)
        return
    }
    let expected = try [UInt8](Data(contentsOf: url))
    if bytes != expected {
        let firstDifference = zip(bytes, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(bytes.count, expected.count)
        XCTFail(
            "\(name) differs from the golden file at byte \(firstDifference) (\(bytes.count) vs \(expected.count) bytes); "
                + "re-record with WEBKASSE_RECORD_GOLDEN=1 if the change is intended", file: file, line: line)
    }
}

/// Splits one `;`-separated record, honouring double quotes (`""` inside quotes is a quote).
func splitRecord(_ line: String) -> [String] {
    var fields: [String] = []
    var current = ""
    var inQuotes = false
    var characters = Array(line)[...]
    while let c = characters.popFirst() {
        if inQuotes {
            if c == "\"" {
                if characters.first == "\"" {
                    current.append("\"")
                    characters.removeFirst()
                } else {
                    inQuotes = false
                }
            } else {
                current.append(c)
            }
        } else if c == "\"" {
            inQuotes = true
        } else if c == ";" {
            fields.append(current)
            current = ""
        } else {
            current.append(c)
        }
    }
    fields.append(current)
    return fields
}

/// `46,00` / `-0,55` → cents.
func cents(decimalComma text: String) -> Int64? {
    let normal = text.replacingOccurrences(of: ",", with: ".")
    let negative = normal.hasPrefix("-")
    let digits = negative ? String(normal.dropFirst()) : normal
    let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 2, parts[1].count == 2, let euros = Int64(parts[0]), let c = Int64(parts[1]) else { return nil }
    return (negative ? -1 : 1) * (euros * 100 + c)
}
