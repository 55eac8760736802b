/// A ZIP archive (PKWARE APPNOTE 6.3: local file headers, central directory, end of central
/// directory) of stored, uncompressed entries, each with its CRC-32 — enough for the DSFinV-K
/// export, read by every unzip. Pure: bytes in, bytes out.
public enum ZIPArchive {
    /// A DOS date and time (local time), as ZIP headers carry it.
    public struct Timestamp: Equatable, Sendable {
        public let year, month, day, hour, minute, second: Int
        public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
            (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
        }
        var dosTime: UInt16 { UInt16(hour << 11 | minute << 5 | second / 2) }
        var dosDate: UInt16 { UInt16(max(0, year - 1980) << 9 | month << 5 | day) }
    }

    public enum ArchiveError: Error, Equatable {
        /// More than 65,535 entries or 4 GiB: would need ZIP64.
        case tooLarge
    }

    /// The archive of `entries` (names as given, UTF-8), stored in that order.
    public static func archive(_ entries: [(name: String, bytes: [UInt8])], modified: Timestamp) throws -> [UInt8] {
        guard entries.count < 0xFFFF else { throw ArchiveError.tooLarge }
        var out: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let name = Array(entry.name.utf8)
            guard out.count < 0xFFFF_FFFF, entry.bytes.count < 0xFFFF_FFFF else { throw ArchiveError.tooLarge }
            let offset = UInt32(out.count)
            let crc = crc32(entry.bytes)
            let size = UInt32(entry.bytes.count)
            // Bit 11: the name is UTF-8.
            let flags: UInt16 = name.allSatisfy { $0 < 0x80 } ? 0 : 0x0800
            // Local file header.
            out.append(le32: 0x0403_4B50)
            out.append(le16: 20)  // version needed: 2.0
            out.append(le16: flags)
            out.append(le16: 0)  // stored
            out.append(le16: modified.dosTime)
            out.append(le16: modified.dosDate)
            out.append(le32: crc)
            out.append(le32: size)
            out.append(le32: size)
            out.append(le16: UInt16(name.count))
            out.append(le16: 0)
            out.append(contentsOf: name)
            out.append(contentsOf: entry.bytes)
            // Its central directory record.
            central.append(le32: 0x0201_4B50)
            central.append(le16: 0x0314)  // made by: Unix, 2.0
            central.append(le16: 20)
            central.append(le16: flags)
            central.append(le16: 0)
            central.append(le16: modified.dosTime)
            central.append(le16: modified.dosDate)
            central.append(le32: crc)
            central.append(le32: size)
            central.append(le32: size)
            central.append(le16: UInt16(name.count))
            central.append(le16: 0)  // extra
            central.append(le16: 0)  // comment
            central.append(le16: 0)  // disk
            central.append(le16: 0)  // internal attributes
            central.append(le32: 0o100644 << 16)  // external: a regular file, rw-r--r--
            central.append(le32: offset)
            central.append(contentsOf: name)
        }
        guard out.count < 0xFFFF_FFFF else { throw ArchiveError.tooLarge }
        let centralOffset = UInt32(out.count)
        out.append(contentsOf: central)
        // End of central directory.
        out.append(le32: 0x0605_4B50)
        out.append(le16: 0)
        out.append(le16: 0)
        out.append(le16: UInt16(entries.count))
        out.append(le16: UInt16(entries.count))
        out.append(le32: UInt32(central.count))
        out.append(le32: centralOffset)
        out.append(le16: 0)
        return out
    }

    /// CRC-32 (ISO 3309, polynomial 0xEDB88320 reflected), as ZIP uses it.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}

extension Array where Element == UInt8 {
    fileprivate mutating func append(le16 value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    fileprivate mutating func append(le32 value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}
