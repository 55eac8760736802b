import Foundation
import KasseCore

/// One problem `verify` found, naming the entry.
public struct LedgerProblem: Equatable, Sendable, CustomStringConvertible {
    public enum Check: String, Sendable {
        /// Hash chain: a changed, inserted, deleted or reordered entry.
        case chain
        /// Journal sequence numbers with a gap or out of order.
        case sequence
        /// A record's main row is missing, or a row belongs to no entry.
        case missingOrExtraRow
        /// Receipt numbers not gapless per register.
        case receipts
        /// A record that does not add up (unbalanced sale, storno refunds, …).
        case balance
        /// A storno that references no sale, or a sale cancelled twice.
        case storno
        /// Day-close totals that do not match the bookings, or a Z number out of sequence.
        case dayClose
        /// A booking outside an open shift or into a closed day.
        case shift
        /// A card payment resolution without its pending record, or resolved twice.
        case cardPayment
        /// The append-only triggers are missing.
        case schema
    }

    public let check: Check
    public let seq: Int64?
    public let kind: String?
    public let receiptNumber: Int64?
    public let message: String

    public init(check: Check, seq: Int64?, kind: String?, receiptNumber: Int64?, message: String) {
        self.check = check
        self.seq = seq
        self.kind = kind
        self.receiptNumber = receiptNumber
        self.message = message
    }

    /// "Eintrag 17 (Verkauf, Beleg 12): …"
    public var place: String {
        guard let seq else { return "Kassenbuch" }
        var parts: [String] = []
        if let kind { parts.append(EntryKind(rawValue: kind)?.label ?? kind) }
        if let receiptNumber { parts.append("Beleg \(receiptNumber)") }
        return "Eintrag \(seq)" + (parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))")
    }

    public var description: String { "\(place): \(message)" }
}

/// The result of `verify`.
public struct VerificationReport: Sendable {
    public let entryCount: Int64
    public let problems: [LedgerProblem]
    public let duration: TimeInterval
    public var isClean: Bool { problems.isEmpty }
    /// The first bad entry (lowest sequence number), or a schema problem.
    public var firstProblem: LedgerProblem? { problems.first }
}

/// The checks of `verify` as a pure fold over the entries in journal order: feed ``consume(_:)``
/// every item, then read ``problems``. Keeps one small summary per sale (for storno checks).
/// Sales come either decoded (``ReadItem``) or as read straight from the rows (``SaleEntry``);
/// both go through the same checks.
struct Verifier {
    private struct SaleSummary {
        let total: Int64
        let cash: Int64, cheque: Int64, card: Int64
        let receiptNumber: Int64
        var cancelled = false
    }

    /// The entry being checked, for naming it in problems.
    private struct Place {
        let seq: Int64
        let kind: String
        let receipt: Int64?
    }

    private(set) var problems: [LedgerProblem] = []
    private(set) var entryCount: Int64 = 0
    private var expectedSeq: Int64 = 1
    /// The previous entry's stored hash (its text's UTF-8 bytes).
    private var previousHash = Array(JournalEntry.genesisHash.utf8)
    private var nextReceipt: Int64 = 1
    private var nextZ: Int64 = 1
    /// Sale id → index in `saleSummaries` (a small dictionary value: with a million sales the
    /// table's memory, not the lookups, is what costs).
    private var sales: [String: Int32] = [:]
    private var saleSummaries: [SaleSummary] = []
    private var pending: Set<String> = []
    private var resolved: Set<String> = []
    private var period = DayTotals()
    private var lastCloseSeq: Int64 = 0
    private var openShift: String?
    private var lastClosedDate: String?
    private let scratch = CanonicalScratch()

    init(expectedSales: Int = 0) {
        sales.reserveCapacity(expectedSales)
        saleSummaries.reserveCapacity(expectedSales)
    }

    mutating func consume(_ item: VerifyItem) {
        switch item {
        case .decoded(let item): consume(item)
        case .sale(let entry): consume(entry)
        }
    }

    mutating func consume(_ item: ReadItem) {
        switch item {
        case .orphan(let table, let seq):
            add(
                .missingOrExtraRow, seq: seq, kind: nil, receipt: nil,
                "Zeile in Tabelle \(table) gehört zu keinem Journaleintrag dieser Art (eingefügt, oder ihr Eintrag wurde gelöscht).")
        case .entry(let entry, let event, let receiptIndex):
            consume(entry, event, receiptIndex)
        }
    }

