import TestSupport
import XCTest

@testable import ZVT

final class APDUDecoderTests: XCTestCase {
    func testEncodesShortAndLongLengths() {
        XCTAssertEqual(APDU(0x80, 0x00).bytes, [0x80, 0x00, 0x00])
        XCTAssertEqual(APDU(0x06, 0xD3, data: [UInt8](repeating: 7, count: 254)).bytes.prefix(3), [0x06, 0xD3, 0xFE])
        XCTAssertEqual(APDU(0x06, 0xD3, data: [UInt8](repeating: 7, count: 255)).bytes.prefix(5), [0x06, 0xD3, 0xFF, 0xFF, 0x00])
        XCTAssertEqual(APDU(0x06, 0xD3, data: [UInt8](repeating: 7, count: 1121)).bytes.prefix(5), [0x06, 0xD3, 0xFF, 0x61, 0x04])
    }

    func testAcceptsLongFormForShortDataAndKeepsIt() throws {
        var buffer = hex("06 0F FF 01 00 DC")
        let apdu = try XCTUnwrap(try APDUDecoder.decode(&buffer))
        XCTAssertEqual(apdu.data, [0xDC])
        XCTAssertTrue(apdu.usesLongLength)
        XCTAssertEqual(apdu.bytes, hex("06 0F FF 01 00 DC"))
        XCTAssertTrue(buffer.isEmpty)
    }

    func testNeedsMoreBytesUntilComplete() throws {
        for prefix in ["", "06", "06 D3", "06 D3 FF", "06 D3 FF 05", "06 D3 FF 05 00", "06 D3 FF 05 00 01 02 03 04"] {
            var buffer = prefix.isEmpty ? [] : hex(prefix)
            XCTAssertNil(try APDUDecoder.decode(&buffer), prefix)
            XCTAssertEqual(buffer.count, prefix.isEmpty ? 0 : hex(prefix).count, "buffer must stay untouched")
        }
    }

    func testResynchronisesAfterGarbage() throws {
        var buffer = hex("41 42 0D 0A 80 00 00 04 FF 01 17")
        XCTAssertThrowsError(try APDUDecoder.decode(&buffer)) { error in
            XCTAssertEqual(error as? ZVTCodecError, .unexpectedBytes([0x41, 0x42, 0x0D, 0x0A]))
        }
        XCTAssertEqual(try APDUDecoder.decode(&buffer), APDU(0x80, 0x00))
        XCTAssertEqual(try APDUDecoder.decode(&buffer), APDU(0x04, 0xFF, data: [0x17]))
        XCTAssertNil(try APDUDecoder.decode(&buffer))

        var mixed = hex("FE 80 00 00 99 06 0F 00")
        var skipped: [UInt8] = []
        let apdus = APDUDecoder.decodeAll(&mixed, skipped: &skipped)
        XCTAssertEqual(apdus, [APDU(0x80, 0x00), APDU(0x06, 0x0F)])
        XCTAssertEqual(skipped, [0xFE, 0x99])
    }

    /// Every trace fed whole, byte by byte, and all concatenated (with random split points) gives the same APDUs.
    func testTracesWholeByteByByteAndConcatenated() throws {
        let names = Traces.all.filter { !Traces.missingLengthByte.contains($0) }
        XCTAssertGreaterThanOrEqual(names.count, 39)
        let expected = try names.map { try Traces.apdu($0) }
        // whole
        for (name, apdu) in zip(names, expected) {
            var buffer = try Traces.bytes(name)
            XCTAssertEqual(try APDUDecoder.decode(&buffer), apdu, name)
            XCTAssertTrue(buffer.isEmpty, name)
            XCTAssertEqual(apdu.bytes, try Traces.decodedBytes(name), "re-encoding \(name)")
        }
        // byte by byte
        for (name, apdu) in zip(names, expected) {
            var buffer: [UInt8] = []
            var got: [APDU] = []
            for byte in try Traces.bytes(name) {
                buffer.append(byte)
                if let decoded = try APDUDecoder.decode(&buffer) { got.append(decoded) }
            }
            XCTAssertEqual(got, [apdu], name)
        }
        // concatenated, read in chunks of varying size
        let stream = try names.flatMap { try Traces.bytes($0) }
        for chunk in [1, 2, 3, 7, 64, 1000, stream.count] {
            var buffer: [UInt8] = []
            var got: [APDU] = []
            var offset = 0
            while offset < stream.count {
                buffer += stream[offset..<min(offset + chunk, stream.count)]
                offset += chunk
                while let decoded = try APDUDecoder.decode(&buffer) { got.append(decoded) }
            }
            XCTAssertEqual(got, expected, "chunk \(chunk)")
            XCTAssertTrue(buffer.isEmpty)
        }
    }

