import CQRencode

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The error correction level of a QR code (ISO/IEC 18004 §6.5.1): how much of the symbol may be
/// lost and still read — L 7 %, M 15 %, Q 25 %, H 30 %.
public enum QRErrorCorrection: Sendable, CaseIterable {
    case low, medium, quartile, high

    /// The most bytes a version-40 symbol holds in byte mode at this level (ISO/IEC 18004 Table 7).
    public var maximumBytes: Int {
        switch self {
        case .low: 2_953
        case .medium: 2_331
        case .quartile: 1_663
        case .high: 1_273
        }
    }

    var letter: String {
        switch self {
        case .low: "L"
        case .medium: "M"
        case .quartile: "Q"
        case .high: "H"
        }
    }
}

/// Why bytes could not become a QR code; the text names the cause (German, for the log and the clerk).
public struct QREncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The one Swift face of libqrencode (the C boundary): bytes in, a ``QRMatrix`` out. The data is
/// encoded whole in byte mode (`QRcode_encodeData`), in the smallest version that holds it; the
/// C symbol is freed (`QRcode_free`) before the matrix is returned.
public enum QREncoder {
    /// The QR code of `data` at `errorCorrection` (M by default, as the receipt printer's `GS ( k`).
    public static func encode(_ data: [UInt8], errorCorrection: QRErrorCorrection = .medium) throws -> QRMatrix {
        guard !data.isEmpty else { throw QREncodingError("QR-Code: keine Daten zum Kodieren.") }
        guard data.count <= errorCorrection.maximumBytes else { throw tooLong(data.count, errorCorrection) }
        errno = 0
        let symbol = data.withUnsafeBufferPointer { buffer in
            QRcode_encodeData(Int32(buffer.count), buffer.baseAddress, 0, errorCorrection.level)
        }
        guard let symbol else {
            let code = errno
            if code == ERANGE { throw tooLong(data.count, errorCorrection) }
            throw QREncodingError("QR-Code: libqrencode konnte \(data.count) Bytes nicht kodieren (errno \(code)).")
        }
        defer { QRcode_free(symbol) }
        let width = Int(symbol.pointee.width)
        // Bit 0 of each byte is the module's colour (1 = dark); the other bits say what the module belongs to.
        let raw = UnsafeBufferPointer(start: symbol.pointee.data, count: width * width)
        return QRMatrix(version: Int(symbol.pointee.version), width: width, modules: raw.map { $0 & 1 == 1 })
    }

    /// The QR code of `text`'s UTF-8 bytes.
    public static func encode(_ text: String, errorCorrection: QRErrorCorrection = .medium) throws -> QRMatrix {
        try encode(Array(text.utf8), errorCorrection: errorCorrection)
    }

    private static func tooLong(_ count: Int, _ level: QRErrorCorrection) -> QREncodingError {
        QREncodingError(
            "QR-Code: \(count) Bytes sind zu viel (mit Fehlerkorrektur \(level.letter) höchstens \(level.maximumBytes) Bytes).")
    }
}

extension QRErrorCorrection {
    fileprivate var level: QRecLevel {
        switch self {
        case .low: QR_ECLEVEL_L
        case .medium: QR_ECLEVEL_M
        case .quartile: QR_ECLEVEL_Q
        case .high: QR_ECLEVEL_H
        }
    }
}
