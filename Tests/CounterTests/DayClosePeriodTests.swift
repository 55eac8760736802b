import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

@testable import Counter

/// The period as the day close reads it by SQL aggregates (``Ledger/periodRows(after:before:)``)
/// against the reference algorithm that decodes every booked event, on periods with stornos (one
/// of a sale of an earlier period), split payments, card, cash and cheque, cash movements and
/// sales across hours.
final class DayClosePeriodTests: XCTestCase {
    /// The reference: every event of the period decoded and summed one fact at a time.
    static func referencePeriod(_ service: CounterService, after afterSeq: Int64, before beforeSeq: Int64?) throws -> DayClosePeriod {
        let ledger = service.ledger
        var names: [String: String] = [:]
        for op in try ledger.operators() { names[op.id] = op.name }
        var shift: ShiftRecord?
        var dayTotals = DayTotals()
        var totals = DayCloseTotals()
        var cashReceived: Int64 = 0
        var change: Int64 = 0
        var stornoPayouts: Int64 = 0
        var movements: [CashMovement] = []
        var cheques: [String: [ChequeEntry]] = [:]
        var chequeOrder: [String] = []
        var card: [String: (total: Int64, count: Int)] = [:]
        var stornos: [StornoRecord] = []
        var first: Instant?
        var last: Instant?
        func seen(_ at: Instant) {
            if first == nil { first = at }
            last = at
        }
        // Items by variant and unit price: the period's sales in booking order, then the stornos' sales taken off.
        var variants: [(key: String, label: String, unit: Money, quantity: Int, cents: Int64)] = []
        func addVariants(of sale: SaleRecord, sign: Int64) {
            for line in sale.lines {
                let key = "\(line.itemCode)|\(line.variant ?? "")|\(line.unitPrice.cents)"
                let label = line.itemCode + " " + (line.variant.map { "\(line.name) (\($0))" } ?? line.name)
                if let index = variants.firstIndex(where: { $0.key == key }) {
                    variants[index].quantity += Int(sign) * Int(line.quantity)
                    variants[index].cents += sign * line.amount.cents
                } else {
                    variants.append((key, label, line.unitPrice, Int(sign) * Int(line.quantity), sign * line.amount.cents))
                }
            }
        }
        func addShares(of sale: SaleRecord, sign: Int64, at: Instant) throws {
            let hour = service.calendar.hour(of: at)
            for line in sale.lines {
                let text = line.variant.map { "\(line.name) (\($0))" } ?? line.name
                for (index, share) in line.shares.enumerated() {
                    try totals.addShare(
                        itemCode: line.itemCode, itemText: text, account: share.account, amount: Money(cents: sign * share.amount.cents),
                        passThrough: share.passThrough, hour: hour, countsItem: index == 0)
                }
            }
        }
        let upper = beforeSeq.map { $0 - 1 } ?? Int64.max
        if upper > afterSeq {
            try ledger.forEachEvent(in: (afterSeq + 1)...upper) { _, event in
                switch event {
                case .shiftOpened(let s):
                    shift = s
                case .sale(let sale):
                    seen(sale.endedAt)
                    totals.addReceipt(String(sale.receiptNumber))
                    try addShares(of: sale, sign: 1, at: sale.endedAt)
                    addVariants(of: sale, sign: 1)
                    for payment in sale.payments {
                        try totals.addPayment(method: payment.method.germanName, amount: payment.amount)
                        switch payment.method {
                        case .cash:
                            cashReceived += (payment.tendered ?? payment.amount).cents
                            change += (payment.change ?? .zero).cents
                        case .cheque:
                            if cheques[sale.id] == nil { chequeOrder.append(sale.id) }
                            cheques[sale.id, default: []].append(
                                ChequeEntry(
                                    receiptNumber: sale.receiptNumber, chequeNumber: payment.chequeNumber ?? "",
                                    drawer: payment.chequeDrawer ?? "", amount: payment.amount, bank: payment.chequeBank ?? ""))
                        case .card:
                            card[sale.id, default: (0, 0)].total += payment.amount.cents
                            card[sale.id, default: (0, 0)].count += 1
                        }
                    }
                case .storno(let storno):
                    seen(storno.at)
                    totals.addReceipt(String(storno.receiptNumber))
                    stornos.append(storno)
                case .cashMovement(let movement):
                    seen(movement.at)
                    totals.addReceipt(String(movement.receiptNumber))
                    movements.append(CashMovement(kind: movement.kind, amount: movement.amount, reason: movement.reason))
                default:
                    return
                }
                dayTotals.add(event)
            }
        }
        for storno in stornos {
            let original = try ledger.sale(id: storno.saleId)
            if let original {
                try addShares(of: original, sign: -1, at: storno.at)
                addVariants(of: original, sign: -1)
            }
            for refund in storno.refunds {
                try totals.addPayment(method: refund.method.germanName, amount: refund.amount.negated)
                switch refund.method {
                case .cash: stornoPayouts += refund.amount.cents
                case .cheque: cheques[storno.saleId] = nil
                case .card: if refund.cardReversal != nil { card[storno.saleId] = nil }
                }
            }
            totals.addStorno(
                DayCloseTotals.Storno(
                    receiptNumber: String(storno.receiptNumber),
                    originalReceiptNumber: original.map { String($0.receiptNumber) } ?? "?", amount: storno.total.negated,
                    reason: storno.reason, operatorName: names[storno.operatorId] ?? storno.operatorId,
                    approverName: storno.approvedBy.map { names[$0] ?? $0 }))
        }
        for variant in variants {
            totals.addItemVariant(
                DayCloseTotals.ItemVariant(label: variant.label, quantity: variant.quantity, unitPrice: variant.unit, amount: Money(cents: variant.cents)))
        }
        let expected = ExpectedCash(
            float: shift?.float ?? .zero, cashReceived: Money(cents: cashReceived), changeGiven: Money(cents: change),
            stornoPayouts: Money(cents: stornoPayouts), movements: movements)
        return DayClosePeriod(
            afterSeq: afterSeq, shift: shift, expected: expected, totals: totals, dayTotals: dayTotals,
            cheques: chequeOrder.flatMap { cheques[$0] ?? [] }, cardTotal: Money(cents: card.values.reduce(0) { $0 + $1.total }),
            cardCount: card.values.reduce(0) { $0 + $1.count }, firstBookingAt: first, lastBookingAt: last,
            lastReceiptNumber: try ledger.lastReceiptNumber())
    }

