import Exports
import Foundation
import KasseCore
import Ledger

/// Builds a register's ledger with two closed days and one open day, through the Ledger's API.
///
/// Day 1 (2026-11-26, Z 1): float 100; Personalausweis 46 cash (50 tendered, 4 change);
/// Führungszeugnis 13 by card split 5,20 own / 7,80 Bundeskasse; Reisepass 80 paid 50 cash + 30 card;
/// storno of the Personalausweis (46 cash back) and Abschöpfung 20, both approved by Bert Aufsicht;
/// counted 0,55 short.
/// Day 2 (2026-11-27, Z 2): float 100; Meldebescheinigung 9 cheque; counted exactly.
/// Day 3 (2026-11-28): Meldebescheinigung 9 cash, not closed.
public struct LedgerDayFixture {
    public let directory: TemporaryDirectory
    public private(set) var ledger: Ledger
    public let register: String
    private var clock: Int64 = 1_795_000_000_000
    private var counter = 0
    public private(set) var closes: [DayCloseRecord] = []

    public init(register: String = "K1") throws {
        directory = try TemporaryDirectory(prefix: "webkasse-exports")
        ledger = try Ledger(data: directory.path, register: register)
        self.register = register
    }

    /// A fresh connection: the Ledger keeps cached statements that pin an old read snapshot, so a
    /// long-lived connection does not see (and cannot write after) another process's export run.
    public mutating func reopen() throws -> Ledger {
        ledger = try Ledger(data: directory.path, register: register)
        return ledger
    }

    public var data: String { directory.path }

    private mutating func tick() -> Instant {
        clock += 60_000
        return Instant(millisecondsSinceEpoch: clock)
    }

