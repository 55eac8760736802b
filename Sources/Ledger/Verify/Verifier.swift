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
        self.check = check; self.seq = seq; self.kind = kind; self.receiptNumber = receiptNumber; self.message = message
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
struct Verifier {
    private struct SaleSummary {
        let total: Int64
        let cash: Int64, cheque: Int64, card: Int64
        let receiptNumber: Int64
        var cancelled = false
    }

    private(set) var problems: [LedgerProblem] = []
    private(set) var entryCount: Int64 = 0
    private var expectedSeq: Int64 = 1
    private var previousHash = JournalEntry.genesisHash
    private var nextReceipt: Int64 = 1
    private var nextZ: Int64 = 1
    private var sales: [String: SaleSummary] = [:]
    private var pending: Set<String> = []
    private var resolved: Set<String> = []
    private var period = DayTotals()
    private var lastCloseSeq: Int64 = 0
    private var openShift: String?
    private var lastClosedDate: String?
    private var scratch: [UInt8] = []

    init(expectedSales: Int = 0) { sales.reserveCapacity(expectedSales) }

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

    private mutating func consume(_ entry: JournalEntry, _ event: LedgerEvent?, _ receiptIndex: ReceiptIndexRow?) {
        entryCount += 1
        let seq = entry.seq
        let receipt = event?.receiptNumber
        func problem(_ check: LedgerProblem.Check, _ message: String) -> LedgerProblem {
            LedgerProblem(check: check, seq: seq, kind: entry.kind, receiptNumber: receipt, message: message)
        }

        // Chain and sequence.
        if seq != expectedSeq {
            problems.append(
                problem(
                    .sequence,
                    seq > expectedSeq
                        ? "Lücke in der Folge: Eintrag \(expectedSeq) bis \(seq - 1) fehlen."
                        : "Folgenummer außer der Reihe (erwartet \(expectedSeq))."))
        }
        expectedSeq = seq + 1
        if entry.previousHash != previousHash {
            problems.append(
                problem(
                    .chain,
                    "Die Verkettung ist gebrochen: der Vorgänger-Hash passt nicht zum vorigen Eintrag (Eintrag gelöscht, eingefügt oder umsortiert)."
                ))
        }
        previousHash = entry.hash
        guard let event else {
            let known = EntryKind(rawValue: entry.kind) != nil
            problems.append(
                problem(
                    .missingOrExtraRow,
                    known
                        ? "Der Datensatz \(entry.ref) fehlt (gelöscht)."
                        : "Unbekannte Eintragsart »\(entry.kind)«."))
            return
        }
        if event.ref != entry.ref {
            problems.append(problem(.chain, "Der Datensatz \(event.ref) passt nicht zum Journal (\(entry.ref))."))
        }
        if !CanonicalEncoding.matches(
            entry.hash, seq: seq, recordedAt: entry.recordedAt, previousHash: entry.previousHash, event: event, scratch: &scratch)
        {
            problems.append(
                problem(.chain, "Die Prüfsumme stimmt nicht: der Eintrag wurde nach der Buchung verändert."))
        }
        for message in RecordChecks.problems(of: event) { problems.append(problem(.balance, message)) }

        // Receipts: gapless per register, and the receipts index agrees.
        if let number = event.receiptNumber {
            if number != nextReceipt {
                problems.append(
                    problem(
                        .receipts,
                        number > nextReceipt
                            ? "Belegnummer \(number) folgt auf \(nextReceipt - 1): Belege \(nextReceipt)–\(number - 1) fehlen."
                            : "Belegnummer \(number) ist doppelt oder außer der Reihe (erwartet \(nextReceipt))."))
            }
            nextReceipt = max(nextReceipt, number + 1)
            if receiptIndex == nil || receiptIndex!.number != number || receiptIndex!.ref != event.ref {
                problems.append(problem(.receipts, "Das Belegverzeichnis stimmt nicht mit dem Beleg \(number) überein."))
            }
        } else if receiptIndex != nil {
            problems.append(problem(.receipts, "Das Belegverzeichnis nennt einen Beleg für einen Eintrag ohne Beleg."))
        }

        // Shift and business day.
        func checkInShift(_ shiftId: String, _ businessDate: String) {
            if shiftId != openShift {
                problems.append(problem(.shift, "Gebucht außerhalb der offenen Schicht (Schicht \(shiftId))."))
            }
            if let closed = lastClosedDate, businessDate <= closed {
                problems.append(problem(.shift, "Gebucht in den bereits abgeschlossenen Geschäftstag \(businessDate)."))
            }
        }

        switch event {
        case .shiftOpened(let shift):
            if let open = openShift {
                problems.append(problem(.shift, "Schicht geöffnet, obwohl Schicht \(open) noch offen ist."))
            }
            openShift = shift.id
        case .sale(let sale):
            checkInShift(sale.shiftId, sale.businessDate)
            var paid: (cash: Int64, cheque: Int64, card: Int64) = (0, 0, 0)
            for payment in sale.payments {
                switch payment.method {
                case .cash: paid.cash &+= payment.amount.cents
                case .cheque: paid.cheque &+= payment.amount.cents
                case .card: paid.card &+= payment.amount.cents
                }
            }
            let summary = SaleSummary(
                total: sale.total.cents, cash: paid.cash, cheque: paid.cheque, card: paid.card, receiptNumber: sale.receiptNumber)
            if sales.updateValue(summary, forKey: sale.id) != nil {
                problems.append(problem(.balance, "Der Verkauf \(sale.id) ist doppelt gebucht."))
            }
        case .storno(let storno):
            checkInShift(storno.shiftId, storno.businessDate)
            if var original = sales[storno.saleId] {
                if original.cancelled {
                    problems.append(problem(.storno, "Der Verkauf mit Beleg \(original.receiptNumber) wurde bereits storniert."))
                }
                if original.total != storno.total.cents {
                    problems.append(
                        problem(
                            .storno,
                            "Die Stornosumme \(storno.total.formatted) ist nicht die Summe \(Money(cents: original.total).formatted) von Beleg \(original.receiptNumber)."
                        ))
                }
                var refunded: [PaymentMethod: Int64] = [:]
                for refund in storno.refunds { refunded[refund.method, default: 0] += refund.amount.cents }
                let byMethod: [PaymentMethod: Int64] = [.cash: original.cash, .cheque: original.cheque, .card: original.card]
                for method in PaymentMethod.allCases where (refunded[method] ?? 0) != (byMethod[method] ?? 0) {
                    problems.append(
                        problem(
                            .storno,
                            "Erstattung \(method.label) \(Money(cents: refunded[method] ?? 0).formatted) passt nicht zur Zahlung auf Beleg \(original.receiptNumber) (\(Money(cents: byMethod[method] ?? 0).formatted))."
                        ))
                }
                original.cancelled = true
                sales[storno.saleId] = original
            } else {
                problems.append(problem(.storno, "Der Storno verweist auf den unbekannten Verkauf \(storno.saleId)."))
            }
        case .cashMovement(let movement):
            checkInShift(movement.shiftId, movement.businessDate)
        case .dayClose(let close):
            if close.zNumber != nextZ {
                problems.append(problem(.dayClose, "Z-Nummer \(close.zNumber) außer der Reihe (erwartet \(nextZ))."))
            }
            nextZ = max(nextZ, close.zNumber + 1)
            if close.afterSeq != lastCloseSeq {
                problems.append(
                    problem(.dayClose, "Der Zeitraum beginnt nach Eintrag \(close.afterSeq) statt nach \(lastCloseSeq)."))
            }
            if close.shiftId != openShift {
                problems.append(problem(.dayClose, "Der Abschluss gehört nicht zur offenen Schicht."))
            }
            for difference in DayTotals.differences(booked: close.totals, recomputed: period) {
                problems.append(problem(.dayClose, "Abschlusssumme stimmt nicht mit den Buchungen überein: \(difference)."))
            }
            if close.expectedCash != period.expectedCash {
                problems.append(
                    problem(
                        .dayClose,
                        "Soll-Bestand \(close.expectedCash.formatted) statt \(period.expectedCash.formatted) laut Buchungen."))
            }
            period = DayTotals()
            lastCloseSeq = seq
            openShift = nil
            lastClosedDate = max(lastClosedDate ?? "", close.businessDate)
        case .cardPending(let card):
            if pending.contains(card.id) { problems.append(problem(.cardPayment, "Kartenzahlung \(card.id) doppelt angelegt.")) }
            pending.insert(card.id)
        case .cardResolved(let resolution):
            if !pending.contains(resolution.pendingId) {
                problems.append(problem(.cardPayment, "Abschluss einer unbekannten Kartenzahlung \(resolution.pendingId)."))
            }
            if resolved.contains(resolution.pendingId) {
                problems.append(problem(.cardPayment, "Kartenzahlung \(resolution.pendingId) wurde zweimal abgeschlossen."))
            }
            resolved.insert(resolution.pendingId)
            if resolution.outcome == .approved {
                if let saleId = resolution.saleId, sales[saleId] != nil {
                } else {
                    problems.append(
                        problem(.cardPayment, "Kartenzahlung \(resolution.pendingId) genehmigt, aber kein Verkauf gebucht."))
                }
            }
        default:
            break
        }
        period.add(event)
    }
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
            saleCount += 1
            sales = Money(cents: sales.cents &+ sale.total.cents)
            for payment in sale.payments {
                switch payment.method {
                case .cash: cash = Money(cents: cash.cents &+ payment.amount.cents)
                case .cheque: cheque = Money(cents: cheque.cents &+ payment.amount.cents)
                case .card: card = Money(cents: card.cents &+ payment.amount.cents)
                }
            }
            receipt(sale.receiptNumber)
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
    public func verify() throws -> VerificationReport {
        let start = Date()
        var verifier = Verifier(expectedSales: Int(try seq("SELECT count(*) FROM sales") ?? 0))
        var schemaProblems: [LedgerProblem] = []
        try readTransaction {
            let existing = try wrap { () throws(SQLiteError) -> Set<String> in
                let statement = try db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                var names = Set<String>()
                while try statement.step() { names.insert(statement.text(0)) }
                return names
            }
            for table in bookedTables {
                for suffix in ["_no_update", "_no_delete"] where !existing.contains(table + suffix) {
                    schemaProblems.append(
                        LedgerProblem(
                            check: .schema, seq: nil, kind: nil, receiptNumber: nil,
                            message: "Der Schutz-Trigger \(table + suffix) fehlt: die Tabelle \(table) ist nicht mehr unveränderlich."))
                }
            }
            do {
                try EventReader(db: db).read { verifier.consume($0) }
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
