// libFuzzer target for the ZVT codec: APDU stream decoder, BMP fields, TLV, typed messages,
// descriptions and the serial framer. Build and run with Fuzz/ZVTDecoder/run.sh.
//
// Besides "no crash", it checks properties that must hold for every input:
//  - an APDU re-encodes to bytes that decode to the same APDU;
//  - a typed message re-encodes to exactly the data it was decoded from, and decodes back equal;
//  - the stream decoder consumes every byte (APDUs + skipped garbage + incomplete tail).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    checkStream(bytes)
    checkFields(bytes)
    checkSerial(bytes)
    return 0
}

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("property violated: " + message()) }
}

func checkStream(_ bytes: [UInt8]) {
    var buffer = bytes
    var skipped: [UInt8] = []
    let apdus = APDUDecoder.decodeAll(&buffer, skipped: &skipped)
    let consumed = apdus.reduce(0) { $0 + $1.bytes.count } + skipped.count + buffer.count
    // The Valina repair (D16) adds the missing length (1 byte, or FF lo hi above 254 bytes).
    let repaired = apdus.filter { $0.command == 0x040F }.count
    check(consumed >= bytes.count && consumed <= bytes.count + 3 * repaired, "stream bytes lost: \(consumed) vs \(bytes.count)")
    for apdu in apdus {
        var again = apdu.bytes
        check((try? APDUDecoder.decode(&again)) == apdu || apdu.command == 0x040F, "APDU round trip \(apdu)")
        for pending: UInt16? in [nil, 0x0501, 0x0600, 0x0FA1] {
            guard let message = try? Message.decode(apdu, pendingCommand: pending) else { continue }
            // Same control field and data; the long length form for short data is a framing detail kept by APDU only.
            let encoded = message.apdu
            check(encoded.command == apdu.command && encoded.data == apdu.data, "message re-encoding differs for \(apdu) (pending \(String(describing: pending)))")
            check((try? Message.decode(message.apdu, pendingCommand: pending)) == message, "message decode after encode differs for \(apdu)")
        }
        _ = MessageDescription.describe(apdu, pendingCommand: apdu.data.count & 1 == 0 ? nil : 0x0501).json
    }
    _ = try? APDU.decodeSingle(bytes)
}

func checkFields(_ bytes: [UInt8]) {
    let list = BMPList(decoding: bytes)
    check(list.bytes == bytes, "BMP list round trip")
    _ = list.amountCents; _ = list.maskedPAN; _ = list.cardName; _ = list.individualTotals; _ = list.tlv
    if let objects = try? TLV.decode(bytes) {
        // Re-encoding uses the shortest lengths; decoding that again must give the same tree.
        check((try? TLV.decode(TLV.encode(objects))) == objects, "TLV round trip")
    }
    if bytes.count <= 256 {
        for charset in ZVTCharacterSet.allCases { _ = charset.encode(charset.decode(bytes)) }
    }
}

func checkSerial(_ bytes: [UInt8]) {
    var buffer = bytes
    var steps = 0
    while let event = SerialFrame.decode(&buffer) {
        steps += 1
        check(steps <= bytes.count + 1, "serial decoder does not make progress")
        if case .frame(let apdu) = event {
            var frame = SerialFrame.encode(apdu)
            check(SerialFrame.decode(&frame) == .frame(apdu), "serial frame round trip")
        }
    }
}
