import Foundation
import KasseCrypto

/// A problem `central verify` found, naming the register and the entry.
public struct CentralProblem: Equatable, Sendable, CustomStringConvertible {
    public let register: String
    public let seq: Int64?
    public let message: String

    public var description: String {
        "Kasse \(register)" + (seq.map { ", Buchung \($0)" } ?? "") + ": \(message)"
    }
}

/// What `central verify` checked and found.
public struct CentralVerification: Sendable {
    public var entries: [String: Int64] = [:]
    public var problems: [CentralProblem] = []
    public var isClean: Bool { problems.isEmpty }
    /// The first bad entry of each register (the chain after it cannot be trusted either).
    public var firstProblemPerRegister: [CentralProblem] {
        var seen = Set<String>()
        return problems.filter { seen.insert($0.register).inserted }
    }
}

/// Recomputes every register's chain at the centre (docs/central.md, "Verify"): per entry in
/// `seq` order, no gap; `prev_hash` is the previous entry's `hash`; SHA-256 of the stored canonical
/// bytes is `hash`; the bytes' first lines agree with the journal row; every typed row agrees
/// with the canonical bytes field by field (so a changed amount in `sales` is found as well as a
/// changed `canonical`); the counts of lines, shares, payments and refunds agree. Also names a
/// counter whose reported chain head went backwards (its local ledger lost its tail).
public struct CentralVerifier {
    let store: CentralStore
    let chunkSize: Int

    public init(store: CentralStore, chunkSize: Int = 2000) {
        self.store = store
        self.chunkSize = chunkSize
    }

    public func verify(registers only: [String] = []) throws -> CentralVerification {
        var report = CentralVerification()
        let registers = try store.registers().filter { only.isEmpty || only.contains($0) }
        for register in registers {
            var count: Int64 = 0
            var previous: (seq: Int64, hash: String) = (0, String(repeating: "0", count: 64))
            while true {
                let chunk = try store.journalChunk(register: register, after: previous.seq, limit: chunkSize)
                if chunk.isEmpty { break }
                var fields: [Int64: CanonicalFields] = [:]
                for entry in chunk {
                    count += 1
                    var problem: String?
                    if entry.seq != previous.seq + 1 {
                        problem = "Lücke in der Zentrale: nach Buchung \(previous.seq) folgt \(entry.seq)"
                    } else if entry.previousHash != previous.hash {
                        problem = "Vorgänger-Hash passt nicht zur Buchung \(previous.seq)"
                    } else if LibCrypto.sha256(entry.canonical).hexString != entry.hash {
                        problem = "Hash passt nicht zu den gespeicherten Buchungsdaten"
                    } else if let parsed = CanonicalFields(entry.canonical) {
                        if let mismatch = parsed.headerMismatch(
                            seq: entry.seq, kind: entry.kind, ref: entry.ref, recordedAtMs: entry.recordedAtMs, previousHash: entry.previousHash)
                        {
                            problem = "Journalzeile passt nicht zu den Buchungsdaten (\(mismatch))"
                        } else {
                            fields[entry.seq] = parsed
                        }
                    } else {
                        problem = "Buchungsdaten nicht lesbar"
                    }
                    if let problem {
                        report.problems.append(CentralProblem(register: register, seq: entry.seq, message: problem))
                    }
                    previous = (entry.seq, entry.hash)
                }
                report.problems += try checkRows(register: register, chunk: chunk, fields: fields)
                if chunk.count < chunkSize { break }
            }
            report.entries[register] = count
            if let backwards = try store.headWentBackwards(register: register) {
                report.problems.append(
                    CentralProblem(
                        register: register, seq: backwards.seq,
                        message:
                            "der Kopf des Kassenbuchs der Kasse ging zurück: gemeldet \(backwards.seq) am \(backwards.at), vorher \(backwards.before) (Ende des Kassenbuchs verloren oder ersetzt)"
                    ))
            }
        }
        report.problems.sort { ($0.register, $0.seq ?? 0) < ($1.register, $1.seq ?? 0) }
        return report
    }

    /// The typed rows of the entries of `chunk` against their canonical bytes.
    private func checkRows(register: String, chunk: [CentralStore.StoredEntry], fields: [Int64: CanonicalFields]) throws -> [CentralProblem] {
        guard let first = chunk.first?.seq, let last = chunk.last?.seq else { return [] }
        var problems: [Int64: String] = [:]
        var rowCounts: [Int64: [String: Int]] = [:]
        for table in CentralRows.allTables {
            let rows = try store.typedRows(table: table, register: register, range: first...last)
            for row in rows {
                rowCounts[row.seq, default: [:]][row.counterKey, default: 0] += 1
                guard let canonical = fields[row.seq] else { continue }
                if problems[row.seq] != nil { continue }
                if let mismatch = canonical.mismatch(row) { problems[row.seq] = "\(table): \(mismatch)" }
            }
        }
        for entry in chunk {
            guard let canonical = fields[entry.seq], problems[entry.seq] == nil else { continue }
            if let mismatch = canonical.countMismatch(kind: entry.kind, rows: rowCounts[entry.seq] ?? [:]) { problems[entry.seq] = mismatch }
        }
        return problems.sorted { $0.key < $1.key }.map { CentralProblem(register: register, seq: $0.key, message: $0.value) }
    }
}

