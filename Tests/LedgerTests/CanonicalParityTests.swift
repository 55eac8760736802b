import Foundation
import KasseCore
import TestSupport
import XCTest

@testable import Ledger

/// `verify` reads sales straight from their rows (``VerifyReader``) instead of decoding them into
/// ``SaleRecord``s and encoding those (``CanonicalEncoding``, what `append` hashes). These tests
/// keep the two paths identical: the same canonical bytes for every sale, and the same problems
/// for clean, invalid and tampered ledgers.
final class CanonicalParityTests: XCTestCase {
    private var fixture: LedgerFixture!
    private var rng = SplitMix(seed: 0x5EED)

    override func setUpWithError() throws { fixture = try LedgerFixture() }
    override func tearDown() { fixture.directory.remove() }

    // MARK: random records, booked without the checks of `append` (as a bad writer could)

    private func pick<T>(_ options: [T]) -> T { options[Int(rng.next() % UInt64(options.count))] }
    private func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
    private func cents(_ range: ClosedRange<Int64>) -> Int64 { range.lowerBound + Int64(rng.next() % UInt64(range.count)) }

    private let texts = [
        "", " ", "PA", "Personalausweis", "Führungszeugnis – Beleg", "a\\b", "Zeile 1\nZeile 2", "cr\r\nlf", "\u{00A0}",
        "€ 12,00", "x\\n", "\t", "123456789012345", "#### 1234",
    ]

    private func text() -> String { pick(texts) }
    private func optionalText() -> String? { chance(30) ? nil : text() }

    private func card() -> CardDetails {
        CardDetails(
            terminalId: pick(["52500123", "", "T\n1"]), traceNumber: text(), receiptNumber: pick(["0042", ""]),
            cardName: pick(["girocard", "Maestro"]), maskedPAN: pick(["6805XXXXXXXXXX1234", "6805123456789012", "", "6805 1234 5678 9012"]),
            authorizationCode: optionalText(), turnoverNumber: optionalText(),
            customerReceipt: receipt(pick([[], ["Kartenzahlung"], ["a", "b\\c", ""], ["ä\nö"]])),
            merchantReceipt: receiptChoice.next() % 2 == 0 ? [] : receipt(["", "Händlerbeleg", "x\\n", ""]))
    }

    /// The receipt's print attributes and merchant copies (migration 8) from a generator of their
    /// own, so that the rest of the random ledger is what it was before they existed.
    private var receiptChoice = SplitMix(seed: 8)

    private func receipt(_ texts: [String]) -> [TerminalReceiptLine] {
        let attributes: [UInt8] = [0, 0, 0, 0x40, 0x10, 0x2F, 0x81, 0xFF]
        return texts.map { TerminalReceiptLine($0, attribute: attributes[Int(receiptChoice.next() % UInt64(attributes.count))]) }
    }

    private func line() -> SaleLine {
        let quantity = chance(90) ? cents(1...3) : cents(-1...0)
        let price = chance(95) ? cents(0...9_000) : -5
        let amount = chance(90) ? price * quantity : price * quantity + 1
        var shares: [LineShare] = []
        let shareCount = chance(90) ? Int(cents(1...3)) : 0
        var left = amount
        for j in 0..<shareCount {
            let part = j == shareCount - 1 ? left : left / 2
            left -= part
            shares.append(
                LineShare(
                    account: pick(["4311", "3790"]), produkt: optionalText(), kostenstelle: optionalText(),
                    amount: Money(cents: chance(95) ? part : -part - 1), passThrough: chance(50), label: text()))
        }
        // The tax fields (migration 11) from a generator of their own, as the receipts' layout above.
        let taxes: [LineTax?] = [
            nil, nil, LineTax(treatment: .steuerpflichtig(.normal), rateBasisPoints: 1900),
            LineTax(treatment: .steuerpflichtig(.reduced1), rateBasisPoints: 700), LineTax(treatment: .steuerfrei(legalBasis: "§ 4\\Nr.\n8")),
        ]
        let tax = taxes[Int(taxChoice.next() % UInt64(taxes.count))]
        return SaleLine(
            itemCode: pick(["PA", "FZ", "MB", "X\\Y"]), name: text(), variant: optionalText(), quantity: quantity,
            unitPrice: Money(cents: price), amount: Money(cents: amount), sachkonto: pick(["4311", "43 11"]),
            produkt: optionalText(), kostenstelle: optionalText(), taxNote: text(), shares: shares,
            tax: tax, vat: tax.map { _ in Money(cents: Int64(taxChoice.next() % 500)) })
    }