    private mutating func add(_ check: LedgerProblem.Check, seq: Int64?, kind: String?, receipt: Int64?, _ message: String) {
        problems.append(LedgerProblem(check: check, seq: seq, kind: kind, receiptNumber: receipt, message: message))
    }

    private mutating func add(_ place: Place, _ check: LedgerProblem.Check, _ message: String) {
        problems.append(
            LedgerProblem(check: check, seq: place.seq, kind: place.kind, receiptNumber: place.receipt, message: message))
    }

    /// Sequence and chain link of every entry; remembers `hash` for the next one.
    private mutating func checkLink(_ place: Place, previous: UnsafeBufferPointer<UInt8>, hash: UnsafeBufferPointer<UInt8>) {
        entryCount += 1
        let seq = place.seq
        if seq != expectedSeq {
            add(
                place, .sequence,
                seq > expectedSeq
                    ? "Lücke in der Folge: Eintrag \(expectedSeq) bis \(seq - 1) fehlen."
                    : "Folgenummer außer der Reihe (erwartet \(expectedSeq)).")
        }
        expectedSeq = seq + 1
        if !previousHash.withUnsafeBufferPointer({ bytesEqual($0, previous) }) {
            add(
                place, .chain,
                "Die Verkettung ist gebrochen: der Vorgänger-Hash passt nicht zum vorigen Eintrag (Eintrag gelöscht, eingefügt oder umsortiert).")
        }
        previousHash.removeAll(keepingCapacity: true)
        previousHash.append(contentsOf: hash)
    }

    private mutating func checkHash(_ place: Place, matches: Bool, recordProblems: [String]) {
        if !matches {
            add(place, .chain, "Die Prüfsumme stimmt nicht: der Eintrag wurde nach der Buchung verändert.")
        }
        for message in recordProblems { add(place, .balance, message) }
    }

    /// Receipts: gapless per register, and the receipts index agrees (`indexMatches`: its row
    /// exists with this number and the record's id).
    private mutating func checkReceipt(_ place: Place, number: Int64?, indexPresent: Bool, indexMatches: Bool) {
        if let number {
            if number != nextReceipt {
                add(
                    place, .receipts,
                    number > nextReceipt
                        ? "Belegnummer \(number) folgt auf \(nextReceipt - 1): Belege \(nextReceipt)–\(number - 1) fehlen."
                        : "Belegnummer \(number) ist doppelt oder außer der Reihe (erwartet \(nextReceipt)).")
            }
            nextReceipt = max(nextReceipt, number + 1)
            if !indexMatches {
                add(place, .receipts, "Das Belegverzeichnis stimmt nicht mit dem Beleg \(number) überein.")
            }
        } else if indexPresent {
            add(place, .receipts, "Das Belegverzeichnis nennt einen Beleg für einen Eintrag ohne Beleg.")
        }
    }

    /// Shift and business day of a booking.
    private mutating func checkInShift(_ place: Place, _ shiftId: String, _ businessDate: String) {
        if shiftId != openShift {
            add(place, .shift, "Gebucht außerhalb der offenen Schicht (Schicht \(shiftId)).")
        }
        if let closed = lastClosedDate, businessDate <= closed {
            add(place, .shift, "Gebucht in den bereits abgeschlossenen Geschäftstag \(businessDate).")
        }
    }

    private mutating func checkSale(_ place: Place, _ sale: SaleFacts) {
        checkInShift(place, sale.shiftId, sale.businessDate)
        let summary = SaleSummary(
            total: sale.totalCents, cash: sale.cashCents, cheque: sale.chequeCents, card: sale.cardCents,
            receiptNumber: sale.receiptNumber)
        if let index = sales[sale.id] {
            saleSummaries[Int(index)] = summary
            add(place, .balance, "Der Verkauf \(sale.id) ist doppelt gebucht.")
        } else {
            sales[sale.id] = Int32(saleSummaries.count)
            saleSummaries.append(summary)
        }
        period.addSale(
            totalCents: sale.totalCents, cashCents: sale.cashCents, chequeCents: sale.chequeCents, cardCents: sale.cardCents,
            receiptNumber: sale.receiptNumber)
    }

