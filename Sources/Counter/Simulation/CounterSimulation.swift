import Access
import Foundation
import KasseCore
import Ledger

/// A seeded random number generator (SplitMix64): the same seed gives the same counter days.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Why the simulation cannot run on a ledger.
public enum SimulationError: Error, Equatable, CustomStringConvertible {
    /// The ledger has operators, but not the simulation's, and no administrator was named to add them.
    case operatorsNotEnrolled

    public var description: String {
        switch self {
        case .operatorsNotEnrolled:
            return
                "Das Kassenbuch hat schon Bediener, aber nicht die der Simulation (»sim«, »simaufsicht«); sie anzulegen ist Sache der Administration. Bitte die Simulation in einem eigenen Datenverzeichnis (--data) laufen lassen."
        }
    }
}

/// Drives realistic counter days through the counter service, as `webkasse simulate` does:
/// catalogue items and variants, cash with change, cheques, cards, split payments, stornos,
/// cash movements and day closes with a count by denomination (``DayCloseService``).
public final class CounterSimulation {
    public struct Options: Sendable {
        public var sales: Int
        public var seed: UInt64
        public var salesPerDay: Int
        /// Close the last day at the end.
        public var closeAtEnd: Bool
        /// The administrator who enrols the simulation's operators on a ledger that has other
        /// operators already (on an empty ledger the simulation sets itself up).
        public var enrolledBy: OperatorAccount?
        public init(sales: Int, seed: UInt64 = 1, salesPerDay: Int = 60, closeAtEnd: Bool = true, enrolledBy: OperatorAccount? = nil) {
            self.sales = sales
            self.seed = seed
            self.salesPerDay = salesPerDay
            self.closeAtEnd = closeAtEnd
            self.enrolledBy = enrolledBy
        }
    }

    public struct Summary: Sendable {
        public var sales = 0
        public var alreadyBooked = 0
        public var stornos = 0
        public var movements = 0
        public var dayCloses: [Int64] = []
        public var declinedCard = 0
        public var unknownCard = 0
        public var byMethod: [PaymentMethod: Money] = [:]
        public var stornoTotal = Money.zero
        public var firstReceipt: Int64?
        public var lastReceipt: Int64?
        public var recoveries: [RecoveryOutcome] = []
    }

    let service: CounterService
    let dayClose: DayCloseService
    let catalog: TariffCatalog
    let clock: SimulatedClock
    let options: Options
    private var random: SeededGenerator
    private var todaysSales: [SaleRecord] = []
    private var salesToday = 0

    /// `dayCloseSettings`: the office's (default: those of an empty configuration).
    public init(
        service: CounterService, catalog: TariffCatalog, clock: SimulatedClock, options: Options,
        dayCloseSettings: DayCloseSettings = DayCloseSettings(configuration: Configuration())
    ) {
        self.service = service
        dayClose = DayCloseService(counter: service, settings: dayCloseSettings)
        self.catalog = catalog
        self.clock = clock
        self.options = options
        self.random = SeededGenerator(seed: options.seed)
    }

