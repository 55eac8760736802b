/// Serial (RS232) framing: `DLE STX <APDU with DLE doubled> DLE ETX <CRC lo> <CRC hi>`, with the
/// single-byte transport acknowledgements ACK `06` / NAK `15` (PA00P016 §2.1, §3).
///
/// The pure codec; the protocol around it (ACK/NAK, T1/T2, repeats) is ``SerialLink``.
public enum SerialFrame {
    public static let dle: UInt8 = 0x10
    public static let stx: UInt8 = 0x02
    public static let etx: UInt8 = 0x03
    public static let ack: UInt8 = 0x06
    public static let nak: UInt8 = 0x15

    /// CRC-16/KERMIT (polynomial 0x1021 LSB-first = 0x8408, init 0, no final XOR) over the unstuffed
    /// APDU followed by ETX (PA00P016 §3; the spec's "CRC-XModem" name is wrong, docs/zvt-field-notes.md, inconsistency 6).
    public static func crc<S: Sequence>(_ bytes: S) -> UInt16 where S.Element == UInt8 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x8408 : crc >> 1 }
        }
        return crc
    }

    /// The frame for `apdu` (its wire bytes).
    public static func encode(_ apdu: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [dle, stx]
        for byte in apdu {
            out.append(byte)
            if byte == dle { out.append(dle) }
        }
        out += [dle, etx]
        let crc = crc(apdu + [etx])
        out += [UInt8(crc & 0xFF), UInt8(crc >> 8)]
        return out
    }

    /// What the receiver found in the serial byte stream.
    public enum Event: Equatable, Sendable {
        /// A well-formed frame: the unstuffed APDU bytes. Answer with ACK `06`.
        case frame([UInt8])
        /// A frame whose CRC did not match (answer with NAK `15`).
        case badCRC([UInt8])
        /// A DLE followed by a byte other than DLE/ETX/STX inside a frame (answer with NAK).
        case badEscape(UInt8)
        case ack
        case nak
        /// Bytes outside a frame that are neither ACK nor NAK.
        case noise([UInt8])
    }

    /// Decodes the first event from `buffer`, removing its bytes; `nil` = need more bytes.
    public static func decode(_ buffer: inout [UInt8]) -> Event? {
        guard let first = buffer.first else { return nil }
        if first == ack {
            buffer.removeFirst()
            return .ack
        }
        if first == nak {
            buffer.removeFirst()
            return .nak
        }
        if first != dle || (buffer.count >= 2 && buffer[1] != stx) {
            // Skip to the next possible frame start or transport byte.
            var end = 1
            while end < buffer.count, buffer[end] != dle, buffer[end] != ack, buffer[end] != nak { end += 1 }
            let noise = Array(buffer[..<end])
            buffer.removeFirst(end)
            return .noise(noise)
        }
        guard buffer.count >= 2 else { return nil }
        var apdu: [UInt8] = []
        var index = 2
        while index < buffer.count {
            let byte = buffer[index]
            if byte != dle {
                apdu.append(byte)
                index += 1
                continue
            }
            guard index + 1 < buffer.count else { return nil }
            let next = buffer[index + 1]
            switch next {
            case dle:
                apdu.append(dle)
                index += 2
            case stx:
                // A new frame starts: drop the partial one.
                buffer.removeFirst(index)
                return .noise([])
            case etx:
                guard index + 3 < buffer.count else { return nil }
                let received = UInt16(buffer[index + 2]) | UInt16(buffer[index + 3]) << 8
                buffer.removeFirst(index + 4)
                return received == crc(apdu + [etx]) ? .frame(apdu) : .badCRC(apdu)
            default:
                buffer.removeFirst(index + 2)
                return .badEscape(next)
            }
        }
        return nil
    }
}