    private var taxChoice = SplitMix(seed: 10)

    private func payment(_ amount: Int64) -> PaymentRecord {
        let method = pick(PaymentMethod.allCases)
        let paid = Money(cents: chance(95) ? amount : amount + 1)
        switch method {
        case .cash:
            let change = chance(90) ? cents(0...500) : -1
            return PaymentRecord(
                method: .cash, amount: paid, tendered: chance(95) ? Money(cents: paid.cents + change) : nil,
                change: chance(95) ? Money(cents: change) : nil, chequeNumber: chance(10) ? text() : nil)
        case .cheque:
            return PaymentRecord(
                method: .cheque, amount: paid, chequeNumber: pick([nil, "", " \t", "\u{00A0}", "100234", " 7 "]),
                chequeBank: optionalText(), chequeDrawer: optionalText())
        case .card:
            return PaymentRecord(method: .card, amount: paid, card: chance(90) ? card() : nil)
        }
    }

    private func sale(receipt: Int64, shift: ShiftRecord) -> SaleRecord {
        let lines = (0..<(chance(95) ? Int(cents(1...3)) : 0)).map { _ in line() }
        let total = lines.reduce(Int64(0)) { $0 &+ $1.amount.cents } + (chance(95) ? 0 : 1)
        var payments: [PaymentRecord] = []
        if total > 0 {
            if chance(30) {
                let first = total / 2
                payments = [payment(first), payment(total - first)]
            } else {
                payments = [payment(total)]
            }
        }
        let started = fixture.tick()
        return SaleRecord(
            id: chance(50) ? "sale-\(receipt)" : UUID().uuidString.lowercased(), receiptNumber: receipt, shiftId: shift.id,
            operatorId: "op1", businessDate: shift.businessDate, startedAt: started,
            endedAt: chance(97) ? fixture.tick() : Instant(millisecondsSinceEpoch: started.millisecondsSinceEpoch - 1),
            reference: optionalText(), total: Money(cents: total), lines: lines, payments: payments)
    }

    /// Books `event` as the next entry with its correct hash but without `append`'s checks.
    private func bookUnchecked(_ event: LedgerEvent) throws {
        let ledger = fixture.ledger
        let at = fixture.tick()
        try ledger.transaction {
            let head = try ledger.chainHead()
            let seq = head.seq + 1
            let hash = CanonicalEncoding.hash(seq: seq, recordedAt: at, previousHash: head.hash, event: event)
            try ledger.wrap { () throws(SQLiteError) in
                try ledger.insert(
                    "journal", ["seq", "kind", "ref", "recorded_at_ms", "prev_hash", "hash"],
                    [
                        .integer(seq), .text(event.kind.rawValue), .text(event.ref), .integer(at.millisecondsSinceEpoch),
                        .text(head.hash), .text(hash),
                    ])
                try RowWriter(ledger: ledger, seq: seq).write(event)
            }
        }
    }

    /// A ledger of `count` random sales, some of them invalid, with a storno and a day close.
    private func randomLedger(count: Int) throws -> [SaleRecord] {
        let shift = try fixture.openDay()
        var sales: [SaleRecord] = []
        for i in 0..<count {
            let sale = sale(receipt: Int64(i + 1), shift: shift)
            try bookUnchecked(.sale(sale))
            sales.append(sale)
        }
        let original = sales[0]
        try bookUnchecked(
            .storno(
                StornoRecord(
                    id: "st-1", saleId: original.id, receiptNumber: Int64(count + 1), shiftId: shift.id, operatorId: "op1",
                    approvedBy: nil, reason: "Irrtum", businessDate: shift.businessDate, at: fixture.tick(), total: original.total,
                    refunds: original.payments.map { StornoRefund(method: $0.method, amount: $0.amount, notReversedReason: "offline") })))
        _ = try fixture.closeDay(shift: shift)
        return sales
    }

    // MARK: comparing the two paths