    func assertSame(_ sql: DayClosePeriod, _ reference: DayClosePeriod, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(sql.afterSeq, reference.afterSeq, file: file, line: line)
        XCTAssertEqual(sql.shift, reference.shift, file: file, line: line)
        XCTAssertEqual(sql.expected, reference.expected, file: file, line: line)
        XCTAssertEqual(sql.totals.items, reference.totals.items, "items", file: file, line: line)
        XCTAssertEqual(sql.totals.accounts, reference.totals.accounts, "accounts", file: file, line: line)
        XCTAssertEqual(sql.totals.passThrough, reference.totals.passThrough, "pass-through", file: file, line: line)
        XCTAssertEqual(sql.totals.paymentMethods, reference.totals.paymentMethods, "payment methods", file: file, line: line)
        XCTAssertEqual(sql.totals.stornos, reference.totals.stornos, "stornos", file: file, line: line)
        XCTAssertEqual(sql.totals.salesPerHour, reference.totals.salesPerHour, "hours", file: file, line: line)
        XCTAssertEqual(sql.totals, reference.totals, file: file, line: line)
        XCTAssertEqual(sql.dayTotals, reference.dayTotals, file: file, line: line)
        XCTAssertEqual(sql.cheques, reference.cheques, file: file, line: line)
        XCTAssertEqual(sql.cardTotal, reference.cardTotal, file: file, line: line)
        XCTAssertEqual(sql.cardCount, reference.cardCount, file: file, line: line)
        XCTAssertEqual(sql.firstBookingAt, reference.firstBookingAt, file: file, line: line)
        XCTAssertEqual(sql.lastBookingAt, reference.lastBookingAt, file: file, line: line)
    }

    static let youngPassport = SaleLine(
        itemCode: "PA", name: "Personalausweis", variant: "unter 24 Jahre", quantity: 1, unitPrice: Money(cents: 2280),
        amount: Money(cents: 2280), sachkonto: "431100", produkt: "1.2.2.01", kostenstelle: "3300",
        taxNote: "Gebühr, nicht umsatzsteuerbar",
        shares: [LineShare(account: "431100", produkt: "1.2.2.01", kostenstelle: "3300", amount: Money(cents: 2280), passThrough: false, label: "")])

    static let registration = SaleLine(
        itemCode: "MB", name: "Meldebescheinigung", variant: nil, quantity: 1, unitPrice: Money(cents: 500), amount: Money(cents: 500),
        sachkonto: "431200", produkt: "1.2.2.03", kostenstelle: "3300", taxNote: "Gebühr, nicht umsatzsteuerbar",
        shares: [LineShare(account: "431200", produkt: "1.2.2.03", kostenstelle: "3300", amount: Money(cents: 500), passThrough: false, label: "")])

