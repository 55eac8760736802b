import Exports
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// Random mixed baskets from the shipped catalogue: the VAT per rate the receipt prints
/// (``VATBreakdown`` of the sale lines) equals, to the cent, the VAT postings of the CSV, the
/// journal and DATEV, and the DSFinV-K's VAT per USt-Schlüssel (lines_vat.csv and
/// transactions_vat.csv), for the sale and its storno, paid split between cash and card
/// (docs/ledger.md "Rundung der Umsatzsteuer", docs/exports.md "Umsatzsteuer", docs/dsfinvk.md).
final class VATExportPropertyTests: XCTestCase {
    func testReceiptVATEqualsExportVATToTheCent() throws {
        let catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
        let day = BusinessDate(iso: "2027-03-01")!
        let items = catalog.itemsInForce(on: day)
        var state: UInt64 = 0x7A7
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        let settings = ExportSettings()
        let context = ExportContext(
            settings: settings, from: BookingDate(iso: day.iso)!, to: BookingDate(iso: day.iso)!,
            createdAt: ExportTimestamp(year: 2027, month: 3, day: 1, hour: 18, minute: 0, second: 0, millisecond: 0), exportedBy: "t",
            title: "t")
        var taxedBaskets = 0
        var dsfinvk = DSFinVKBuilder(master: DSFinVKMasterData(name: "Stadt Musterstadt"))
        // The receipt's VAT per USt-Schlüssel, by BON_ID (the sale, then its storno negated).
        var dsfinvkExpected: [String: [Int64: Int64]] = [:]
        for round in 0..<300 {
            var basket = Basket(date: day)
            for _ in 0..<(1 + next(7)) {
                let item = items[next(items.count)]
                let variant = item.variants[next(item.variants.count)]
                _ = try? basket.add(item, variantCode: variant.code.isEmpty ? nil : variant.code, quantity: 1 + next(12))
            }
            guard !basket.isEmpty else { continue }
            let lines = SaleLine.lines(basket: basket.lines)
            let receipt = VATBreakdown(lines: lines.map { ($0.amount, $0.lineTax, $0.vatAmount) })
            var expected: [VATRateKey: Int64] = [:]
            for group in receipt.groups {
                if let key = group.tax.rateKey {
                    expected[key, default: 0] += group.vat.cents
                    // The rate's VAT is that of its gross sum (the documented rule).
                    XCTAssertEqual(group.vat, VAT.contained(in: group.gross, basisPoints: group.tax.rateBasisPoints))
                }
            }
            if receipt.isTaxable { taxedBaskets += 1 }
            let cash = Int64(next(Int(basket.total.cents) + 1))
            let payments = [BookedAmount(method: .cash, cents: cash), BookedAmount(method: .card, cents: basket.total.cents - cash)]
                .filter { $0.cents != 0 }
            let booked = BookedSale(
                id: "s\(round)", receiptNumber: Int64(round + 1), operatorId: "op", businessDate: day.iso, reference: nil,
                lines: lines.map {
                    BookedLine(
                        itemCode: $0.itemCode, name: $0.name, variant: $0.variant, produkt: $0.produkt, kostenstelle: $0.kostenstelle,
                        shares: $0.shares, tax: $0.tax, vat: $0.vatAmount)
                }, payments: payments)
            var converter = LedgerBookingConverter(register: "K1", settings: settings, closes: [], operators: [])
            let saleLines = try converter.lines(seq: 1, entry: .sale(booked), original: { _ in nil })
            let stornoLines = try converter.lines(
                seq: 2,
                entry: .storno(
                    BookedStorno(saleId: booked.id, receiptNumber: 99, operatorId: "op", businessDate: day.iso, refunds: payments)),
                original: { _ in booked })
            for (bookings, sign) in [(saleLines, Int64(1)), (stornoLines, -1)] {
                let want = expected.mapValues { $0 * sign }.filter { $0.value != 0 }
                XCTAssertEqual(try csvVAT(bookings, context), want, "CSV, basket \(round)")
                XCTAssertEqual(try journalVAT(bookings, context), want, "journal, basket \(round)")
                XCTAssertEqual(try datevVAT(bookings, context), want, "DATEV, basket \(round)")
                XCTAssertEqual(bookings.reduce(0) { $0 + $1.amount.cents }, sign * basket.total.cents, "the postings add up to the total")
            }
            try addDSFinVK(round: round, day: day, lines: lines, total: basket.total, payments: payments, to: &dsfinvk)
            var byKey: [Int64: Int64] = [:]
            for group in receipt.groups { byKey[try XCTUnwrap(DSFinVKBuilder.vatKey(group.tax)), default: 0] += group.vat.cents }
            dsfinvkExpected["s\(round)"] = byKey.filter { $0.value != 0 }
            dsfinvkExpected["st\(round)"] = byKey.mapValues { -$0 }.filter { $0.value != 0 }
        }
        XCTAssertGreaterThan(taxedBaskets, 100)

        // The DSFinV-K of all 300 receipts and their stornos (one Kassenabschluss each), read back.
        var files: [String: [UInt8]] = [:]
        for file in try DSFinVKFiles.all(dsfinvk) { files[file.name] = file.bytes }
        XCTAssertEqual(DSFinVKValidator.problems(files), [])
        for (file, column) in [("lines_vat.csv", "POS_UST"), ("transactions_vat.csv", "BON_UST")] {
            var found: [String: [Int64: Int64]] = [:]
            for row in DSFinVKValidator.rows(files, file) {
                let units = DSFinVKValidator.amount(row[column]!)
                XCTAssertEqual(units % 1000, 0, "\(file): \(row[column]!) is whole cents")
                found[row["BON_ID"]!, default: [:]][Int64(row["UST_SCHLUESSEL"]!)!, default: 0] += units / 1000
            }
            for (bon, want) in dsfinvkExpected {
                XCTAssertEqual((found[bon] ?? [:]).filter { $0.value != 0 }, want, "\(file), \(bon)")
            }
        }
    }

