import Exports
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// Each format, read back from its bytes, balances and equals the day close's totals.
final class ExportBalanceTests: XCTestCase {
    /// The fixture itself agrees with the day close: the cash account moves by counted − float.
    func testFixtureAgreesWithTheDayClose() throws {
        let expected = try FixtureDay.expectedCash.total()
        XCTAssertEqual(expected, Money(cents: 8_455))
        let difference = try CashDifference(expected: expected, counted: FixtureDay.counted)
        XCTAssertEqual(difference.amount, Money(cents: -55))
        XCTAssertEqual(
            FixtureDay.lines.first { $0.kind == .cashDifference }?.amount, difference.amount,
            "the shortage booked is the day close's difference")
        XCTAssertEqual(FixtureDay.expectedNets["181000"], FixtureDay.counted.cents - FixtureDay.expectedCash.float.cents)

        var totals = DayCloseTotals()
        for line in FixtureDay.lines { try totals.add(line) }
        XCTAssertEqual(try totals.salesTotal, Money(cents: 9_655))
        XCTAssertEqual(totals.accounts.first { $0.key == "431100" }?.amount.cents, -FixtureDay.expectedNets["431100"]!)
        XCTAssertEqual(totals.passThrough.first?.amount, Money(cents: 780))
        XCTAssertEqual(totals.paymentMethods.first { $0.key == "Karte" }?.amount, Money(euros: 22))
        XCTAssertEqual(totals.paymentMethods.first { $0.key == "Scheck" }?.amount, Money(euros: 70))
        // Net cash sales (received − change − storno payouts) = the cash sales bookings.
        XCTAssertEqual(totals.paymentMethods.first { $0.key == "Bar" }?.amount, try FixtureDay.expectedCash.netCashSales)
    }

    func testExporterTotalsBalance() throws {
        let totals = try Exporter.write(FixtureDay.lines, format: .jsonl, context: FixtureDay.context, to: MemoryOutput())
        XCTAssertTrue(totals.isBalanced)
        XCTAssertEqual(totals.recordCount, 9)
        XCTAssertEqual(totals.netByAccount, FixtureDay.expectedNets)
        XCTAssertEqual(totals.netByPaymentMethod, [.cash: -1_600, .card: 2_200, .cheque: 7_000])
        XCTAssertEqual(totals.paymentSummary, "Bar -16,00 €, Karte 22,00 €, Scheck 70,00 €")
        XCTAssertEqual(totals.debitTotal, Money(cents: 4_600 + 520 + 780 + 900 + 7_000 + 4_600 + 455 + 2_000 + 55))
    }

    func testDATEVBalancesAndMatchesTheDay() throws {
        let bytes = try render(.datev)
        XCTAssertEqual(Array(bytes.suffix(2)), [13, 10], "CRLF after the last line")
        XCTAssertFalse(bytes.contains(0xC3), "Windows-1252, not UTF-8: no UTF-8 lead bytes for umlauts")
        let text = try XCTUnwrap(String(data: Data(bytes), encoding: .windowsCP1252))
        let lines = text.components(separatedBy: "\r\n").dropLast()
        XCTAssertEqual(lines.count, 2 + 9)
        XCTAssertEqual(splitRecord(lines[0]).count, 31, "31 header fields")
        XCTAssertEqual(splitRecord(lines[1]).count, 116, "116 columns")
        var nets: [String: Int64] = [:]
        for line in lines.dropFirst(2) {
            let fields = splitRecord(line)
            XCTAssertEqual(fields.count, 116)
            let amount = try XCTUnwrap(cents(decimalComma: fields[0]))
            XCTAssertGreaterThan(amount, 0, "Umsatz is always positive")
            XCTAssertLessThanOrEqual(fields[13].count, 60)
            XCTAssertLessThanOrEqual(fields[10].count, 36)
            let (debit, credit) = fields[1] == "S" ? (fields[6], fields[7]) : (fields[7], fields[6])
            XCTAssertTrue(["S", "H"].contains(fields[1]))
            nets[debit, default: 0] += amount
            nets[credit, default: 0] -= amount
        }
        XCTAssertEqual(nets.values.reduce(0, +), 0)
        XCTAssertEqual(nets, FixtureDay.expectedNets)
    }

    func testMunicipalCSVBalancesAndSummaryAddsUp() throws {
        let bytes = try render(.csv)
        XCTAssertEqual(Array(bytes.prefix(3)), [0xEF, 0xBB, 0xBF], "UTF-8 byte order mark")
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        let rows = text.components(separatedBy: "\r\n").dropLast().map(splitRecord)
        XCTAssertEqual(rows[0], MunicipalCSVWriter.columns)
        XCTAssertTrue(rows.allSatisfy { $0.count == MunicipalCSVWriter.columns.count })
        let amount = MunicipalCSVWriter.columns.firstIndex(of: "Betrag")!
        let account = MunicipalCSVWriter.columns.firstIndex(of: "Sachkonto")!
        let paymentAccount = MunicipalCSVWriter.columns.firstIndex(of: "Zahlungskonto")!
        var nets: [String: Int64] = [:]
        var bookingSums: [String: Int64] = [:]
        var summarySums: [String: Int64] = [:]
        for row in rows.dropFirst() {
            let value = try XCTUnwrap(cents(decimalComma: row[amount]))
            let key = row[1] + "|" + row[account] + "|" + row[15]
            if row[0] == "Buchung" {
                nets[row[paymentAccount], default: 0] += value
                nets[row[account], default: 0] -= value
                bookingSums[key, default: 0] += value
            } else {
                XCTAssertEqual(row[0], "Summe")
                summarySums[key, default: 0] += value
            }
        }
        XCTAssertEqual(nets, FixtureDay.expectedNets)
        XCTAssertEqual(summarySums, bookingSums, "the summary per day × account × payment method adds up to the bookings")
        XCTAssertEqual(summarySums.count, 6)
    }

