/// A pure writer of POSIX ustar archives (IEEE Std 1003.1 `pax`, "ustar Interchange Format"):
/// per file a 512-byte header (name, mode, size, mtime in octal, checksum, magic `ustar\0` `00`),
/// the data padded to 512 bytes, and two zero blocks at the end. The TSE export is such a TAR
/// (TR-03151 § 5.1; docs/fiscal.md).
public struct USTARWriter {
    public static let blockSize = 512

    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Appends a regular file. `name` is at most 100 bytes of ASCII (the log file names are shorter).
    public mutating func addFile(name: String, contents: [UInt8], modificationTime: Int64, mode: UInt32 = 0o644) throws(USTARError) {
        let nameBytes = Array(name.utf8)
        guard !nameBytes.isEmpty, nameBytes.count <= 100, nameBytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw .badName(name)
        }
        var header = [UInt8](repeating: 0, count: Self.blockSize)
        func put(_ field: [UInt8], at offset: Int) {
            for (index, byte) in field.enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: UInt64, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
        }
        put(nameBytes, at: 0)
        put(octal(UInt64(mode), width: 8), at: 100)
        put(octal(0, width: 8), at: 108)  // uid
        put(octal(0, width: 8), at: 116)  // gid
        put(octal(UInt64(contents.count), width: 12), at: 124)
        put(octal(UInt64(max(0, modificationTime)), width: 12), at: 136)
        put(Array(repeating: 0x20, count: 8), at: 148)  // checksum counted as spaces
        header[156] = UInt8(ascii: "0")  // regular file
        put(Array("ustar".utf8) + [0], at: 257)
        put(Array("00".utf8), at: 263)
        put(Array("webkasse".utf8), at: 265)  // uname
        put(Array("webkasse".utf8), at: 297)  // gname
        let checksum = header.reduce(0) { $0 + UInt64($1) }
        put(octal(checksum, width: 7) + [0x20], at: 148)
        bytes.append(contentsOf: header)
        bytes.append(contentsOf: contents)
        let rest = contents.count % Self.blockSize
        if rest != 0 { bytes.append(contentsOf: [UInt8](repeating: 0, count: Self.blockSize - rest)) }
    }

    /// The archive with its end marker (two zero blocks).
    public func finished() -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: 2 * Self.blockSize)
    }
}

public enum USTARError: Error, Equatable, Sendable, CustomStringConvertible {
    case badName(String)

    public var description: String {
        switch self {
        case .badName(let name): "TAR: Dateiname »\(name)« nicht darstellbar (1 bis 100 ASCII-Zeichen)"
        }
    }
}