    private func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    /// Runs the simulation; `log` gets one line per notable event.
    public func run(log: (String) -> Void = { _ in }) throws -> Summary {
        var summary = Summary()
        let startup = try service.start()
        summary.recoveries = startup.recoveries
        for outcome in startup.recoveries { log("Wiederanlauf: \(outcome)") }
        let (clerk, supervisor) = try simulatedOperators()
        if try service.openShift() == nil { try openDay(clerk) }
        let fake = service.terminal as? FakeCardTerminal

        for index in 0..<options.sales {
            if salesToday >= options.salesPerDay {
                try closeDay(clerk, &summary, log)
                nextMorning()
                try openDay(clerk)
            }
            clock.advance(seconds: Double(Int.random(in: 40...360, using: &random)))
            let date = BusinessDate(iso: try service.currentBusinessDate()) ?? BusinessDate(year: 2026, month: 11, day: 2)!
            var basket = Basket(date: date, catalogVersion: catalog.version)
            let items = catalog.itemsInForce(on: date)
            guard !items.isEmpty else { throw CounterError.invalidAmount("Der Gebührenkatalog hat am \(date.german) keine gültigen Positionen.") }
            for _ in 0..<(chance(75) ? 1 : Int.random(in: 2...3, using: &random)) {
                let item = items.randomElement(using: &random)!
                let variants = item.variants.filter { $0.price(on: date) != nil }
                guard let variant = variants.randomElement(using: &random) else { continue }
                _ = try? basket.add(item, variantCode: variant.code, quantity: chance(10) ? 2 : 1)
            }
            if basket.isEmpty { continue }
            let total = basket.total
            let started = clock.now()
            clock.advance(seconds: Double(Int.random(in: 30...180, using: &random)))
            let saleId = "sim-\(options.seed)-\(index)"
            var payment = choosePayment(total)
            if case .card = payment, fake != nil, chance(3) { fake!.nextBehaviours = [.decline("Karte abgelehnt (Simulation)")] }
            if total.isZero { payment = .none }
            var request = SaleRequest(
                saleId: saleId, operatorId: clerk.id, basket: basket, payment: payment,
                reference: chance(30) ? "KZ-\(Int.random(in: 100_000...999_999, using: &random))" : nil, startedAt: started)
            var outcome: SaleOutcome
            do {
                outcome = try service.bookSale(request)
            } catch CounterError.cardDeclined, CounterError.cardAborted, CounterError.terminal {
                summary.declinedCard += 1
                // The citizen pays cash instead.
                request = SaleRequest(
                    saleId: saleId, operatorId: clerk.id, lines: request.lines, payment: .cash(tendered: roundUp(total)),
                    reference: request.reference, startedAt: started, catalogVersion: request.catalogVersion)
                outcome = try service.bookSale(request)
            } catch CounterError.unresolvedCardPayment {
                // An earlier card payment the terminal has not settled yet (it did not answer in
                // time after a restart): asked again as the clerk would (»Zahlung ungeklärt«, F2);
                // this citizen pays cash meanwhile. The earlier one stays pending until the terminal says.
                summary.unknownCard += 1
                log("Frühere Kartenzahlung noch ungeklärt: Terminal erneut gefragt, dieser Verkauf bar")
                _ = try? service.resolvePendingCardPayments()
                request = SaleRequest(
                    saleId: saleId, operatorId: clerk.id, lines: request.lines, payment: .cash(tendered: roundUp(total)),
                    reference: request.reference, startedAt: started, catalogVersion: request.catalogVersion)
                outcome = try service.bookSale(request)
            } catch CounterError.cardOutcomeUnknown(_, let reason) {
                summary.unknownCard += 1
                log("Kartenzahlung ungeklärt: \(reason)")
                continue
            }
            if outcome.alreadyBooked { summary.alreadyBooked += 1 } else { summary.sales += 1 }
            salesToday += 1
            todaysSales.append(outcome.sale)
            for p in outcome.sale.payments { summary.byMethod[p.method] = try (summary.byMethod[p.method] ?? .zero).adding(p.amount) }
            note(outcome.sale.receiptNumber, &summary)

            if chance(3), let victim = todaysSales.randomElement(using: &random), try service.ledger.storno(ofSale: victim.id) == nil {
                clock.advance(seconds: 30)
                let stornoId = "sim-\(options.seed)-\(index)-storno"
                var storno: StornoOutcome?
                do {
                    storno = try service.cancelSale(
                        receiptNumber: victim.receiptNumber, stornoId: stornoId, operatorId: clerk.id, reason: "Falsche Gebühr gewählt",
                        approvedBy: supervisor.id)
                } catch CounterError.reversalFailed(let why) {
                    storno = try service.cancelSale(
                        receiptNumber: victim.receiptNumber, stornoId: stornoId, operatorId: clerk.id, reason: "Falsche Gebühr gewählt",
                        approvedBy: supervisor.id, cardReversal: .notPossible(reason: "Terminal: \(why)"))
                } catch CounterError.insufficientCash {
                    storno = nil
                }
                if let storno {
                    summary.stornos += 1
                    summary.stornoTotal = try summary.stornoTotal.adding(storno.storno.total)
                    note(storno.storno.receiptNumber, &summary)
                }
            }
            let cash = try service.interimReport().expectedCash
            if cash > Money(euros: 800) {
                let m = try service.recordCashMovement(
                    id: "sim-\(options.seed)-\(index)-ab", kind: .abschoepfung, amount: Money(euros: 500),
                    reason: "Abschöpfung an die Stadtkasse", operatorId: clerk.id, approvedBy: supervisor.id)
                summary.movements += 1
                note(m.movement.receiptNumber, &summary)
            } else if chance(2), cash > Money(euros: 30) {
                let m = try service.recordCashMovement(
                    id: "sim-\(options.seed)-\(index)-en", kind: .entnahme, amount: Money(cents: Int64(Int.random(in: 300...2000, using: &random))),
                    reason: "Porto", operatorId: clerk.id, approvedBy: supervisor.id)
                summary.movements += 1
                note(m.movement.receiptNumber, &summary)
            }
        }
        if options.closeAtEnd && salesToday > 0 { try closeDay(clerk, &summary, log) }
        return summary
    }

