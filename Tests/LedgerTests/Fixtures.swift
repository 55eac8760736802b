import CSQLite
import Foundation
import KasseCore
import TestSupport
import XCTest

@testable import Ledger

/// Builds small, valid ledgers for the tests.
struct LedgerFixture {
    let directory: TemporaryDirectory
    let ledger: Ledger
    var clock = Instant(millisecondsSinceEpoch: 1_795_000_000_000)
    var counter = 0

    init() throws {
        directory = try TemporaryDirectory(prefix: "ledger-test")
        ledger = try Ledger(path: directory.path + "/K1/ledger.sqlite")
    }

    var path: String { ledger.path }

    mutating func tick() -> Instant {
        clock = Instant(millisecondsSinceEpoch: clock.millisecondsSinceEpoch + 61_000)
        return clock
    }

    mutating func id(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)-\(counter)"
    }

    @discardableResult
    mutating func book(_ event: LedgerEvent) throws -> JournalEntry {
        let at = tick()
        return try ledger.transaction { try ledger.append(event, at: at) }
    }

    /// Register, operator and an open shift with 100 € float.
    mutating func openDay(float: Money = Money(euros: 100)) throws -> ShiftRecord {
        if try ledger.register() == nil {
            try book(.register(RegisterRecord(id: "K1", name: "Kasse 1", createdAt: clock)))
            try book(.operatorAdded(OperatorRecord(id: "op1", login: "anna", name: "Anna Amt", createdAt: clock)))
        }
        let shift = ShiftRecord(
            id: id("shift"), operatorId: "op1", businessDate: BusinessCalendar.berlin.date(of: clock), openedAt: clock,
            float: float)
        try book(.shiftOpened(shift))
        return shift
    }

    static func line(_ code: String = "PA", cents: Int64 = 3700, quantity: Int64 = 1, bundShare: Int64? = nil) -> SaleLine {
        let amount = Money(cents: cents * quantity)
        var shares = [LineShare]()
        if let bundShare {
            shares.append(
                LineShare(
                    account: "4311", produkt: "1.2.2", kostenstelle: "3300", amount: Money(cents: amount.cents - bundShare),
                    passThrough: false, label: "Stadt"))
            shares.append(
                LineShare(
                    account: "3790", produkt: nil, kostenstelle: nil, amount: Money(cents: bundShare), passThrough: true,
                    label: "Bundeskasse"))
        } else {
            shares.append(
                LineShare(account: "4311", produkt: "1.2.2", kostenstelle: "3300", amount: amount, passThrough: false, label: "Stadt"))
        }
        return SaleLine(
            itemCode: code, name: "Personalausweis", variant: "ab 24 Jahre", quantity: quantity, unitPrice: Money(cents: cents),
            amount: amount, sachkonto: "4311", produkt: "1.2.2", kostenstelle: "3300",
            taxNote: "Gebühr, nicht umsatzsteuerbar", shares: shares)
    }

    static func card(_ amount: Money, trace: String = "000123") -> CardDetails {
        CardDetails(
            terminalId: "52500123", traceNumber: trace, receiptNumber: "0042", cardName: "girocard",
            maskedPAN: "6805XXXXXXXXXX1234", authorizationCode: "123456", turnoverNumber: "17",
            receiptLines: ["Kartenzahlung", "girocard", "Betrag EUR \(amount.formattedNumber)"])
    }

    /// Books a sale of `lines` paid by `payments` (cash if nil: tendered rounded up to 10 €).
    @discardableResult
    mutating func sale(
        shift: ShiftRecord, lines: [SaleLine] = [LedgerFixture.line()], payments: [PaymentRecord]? = nil, catalogVersion: String? = nil
    ) throws -> SaleRecord {
        let total = Money(cents: lines.reduce(0) { $0 + $1.amount.cents })
        let tendered = Money(cents: (total.cents + 999) / 1000 * 1000)
        let paid = try payments ?? [.cash(tendered: tendered, change: tendered.subtracting(total))]
        let start = tick()
        let end = tick()
        let record = SaleRecord(
            id: id("sale"), receiptNumber: try ledger.nextReceiptNumber(), shiftId: shift.id, operatorId: "op1",
            businessDate: shift.businessDate, startedAt: start, endedAt: end, reference: "KZ-4711", total: total, lines: lines,
            payments: paid, catalogVersion: catalogVersion)
        try book(.sale(record))
        return record
    }

    @discardableResult
    mutating func storno(of sale: SaleRecord, shift: ShiftRecord) throws -> StornoRecord {
        var refunds: [StornoRefund] = []
        for payment in sale.payments {
            refunds.append(
                StornoRefund(
                    method: payment.method, amount: payment.amount,
                    cardReversal: payment.method == .card ? LedgerFixture.card(payment.amount, trace: "000999") : nil))
        }
        let record = StornoRecord(
            id: id("storno"), saleId: sale.id, receiptNumber: try ledger.nextReceiptNumber(), shiftId: shift.id,
            operatorId: "op1", approvedBy: nil, reason: "Falsche Gebühr", businessDate: shift.businessDate, at: tick(),
            total: sale.total, refunds: refunds)
        try book(.storno(record))
        return record
    }

    @discardableResult
    mutating func movement(_ kind: CashMovementKind, _ amount: Money, shift: ShiftRecord) throws -> CashMovementRecord {
        let record = CashMovementRecord(
            id: id("move"), receiptNumber: try ledger.nextReceiptNumber(), shiftId: shift.id, operatorId: "op1",
            approvedBy: nil, kind: kind, amount: amount, reason: "Wechselgeld", businessDate: shift.businessDate, at: tick())
        try book(.cashMovement(record))
        return record
    }

    @discardableResult
    mutating func closeDay(shift: ShiftRecord) throws -> DayCloseRecord {
        let (after, totals) = try ledger.periodTotals()
        let record = DayCloseRecord(
            id: id("close"), zNumber: try ledger.nextZNumber(), shiftId: shift.id, operatorId: "op1", approvedBy: nil,
            businessDate: shift.businessDate, closedAt: tick(), afterSeq: after, totals: totals,
            expectedCash: try totals.expectedCash, countedCash: try totals.expectedCash, difference: .zero)
        try book(.dayClose(record))
        return record
    }

    /// A typical day: cash, cheque, card, split, a storno, movements, a close.
    mutating func typicalDay() throws -> (sales: [SaleRecord], close: DayCloseRecord) {
        let shift = try openDay()
        var sales: [SaleRecord] = []
        sales.append(try sale(shift: shift))
        sales.append(
            try sale(
                shift: shift, lines: [LedgerFixture.line("FZ", cents: 1300, bundShare: 780)],
                payments: [
                    PaymentRecord(method: .cheque, amount: Money(cents: 1300), chequeNumber: "123456", chequeBank: "Sparkasse", chequeDrawer: "Max Muster")
                ]))
        let pending = PendingCardPayment(
            id: id("pending"), saleId: "sale-card", amount: Money(cents: 6700), terminal: "127.0.0.1:20007", createdAt: clock,
            draft: "{}")
        try book(.cardPending(pending))
        sales.append(
            try sale(
                shift: shift, lines: [LedgerFixture.line(cents: 3700), LedgerFixture.line("BG", cents: 1500, quantity: 2)],
                payments: [
                    PaymentRecord(
                        method: .card, amount: Money(cents: 6700), card: LedgerFixture.card(Money(cents: 6700)),
                        cardPendingId: pending.id)
                ]))
        try book(
            .cardResolved(
                CardResolution(
                    pendingId: pending.id, outcome: .approved, saleId: sales[2].id, detail: "genehmigt", resolvedAt: clock,
                    atStartup: false)))
        sales.append(
            try sale(
                shift: shift, lines: [LedgerFixture.line(cents: 8000)],
                payments: [
                    .cash(tendered: Money(cents: 5000), change: .zero),
                    PaymentRecord(method: .card, amount: Money(cents: 3000), card: LedgerFixture.card(Money(cents: 3000), trace: "000124")),
                ]))
        try storno(of: sales[0], shift: shift)
        try storno(of: sales[3], shift: shift)
        try movement(.einlage, Money(euros: 50), shift: shift)
        try movement(.abschoepfung, Money(euros: 20), shift: shift)
        try book(.audit(AuditRecord(id: id("audit"), kind: "reprint", operatorId: "op1", detail: "Beleg 2", at: clock)))
        let close = try closeDay(shift: shift)
        try book(
            .export(
                ExportRecord(
                    id: id("export"), format: "csv", scope: "Z 1", afterSeq: 0, throughSeq: try ledger.chainHead().seq,
                    fileName: "z1.csv", recordCount: 9, total: close.totals.sales, fileSHA256: String(repeating: "b", count: 64),
                    isRepeat: false, operatorId: "op1", at: clock)))
        return (sales, close)
    }
}