/// One typed row read back: its entry, its canonical field prefix (`line.2.`) and its columns.
struct StoredRow {
    let table: String
    let seq: Int64
    /// The canonical names' prefix of a child row (`line.N.`, `line.N.share.M.`, `payment.N.`, `refund.N.`).
    let prefix: String
    let columns: [String]
    let values: [String?]
    /// Which count this row adds to (`sales`, `sale_lines`, `line.1.shares`, …).
    let counterKey: String
}

/// The fields of an entry's canonical bytes: the header and then `name=value` (or `name` for an
/// absent value) per line, escapes undone (Sources/Ledger/Chain/CanonicalEncoding.swift).
struct CanonicalFields {
    var header: [String: String?] = [:]
    var body: [String: String?] = [:]

    /// Parses the bytes in one pass over the buffer (no text copy, no split): verify reads every
    /// entry's fields.
    init?(_ bytes: [UInt8]) {
        body.reserveCapacity(128)
        let parsed = bytes.withUnsafeBufferPointer { buffer -> Bool in
            let tag = Array("webkasse-ledger/1".utf8)
            var lineIndex = 0
            var start = 0
            while start < buffer.count {
                var end = start
                var equals = -1
                var escaped = false
                while end < buffer.count && buffer[end] != 0x0A {
                    if equals < 0 && buffer[end] == 0x3D { equals = end }
                    if buffer[end] == 0x5C { escaped = true }
                    end += 1
                }
                if lineIndex == 0 {
                    guard end - start == tag.count, tag.withUnsafeBufferPointer({ memcmp(buffer.baseAddress! + start, $0.baseAddress!, tag.count) == 0 })
                    else { return false }
                } else {
                    let name = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<(equals < 0 ? end : equals)]), as: UTF8.self)
                    var value: String?
                    if equals >= 0 {
                        let raw = UnsafeBufferPointer(rebasing: buffer[(equals + 1)..<end])
                        value = escaped ? Self.unescape(raw) : String(decoding: raw, as: UTF8.self)
                    }
                    if lineIndex <= 5 { header[name] = value } else { body[name] = value }
                }
                lineIndex += 1
                start = end + 1
            }
            return lineIndex >= 6
        }
        guard parsed else { return nil }
    }

    /// `\\` → `\`, `\n` → line feed, `\r` → carriage return (Sources/Ledger/Chain/CanonicalEncoding.swift).
    private static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var escaping = false
        for byte in raw {
            if escaping {
                out.append(byte == UInt8(ascii: "n") ? 0x0A : byte == UInt8(ascii: "r") ? 0x0D : byte)
                escaping = false
            } else if byte == 0x5C {
                escaping = true
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    func headerMismatch(seq: Int64, kind: String, ref: String, recordedAtMs: Int64, previousHash: String) -> String? {
        if header["seq"] != .some(String(seq)) { return "seq" }
        if header["kind"] != .some(kind) { return "kind" }
        if header["ref"] != .some(ref) { return "ref" }
        if header["recorded_at_ms"] != .some(String(recordedAtMs)) { return "recorded_at_ms" }
        if header["prev"] != .some(previousHash) { return "prev_hash" }
        return nil
    }

    /// Fields written only when they have a value (absent from the bytes = NULL).
    private static let optionalFields: Set<String> = [
        "received_by", "received_by_operator", "counted_pieces", "card_approved_cents", "catalog_version", "tax_treatment", "tax_rate",
        "tax_rate_bp", "tax_vat_cents", "tax_legal_basis",
    ]

    /// The first column of `row` that disagrees with the bytes.
    func mismatch(_ row: StoredRow) -> String? {
        for (column, value) in zip(row.columns, row.values) {
            let name = row.prefix + column
            let expected: String??
            if let field = body[name] {
                expected = .some(field)
            } else if Self.optionalFields.contains(column) {
                expected = .some(nil)
            } else {
                return "\(name) fehlt in den Buchungsdaten"
            }
            var stored = value
            if let v = value, v == "t" || v == "f", Self.booleanColumns.contains(column) { stored = v == "t" ? "1" : "0" }
            if expected! != stored {
                return "\(name) ist »\(stored ?? "NULL")«, gebucht war »\(expected!.map { $0 } ?? "NULL")«"
            }
        }
        return nil
    }

    private static let booleanColumns: Set<String> = ["pass_through", "at_startup", "is_repeat"]

    /// Whether the entry's rows are all there: its main row once, as many lines, shares, payments
    /// and refunds as the bytes count.
    func countMismatch(kind: String, rows: [String: Int]) -> String? {
        guard let main = CentralRows.mainTable(ofKind: kind) else { return nil }
        if rows[main] != 1 { return "\(main): Datensatz fehlt" }
        func count(_ field: String, _ key: String) -> String? {
            let expected = Int(body[field].flatMap { $0 } ?? "0") ?? -1
            let got = rows[key] ?? 0
            return expected == got ? nil : "\(key): \(got) Zeilen, gebucht waren \(expected)"
        }
        switch kind {
        case "sale":
            if let m = count("lines", "sale_lines") ?? count("payments", "payments") { return m }
            let lines = Int(body["lines"].flatMap { $0 } ?? "0") ?? 0
            if lines > 0 {
                for line in 1...lines {
                    if let m = count("line.\(line).shares", "line.\(line).shares") { return m }
                }
            }
            return nil
        case "storno": return count("refunds", "storno_refunds")
        default: return nil
        }
    }
}