    private func note(_ receipt: Int64, _ summary: inout Summary) {
        if summary.firstReceipt == nil { summary.firstReceipt = receipt }
        summary.lastReceipt = max(summary.lastReceipt ?? 0, receipt)
    }

    private func choosePayment(_ total: Money) -> PaymentRequest {
        let roll = Int.random(in: 0..<100, using: &random)
        switch roll {
        case 0..<48: return .cash(tendered: chance(30) ? total : roundUp(total))
        case 48..<78: return .card
        case 78..<88:
            let cash = Money(cents: Int64(Int.random(in: 1...max(1, Int(total.cents / 100) - 1), using: &random)) * 100)
            if cash >= total { return .cash(tendered: roundUp(total)) }
            return .split(cash: cash, tendered: cash)
        case 88..<95:
            return .cheque(number: String(Int.random(in: 1_000_000...9_999_999, using: &random)), bank: "Sparkasse Musterstadt", drawer: "Erika Mustermann")
        default: return .cash(tendered: total)
        }
    }

    /// The next note above `total` (5, 10, 20, 50, 100, 200 €).
    private func roundUp(_ total: Money) -> Money {
        for note: Int64 in [500, 1000, 2000, 5000, 10000, 20000, 50000] where note >= total.cents { return Money(cents: note) }
        // Above 500 € (never for a fee basket): the next multiple of 100 €.
        let hundreds = total.cents / 10_000 + (total.cents % 10_000 == 0 ? 0 : 1)
        return Money(euros: hundreds * 100)
    }