    func testJSONLinesBalanceAndMatchTheDay() throws {
        let text = String(decoding: try render(.jsonl), as: UTF8.self)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.count, 9)
        var nets: [String: Int64] = [:]
        for line in lines {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let cents = try XCTUnwrap(object["amountCents"] as? Int64 ?? (object["amountCents"] as? Int).map(Int64.init))
            let debit = try XCTUnwrap(object["debitAccount"] as? String)
            let credit = try XCTUnwrap(object["creditAccount"] as? String)
            nets[debit, default: 0] += abs(cents)
            nets[credit, default: 0] -= abs(cents)
        }
        XCTAssertEqual(nets, FixtureDay.expectedNets)
        XCTAssertTrue(text.contains(#""text":"Beglaubigung \"Zeugnis\"; 2 Seiten""#), "quotes escaped")
    }

    /// The VAT postings of a taxable sale: hledger still balances, the VAT sits on the rate's account.
    func testHledgerBalancesTheVATPostings() throws {
        let hledger = ["/usr/bin/hledger", "/usr/local/bin/hledger"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let hledger else { throw XCTSkip("hledger is not installed") }
        let directory = try TemporaryDirectory(prefix: "webkasse-exports")
        defer { directory.remove() }
        let path = directory.path + "/vat.journal"
        _ = try Exporter.export(FixtureDay.taxableLines, format: .journal, context: FixtureDay.context, path: path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: hledger)
        process.arguments = ["-f", path, "balance", "--flat", "-O", "csv"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)
        XCTAssertTrue(output.contains("\"Umsatzsteuer:376110\",\"-0.24 EUR\""), output)
        XCTAssertTrue(output.contains("\"Umsatzsteuer:376120\",\"-0.32 EUR\""), output)
        XCTAssertTrue(output.contains("\"Ertrag:441100\",\"-5.84 EUR\""), output)
        XCTAssertTrue(output.contains("\"total\",\"0\""), output)
    }

    /// `hledger -f FILE balance` agrees with our totals to the cent.
    func testHledgerBalanceAgreesToTheCent() throws {
        let hledger = ["/usr/bin/hledger", "/usr/local/bin/hledger"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let hledger else {
            throw XCTSkip("hledger is not installed (apt-get install hledger; scripts/test installs it)")
        }
        let directory = try TemporaryDirectory(prefix: "webkasse-exports")
        defer { directory.remove() }
        let path = directory.path + "/day.journal"
        let result = try Exporter.export(FixtureDay.lines, format: .journal, context: FixtureDay.context, path: path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: hledger)
        process.arguments = ["-f", path, "balance", "--flat", "-O", "csv"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)
        var balances: [String: Int64] = [:]
        for row in output.split(separator: "\n").dropFirst() {
            let fields = row.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            guard fields.count == 2 else { continue }
            let amount = fields[1].replacingOccurrences(of: " EUR", with: "")
            let value = try XCTUnwrap(amount == "0" ? 0 : cents(decimalComma: amount.replacingOccurrences(of: ".", with: ",")), "\(row)")
            let account = fields[0] == "total" ? "total" : String(fields[0].split(separator: ":").last!)
            balances[account] = value
        }
        XCTAssertEqual(balances["total"], 0, "hledger: the journal balances")
        balances["total"] = nil
        XCTAssertEqual(balances, FixtureDay.expectedNets, "hledger's balance per account equals ours")
        XCTAssertEqual(balances, result.totals.netByAccount)
    }

    /// `ledger -f FILE balance` (ledger 3) reads the same journal with the same totals (skipped
    /// where ledger is not installed; scripts/test installs it).
    func testLedgerCLIReadsTheJournalToo() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ledger") else {
            throw XCTSkip("ledger is not installed (apt-get install ledger; scripts/test installs it)")
        }
        let directory = try TemporaryDirectory(prefix: "webkasse-exports")
        defer { directory.remove() }
        let path = directory.path + "/day.journal"
        _ = try Exporter.export(FixtureDay.lines, format: .journal, context: FixtureDay.context, path: path)
        let result = try runProcess("/usr/bin/ledger", ["-f", path, "balance", "--flat", "--balance-format", "%(account)|%(quantity(display_total))\n"])
        XCTAssertEqual(result.status, 0, result.stderr)
        var balances: [String: Int64] = [:]
        for row in result.stdout.split(separator: "\n") {
            let parts = row.split(separator: "|")
            guard parts.count == 2, !parts[0].isEmpty, let value = Double(parts[1]) else { continue }
            balances[String(parts[0].split(separator: ":").last!)] = Int64((value * 100).rounded())
        }
        XCTAssertEqual(balances, FixtureDay.expectedNets, result.stdout)
    }
}