    /// The sale of `lines`, its storno and a day close as one Kassenabschluss of the DSFinV-K.
    private func addDSFinVK(
        round: Int, day: BusinessDate, lines: [SaleLine], total: Money, payments: [BookedAmount], to builder: inout DSFinVKBuilder
    ) throws {
        let at = Instant(millisecondsSinceEpoch: 1_803_974_400_000 + Int64(round) * 60_000)
        let sale = SaleRecord(
            id: "s\(round)", receiptNumber: Int64(2 * round + 1), shiftId: "sh\(round)", operatorId: "op", businessDate: day.iso,
            startedAt: at, endedAt: at, reference: nil, total: total, lines: lines,
            payments: payments.map { PaymentRecord(method: $0.method, amount: Money(cents: $0.cents)) })
        let storno = StornoRecord(
            id: "st\(round)", saleId: sale.id, receiptNumber: Int64(2 * round + 2), shiftId: "sh\(round)", operatorId: "op", approvedBy: nil,
            reason: "Irrtum", businessDate: day.iso, at: at, total: total,
            refunds: payments.map { StornoRefund(method: $0.method, amount: Money(cents: $0.cents)) })
        let close = DayCloseRecord(
            id: "z\(round)", zNumber: Int64(round + 1), shiftId: "sh\(round)", operatorId: "op", approvedBy: nil, businessDate: day.iso,
            closedAt: at, afterSeq: 0, totals: DayTotals(), expectedCash: .zero, countedCash: .zero, difference: .zero)
        try builder.add(
            DSFinVKClosingInput(
                register: "K1", close: close, events: [.sale(sale), .storno(storno), .dayClose(close)], operators: [:],
                originals: [sale.id: .init(sale: sale, zNumber: close.zNumber, closedAt: at)]))
    }

    private func rate(ofAccount account: String, _ settings: ExportSettings) -> VATRateKey? {
        settings.vatAccounts.first { $0.value == account }?.key
    }

    /// VAT by rate from the CSV's `Steueranteil = USt` rows.
    private func csvVAT(_ lines: [BookingLine], _ context: ExportContext) throws -> [VATRateKey: Int64] {
        let text = String(decoding: try render(.csv, lines, context: context), as: UTF8.self)
        var sums: [VATRateKey: Int64] = [:]
        for row in text.split(separator: "\r\n") where row.hasPrefix("Buchung;") {
            let fields = splitRecord(String(row))
            let part = try XCTUnwrap(MunicipalCSVWriter.columns.firstIndex(of: "Steueranteil"))
            guard fields[part] == "USt", let key = rate(ofAccount: fields[10], context.settings) else { continue }
            sums[key, default: 0] += try XCTUnwrap(cents(decimalComma: fields[14]))
        }
        return sums
    }

    /// VAT by rate from the journal's `Umsatzsteuer:<account>` postings (credit, so negated).
    private func journalVAT(_ lines: [BookingLine], _ context: ExportContext) throws -> [VATRateKey: Int64] {
        let text = String(decoding: try render(.journal, lines, context: context), as: UTF8.self)
        var sums: [VATRateKey: Int64] = [:]
        for row in text.split(separator: "\n") where row.hasPrefix("    Umsatzsteuer:") {
            let parts = row.dropFirst(4).split(separator: " ", omittingEmptySubsequences: true)
            let account = String(parts[0].dropFirst("Umsatzsteuer:".count))
            let key = try XCTUnwrap(rate(ofAccount: account, context.settings))
            sums[key, default: 0] -= try XCTUnwrap(cents(decimalComma: parts[1].replacingOccurrences(of: ".", with: ",")))
        }
        return sums
    }

    /// VAT by rate from the DATEV rows whose Gegenkonto is a VAT account (Soll/Haben as sign).
    private func datevVAT(_ lines: [BookingLine], _ context: ExportContext) throws -> [VATRateKey: Int64] {
        let text = try XCTUnwrap(String(data: Data(try render(.datev, lines, context: context)), encoding: .windowsCP1252))
        var sums: [VATRateKey: Int64] = [:]
        for row in text.split(separator: "\r\n").dropFirst(2) {
            let fields = row.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            guard fields.count > 7, let key = rate(ofAccount: fields[7], context.settings) else { continue }
            let amount: Int64 = try XCTUnwrap(cents(decimalComma: fields[0]))
            sums[key, default: 0] += fields[1] == "\"S\"" ? amount : -amount
        }
        return sums
    }
}