    /// The simulated clerk (`sim`) and supervisor (`simaufsicht`), enrolled through the access
    /// layer on the first run — on an empty ledger the supervisor is the first operator and adds
    /// the clerk, otherwise ``Options/enrolledBy`` adds both — each with a random PIN that is never
    /// shown, so nobody can log in as them. Later runs reuse them.
    private func simulatedOperators() throws -> (clerk: OperatorRecord, supervisor: OperatorRecord) {
        let ledger = service.ledger
        if try ledger.operatorRecord(login: "sim") == nil || ledger.operatorRecord(login: "simaufsicht") == nil {
            let access = AccessControl(
                store: ledger, configuration: Configuration(), hashIterations: PINHash.minimumIterations, now: { [clock] in clock.now().date })
            let pin = { String(UInt64.random(in: 10_000_000...99_999_999)) }
            let supervisorPIN = pin()
            let clerkPIN = pin()
            let admin: OperatorAccount
            if try access.needsSetup() {
                admin = try access.setUp(login: "simaufsicht", name: "Simulation Aufsicht", pin: supervisorPIN, pinRepeated: supervisorPIN)
            } else if let enrolledBy = options.enrolledBy {
                admin = enrolledBy
                try access.addOperator(
                    by: admin, login: "simaufsicht", name: "Simulation Aufsicht", roles: [.kassenaufsicht], pin: supervisorPIN, pinRepeated: supervisorPIN)
            } else {
                throw SimulationError.operatorsNotEnrolled
            }
            try access.addOperator(by: admin, login: "sim", name: "Simulation", roles: [.sachbearbeitung], pin: clerkPIN, pinRepeated: clerkPIN)
        }
        guard let clerk = try ledger.operatorRecord(login: "sim"), let supervisor = try ledger.operatorRecord(login: "simaufsicht") else {
            throw SimulationError.operatorsNotEnrolled
        }
        return (clerk, supervisor)
    }

    private func openDay(_ clerk: OperatorRecord) throws {
        try service.openShift(operatorId: clerk.id, float: Money(euros: 150))
        salesToday = 0
        todaysSales = []
    }

    /// Closes the day as a clerk does on the day-close screen: counts the drawer by
    /// denomination (bundled from the largest note down), gives a reason when the count is off
    /// (every seventh close is 0,50 € short: a coin under the drawer), keeps the float for
    /// tomorrow and books the close with its count (ZVT End-of-Day first if a terminal is set up).
    private func closeDay(_ clerk: OperatorRecord, _ summary: inout Summary, _ log: (String) -> Void) throws {
        service.receipts.waitUntilIdle()  // the day's receipts reach the printer before its Z report
        _ = try service.resolvePendingCardPayments()
        clock.advance(seconds: 600)
        var preparation = try dayClose.prepare(operatorId: clerk.id, blindCount: false)
        let expected = try preparation.draft.expected.total()
        let short = (summary.dayCloses.count % 7 == 6) && expected.cents >= 50
        let counted = short ? try expected.subtracting(Money(cents: 50)) : expected
        preparation.draft.submitCount(.standIn(total: counted))
        if short { preparation.draft.reason = "Zählfehler: 0,50 € fehlen (Münze unter der Schublade?)" }
        let request = DayCloseRequest(preparation: preparation, floatKept: min(counted, preparation.floatSuggestion))
        let outcome = try dayClose.close(request, operatorId: clerk.id, approvedBy: nil)
        let close = outcome.record
        summary.dayCloses.append(close.zNumber)
        log(
            "Tagesabschluss Z \(close.zNumber) für \(BusinessCalendar.germanDate(close.businessDate)): Soll-Bestand \(close.expectedCash.formatted), gezählt \(counted.formatted)"
                + (short ? " (Differenz -0,50 € mit Begründung)" : ""))
    }

    /// 08:00 local on the next working day.
    private func nextMorning() {
        var instant = clock.now()
        let calendar = service.calendar
        repeat {
            instant = Instant(millisecondsSinceEpoch: instant.millisecondsSinceEpoch + 86_400_000)
        } while isWeekend(calendar.date(of: instant))
        // Step back to 08:00 local: move to the start of that local day by the local time.
        let time = calendar.time(of: instant).split(separator: ":").compactMap { Int64($0) }
        let sinceMidnight = (time[0] * 3600 + time[1] * 60 + time[2]) * 1000
        clock.set(Instant(millisecondsSinceEpoch: instant.millisecondsSinceEpoch - sinceMidnight + 8 * 3_600_000))
    }

    private func isWeekend(_ isoDate: String) -> Bool {
        guard let date = BusinessDate(iso: isoDate) else { return false }
        // 1970-01-01 was a Thursday.
        let weekday = ((date.dayNumber % 7) + 7 + 3) % 7  // 0 = Monday
        return weekday >= 5
    }
}
