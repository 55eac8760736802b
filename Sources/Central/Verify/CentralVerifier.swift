import Foundation

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

/// `central verify` (docs/central.md, "Verify"): the chain of every register recomputed by the
/// server (``CentralStore/chainCheck(registers:)``: every hash over the stored canonical bytes,
/// every link, no gap, each entry's header against its journal row); with `rows`, also every
/// typed row against the canonical bytes field by field (so a changed amount in `sales` is found
/// as well as a changed `canonical`) and the counts of lines, shares, payments and refunds. Also
/// names a counter whose reported chain head went backwards (its local ledger lost its tail).
public struct CentralVerifier {
    let store: CentralStore
    let chunkSize: Int

    public init(store: CentralStore, chunkSize: Int = 2000) {
        self.store = store
        self.chunkSize = chunkSize
    }

    public func verify(registers only: [String] = [], rows: Bool = false) throws -> CentralVerification {
        var report = CentralVerification()
        let registers = try store.registers().filter { only.isEmpty || only.contains($0) }
        let chain = try store.chainCheck(registers: only.isEmpty ? nil : registers)
        report.entries = chain.entries
        // One problem per entry: a gap before a broken link before a wrong hash before a header.
        var found: [String: [Int64: CentralStore.ChainFinding]] = [:]
        for finding in chain.findings {
            if let held = found[finding.register]?[finding.seq], held.kind.rank <= finding.kind.rank { continue }
            found[finding.register, default: [:]][finding.seq] = finding
        }
        for findings in found.values {
            for finding in findings.values {
                report.problems.append(CentralProblem(register: finding.register, seq: finding.seq, message: try message(finding)))
            }
        }
        for register in registers {
            if rows { report.problems += try compareRows(register: register, skipping: Set(found[register]?.keys.map { $0 } ?? [])) }
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

    /// The German text of a finding; for a header, which of its lines disagrees (the entry is read).
    private func message(_ finding: CentralStore.ChainFinding) throws -> String {
        switch finding.kind {
        case .gap: return "Lücke in der Zentrale: nach Buchung \(finding.previousSeq) folgt \(finding.seq)"
        case .link: return "Vorgänger-Hash passt nicht zur Buchung \(finding.previousSeq)"
        case .hash: return "Hash passt nicht zu den gespeicherten Buchungsdaten"
        case .header:
            guard let entry = try store.journalChunk(register: finding.register, after: finding.seq - 1, limit: 1).first,
                let parsed = CanonicalFields(entry.canonical)
            else { return "Buchungsdaten nicht lesbar" }
            let mismatch = parsed.headerMismatch(
                seq: entry.seq, kind: entry.kind, ref: entry.ref, recordedAtMs: entry.recordedAtMs, previousHash: entry.previousHash)
            return "Journalzeile passt nicht zu den Buchungsdaten (\(mismatch ?? "Kopf"))"
        }
    }

    /// Every typed row of `register` against the canonical bytes of its entry, chunk by chunk
    /// (entries in `damaged` failed the chain check already: their bytes are not trusted).
    private func compareRows(register: String, skipping damaged: Set<Int64>) throws -> [CentralProblem] {
        var problems: [CentralProblem] = []
        let deliveredEarlyThrough = try store.lastEntryDelivered(register: register, beforeMigration: centralColumnsAddedInVersion)
        // The next chunk is read from the server while this one is compared.
        var after: Int64 = 0
        var done = false
        let reader = Prefetcher<RowChunk> { [store, chunkSize] in
            guard !done else { return nil }
            let entries = try store.journalChunk(register: register, after: after, limit: chunkSize)
            guard let first = entries.first?.seq, let last = entries.last?.seq else { return nil }
            var rows: [StoredRow] = []
            for table in CentralRows.allTables { rows += try store.typedRows(table: table, register: register, range: first...last) }
            after = last
            done = entries.count < chunkSize
            return RowChunk(entries: entries, rows: rows)
        }
        defer { reader.cancel() }
        while let chunk = try reader.next() {
            var fields: [Int64: CanonicalFields] = [:]
            fields.reserveCapacity(chunk.entries.count)
            for entry in chunk.entries where !damaged.contains(entry.seq) {
                if let parsed = CanonicalFields(entry.canonical) { fields[entry.seq] = parsed }
            }
            problems += checkRows(register: register, chunk: chunk, fields: fields, deliveredEarlyThrough: deliveredEarlyThrough)
        }
        return problems
    }

    /// The typed rows of the entries of `chunk` against their canonical bytes. Entries and their
    /// fields are found by position (`seq` minus the chunk's first), not through a dictionary.
    private func checkRows(register: String, chunk: RowChunk, fields: [Int64: CanonicalFields], deliveredEarlyThrough: Int64) -> [CentralProblem] {
        guard let first = chunk.entries.first?.seq, let last = chunk.entries.last?.seq, last >= first else { return [] }
        let span = Int(last - first) + 1
        var parsed = [CanonicalFields?](repeating: nil, count: span)
        for (seq, value) in fields { parsed[Int(seq - first)] = value }
        var problems = [String?](repeating: nil, count: span)
        var tallies = [RowTally](repeating: RowTally(), count: span)
        for row in chunk.rows {
            guard row.seq >= first, row.seq <= last else { continue }
            let index = Int(row.seq - first)
            tallies[index].add(row.counterKey)
            guard problems[index] == nil, let canonical = parsed[index] else { continue }
            if let mismatch = canonical.mismatch(row, deliveredEarly: row.seq <= deliveredEarlyThrough) { problems[index] = "\(row.table): \(mismatch)" }
        }
        var found: [CentralProblem] = []
        for entry in chunk.entries {
            let index = Int(entry.seq - first)
            guard index >= 0, index < span else { continue }
            if problems[index] == nil, let canonical = parsed[index] {
                problems[index] = canonical.countMismatch(kind: entry.kind, rows: tallies[index])
            }
            if let problem = problems[index] {
                found.append(CentralProblem(register: register, seq: entry.seq, message: problem))
                problems[index] = nil
            }
        }
        return found
    }
}

/// How many typed rows an entry has per count (`sales`, `sale_lines`, `line.1.shares`, …): a
/// handful of keys per entry, searched in order.
struct RowTally {
    private var keys: [String] = []
    private var counts: [Int] = []

    mutating func add(_ key: String) {
        if let index = keys.firstIndex(of: key) {
            counts[index] += 1
        } else {
            keys.append(key)
            counts.append(1)
        }
    }

    subscript(key: String) -> Int? { keys.firstIndex(of: key).map { counts[$0] } }
}

/// Journal rows and their typed rows, for comparing them (the rows table by table in
/// ``CentralRows/allTables`` order).
struct RowChunk {
    let entries: [CentralStore.StoredEntry]
    let rows: [StoredRow]
}

/// One typed row read back: its entry, its canonical field prefix (`line.2.`) and its columns.
struct StoredRow {
    let table: String
    let seq: Int64
    /// The canonical names' prefix of a child row (`line.N.`, `line.N.share.M.`, `payment.N.`, `refund.N.`).
    let prefix: String
    let columns: [String]
    /// The canonical names of the columns (`prefix` + column), made once per prefix and table.
    let names: [String]
    /// Whether each column is a `boolean` (read back as `t`/`f`, written as `1`/`0`).
    let booleans: [Bool]
    let values: [String?]
    /// Which count this row adds to (`sales`, `sale_lines`, `line.1.shares`, …).
    let counterKey: String
}

/// The fields of an entry's canonical bytes: the header and then `name=value` (or `name` for an
/// absent value) per line, escapes undone (Sources/Ledger/Chain/CanonicalEncoding.swift).
///
/// Parsed in one pass into byte ranges of the entry's own bytes and an open-addressing table of
/// the body's names (FNV-1a over the bytes): no text, no dictionary per field; a value is made a
/// `String` only for a message. Verify reads every entry's fields.
struct CanonicalFields {
    /// One line: name and value as ranges of `bytes` (`valueStart < 0`: absent value).
    private struct Field {
        var nameStart: Int32
        var nameLength: Int32
        var valueStart: Int32
        var valueLength: Int32
        var escaped: Bool
    }

    private let bytes: [UInt8]
    private var header: [Field] = []
    private var body: [Field] = []
    /// Index + 1 into `body` per slot (0: empty); a power of two, at least twice the fields.
    private var slots: [Int32] = []

    init?(_ bytes: [UInt8]) {
        self.bytes = bytes
        body.reserveCapacity(128)
        header.reserveCapacity(5)
        var header = self.header
        var body = self.body
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
                    let nameEnd = equals < 0 ? end : equals
                    let field = Field(
                        nameStart: Int32(start), nameLength: Int32(nameEnd - start), valueStart: equals < 0 ? -1 : Int32(equals + 1),
                        valueLength: equals < 0 ? 0 : Int32(end - equals - 1), escaped: escaped)
                    if lineIndex <= 5 { header.append(field) } else { body.append(field) }
                }
                lineIndex += 1
                start = end + 1
            }
            return lineIndex >= 6
        }
        guard parsed else { return nil }
        self.header = header
        self.body = body
        var size = 16
        while size < 2 * body.count { size <<= 1 }
        var slots = [Int32](repeating: 0, count: size)
        bytes.withUnsafeBufferPointer { buffer in
            for (index, field) in body.enumerated() {
                let name = UnsafeBufferPointer(rebasing: buffer[Int(field.nameStart)..<Int(field.nameStart + field.nameLength)])
                var slot = Self.fnv1a(name) & (size - 1)
                while slots[slot] != 0 {
                    let other = body[Int(slots[slot]) - 1]
                    if other.nameLength == field.nameLength
                        && memcmp(buffer.baseAddress! + Int(other.nameStart), name.baseAddress!, Int(field.nameLength)) == 0
                    {
                        break  // the same name again: the later line counts
                    }
                    slot = (slot + 1) & (size - 1)
                }
                slots[slot] = Int32(index + 1)
            }
        }
        self.slots = slots
    }

    private static func fnv1a(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }

    /// The body field called `name`, if the bytes have it.
    private func field(_ name: String) -> Field? {
        var name = name
        return name.withUTF8 { key -> Field? in
            bytes.withUnsafeBufferPointer { buffer -> Field? in
                var slot = Self.fnv1a(key) & (slots.count - 1)
                while slots[slot] != 0 {
                    let field = body[Int(slots[slot]) - 1]
                    if Int(field.nameLength) == key.count
                        && (key.isEmpty || memcmp(buffer.baseAddress! + Int(field.nameStart), key.baseAddress!, key.count) == 0)
                    {
                        return field
                    }
                    slot = (slot + 1) & (slots.count - 1)
                }
                return nil
            }
        }
    }

    /// The value of `field` as text, escapes undone; nil for an absent value.
    private func text(_ field: Field) -> String? {
        guard field.valueStart >= 0 else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            let raw = UnsafeBufferPointer(rebasing: buffer[Int(field.valueStart)..<Int(field.valueStart + field.valueLength)])
            return field.escaped ? Self.unescape(raw) : String(decoding: raw, as: UTF8.self)
        }
    }

    /// Whether `field`'s value is `value` (both absent, or the same text), without making a text.
    private func value(of field: Field, equals expected: String?) -> Bool {
        guard var expected else { return field.valueStart < 0 }
        guard field.valueStart >= 0 else { return false }
        if field.escaped { return text(field) == expected }
        return expected.withUTF8 { text in
            text.count == Int(field.valueLength)
                && (text.isEmpty
                    || bytes.withUnsafeBufferPointer { memcmp($0.baseAddress! + Int(field.valueStart), text.baseAddress!, text.count) == 0 })
        }
    }

    /// The body's value called `name`: nil if the name is not there, `.some(nil)` for an absent value.
    func body(_ name: String) -> String?? { field(name).map { text($0) } }

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

    /// The header's value called `name` (the first five lines after the tag).
    private func headerField(_ name: String) -> Field? {
        header.first { field in
            Int(field.nameLength) == name.utf8.count
                && bytes[Int(field.nameStart)..<Int(field.nameStart + field.nameLength)].elementsEqual(name.utf8)
        }
    }

    func headerMismatch(seq: Int64, kind: String, ref: String, recordedAtMs: Int64, previousHash: String) -> String? {
        for (name, expected, label) in [
            ("seq", String(seq), "seq"), ("kind", kind, "kind"), ("ref", ref, "ref"), ("recorded_at_ms", String(recordedAtMs), "recorded_at_ms"),
            ("prev", previousHash, "prev_hash"),
        ] {
            guard let field = headerField(name), value(of: field, equals: expected) else { return label }
        }
        return nil
    }

    /// Fields written only when they have a value (absent from the bytes = NULL).
    private static let optionalFields: Set<String> = [
        "received_by", "received_by_operator", "counted_pieces", "card_approved_cents", "catalog_version", "tax_treatment", "tax_rate",
        "tax_rate_bp", "tax_vat_cents", "tax_legal_basis", "card_receipt_attributes", "card_merchant_receipt_text",
        "card_merchant_receipt_attributes",
    ]

    /// The first column of `row` that disagrees with the bytes. `delivered early`: the row came
    /// before migration 5, so a NULL in a column it added is no disagreement.
    func mismatch(_ row: StoredRow, deliveredEarly: Bool) -> String? {
        let addedLater = deliveredEarly ? centralColumnsAddedLater[row.table] : nil
        for index in row.values.indices {
            var stored = row.values[index]
            if stored == nil, addedLater?.contains(row.columns[index]) == true { continue }
            if row.booleans[index], let v = stored, v == "t" || v == "f" { stored = v == "t" ? "1" : "0" }
            if let field = field(row.names[index]) {
                if value(of: field, equals: stored) { continue }
                return "\(row.names[index]) ist »\(stored ?? "NULL")«, gebucht war »\(text(field) ?? "NULL")«"
            }
            guard Self.optionalFields.contains(row.columns[index]) else { return "\(row.names[index]) fehlt in den Buchungsdaten" }
            if let stored { return "\(row.names[index]) ist »\(stored)«, gebucht war »NULL«" }
        }
        return nil
    }

    static let booleanColumns: Set<String> = ["pass_through", "at_startup", "is_repeat"]

    /// Whether the entry's rows are all there: its main row once, as many lines, shares, payments
    /// and refunds as the bytes count.
    func countMismatch(kind: String, rows: RowTally) -> String? {
        guard let main = CentralRows.mainTable(ofKind: kind) else { return nil }
        if rows[main] != 1 { return "\(main): Datensatz fehlt" }
        func count(_ field: String, _ key: String) -> String? {
            let expected = Int(body(field).flatMap { $0 } ?? "0") ?? -1
            let got = rows[key] ?? 0
            return expected == got ? nil : "\(key): \(got) Zeilen, gebucht waren \(expected)"
        }
        switch kind {
        case "sale":
            if let m = count("lines", "sale_lines") ?? count("payments", "payments") { return m }
            let lines = Int(body("lines").flatMap { $0 } ?? "0") ?? 0
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