/// Direct access through the sqlite3 C API, as an attacker with the file would have.
enum RawSQLite {
    static func exec(_ path: String, _ sql: String, file: StaticString = #filePath, line: UInt = #line) {
        var db: OpaquePointer?
        XCTAssertEqual(sqlite3_open(path, &db), SQLITE_OK, file: file, line: line)
        defer { sqlite3_close(db) }
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &message)
        XCTAssertEqual(rc, SQLITE_OK, message.map { String(cString: $0) } ?? "", file: file, line: line)
        sqlite3_free(message)
    }

    /// Runs `sql` and returns SQLite's error message, or nil if it succeeded.
    static func failure(_ path: String, _ sql: String) -> String? {
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK else { return "open failed" }
        defer { sqlite3_close(db) }
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        return rc == SQLITE_OK ? nil : (message.map { String(cString: $0) } ?? "rc \(rc)")
    }

    /// Drops the append-only triggers of `tables` (what an attacker would do first).
    static func dropTriggers(_ path: String, _ tables: [String]) {
        exec(path, tables.map { "DROP TRIGGER \($0)_no_update; DROP TRIGGER \($0)_no_delete;" }.joined())
    }

    static func restoreTriggers(_ path: String, _ tables: [String]) {
        exec(path, appendOnlyTriggers(tables))
    }
}