    func testValinaMissingLengthByteIsRepairedOnlyInTolerantMode() throws {
        let bytes = try Traces.bytes("dce-valina/1617181236803PT.hex")
        let apdu = try APDU.decodeSingle(bytes)
        XCTAssertEqual(apdu.command, 0x040F)
        XCTAssertEqual(apdu.data.count, 73)
        let info = try StatusInformation(apdu: apdu)
        XCTAssertNil(info.fields.problem)
        XCTAssertEqual(info.resultCode, .success)
        XCTAssertEqual(info.fields.amountCents, 2600)
        XCTAssertEqual(info.fields.time, "10:59:37")
        let totals = info.totals
        XCTAssertEqual(totals.individual?.firstReceipt, 68)
        XCTAssertEqual(totals.individual?.lastReceipt, 71)
        XCTAssertEqual(totals.individual?.groups.first, .init(name: "girocard", count: 4, amountCents: 2600))
        XCTAssertEqual(totals.individual?.groups.dropFirst().map(\.count), [0, 0, 0, 0, 0, 0])
        XCTAssertThrowsError(try APDU.decodeSingle(Array(bytes.prefix(30)), tolerant: false))

        // The stream decoder applies the same repair when the message arrives in one read (the PT
        // waits for our acknowledgement before it sends more), then goes on with the next APDU.
        var stream = bytes
        XCTAssertEqual(try APDUDecoder.decode(&stream), apdu)
        XCTAssertTrue(stream.isEmpty)
        stream = Array(bytes.prefix(10))
        XCTAssertNil(try APDUDecoder.decode(&stream), "a field cut in the middle waits for more bytes")
        stream += bytes.dropFirst(10)
        XCTAssertEqual(try APDUDecoder.decode(&stream), apdu)
        stream += hex("06 0F 00")
        XCTAssertEqual(try APDUDecoder.decode(&stream), APDU(0x06, 0x0F))

        // The other sample: BMP 60 has a broken length; the rest is kept raw, not dropped.
        let broken = try StatusInformation(apdu: APDU.decodeSingle(try Traces.bytes("dce-valina/1617177992186PT.hex")))
        XCTAssertEqual(broken.resultCode, .success)
        XCTAssertEqual(broken.fields.amountCents, 2600)
        XCTAssertEqual(broken.fields.time, "10:05:32")
        XCTAssertEqual(broken.fields.unparsed.prefix(4), [0x60, 0x78, 0xF2, 0x76])
        XCTAssertNotNil(broken.fields.problem)
        XCTAssertEqual(broken.apdu.data, Array(try Traces.bytes("dce-valina/1617177992186PT.hex")[2...]))
    }
}

final class FieldTests: XCTestCase {
    func testBCD() {
        XCTAssertEqual(BCD.encode(1234, byteCount: 6), hex("00 00 00 00 12 34"))
        XCTAssertEqual(BCD.number(hex("00 00 00 00 12 34")), 1234)
        XCTAssertNil(BCD.number([0x1A]))
        XCTAssertNil(BCD.encode(1_000_000_000_000, byteCount: 6))
        XCTAssertEqual(BCD.encode(999_999_999_999, byteCount: 6), [0x99, 0x99, 0x99, 0x99, 0x99, 0x99])
        XCTAssertNil(BCD.encode(-1, byteCount: 2))
        XCTAssertEqual(Password("123456")?.bytes, [0x12, 0x34, 0x56])
        XCTAssertNil(Password("12345"))
        XCTAssertNil(Password("12a456"))
        XCTAssertEqual(BCD.cardDigits(hex("55 98 83 EE EE EE 80 74")), "559883******8074")
        XCTAssertEqual(BCD.cardDigits(hex("67 12 D2 51 2F")), "6712=2512")
    }

    func testLLVARAndLLLVAR() {
        XCTAssertEqual(LengthPrefix.encode(3, digits: 2), [0xF0, 0xF3])
        XCTAssertEqual(LengthPrefix.encode(53, digits: 3), [0xF0, 0xF5, 0xF3])
        XCTAssertEqual(LengthPrefix.decode(hex("F1 F1")), 11)
        XCTAssertNil(LengthPrefix.decode(hex("78 F2 76")))
        XCTAssertNil(LengthPrefix.decode(hex("FA F1")))
        let list = BMPList(decoding: hex("22 F0 F3 01 23 45 8B F1 F1 4D 61 73 74 65 72 43 61 72 64 00"))
        XCTAssertNil(list.problem)
        XCTAssertEqual(list[0x22]?.value, hex("01 23 45"))
        XCTAssertEqual(list.cardName, "MasterCard")
        XCTAssertEqual(list.bytes, hex("22 F0 F3 01 23 45 8B F1 F1 4D 61 73 74 65 72 43 61 72 64 00"))
    }