    func testSQLAggregatesMatchTheDecodingReference() throws {
        let f = try CounterFixture()  // 27.11.2026 10:00 Berlin, float 100,00 €
        let dayClose = f.dayClose
        let passport = CounterFixture.passport
        let certificate = CounterFixture.certificate
        // Day 1: every payment method and a split, items with two variants, sales in four hours.
        try f.sell(.cheque(number: "0042", bank: "Sparkasse", drawer: "Max Muster"), lines: [Self.registration, certificate])
        let cash = try f.sell(.cash(tendered: Money(euros: 50))).sale
        let split = try f.sell(.split(cash: Money(euros: 20), tendered: Money(euros: 50)), lines: [certificate, passport]).sale
        f.clock.advance(seconds: 3000)  // into the next hour
        let card = try f.sell(.card, lines: [Self.youngPassport, certificate]).sale
        let returnedCheque = try f.sell(.cheque(number: "0043", bank: "VR-Bank", drawer: "Eva Muster")).sale
        try f.sell(.cheque(number: "0044", bank: "VR-Bank", drawer: "Otto"), lines: [Self.youngPassport])
        _ = try f.service.recordCashMovement(id: "m1", kind: .einlage, amount: Money(euros: 50), reason: "Wechselgeld", operatorId: f.clerk.id)
        f.clock.advance(seconds: 3600)
        try f.sell(.card, lines: [Self.registration])
        let keptForTomorrow = try f.sell(.cash(tendered: Money(euros: 40)), lines: [Self.registration, Self.registration]).sale
        _ = try f.service.cancelSale(
            receiptNumber: cash.receiptNumber, stornoId: "st-cash", operatorId: f.clerk.id, reason: "Falsche Gebühr", approvedBy: f.supervisor.id)
        _ = try f.service.cancelSale(
            receiptNumber: card.receiptNumber, stornoId: "st-card", operatorId: f.clerk.id, reason: "Doppelt", approvedBy: f.supervisor.id)
        f.clock.advance(seconds: 3600)
        _ = try f.service.cancelSale(
            receiptNumber: returnedCheque.receiptNumber, stornoId: "st-cheque", operatorId: f.clerk.id, reason: "Scheck zurück", approvedBy: f.supervisor.id)
        _ = try f.service.cancelSale(
            receiptNumber: split.receiptNumber, stornoId: "st-split", operatorId: f.clerk.id, reason: "Irrtum", approvedBy: f.supervisor.id)
        _ = try f.service.recordCashMovement(
            id: "m2", kind: .entnahme, amount: Money(euros: 20), reason: "Porto", operatorId: f.clerk.id, approvedBy: f.supervisor.id)
        _ = try f.service.recordCashMovement(
            id: "m3", kind: .abschoepfung, amount: Money(euros: 100), reason: "Tresor", operatorId: f.clerk.id, approvedBy: f.supervisor.id)
        try f.sell(.cash(tendered: Money(euros: 100)), lines: [certificate, certificate, passport])

        let open = try dayClose.openPeriod()
        assertSame(open, try Self.referencePeriod(f.service, after: 0, before: nil))
        XCTAssertEqual(open.totals.salesPerHour.count, 3, "sales in three hours")
        XCTAssertEqual(open.totals.stornos.count, 4)
        XCTAssertEqual(open.cheques.map(\.chequeNumber), ["0042", "0044"])
        XCTAssertTrue(open.totals.paymentMethods.contains { $0.key == "Karte" && $0.count == 1 }, "\(open.totals.paymentMethods)")

        let close = try f.closeDay(counted: try open.expected.total())
        let closeSeq = try XCTUnwrap(try f.service.ledger.dayCloseSeq(id: close.id))

        // Day 2: a storno of a sale of day 1 (its shares booked back today), sales, an Einlage.
        f.clock.advance(seconds: 16 * 3600)
        try f.service.openShift(operatorId: f.clerk.id, float: Money(euros: 150))
        try f.sell(.card, lines: [certificate])
        _ = try f.service.cancelSale(
            receiptNumber: keptForTomorrow.receiptNumber, stornoId: "st-late", operatorId: f.clerk.id, reason: "Nachträglich", approvedBy: f.supervisor.id)
        _ = try f.service.recordCashMovement(id: "m4", kind: .einlage, amount: Money(euros: 10), reason: "Münzen", operatorId: f.clerk.id)
        f.clock.advance(seconds: 1800)
        try f.sell(.split(cash: Money(euros: 10), tendered: Money(euros: 10)), lines: [passport])
        // A clock set back two hours: a sale before the first sale's time (the hours are grouped instead).
        f.clock.set(Instant(millisecondsSinceEpoch: f.clock.now().millisecondsSinceEpoch - 7_200_000))
        try f.sell(.cash(tendered: Money(euros: 37)), lines: [passport])

        let today = try dayClose.openPeriod()
        assertSame(today, try Self.referencePeriod(f.service, after: closeSeq, before: nil))
        XCTAssertTrue(today.totals.items.contains { $0.key == "MB" && $0.count == -2 }, "\(today.totals.items)")
        // The closed day, as its Z report reads it again.
        assertSame(try dayClose.period(after: close.afterSeq, before: closeSeq), try Self.referencePeriod(f.service, after: close.afterSeq, before: closeSeq))
        // An empty period.
        let second = try f.closeDay(counted: try today.expected.total())
        let secondSeq = try XCTUnwrap(try f.service.ledger.dayCloseSeq(id: second.id))
        assertSame(try dayClose.openPeriod(), try Self.referencePeriod(f.service, after: secondSeq, before: nil))
        try f.assertClean()
    }
}
