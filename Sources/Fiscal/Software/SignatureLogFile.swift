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
/// the DER log message, a client record's the client id. The file is extended with zeros ahead of
/// the records (``preallocation`` at a time, synced), so that syncing a record writes only its
/// data, not the file's size; a zero length marks the end. Whatever follows the last whole record
/// and is not a whole record itself was torn by a crash before its answer went out: opening the
/// file zeroes it. A bad record followed by a good one is damage and refuses the file.
final class SignatureLogFile {
    static let magic = Array("WKTSELOG1\n".utf8)
    /// How much the file grows at a time.
    static let preallocation = 256 * 1024

    enum Record: Equatable {
        /// A signed transaction log message, under the caller's key.
        case transaction(key: String, message: [UInt8])
        /// A client id the TSE registered.
        case client(String)
    }

    let path: String
    private let descriptor: Int32
    /// Where the next record goes (the bytes in use).
    private(set) var end: Int
    /// The file's size (records and the zeros after them).
    private var size: Int

    private init(path: String, descriptor: Int32, end: Int, size: Int) {
        self.path = path
        self.descriptor = descriptor
        self.end = end
        self.size = size
    }

    deinit { Syscall.close(descriptor) }

    /// Opens (or creates) the file at `path`; its records, and how many bytes of a torn last
    /// record were zeroed.
    static func open(_ path: String) throws(TSEError) -> (file: SignatureLogFile, records: [Record], tornBytes: Int) {
        let descriptor: Int32
        do {
            descriptor = try Syscall.open(path, O_RDWR | O_CREAT | O_CLOEXEC, permissions: 0o600)
        } catch {
            throw .storage("Signaturprotokoll \(path) lässt sich nicht öffnen: \(error.message)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            Syscall.close(descriptor)
            throw .storage("Signaturprotokoll \(path) lässt sich nicht lesen")
        }
        let bytes = [UInt8](data)
        let file = SignatureLogFile(path: path, descriptor: descriptor, end: magic.count, size: bytes.count)
        if bytes.count < magic.count || bytes.prefix(magic.count).allSatisfy({ $0 == 0 }) {
            guard bytes.allSatisfy({ $0 == 0 }) || magic.starts(with: bytes) else {
                throw .storage("\(path) ist kein Signaturprotokoll der Software-TSE")
            }
            // New, or torn while the header was written: (re)write the header.
            try file.write(magic, at: 0)
            return (file, [], 0)
        }
        guard Array(bytes.prefix(magic.count)) == magic else {
            throw .storage("\(path) ist kein Signaturprotokoll der Software-TSE")
        }
        var records: [Record] = []
        var offset = magic.count
        while offset + 4 <= bytes.count, bytes[offset..<offset + 4].contains(where: { $0 != 0 }) {
            switch decodeRecord(bytes, at: offset) {
            case .record(let record, let next):
                records.append(record)
                offset = next
            case .bad(let why):
                if let later = firstRecord(in: bytes, after: offset) {
                    throw .storage("Signaturprotokoll \(path) beschädigt bei Byte \(offset): \(why) (ein gültiger Eintrag folgt bei Byte \(later))")
                }
                return (file, records, try file.zeroTail(bytes, from: offset))
            }
        }
        file.end = offset
        if let later = firstRecord(in: bytes, after: offset) {
            throw .storage("Signaturprotokoll \(path) beschädigt bei Byte \(offset): Lücke vor dem Eintrag bei Byte \(later)")
        }
        return (file, records, try file.zeroTail(bytes, from: offset))
    }

    /// Zeroes whatever is not zero from `offset` on (a torn record) and syncs; how many bytes that was.
    private func zeroTail(_ bytes: [UInt8], from offset: Int) throws(TSEError) -> Int {
        end = offset
        guard let last = bytes[offset...].lastIndex(where: { $0 != 0 }) else { return 0 }
        try write([UInt8](repeating: 0, count: last + 1 - offset), at: offset)
        return last + 1 - offset
    }

    /// The offset of the first whole, valid record that starts after `offset`, if any.
    private static func firstRecord(in bytes: [UInt8], after offset: Int) -> Int? {
        var candidate = offset + 1
        while candidate + 4 + 3 + 32 <= bytes.count {
            if bytes[candidate] == 0 && bytes[candidate + 1] == 0 && bytes[candidate + 2] == 0 && bytes[candidate + 3] == 0 {
                candidate += 1
                continue
            }
            if case .record = decodeRecord(bytes, at: candidate) { return candidate }
            candidate += 1
        }
        return nil
    }

    /// Appends `record` and syncs it to the disk before returning.
    func append(_ record: Record) throws(TSEError) {
        let bytes = Self.encode(record)
        do {
            if end + bytes.count + 4 > size {
                // Grow with zeros first and sync the new size, so the record's own sync is data only.
                let grow = max(Self.preallocation, bytes.count + 4)
                try Syscall.writeAll(descriptor, [UInt8](repeating: 0, count: grow), at: Int64(size))
                try Syscall.fsync(descriptor)
                size += grow
            }
            try Syscall.writeAll(descriptor, bytes, at: Int64(end))
            try Syscall.fdatasync(descriptor)
        } catch {
            throw .storage("Signaturprotokoll \(path) nicht geschrieben: \(error.message)")
        }
        end += bytes.count
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
        case record(Record, next: Int)
        case bad(String)
    }

    private static func decodeRecord(_ bytes: [UInt8], at offset: Int) -> Decoded {
        guard offset + 4 <= bytes.count else { return .bad("abgeschnitten") }
        let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        guard length >= 3 else { return .bad("Länge \(length)") }
        let next = offset + 4 + length + 32
        guard next <= bytes.count else { return .bad("abgeschnitten") }
        let payload = Array(bytes[offset + 4..<offset + 4 + length])
        guard LibCrypto.sha256(payload) == Array(bytes[next - 32..<next]) else { return .bad("Prüfsumme falsch") }
        let keyLength = Int(payload[1]) << 8 | Int(payload[2])
        guard 3 + keyLength <= payload.count, let key = String(validating: payload[3..<3 + keyLength], as: UTF8.self) else {
            return .bad("Schlüssel unlesbar")
        }
        let body = Array(payload[(3 + keyLength)...])
        switch payload[0] {
        case 1: return .record(.transaction(key: key, message: body), next: next)
        case 2:
            guard let id = String(validating: body, as: UTF8.self) else { return .bad("Client-ID unlesbar") }
            return .record(.client(id), next: next)
        default: return .bad("Art \(payload[0]) unbekannt")
        }
    }

    /// Writes `bytes` at `offset` and syncs the file (data and size).
    private func write(_ bytes: [UInt8], at offset: Int) throws(TSEError) {
        do {
            try Syscall.writeAll(descriptor, bytes, at: Int64(offset))
            try Syscall.fsync(descriptor)
        } catch {
            throw .storage("Signaturprotokoll \(path) nicht geschrieben: \(error.message)")
        }
        size = max(size, offset + bytes.count)
    }
}