    func testUnknownBMPStopsAndKeepsTheRest() {
        let list = BMPList(decoding: hex("27 00 77 01 02 03"))
        XCTAssertEqual(list.fields, [BMPField(0x27, [0])])
        XCTAssertEqual(list.unparsed, hex("77 01 02 03"))
        XCTAssertEqual(list.bytes, hex("27 00 77 01 02 03"))
        XCTAssertEqual(list.problem, .malformed(field: "BMP 77", offset: 2, reason: "unbekannte BMP-Nummer"))
        let truncated = BMPList(decoding: hex("04 00 00 12"))
        XCTAssertEqual(truncated.problem, .truncated(field: "BMP 04", offset: 0))
        XCTAssertEqual(truncated.unparsed, hex("04 00 00 12"))
    }

    func testTLVLengthsTagsAndUnknownTags() throws {
        // BER lengths: short, 81, 82 big-endian
        XCTAssertEqual(TLV.encodeLength(0x7F), [0x7F])
        XCTAssertEqual(TLV.encodeLength(0x80), [0x81, 0x80])
        XCTAssertEqual(TLV.encodeLength(0x045D), [0x82, 0x04, 0x5D])
        let long = TLVObject(0x07, [UInt8](repeating: 0x41, count: 0x045D))
        XCTAssertEqual(Array(TLV.encode([long]).prefix(4)), [0x07, 0x82, 0x04, 0x5D])
        XCTAssertEqual(try TLV.decode(TLV.encode([long])), [long])
        // multi-byte tags: 1F07 (2 bytes), 1F8102 (3 bytes)
        let objects = try TLV.decode(hex("1F 07 01 02 1F 81 02 01 AA DF 7F 00"))
        XCTAssertEqual(objects.map(\.tag), [TLVTag(bytes: [0x1F, 0x07]), TLVTag(bytes: [0x1F, 0x81, 0x02]), TLVTag(bytes: [0xDF, 0x7F])])
        XCTAssertEqual(objects[1].value, [0xAA])
        XCTAssertEqual(TLV.encode(objects), hex("1F 07 01 02 1F 81 02 01 AA DF 7F 00"))
        // constructed containers nest; unknown tags are kept raw
        let nested = try TLV.decode(hex("24 08 07 02 48 69 5A 02 01 02"))
        XCTAssertEqual(nested[0].children.count, 2)
        XCTAssertEqual(nested[0].children[1], TLVObject(0x5A, [1, 2]))
        // invalid length bytes and truncation are errors, not crashes
        XCTAssertThrowsError(try TLV.decode(hex("07 80")))
        XCTAssertThrowsError(try TLV.decode(hex("07 83 00 00 01")))
        XCTAssertThrowsError(try TLV.decode(hex("07 05 41")))
        XCTAssertThrowsError(try TLV.decode(hex("1F")))
        // a constructed tag whose content is not TLV stays primitive
        let odd = try TLV.decode(hex("E4 02 FF FF"))
        XCTAssertEqual(odd, [TLVObject(0xE4, [0xFF, 0xFF])])
        // Feig FF40/FF41 carry raw bytes despite the constructed bit
        let feig = try TLV.decode(hex("FF 40 03 12 34 56"))
        XCTAssertEqual(feig, [TLVObject(0xFF40, hex("12 34 56"))])
    }

    func testCharacterSets() {
        XCTAssertEqual(ZVTCharacterSet.cp437.decode(hex("81 84 94 8E 99 9A E1")), "üäöÄÖÜß")
        XCTAssertEqual(ZVTCharacterSet.latin1.decode(hex("48 C4 4E")), "HÄN")
        XCTAssertEqual(ZVTCharacterSet.utf8.decode(hex("C3 84")), "Ä")
        XCTAssertEqual(ZVTCharacterSet.germanASCII.decode(hex("5B 5C 5D 7B 7C 7D 7E")), "ÄÖÜäöüß")
        for charset in ZVTCharacterSet.allCases {
            XCTAssertEqual(charset.decode(charset.encode("Gebühr Müller")), "Gebühr Müller", charset.rawValue)
        }
        XCTAssertEqual(ZVTCharacterSet.cp437.encode("€"), [0x3F])
        XCTAssertEqual(ZVTCharacterSet(tag14: 0xFF), .cp437)
        XCTAssertEqual(ZVTCharacterSet(tag14: 0x01), .latin1)
        XCTAssertEqual(ZVTCharacterSet(tag14: 0xFE), .utf8)
    }

