/// The chain recomputed by the server (docs/central.md, "Verify"): `central verify` sends two
/// queries and reads back only what is wrong, not the 1.5 KB of canonical bytes per entry.
///
/// - Every entry's SHA-256 over its stored `canonical` against its `hash`: a parallel scan
///   (PostgreSQL's `sha256()`, 11 or later), grouped by register so that the counts come with it.
/// - In `seq` order per register (a window over the primary key): no gap; `prev_hash` is the
///   previous entry's `hash` (zeros for entry 1); the canonical bytes begin with the journal row's
///   own header (`webkasse-ledger/1`, `seq`, `kind`, `ref`, `recorded_at_ms`, `prev`, escaped as in
///   Sources/Ledger/Chain/CanonicalEncoding.swift).
extension CentralStore {
    /// What the server found wrong with one entry of the chain.
    struct ChainFinding {
        enum Kind: String {
            case gap, link, hash, header
            /// Which finding is named when an entry has several (the earlier case first).
            var rank: Int { [Kind.gap, .link, .hash, .header].firstIndex(of: self)! }
        }
        let register: String
        let seq: Int64
        let kind: Kind
        /// The entry before it at the centre (0: none).
        let previousSeq: Int64
    }

    /// Entry counts per register and the findings, for `registers` (nil: every register).
    func chainCheck(registers: [String]?) throws -> (entries: [String: Int64], findings: [ChainFinding]) {
        var entries: [String: Int64] = [:]
        var findings: [ChainFinding] = []
        for scope in registers.map({ $0.map { Optional($0) } }) ?? [nil] {
            let filter = scope == nil ? "" : "WHERE register_id = $1"
            let parameters: [PostgreSQLValue] = scope.map { [.text($0)] } ?? []
            try run {
                let hashes = try connection.execute(
                    """
                    SELECT register_id, count(*), count(*) FILTER (WHERE encode(sha256(canonical), 'hex') <> hash)
                    FROM journal \(filter) GROUP BY register_id
                    """, parameters)
                var wrongHashes: [String] = []
                for row in 0..<hashes.rowCount {
                    guard let register = hashes.text(row, 0) else { continue }
                    entries[register] = hashes.int64(row, 1) ?? 0
                    if (hashes.int64(row, 2) ?? 0) > 0 { wrongHashes.append(register) }
                }
                // Only after a finding: which entries (rare, so one more pass per register).
                for register in wrongHashes {
                    let wrong = try connection.execute(
                        "SELECT seq FROM journal WHERE register_id = $1 AND encode(sha256(canonical), 'hex') <> hash ORDER BY seq", [.text(register)])
                    for row in 0..<wrong.rowCount {
                        findings.append(ChainFinding(register: register, seq: wrong.int64(row, 0) ?? 0, kind: .hash, previousSeq: 0))
                    }
                }
                let links = try connection.execute(
                    """
                    SELECT register_id, seq, coalesce(previous_seq, 0),
                        CASE WHEN seq <> coalesce(previous_seq, 0) + 1 THEN 'gap'
                             WHEN prev_hash <> coalesce(previous_hash, repeat('0', 64)) THEN 'link'
                             ELSE 'header' END
                    FROM (
                        SELECT register_id, seq, prev_hash, lag(seq) OVER w AS previous_seq, lag(hash) OVER w AS previous_hash,
                            substring(canonical FOR octet_length(header)) = header AS header_matches
                        FROM (
                            SELECT register_id, seq, prev_hash, hash, canonical,
                                convert_to('webkasse-ledger/1' || E'\\nseq=' || seq
                                    || E'\\nkind=' || replace(replace(replace(kind, E'\\\\', E'\\\\\\\\'), E'\\n', E'\\\\n'), E'\\r', E'\\\\r')
                                    || E'\\nref=' || replace(replace(replace(ref, E'\\\\', E'\\\\\\\\'), E'\\n', E'\\\\n'), E'\\r', E'\\\\r')
                                    || E'\\nrecorded_at_ms=' || recorded_at_ms || E'\\nprev=' || prev_hash || E'\\n', 'UTF8') AS header
                            FROM journal \(filter)
                        ) rows
                        WINDOW w AS (PARTITION BY register_id ORDER BY seq)
                    ) chain
                    WHERE seq <> coalesce(previous_seq, 0) + 1 OR prev_hash <> coalesce(previous_hash, repeat('0', 64)) OR NOT header_matches
                    """, parameters)
                for row in 0..<links.rowCount {
                    guard let register = links.text(row, 0), let kind = links.text(row, 3).flatMap(ChainFinding.Kind.init(rawValue:)) else { continue }
                    findings.append(
                        ChainFinding(register: register, seq: links.int64(row, 1) ?? 0, kind: kind, previousSeq: links.int64(row, 2) ?? 0))
                }
            }
        }
        return (entries, findings)
    }

    /// The last entry of `register` the centre received before migration `version` was applied
    /// (0: none): its rows lack the columns that migration added.
    func lastEntryDelivered(register: String, beforeMigration version: Int) throws -> Int64 {
        try run {
            try connection.execute(
                """
                SELECT coalesce(max(seq), 0) FROM journal WHERE register_id = $1
                    AND received_at < (SELECT applied_at FROM central_schema_version WHERE version = $2)
                """, [.text(register), .int(version)]
            ).int64(0, 0) ?? 0
        }
    }
}