    /// A sale read straight from its rows (the common case).
    private mutating func consume(_ entry: SaleEntry) {
        let place = Place(seq: entry.seq, kind: EntryKind.sale.rawValue, receipt: entry.sale.receiptNumber)
        checkLink(place, previous: entry.previousHash, hash: entry.hash)
        if let journalRef = entry.mismatchedJournalRef {
            add(place, .chain, "Der Datensatz \(entry.sale.id) passt nicht zum Journal (\(journalRef)).")
        }
        checkHash(place, matches: entry.hashMatches, recordProblems: entry.recordProblems)
        checkReceipt(
            place, number: entry.sale.receiptNumber, indexPresent: entry.receiptIndex != nil,
            indexMatches: entry.receiptIndex.map { $0.number == entry.sale.receiptNumber && $0.refMatches } ?? false)
        checkSale(place, entry.sale)
    }

    private mutating func consume(_ entry: JournalEntry, _ event: LedgerEvent?, _ receiptIndex: ReceiptIndexRow?) {
        let seq = entry.seq
        let place = Place(seq: seq, kind: entry.kind, receipt: event?.receiptNumber)
        var previous = entry.previousHash
        var hash = entry.hash
        previous.withUTF8 { previous in hash.withUTF8 { checkLink(place, previous: previous, hash: $0) } }
        guard let event else {
            let known = EntryKind(rawValue: entry.kind) != nil
            add(
                place, .missingOrExtraRow,
                known
                    ? "Der Datensatz \(entry.ref) fehlt (gelöscht)."
                    : "Unbekannte Eintragsart »\(entry.kind)«.")
            return
        }
        if event.ref != entry.ref {
            add(place, .chain, "Der Datensatz \(event.ref) passt nicht zum Journal (\(entry.ref)).")
        }
        let matches = CanonicalEncoding.matches(
            entry.hash, seq: seq, recordedAt: entry.recordedAt, previousHash: entry.previousHash, event: event,
            writer: &scratch.writer)
        checkHash(place, matches: matches, recordProblems: RecordChecks.problems(of: event))
        checkReceipt(
            place, number: event.receiptNumber, indexPresent: receiptIndex != nil,
            indexMatches: receiptIndex.map { $0.number == event.receiptNumber && $0.ref == event.ref } ?? false)

        switch event {
        case .shiftOpened(let shift):
            if let open = openShift {
                add(place, .shift, "Schicht geöffnet, obwohl Schicht \(open) noch offen ist.")
            }
            openShift = shift.id
        case .sale(let sale):
            checkSale(place, SaleFacts(sale))
            return  // checkSale adds it to the period
        case .storno(let storno):
            checkInShift(place, storno.shiftId, storno.businessDate)
            if let index = sales[storno.saleId].map(Int.init) {
                var original = saleSummaries[index]
                if original.cancelled {
                    add(place, .storno, "Der Verkauf mit Beleg \(original.receiptNumber) wurde bereits storniert.")
                }
                if original.total != storno.total.cents {
                    add(
                        place, .storno,
                        "Die Stornosumme \(storno.total.formatted) ist nicht die Summe \(Money(cents: original.total).formatted) von Beleg \(original.receiptNumber)."
                    )
                }
                var refunded: [PaymentMethod: Int64] = [:]
                for refund in storno.refunds { refunded[refund.method, default: 0] += refund.amount.cents }
                let byMethod: [PaymentMethod: Int64] = [.cash: original.cash, .cheque: original.cheque, .card: original.card]
                for method in PaymentMethod.allCases where (refunded[method] ?? 0) != (byMethod[method] ?? 0) {
                    add(
                        place, .storno,
                        "Erstattung \(method.label) \(Money(cents: refunded[method] ?? 0).formatted) passt nicht zur Zahlung auf Beleg \(original.receiptNumber) (\(Money(cents: byMethod[method] ?? 0).formatted))."
                    )
                }
                original.cancelled = true
                saleSummaries[index] = original
            } else {
                add(place, .storno, "Der Storno verweist auf den unbekannten Verkauf \(storno.saleId).")
            }
        case .cashMovement(let movement):
            checkInShift(place, movement.shiftId, movement.businessDate)
        case .dayClose(let close):
            if close.zNumber != nextZ {
                add(place, .dayClose, "Z-Nummer \(close.zNumber) außer der Reihe (erwartet \(nextZ)).")
            }
            nextZ = max(nextZ, close.zNumber + 1)
            if close.afterSeq != lastCloseSeq {
                add(place, .dayClose, "Der Zeitraum beginnt nach Eintrag \(close.afterSeq) statt nach \(lastCloseSeq).")
            }
            if close.shiftId != openShift {
                add(place, .dayClose, "Der Abschluss gehört nicht zur offenen Schicht.")
            }
            for difference in DayTotals.differences(booked: close.totals, recomputed: period) {
                add(place, .dayClose, "Abschlusssumme stimmt nicht mit den Buchungen überein: \(difference).")
            }
            let recomputed = try? period.expectedCash
            if close.expectedCash != recomputed {
                add(
                    place, .dayClose,
                    "Soll-Bestand \(close.expectedCash.formatted) statt \(recomputed?.formatted ?? "Überlauf") laut Buchungen.")
            }
            period = DayTotals()
            lastCloseSeq = seq
            openShift = nil
            lastClosedDate = max(lastClosedDate ?? "", close.businessDate)
        case .cardPending(let card):
            if pending.contains(card.id) { add(place, .cardPayment, "Kartenzahlung \(card.id) doppelt angelegt.") }
            pending.insert(card.id)
        case .cardResolved(let resolution):
            if !pending.contains(resolution.pendingId) {
                add(place, .cardPayment, "Abschluss einer unbekannten Kartenzahlung \(resolution.pendingId).")
            }
            if resolved.contains(resolution.pendingId) {
                add(place, .cardPayment, "Kartenzahlung \(resolution.pendingId) wurde zweimal abgeschlossen.")
            }
            resolved.insert(resolution.pendingId)
            if resolution.outcome == .approved {
                if let saleId = resolution.saleId, sales[saleId] != nil {
                } else {
                    add(place, .cardPayment, "Kartenzahlung \(resolution.pendingId) genehmigt, aber kein Verkauf gebucht.")
                }
            }
        default:
            break
        }
        period.add(event)
    }
}