    func testCodeTables() {
        XCTAssertEqual(ResultCode(rawValue: 0x6C).text, "Abbruch durch Zeitüberschreitung oder Abbruchtaste")
        XCTAssertEqual(ResultCode(rawValue: 0x05).text, "Abgelehnt vom Autorisierungssystem (Code 5)")
        XCTAssertEqual(ResultCode(rawValue: 0x64).text, "Karte nicht lesbar")
        XCTAssertEqual(ResultCode(rawValue: 0xB3).text, "Unbekannter Fehler B3")
        XCTAssertEqual(IntermediateStatus(rawValue: 0x0A).text, "Karte einstecken")
        XCTAssertEqual(IntermediateStatus(rawValue: 0x0C).text, "Karte nicht lesbar")
        XCTAssertEqual(IntermediateStatus(rawValue: 0x4C).text, "Karte nicht lesbar\nBitte Karte entnehmen!")
        XCTAssertEqual(IntermediateStatus(rawValue: 0x4B).text, "Bitte Karte entnehmen!")
        XCTAssertFalse(IntermediateStatus(rawValue: 0x4A).isKnown)
        for code: UInt8 in 0xA0...0xA5 {
            XCTAssertFalse(IntermediateStatus(rawValue: code).isKnown)
            XCTAssertEqual(IntermediateStatus(rawValue: code).text, "Bitte warten…")
        }
        XCTAssertEqual(TerminalStatus(rawValue: 0xDC).text, "Karte eingesteckt")
        XCTAssertEqual(TerminalStatus(rawValue: 0x00).text, "Terminal bereit")
        XCTAssertEqual(TerminalStatus(rawValue: 0x42).text, "Unbekannter Terminalstatus 42")
    }
}

final class SerialFrameTests: XCTestCase {
    /// Published frames (PA00P016 §2.1, §3).
    func testCRCAndFramesMatchPublishedVectors() {
        XCTAssertEqual(SerialFrame.crc(Array("123456789".utf8)), 0x2189)
        let vectors: [(String, String)] = [
            ("80 00 00", "10 02 80 00 00 10 03 F5 1F"),
            ("06 00 06 12 34 56 BA 09 78", "10 02 06 00 06 12 34 56 BA 09 78 10 03 24 C3"),
            ("05 01 03 12 34 56", "10 02 05 01 03 12 34 56 10 03 E0 43"),
            ("06 01 0A 04 00 00 00 01 10 00 49 09 78", "10 02 06 01 0A 04 00 00 00 01 10 10 00 49 09 78 10 03 F2 FF"),
            ("06 01 0A 04 00 00 00 00 12 34 49 09 78", "10 02 06 01 0A 04 00 00 00 00 12 34 49 09 78 10 03 B0 91"),
            ("06 10 03 12 34 56", "10 02 06 10 10 03 12 34 56 10 03 15 AD"),
            ("06 D1 02 10 10", "10 02 06 D1 02 10 10 10 10 10 03 60 F7"),
            ("06 0F 00", "10 02 06 0F 00 10 03 C6 33"),
            ("06 0F 0A 19 10 29 52 52 35 35 49 09 78", "10 02 06 0F 0A 19 10 10 29 52 52 35 35 49 09 78 10 03 26 92"),
        ]
        for (apdu, frame) in vectors {
            XCTAssertEqual(SerialFrame.encode(hex(apdu)), hex(frame), apdu)
            var buffer = hex(frame)
            XCTAssertEqual(SerialFrame.decode(&buffer), .frame(hex(apdu)), apdu)
            XCTAssertTrue(buffer.isEmpty)
        }
        XCTAssertEqual(SerialFrame.crc(hex("84 9C 00 03")), 0x41C3)
    }

    func testReceiverEventsByteByByte() {
        let stream =
            [SerialFrame.ack] + hex("41") + SerialFrame.encode(hex("06 10 03 12 34 56")) + [SerialFrame.nak]
            + hex("10 02 80 00 00 10 03 00 00") + hex("10 02 80 10 07")
        var buffer: [UInt8] = []
        var events: [SerialFrame.Event] = []
        for byte in stream {
            buffer.append(byte)
            while let event = SerialFrame.decode(&buffer) { events.append(event) }
        }
        XCTAssertEqual(events, [.ack, .noise([0x41]), .frame(hex("06 10 03 12 34 56")), .nak, .badCRC(hex("80 00 00")), .badEscape(0x07)])
    }
}