    private mutating func id(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)-\(counter)"
    }

    private mutating func book(_ event: LedgerEvent) throws {
        let at = tick()
        try ledger.transaction { _ = try ledger.append(event, at: at) }
    }

    public static func line(_ code: String, _ name: String, cents: Int64, bund: Int64? = nil) -> SaleLine {
        var shares = [
            LineShare(
                account: "431100", produkt: "1220101", kostenstelle: "33100",
                amount: Money(cents: cents - (bund ?? 0)), passThrough: false, label: "Anteil Gemeinde")
        ]
        if let bund {
            shares.append(
                LineShare(
                    account: "376100", produkt: nil, kostenstelle: nil, amount: Money(cents: bund),
                    passThrough: true, label: "Anteil Bundeskasse"))
        }
        return SaleLine(
            itemCode: code, name: name, variant: nil, quantity: 1, unitPrice: Money(cents: cents), amount: Money(cents: cents),
            sachkonto: "431100", produkt: "1220101", kostenstelle: "33100", taxNote: "Gebühr, nicht umsatzsteuerbar",
            shares: shares)
    }

    public static func card(_ cents: Int64) -> PaymentRecord {
        PaymentRecord(
            method: .card, amount: Money(cents: cents),
            card: CardDetails(
                terminalId: "52500123", traceNumber: "000123", receiptNumber: "0042", cardName: "girocard",
                maskedPAN: "6805XXXXXXXXXX1234"))
    }

    @discardableResult
    public mutating func sale(_ shift: ShiftRecord, _ lines: [SaleLine], _ payments: [PaymentRecord], reference: String? = nil) throws -> SaleRecord {
        let total = Money(cents: lines.reduce(0) { $0 + $1.amount.cents })
        let record = SaleRecord(
            id: id("sale"), receiptNumber: try ledger.nextReceiptNumber(), shiftId: shift.id, operatorId: "op1",
            businessDate: shift.businessDate, startedAt: tick(), endedAt: tick(), reference: reference,
            total: total, lines: lines, payments: payments)
        try book(.sale(record))
        return record
    }

    public mutating func openShift(_ date: String) throws -> ShiftRecord {
        if try ledger.register() == nil {
            try book(.register(RegisterRecord(id: "K1", name: "Kasse 1", createdAt: tick())))
            try book(.operatorAdded(OperatorRecord(id: "op1", login: "anna", name: "Anna Amt", createdAt: tick())))
            try book(.operatorAdded(OperatorRecord(id: "op2", login: "bert", name: "Bert Aufsicht", createdAt: tick())))
        }
        let shift = ShiftRecord(id: id("shift"), operatorId: "op1", businessDate: date, openedAt: tick(), float: Money(euros: 100))
        try book(.shiftOpened(shift))
        return shift
    }

    public mutating func close(_ shift: ShiftRecord, counted difference: Int64 = 0) throws {
        let (after, totals) = try ledger.periodTotals()
        let record = DayCloseRecord(
            id: id("close"), zNumber: try ledger.nextZNumber(), shiftId: shift.id, operatorId: "op1",
            approvedBy: nil, businessDate: shift.businessDate, closedAt: tick(), afterSeq: after, totals: totals,
            expectedCash: try totals.expectedCash, countedCash: Money(cents: try totals.expectedCash.cents + difference),
            difference: Money(cents: difference))
        try book(.dayClose(record))
        closes.append(record)
    }

    /// Days 1 and 2 closed, day 3 open (see the type's documentation).
    public mutating func build() throws {
        let day1 = try openShift("2026-11-26")
        let passport = try sale(
            day1, [Self.line("PA24", "Personalausweis", cents: 4_600)],
            [.cash(tendered: Money(euros: 50), change: Money(euros: 4))], reference: "5.2026.000123")
        try sale(day1, [Self.line("FZ", "Führungszeugnis", cents: 1_300, bund: 780)], [Self.card(1_300)])
        try sale(day1, [Self.line("RP24", "Reisepass", cents: 8_000)], [.cash(tendered: Money(euros: 50), change: .zero), Self.card(3_000)])
        try book(
            .storno(
                StornoRecord(
                    id: id("storno"), saleId: passport.id, receiptNumber: try ledger.nextReceiptNumber(), shiftId: day1.id,
                    operatorId: "op1", approvedBy: "op2", reason: "falsche Person", businessDate: day1.businessDate,
                    at: tick(), total: passport.total, refunds: [StornoRefund(method: .cash, amount: Money(euros: 46))])))
        try book(
            .cashMovement(
                CashMovementRecord(
                    id: id("move"), receiptNumber: try ledger.nextReceiptNumber(), shiftId: day1.id,
                    operatorId: "op1", approvedBy: "op2", kind: .abschoepfung, amount: Money(euros: 20),
                    reason: "an die Stadtkasse", businessDate: day1.businessDate, at: tick())))
        try close(day1, counted: -55)
        let day2 = try openShift("2026-11-27")
        try sale(
            day2, [Self.line("MB", "Meldebescheinigung", cents: 900)],
            [PaymentRecord(method: .cheque, amount: Money(cents: 900), chequeNumber: "42")])
        try close(day2)
        let day3 = try openShift("2026-11-28")
        try sale(day3, [Self.line("MB", "Meldebescheinigung", cents: 900)], [.cash(tendered: Money(euros: 10), change: Money(euros: 1))])
        openDay = day3
    }

    public private(set) var openDay: ShiftRecord?

    /// Closes day 3.
    public mutating func closeOpenDay() throws {
        _ = try reopen()
        try close(openDay!)
        openDay = nil
    }

    public func request(_ format: ExportFormat, _ scope: ExportScope, out: String, includeOpenDays: Bool = false, registers: [String] = [])
        -> LedgerExportRequest
    {
        LedgerExportRequest(
            dataDirectory: data, registers: registers, format: format, scope: scope, includeOpenDays: includeOpenDays,
            outputPath: directory.path + "/" + out, settings: ExportSettings(),
            timeZone: TimeZone(identifier: "Europe/Berlin")!, exportedBy: "stadtkasse")
    }
}
