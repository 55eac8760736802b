import Ledger

/// The centre as a witness of a counter's ledger (docs/central.md, "Verify"): `webkasse verify`
/// with `[central]` compares the local chain with the centre's copy, so that a deleted or
/// rewritten tail of the local ledger is named with its register and entry number.
public enum CentralComparison: Equatable, Sendable {
    /// The centre holds nothing of this register yet.
    case nothingAtCentre
    /// Both agree on every entry the centre holds (`through`); the rest is not delivered yet.
    case agrees(through: Int64, localHead: Int64)
    /// The centre holds entries up to `centralHead`, the ledger only up to `localHead`: its tail is gone.
    case localTailMissing(localHead: Int64, centralHead: Int64)
    /// From `seq` on the ledger's entries differ from the centre's: rewritten (or a fork).
    case differs(from: Int64)

    /// The German line `webkasse verify` prints; nil when all is well.
    public func problem(register: String) -> String? {
        switch self {
        case .nothingAtCentre, .agrees: return nil
        case .localTailMissing(let local, let central):
            return
                "Kasse \(register), Buchung \(local + 1): fehlt im Kassenbuch – die Zentrale hat die Buchungen bis \(central), das Kassenbuch endet bei \(local) (Ende gelöscht oder abgeschnitten)."
        case .differs(let seq):
            return "Kasse \(register), Buchung \(seq): weicht von der Zentrale ab (anderer Hash) – das Kassenbuch wurde ab hier verändert oder ersetzt."
        }
    }
}

extension CentralStore {
    /// The centre's hash of `register`'s entry `seq`, if it holds it.
    func hash(register: String, seq: Int64) throws -> String? {
        try run {
            try connection.executePrepared(
                "central_entry_hash", "SELECT hash FROM journal WHERE register_id = $1 AND seq = $2", [.text(register), .int(seq)]
            ).text(0, 0)
        }
    }

    /// Compares `ledger`'s chain with the centre's copy of `register`. Chained hashes agree up to
    /// an entry only if they agree on every entry before it, so the first difference is found by
    /// bisection (a few queries, whatever the length). `centralHead`: the centre's head when the
    /// caller has just asked for it.
    public func compare(_ ledger: Ledger, register: String, centralHead: (seq: Int64, hash: String)? = nil) throws -> CentralComparison {
        let central = try centralHead ?? head(register: register)
        guard central.seq > 0 else { return .nothingAtCentre }
        let local = try ledger.chainHead()
        let common = min(local.seq, central.seq)
        func same(_ seq: Int64) throws -> Bool {
            guard let mine = try ledger.entry(at: seq)?.hash else { return false }
            return try (seq == central.seq ? central.hash : hash(register: register, seq: seq)) == mine
        }
        if common > 0, try !same(common) {
            var low: Int64 = 1  // first candidate for the first difference
            var high = common  // known to differ
            while low < high {
                let middle = low + (high - low) / 2
                if try same(middle) { low = middle + 1 } else { high = middle }
            }
            return .differs(from: high)
        }
        if central.seq > local.seq { return .localTailMissing(localHead: local.seq, centralHead: central.seq) }
        return .agrees(through: central.seq, localHead: local.seq)
    }
}