    /// Each sale's canonical bytes as verify's reader writes them, by `seq`.
    private func bytesFromRows() throws -> [Int64: [UInt8]] {
        var bytes: [Int64: [UInt8]] = [:]
        let ledger = try Ledger(path: fixture.path)
        try ledger.readTransaction {
            let inOrder = try VerifyReader(db: ledger.db).read { item in
                if case .sale(let entry) = item { bytes[entry.seq] = Array(entry.canonicalBytes) }
            }
            if !inOrder {
                bytes = [:]
                var reader = VerifyReader(db: ledger.db)
                reader.storageOrder = false
                _ = try reader.read { item in
                    if case .sale(let entry) = item { bytes[entry.seq] = Array(entry.canonicalBytes) }
                }
            }
        }
        return bytes
    }

    /// Each sale's canonical bytes from the decoded record, by `seq`.
    private func bytesFromRecords() throws -> [Int64: [UInt8]] {
        var bytes: [Int64: [UInt8]] = [:]
        let ledger = try Ledger(path: fixture.path)
        try ledger.forEachEvent { entry, event in
            if case .sale = event {
                bytes[entry.seq] = CanonicalEncoding.bytes(
                    seq: entry.seq, recordedAt: entry.recordedAt, previousHash: entry.previousHash, event: event)
            }
        }
        return bytes
    }

    /// `bytesDifferAt`: entries with invalid UTF-8, which the decoding path repairs (U+FFFD) and
    /// verify's reader hashes as stored; both report the hash as broken.
    private func assertBothPathsAgree(
        bytesDifferAt: Set<Int64> = [], file: StaticString = #filePath, line: UInt = #line
    ) throws -> VerificationReport {
        let ledger = try Ledger(path: fixture.path)
        let fast = try ledger.verify()
        let decoding = try ledger.verify(decodingEverySale: true)
        XCTAssertEqual(fast.entryCount, decoding.entryCount, file: file, line: line)
        XCTAssertEqual(fast.problems, decoding.problems, file: file, line: line)
        let rows = try bytesFromRows()
        let records = try bytesFromRecords()
        XCTAssertEqual(Set(rows.keys), Set(records.keys), file: file, line: line)
        for (seq, bytes) in records where rows[seq] != bytes && !bytesDifferAt.contains(seq) {
            XCTFail(
                "Eintrag \(seq): \n\(String(decoding: rows[seq] ?? [], as: UTF8.self))\n≠\n\(String(decoding: bytes, as: UTF8.self))",
                file: file, line: line)
            break
        }
        return fast
    }

    // MARK: tests

    func testRandomSalesGiveTheSameBytesAndProblemsOnBothPaths() throws {
        let sales = try randomLedger(count: 300)
        let report = try assertBothPathsAgree()
        XCTAssertFalse(report.problems.contains { $0.check == .chain }, "every stored hash holds: \(report.problems.prefix(3))")
        // The generator makes bad records too, so the record checks are compared, not only clean sales.
        let invalid = sales.filter { !RecordChecks.problems(of: $0).isEmpty }
        XCTAssertGreaterThan(invalid.count, 20)
        XCTAssertLessThan(invalid.count, sales.count)
        let balanceSeqs = Set(report.problems.filter { $0.check == .balance }.compactMap(\.seq))
        XCTAssertGreaterThanOrEqual(balanceSeqs.count, invalid.count)
    }

    func testTheBytesOfASaleAreWhatAppendHashed() throws {
        let shift = try fixture.openDay()
        let sale = CanonicalEncodingTests.sale
        let booked = SaleRecord(
            id: sale.id, receiptNumber: 1, shiftId: shift.id, operatorId: "op1", businessDate: shift.businessDate,
            startedAt: sale.startedAt, endedAt: sale.endedAt, reference: sale.reference, total: sale.total, lines: sale.lines,
            payments: sale.payments.map {
                PaymentRecord(
                    method: $0.method, amount: $0.amount, tendered: $0.tendered, change: $0.change, card: $0.card)
            })
        let entry = try fixture.book(.sale(booked))
        let rows = try bytesFromRows()
        let expected = CanonicalEncoding.bytes(
            seq: entry.seq, recordedAt: entry.recordedAt, previousHash: entry.previousHash, event: .sale(booked))
        XCTAssertEqual(rows[entry.seq], expected)
        XCTAssertTrue(try fixture.ledger.verify().isClean)
    }

