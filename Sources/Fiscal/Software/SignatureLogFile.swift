import Foundation
import KasseCrypto
import SystemCalls

/// The software TSE's memory: an append-only file of the log messages it signed, each written
/// and synced before the caller gets its answer, so that the signature counter and the
/// transaction number continue gaplessly after a restart or a `kill -9` (docs/fiscal.md).
///
/// The file starts with ``magic``; each record is
/// `length (4 bytes, big-endian) ‖ payload ‖ SHA-256(payload)` with the payload
/// `kind (1) ‖ key length (2, big-endian) ‖ key (UTF-8) ‖ body`. A transaction record's body is
/// the DER log message, a client record's the client id. A record that reaches the end of the file
/// but is incomplete or fails its hash was torn by a crash before its answer went out; opening the
/// file cuts it away. A bad record followed by more data is damage and refuses the file.
final class SignatureLogFile {
    static let magic = Array("WKTSELOG1\n".utf8)

    enum Record: Equatable {
        /// A signed transaction log message, under the caller's key.
        case transaction(key: String, message: [UInt8])
        /// A client id the TSE registered.
        case client(String)
    }

    let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { Syscall.close(descriptor) }

    /// Opens (or creates) the file at `path`; its records, and how many bytes of a torn last
    /// record were cut away.
    static func open(_ path: String) throws(TSEError) -> (file: SignatureLogFile, records: [Record], tornBytes: Int) {
        let descriptor: Int32
        do {
            descriptor = try Syscall.open(path, O_RDWR | O_CREAT | O_CLOEXEC, permissions: 0o600)
        } catch {
            throw .storage("Signaturprotokoll \(path) lässt sich nicht öffnen: \(error.message)")
        }
        let file = SignatureLogFile(path: path, descriptor: descriptor)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .storage("Signaturprotokoll \(path) lässt sich nicht lesen")
        }
        let bytes = [UInt8](data)
        if bytes.count < magic.count {
            guard magic.starts(with: bytes) else { throw .storage("\(path) ist kein Signaturprotokoll der Software-TSE") }
            // New, or torn while the header was written: (re)write the header.
            try file.cut(to: 0)
            try file.appendAndSync(magic)
            return (file, [], bytes.count)
        }
        guard Array(bytes.prefix(magic.count)) == magic else {
            throw .storage("\(path) ist kein Signaturprotokoll der Software-TSE")
        }
        var records: [Record] = []
        var offset = magic.count
        while offset < bytes.count {
            switch decodeRecord(bytes, at: offset) {
            case .record(let record, let end):
                records.append(record)
                offset = end
            case .torn:
                try file.cut(to: offset)
                return (file, records, bytes.count - offset)
            case .damaged(let why):
                throw .storage("Signaturprotokoll \(path) beschädigt bei Byte \(offset): \(why)")
            }
        }
        return (file, records, 0)
    }

    /// Appends `record` and syncs it to the disk before returning.
    func append(_ record: Record) throws(TSEError) {
        try appendAndSync(Self.encode(record))
    }

    static func encode(_ record: Record) -> [UInt8] {
        var payload: [UInt8] = []
        let key: [UInt8]
        let body: [UInt8]
        switch record {
        case .transaction(let k, let message):
            payload.append(1)
            key = Array(k.utf8)
            body = message
        case .client(let id):
            payload.append(2)
            key = []
            body = Array(id.utf8)
        }
        precondition(key.count <= 0xFFFF)
        payload.append(UInt8(key.count >> 8))
        payload.append(UInt8(key.count & 0xFF))
        payload.append(contentsOf: key)
        payload.append(contentsOf: body)
        let length = UInt32(payload.count)
        return withUnsafeBytes(of: length.bigEndian) { Array($0) } + payload + LibCrypto.sha256(payload)
    }

    private enum Decoded {
        case record(Record, end: Int)
        case torn
        case damaged(String)
    }

    private static func decodeRecord(_ bytes: [UInt8], at offset: Int) -> Decoded {
        guard offset + 4 <= bytes.count else { return .torn }
        let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        let end = offset + 4 + length + 32
        guard end <= bytes.count else { return .torn }
        let payload = Array(bytes[offset + 4..<offset + 4 + length])
        guard LibCrypto.sha256(payload) == Array(bytes[end - 32..<end]) else {
            return end == bytes.count ? .torn : .damaged("Prüfsumme falsch")
        }
        guard payload.count >= 3 else { return .damaged("Eintrag zu kurz") }
        let keyLength = Int(payload[1]) << 8 | Int(payload[2])
        guard 3 + keyLength <= payload.count, let key = String(validating: payload[3..<3 + keyLength], as: UTF8.self) else {
            return .damaged("Schlüssel unlesbar")
        }
        let body = Array(payload[(3 + keyLength)...])
        switch payload[0] {
        case 1: return .record(.transaction(key: key, message: body), end: end)
        case 2:
            guard let id = String(validating: body, as: UTF8.self) else { return .damaged("Client-ID unlesbar") }
            return .record(.client(id), end: end)
        default: return .damaged("Art \(payload[0]) unbekannt")
        }
    }

    private func appendAndSync(_ bytes: [UInt8]) throws(TSEError) {
        do {
            _ = try Syscall.seekToEnd(descriptor)
            try Syscall.writeAll(descriptor, bytes)
            try Syscall.fdatasync(descriptor)
        } catch {
            throw .storage("Signaturprotokoll \(path) nicht geschrieben: \(error.message)")
        }
    }

    private func cut(to length: Int) throws(TSEError) {
        do {
            try Syscall.truncate(descriptor, length: Int64(length))
            try Syscall.fsync(descriptor)
        } catch {
            throw .storage("Signaturprotokoll \(path) nicht gekürzt: \(error.message)")
        }
    }
}
