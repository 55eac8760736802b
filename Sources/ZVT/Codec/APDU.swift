/// One application protocol data unit: control field (class, instruction), length, data
/// (PA00P016 §5.2.1–5.2.4).
///
/// The length counts the data only. Up to 254 bytes it is one byte; otherwise, or when
/// ``usesLongLength`` is set, it is `FF lo hi` (little-endian).
public struct APDU: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var commandClass: UInt8
    public var instruction: UInt8
    public var data: [UInt8]
    /// Encode the length as `FF lo hi` even if it would fit into one byte (keeps decoded bytes identical).
    public var usesLongLength: Bool

    public init(_ commandClass: UInt8, _ instruction: UInt8, data: [UInt8] = [], usesLongLength: Bool = false) {
        self.commandClass = commandClass
        self.instruction = instruction
        self.data = data
        self.usesLongLength = usesLongLength
    }

    /// The two control bytes as one number, e.g. `0x0601`.
    public var command: UInt16 { UInt16(commandClass) << 8 | UInt16(instruction) }

    /// The wire bytes (ZVT PA00P016 §5.2.4). Data longer than 65 535 bytes cannot be encoded and traps.
    public var bytes: [UInt8] {
        precondition(data.count <= 0xFFFF, "APDU data longer than 65535 bytes")
        var out: [UInt8] = [commandClass, instruction]
        out.reserveCapacity(data.count + 5)
        if data.count > 0xFE || usesLongLength {
            out += [0xFF, UInt8(data.count & 0xFF), UInt8(data.count >> 8)]
        } else {
            out.append(UInt8(data.count))
        }
        out += data
        return out
    }

    public var description: String { Hex.string(bytes) }

    /// Class bytes that can start an APDU on the wire (ZVT 13.08 §2, §2.66): `04 05 06 08 0F 80 84`.
    public static let knownClasses: Set<UInt8> = [0x04, 0x05, 0x06, 0x08, 0x0F, 0x80, 0x84]

    /// Decodes exactly one APDU from `bytes` (a whole message, e.g. a trace file).
    ///
    /// With `tolerant`, the DCE Valina End-of-Day Status-Information without length byte
    /// (docs/zvt-field-notes.md, vendor deviations) is accepted: `04 0F` whose byte 2 is `27` and whose length does not fit.
    public static func decodeSingle(_ bytes: [UInt8], tolerant: Bool = true) throws -> APDU {
        var buffer = bytes
        if tolerant, let repaired = Self.repairMissingLength(bytes) {
            return repaired
        }
        guard let apdu = try APDUDecoder.decode(&buffer) else {
            throw ZVTCodecError.truncated(field: "APDU", offset: bytes.count)
        }
        guard buffer.isEmpty else {
            throw ZVTCodecError.malformed(
                field: "Länge", offset: 2, reason: "nach dem APDU folgen noch \(buffer.count) Byte")
        }
        return apdu
    }

    /// The Valina workaround (docs/zvt-field-notes.md, vendor deviations): `04 0F 27 …` where the length byte is missing.
    static func repairMissingLength(_ bytes: [UInt8]) -> APDU? {
        guard bytes.count >= 4, bytes[0] == 0x04, bytes[1] == 0x0F, bytes[2] == 0x27 else { return nil }
        let declared = 3 + 0x27
        if bytes.count == declared, BMPList.startsWithKnownField(Array(bytes[3...])) { return nil }
        let data = Array(bytes[2...])
        guard data.count <= 0xFE else { return nil }
        return APDU(0x04, 0x0F, data: data).cardNumbersMasked
    }

    /// A Status-Information (`04 0F`) with its BMP 22 masked (``CardNumberMask``), so a full card
    /// number that a terminal sends ends at the decoder; the same bytes otherwise, and every other APDU as it is.
    var cardNumbersMasked: APDU {
        guard commandClass == 0x04, instruction == 0x0F else { return self }
        var masked = self
        masked.data = BMPList(decoding: data).bytes
        return masked
    }
}

/// Incremental APDU decoder for the TCP byte stream (PA00P016 §5.2.5).
///
/// TCP keeps order but not boundaries: call ``decode(_:)`` in a loop after appending each read;
/// it removes one complete APDU from the front of the buffer, or returns `nil` when more bytes
/// are needed. Bytes that cannot start an APDU are removed and reported by throwing
/// ``ZVTCodecError/unexpectedBytes(_:)``; calling again continues after them (resynchronisation).
public enum APDUDecoder {
    public static func decode(_ buffer: inout [UInt8]) throws -> APDU? {
        guard let first = buffer.first else { return nil }
        if !APDU.knownClasses.contains(first) {
            let end = buffer.firstIndex(where: { APDU.knownClasses.contains($0) }) ?? buffer.endIndex
            let skipped = Array(buffer[..<end])
            buffer.removeFirst(end)
            throw ZVTCodecError.unexpectedBytes(skipped)
        }
        guard buffer.count >= 3 else { return nil }
        if buffer.count >= 4, buffer[0] == 0x04, buffer[1] == 0x0F, buffer[2] == 0x27, BMPTable.definition(buffer[3]) == nil {
            return valinaStatusInformation(&buffer)
        }
        var header = 3
        var length = Int(buffer[2])
        if buffer[2] == 0xFF {
            guard buffer.count >= 5 else { return nil }
            length = Int(buffer[3]) | Int(buffer[4]) << 8
            header = 5
        }
        guard buffer.count >= header + length else { return nil }
        let apdu = APDU(
            buffer[0], buffer[1], data: Array(buffer[header..<header + length]), usesLongLength: header == 5 && length <= 0xFE)
        buffer.removeFirst(header + length)
        return apdu.cardNumbersMasked
    }

    /// DCE Valina End-of-Day `04 0F` without length byte (docs/zvt-field-notes.md, vendor deviations): byte 2 is already BMP 27 and
    /// byte 3 (the result code) cannot start a field. The message ends where its BMP fields end; as the
    /// PT waits for our acknowledgement, a field list that stops being parseable ends at the buffer's end.
    static func valinaStatusInformation(_ buffer: inout [UInt8]) -> APDU? {
        let data = Array(buffer[2...])
        var index = 0
        while index < data.count {
            do {
                index = try BMPList.field(in: data, at: index, offset: 0).1
            } catch ZVTCodecError.truncated {
                return nil
            } catch {
                index = data.count
            }
        }
        guard data.count <= 0xFFFF else { return nil }
        buffer.removeAll()
        return APDU(0x04, 0x0F, data: data).cardNumbersMasked
    }

    /// Decodes every complete APDU in `buffer`, leaving an incomplete tail; unexpected bytes are
    /// collected in `skipped` instead of thrown.
    public static func decodeAll(_ buffer: inout [UInt8], skipped: inout [UInt8]) -> [APDU] {
        var result: [APDU] = []
        while true {
            do {
                guard let apdu = try decode(&buffer) else { return result }
                result.append(apdu)
            } catch ZVTCodecError.unexpectedBytes(let bytes) {
                skipped += bytes
            } catch {
                return result
            }
        }
    }
}