    func testRowsMovedInStorageAreReadAgainThroughTheIndex() throws {
        _ = try fixture.typicalDay()
        func readsInStorageOrder() throws -> Bool {
            let ledger = try Ledger(path: fixture.path)
            return try ledger.readTransaction { try VerifyReader(db: ledger.db).read { _ in } }
        }
        XCTAssertTrue(try readsInStorageOrder(), "a ledger as written is in seq order in storage")
        // The same rows, moved to the end of their tables' storage (new rowids): nothing booked changed.
        let tables = ["sale_lines", "payments"]
        RawSQLite.dropTriggers(fixture.path, tables)
        for table in tables {
            RawSQLite.exec(
                fixture.path,
                """
                PRAGMA foreign_keys=OFF;
                CREATE TEMP TABLE moved AS SELECT * FROM \(table) WHERE seq = (SELECT min(seq) FROM \(table));
                DELETE FROM \(table) WHERE seq = (SELECT seq FROM moved LIMIT 1);
                INSERT INTO \(table) SELECT * FROM moved;
                """)
        }
        RawSQLite.restoreTriggers(fixture.path, tables)
        XCTAssertFalse(try readsInStorageOrder())
        let report = try assertBothPathsAgree()
        XCTAssertTrue(report.isClean, "\(report.problems)")
    }

    func testTamperedRowsGiveTheSameProblemsOnBothPaths() throws {
        _ = try randomLedger(count: 60)
        let tables = ["journal", "sales", "sale_lines", "line_shares", "payments", "receipts"]
        RawSQLite.dropTriggers(fixture.path, tables)
        let edits = [
            "UPDATE line_shares SET amount_cents = amount_cents + 1 WHERE seq = 10 AND share_no = 1",
            "DELETE FROM sale_lines WHERE seq = 12 AND line_no = 1",
            "DELETE FROM line_shares WHERE seq = 14",
            "UPDATE payments SET method = 'card' WHERE seq = 16",
            "UPDATE payments SET card_terminal_id = NULL WHERE seq IN (SELECT seq FROM payments WHERE card_terminal_id IS NOT NULL LIMIT 2)",
            "UPDATE payments SET card_masked_pan = NULL, card_trace = NULL WHERE card_terminal_id IS NOT NULL",
            "UPDATE payments SET cheque_number = ' ' WHERE method = 'cheque'",
            "INSERT INTO payments (seq, payment_no, method, amount_cents, tendered_cents, change_cents) VALUES (18, 9, 'cash', 500, 500, 0)",
            "UPDATE sales SET total_cents = total_cents + 1 WHERE seq = 20",
            "UPDATE sales SET reference = 'x\ny' WHERE seq = 22",
            "UPDATE journal SET ref = 'other' WHERE seq = 24",
            "UPDATE receipts SET ref = 'other' WHERE seq = 26",
            "DELETE FROM receipts WHERE seq = 28",
            "UPDATE journal SET prev_hash = 'ab' WHERE seq = 30",
            "DELETE FROM sales WHERE seq = 32",
            "UPDATE sales SET shift_id = 'elsewhere', business_date = '2000-01-01' WHERE seq = 34",
            "UPDATE sale_lines SET item_code = CAST(x'C3' AS TEXT) WHERE seq = 36",
            "UPDATE journal SET kind = 'storno' WHERE seq = 42",
            "UPDATE sale_lines SET variant = NULL, produkt = x'' WHERE seq = 44",
        ]
        RawSQLite.exec(fixture.path, "PRAGMA foreign_keys=OFF; PRAGMA ignore_check_constraints=ON; " + edits.joined(separator: "; "))
        RawSQLite.restoreTriggers(fixture.path, tables)
        let report = try assertBothPathsAgree(bytesDifferAt: [36])
        XCTAssertTrue(report.problems.contains { $0.seq == 36 && $0.check == .chain }, "invalid UTF-8 is a changed entry")
        XCTAssertGreaterThan(Set(report.problems.compactMap(\.seq)).count, 15, "\(report.problems)")
    }
}

/// A small deterministic random generator (SplitMix64).
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