/// A reusable canonical-bytes buffer for the decoded entries verify hashes.
final class CanonicalScratch {
    var writer = CanonicalWriter()
}

extension DayTotals {
    /// Adds one booked event to the period's totals.
    public mutating func add(_ event: LedgerEvent) {
        func receipt(_ number: Int64) {
            if firstReceipt == nil { firstReceipt = number }
            lastReceipt = number
        }
        switch event {
        case .shiftOpened(let shift):
            float = shift.float
        case .sale(let sale):
            let facts = SaleFacts(sale)
            addSale(
                totalCents: facts.totalCents, cashCents: facts.cashCents, chequeCents: facts.chequeCents,
                cardCents: facts.cardCents, receiptNumber: facts.receiptNumber)
        case .storno(let storno):
            stornoCount += 1
            stornos = Money(cents: stornos.cents &+ storno.total.cents)
            for refund in storno.refunds {
                switch refund.method {
                case .cash: stornoCash = Money(cents: stornoCash.cents &+ refund.amount.cents)
                case .cheque: stornoCheque = Money(cents: stornoCheque.cents &+ refund.amount.cents)
                case .card: stornoCard = Money(cents: stornoCard.cents &+ refund.amount.cents)
                }
            }
            receipt(storno.receiptNumber)
        case .cashMovement(let movement):
            switch movement.kind {
            case .einlage: einlagen = Money(cents: einlagen.cents &+ movement.amount.cents)
            case .entnahme: entnahmen = Money(cents: entnahmen.cents &+ movement.amount.cents)
            case .abschoepfung: abschoepfungen = Money(cents: abschoepfungen.cents &+ movement.amount.cents)
            }
            receipt(movement.receiptNumber)
        default:
            break
        }
    }

