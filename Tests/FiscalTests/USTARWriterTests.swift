import Fiscal
import XCTest

final class USTARWriterTests: XCTestCase {
    func testHeaderFieldsChecksumAndPadding() throws {
        var tar = USTARWriter()
        try tar.addFile(name: "info.csv", contents: Array("abc".utf8), modificationTime: 1_796_000_000)
        let bytes = tar.finished()
        XCTAssertEqual(bytes.count, 512 + 512 + 1024)
        let header = Array(bytes.prefix(512))
        XCTAssertEqual(String(decoding: header[124..<135], as: UTF8.self), "00000000003")
        XCTAssertEqual(String(decoding: header[257..<263], as: UTF8.self), "ustar\0")
        XCTAssertEqual(String(decoding: header[263..<265], as: UTF8.self), "00")
        var blank = header
        for index in 148..<156 { blank[index] = 0x20 }
        let sum = blank.reduce(0) { $0 + Int($1) }
        XCTAssertEqual(Int(String(decoding: header[148..<154], as: UTF8.self), radix: 8), sum)
        XCTAssertEqual(Array(bytes[512..<515]), Array("abc".utf8))
        XCTAssertTrue(bytes[515...].allSatisfy { $0 == 0 })
        XCTAssertThrowsError(try tar.addFile(name: String(repeating: "a", count: 101), contents: [], modificationTime: 0))
    }
}
