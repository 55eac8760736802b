import KasseCore
import Ledger
import TestSupport
import XCTest

@testable import Exports

/// The exports' projection of the merge reader (``Ledger/forEachBookedEntry(in:_:)``) gives exactly
/// what the full event reader gives of the entries that move money.
final class BookedEntryTests: XCTestCase {
    static func booked(_ sale: SaleRecord) -> BookedSale {
        BookedSale(
            id: sale.id, receiptNumber: sale.receiptNumber, operatorId: sale.operatorId, businessDate: sale.businessDate,
            reference: sale.reference,
            lines: sale.lines.map {
                BookedLine(
                    itemCode: $0.itemCode, name: $0.name, variant: $0.variant, produkt: $0.produkt, kostenstelle: $0.kostenstelle,
                    shares: $0.shares)
            },
            payments: sale.payments.map { BookedAmount(method: $0.method, cents: $0.amount.cents) })
    }

    /// The events of the ledger, in the lean form.
    static func expected(_ ledger: Ledger, in range: ClosedRange<Int64>) throws -> [(Int64, BookedEntry)] {
        var out: [(Int64, BookedEntry)] = []
        try ledger.forEachEvent(in: range) { entry, event in
            switch event {
            case .sale(let sale): out.append((entry.seq, .sale(booked(sale))))
            case .storno(let s):
                out.append(
                    (
                        entry.seq,
                        .storno(
                            BookedStorno(
                                saleId: s.saleId, receiptNumber: s.receiptNumber, operatorId: s.operatorId, businessDate: s.businessDate,
                                refunds: s.refunds.map { BookedAmount(method: $0.method, cents: $0.amount.cents) }, approvedBy: s.approvedBy))
                    ))
            case .cashMovement(let m): out.append((entry.seq, .cashMovement(m)))
            case .dayClose(let c):
                out.append(
                    (
                        entry.seq,
                        .dayClose(
                            BookedDayClose(
                                id: c.id, zNumber: c.zNumber, operatorId: c.operatorId, businessDate: c.businessDate, difference: c.difference))
                    ))
            default: break
            }
        }
        return out
    }

    func testLeanReaderAgreesWithTheEventsForEveryRange() throws {
        var fixture = try LedgerDayFixture()
        defer { fixture.directory.remove() }
        try fixture.build()
        let ledger = fixture.ledger
        let head = try ledger.chainHead().seq
        var kinds = Set<String>()
        for range in [1...head, 1...Int64.max, 3...(head - 2), (head / 2)...(head / 2), (head + 1)...(head + 5)] {
            var actual: [(Int64, BookedEntry)] = []
            try ledger.forEachBookedEntry(in: range) { actual.append(($0, $1)) }
            let expected = try Self.expected(ledger, in: range)
            XCTAssertEqual(actual.map(\.0), expected.map(\.0), "\(range)")
            XCTAssertEqual(actual.map(\.1), expected.map(\.1), "\(range)")
            for (_, entry) in actual { kinds.insert("\(entry)".prefix(while: { $0 != "(" }).description) }
        }
        XCTAssertEqual(kinds, ["sale", "storno", "cashMovement", "dayClose"], "the fixture has every kind")
    }

    func testBookedSaleById() throws {
        var fixture = try LedgerDayFixture()
        defer { fixture.directory.remove() }
        try fixture.build()
        var sales: [SaleRecord] = []
        try fixture.ledger.forEachEvent { _, event in if case .sale(let s) = event { sales.append(s) } }
        XCTAssertGreaterThan(sales.count, 2)
        for sale in sales {
            XCTAssertEqual(try fixture.ledger.bookedSale(id: sale.id), Self.booked(sale))
        }
        XCTAssertNil(try fixture.ledger.bookedSale(id: "no-such-sale"))
    }

    /// Booking lines through the lean reader and the streaming converter equal those of the former
    /// path (full events, the converter as it was, `Ledger.sale(id:)`), for every register and
    /// scope the fixture has, so the export bytes stay the same.
    func testBookingLinesEqualTheFormerPath() throws {
        var fixture = try LedgerDayFixture()
        defer { fixture.directory.remove() }
        try fixture.build()
        let ledger = fixture.ledger
        let head = try ledger.chainHead().seq
        let closes = try ledger.dayCloseBoundaries()
        let operators = try ledger.operators()
        var settings = ExportSettings()
        settings.cardAccount = "182199"
        for range in [1...head, 1...(closes.first?.seq ?? head), (head / 3)...head] {
            var former = ReferenceLedgerBookingConverter(
                register: "K1", settings: settings, closes: closes,
                operators: Dictionary(uniqueKeysWithValues: operators.map { ($0.id, $0) }))
            var expected: [BookingLine] = []
            try ledger.forEachEvent(in: range) { entry, event in
                expected += try former.lines(seq: entry.seq, event: event) { try ledger.sale(id: $0) }
            }
            var converter = LedgerBookingConverter(register: "K1", settings: settings, closes: closes, operators: operators)
            var actual: [BookingLine] = []
            try ledger.forEachBookedEntry(in: range) { seq, entry in
                try converter.forEachLine(seq: seq, entry: entry, original: { try ledger.bookedSale(id: $0) }) { actual.append($0) }
            }
            XCTAssertEqual(actual, expected, "\(range)")
            XCTAssertFalse(actual.isEmpty)
            if range == 1...head { XCTAssertEqual(Set(actual.map(\.kind)), Set(BookingLine.Kind.allCases), "every kind of line") }
        }
    }
}