    /// Adds one sale to the period's totals (its payments summed per method).
    mutating func addSale(totalCents: Int64, cashCents: Int64, chequeCents: Int64, cardCents: Int64, receiptNumber: Int64) {
        saleCount += 1
        sales = Money(cents: sales.cents &+ totalCents)
        cash = Money(cents: cash.cents &+ cashCents)
        cheque = Money(cents: cheque.cents &+ chequeCents)
        card = Money(cents: card.cents &+ cardCents)
        if firstReceipt == nil { firstReceipt = receiptNumber }
        lastReceipt = receiptNumber
    }

    /// Fields where `booked` differs from `recomputed`, as German text.
    static func differences(booked: DayTotals, recomputed: DayTotals) -> [String] {
        var out: [String] = []
        func money(_ name: String, _ a: Money, _ b: Money) { if a != b { out.append("\(name) \(a.formatted) statt \(b.formatted)") } }
        func count(_ name: String, _ a: Int64?, _ b: Int64?) {
            if a != b { out.append("\(name) \(a.map(String.init) ?? "–") statt \(b.map(String.init) ?? "–")") }
        }
        money("Wechselgeld", booked.float, recomputed.float)
        count("Anzahl Verkäufe", booked.saleCount, recomputed.saleCount)
        count("Anzahl Stornos", booked.stornoCount, recomputed.stornoCount)
        money("Umsatz", booked.sales, recomputed.sales)
        money("Bar", booked.cash, recomputed.cash)
        money("Scheck", booked.cheque, recomputed.cheque)
        money("girocard", booked.card, recomputed.card)
        money("Stornos", booked.stornos, recomputed.stornos)
        money("Storno bar", booked.stornoCash, recomputed.stornoCash)
        money("Storno Scheck", booked.stornoCheque, recomputed.stornoCheque)
        money("Storno girocard", booked.stornoCard, recomputed.stornoCard)
        money("Einlagen", booked.einlagen, recomputed.einlagen)
        money("Entnahmen", booked.entnahmen, recomputed.entnahmen)
        money("Abschöpfungen", booked.abschoepfungen, recomputed.abschoepfungen)
        count("erster Beleg", booked.firstReceipt, recomputed.firstReceipt)
        count("letzter Beleg", booked.lastReceipt, recomputed.lastReceipt)
        return out
    }
}

extension Ledger {
    /// Recomputes the hash chain and checks every invariant. Reads the whole ledger in one pass.
    public func verify() throws -> VerificationReport { try verify(decodingEverySale: false) }

    /// `decodingEverySale`: read sales into ``SaleRecord``s like every other reader instead of
    /// straight from their rows (slower; tests compare the two).
    func verify(decodingEverySale: Bool) throws -> VerificationReport {
        let start = Date()
        let expectedSales = Int(try seq("SELECT count(*) FROM sales") ?? 0)
        var verifier = Verifier(expectedSales: expectedSales)
        var schemaProblems: [LedgerProblem] = []
        try readTransaction {
            let existing = try wrap { () throws(SQLiteError) -> Set<String> in
                let statement = try db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                var names = Set<String>()
                while try statement.step() { names.insert(statement.text(0)) }
                return names
            }
            for table in appendOnlyTables {
                for suffix in ["_no_update", "_no_delete"] where !existing.contains(table + suffix) {
                    schemaProblems.append(
                        LedgerProblem(
                            check: .schema, seq: nil, kind: nil, receiptNumber: nil,
                            message: "Der Schutz-Trigger \(table + suffix) fehlt: die Tabelle \(table) ist nicht mehr unveränderlich."))
                }
            }
            do {
                if decodingEverySale {
                    try EventReader(db: db).read { verifier.consume($0) }
                } else if try !VerifyReader(db: db).read({ verifier.consume($0) }) {
                    // Rows out of `seq` order in storage (moved by hand): read again through the index.
                    verifier = Verifier(expectedSales: expectedSales)
                    var reader = VerifyReader(db: db)
                    reader.storageOrder = false
                    _ = try reader.read { verifier.consume($0) }
                }
            } catch let error as SQLiteError {
                throw LedgerError.sqlite(error)
            }
        }
        let sorted = verifier.problems.enumerated().sorted {
            ($0.element.seq ?? Int64.max, $0.offset) < ($1.element.seq ?? Int64.max, $1.offset)
        }.map(\.element)
        return VerificationReport(
            entryCount: verifier.entryCount, problems: schemaProblems + sorted, duration: Date().timeIntervalSince(start))
    }
}
