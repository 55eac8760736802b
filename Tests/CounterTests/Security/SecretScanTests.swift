import Access
import CSQLite
import Counter
import Exports
import Foundation
import KasseCore
import Ledger
import SystemCalls
import TestSupport
import XCTest
import ZVT
import ZVTSimulator

/// Finds what must never be in a file: card-number-like digit runs and known PINs.
enum SecretScanner {
    /// Digit runs of 13 to 19 digits (single spaces or dashes between groups allowed) whose length
    /// fits the card scheme of their first digits and that pass the Luhn check: a full PAN, as on a
    /// card or in track data.
    /// A run glued to letters (inside a hex digest, an id) is not a card number.
    static func panLikeRuns(in bytes: [UInt8]) -> [String] {
        func isLetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
        var found: [String] = []
        var digits: [UInt8] = []
        var text = ""
        var lastWasSeparator = false
        var gluedBefore = false
        func flush(next: UInt8?) {
            let glued = gluedBefore || (!lastWasSeparator && (next.map(isLetter) ?? false))
            while text.last == " " || text.last == "-" { text.removeLast() }
            if !glued, schemeLength(digits), luhn(digits) { found.append(text) }
            digits = []
            text = ""
            lastWasSeparator = false
        }
        var previous: UInt8?
        for byte in bytes {
            if byte >= 0x30 && byte <= 0x39 {
                if digits.isEmpty { gluedBefore = previous.map(isLetter) ?? false }
                digits.append(byte - 0x30)
                text.append(Character(UnicodeScalar(byte)))
                lastWasSeparator = false
            } else if (byte == 0x20 || byte == 0x2D) && !digits.isEmpty && !lastWasSeparator {
                text.append(Character(UnicodeScalar(byte)))
                lastWasSeparator = true
            } else if !digits.isEmpty {
                flush(next: byte)
            }
            previous = byte
        }
        if !digits.isEmpty { flush(next: nil) }
        return found
    }

    /// Whether the length fits the card scheme the first digits name (Visa 13/16/19, Mastercard 16,
    /// Amex 15, Diners 14, Maestro/girocard/Discover 16–19).
    static func schemeLength(_ digits: [UInt8]) -> Bool {
        guard digits.count >= 13 else { return false }
        let two = Int(digits[0]) * 10 + Int(digits[1])
        let four = two * 100 + Int(digits[2]) * 10 + Int(digits[3])
        switch digits.count {
        case 13: return digits[0] == 4
        case 14: return two == 36 || two == 30 || two == 38
        case 15: return two == 34 || two == 37
        case 16: return digits[0] == 4 || (51...55).contains(two) || (2221...2720).contains(four) || digits[0] == 5 || digits[0] == 6
        case 17, 18: return digits[0] == 5 || digits[0] == 6
        case 19: return digits[0] == 4 || digits[0] == 5 || digits[0] == 6
        default: return false
        }
    }

    static func luhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (index, digit) in digits.reversed().enumerated() {
            var d = Int(digit)
            if index % 2 == 1 {
                d *= 2
                if d > 9 { d -= 9 }
            }
            sum += d
        }
        return sum % 10 == 0
    }

    static func contains(_ bytes: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard n.count <= bytes.count else { return false }
        for start in 0...(bytes.count - n.count) where bytes[start] == n[0] && Array(bytes[start..<(start + n.count)]) == n { return true }
        return false
    }

    /// Every text value of every table of the SQLite file at `path` (WAL included), each on its own,
    /// so that neighbouring columns in a page are not read as one number.
    static func sqliteTextValues(_ path: String) -> [String] {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else { return [] }
        defer { sqlite3_close(db) }
        func rows(_ sql: String, _ body: (OpaquePointer) -> Void) {
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else { return }
            defer { sqlite3_finalize(statement) }
            while sqlite3_step(statement) == SQLITE_ROW { body(statement) }
        }
        var tables: [String] = []
        rows("SELECT name FROM sqlite_master WHERE type = 'table'") { tables.append(String(cString: sqlite3_column_text($0, 0))) }
        var values: [String] = []
        for table in tables {
            rows("SELECT * FROM \(table)") { statement in
                for column in 0..<sqlite3_column_count(statement) {
                    if let text = sqlite3_column_text(statement, column) {
                        values.append(String(cString: text))
                    } else if sqlite3_column_type(statement, column) == SQLITE_INTEGER {
                        values.append(String(sqlite3_column_int64(statement, column)))
                    }
                }
            }
        }
        return values
    }

    /// Every regular file under `root`.
    static func files(under root: String) -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).map { root + "/" + $0 }.filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }
}

final class SecretScanTests: XCTestCase {
    func testTheScannerFindsWhatItLooksFor() {
        XCTAssertEqual(SecretScanner.panLikeRuns(in: Array("Karte 4111 1111 1111 1111 ok".utf8)), ["4111 1111 1111 1111"])
        XCTAssertEqual(SecretScanner.panLikeRuns(in: Array(";6726123456789012341=2512?".utf8)).count, 1, "girocard track data")
        XCTAssertEqual(
            SecretScanner.panLikeRuns(in: Array("############1111 1795770000000 4111111111111112 aec423357707895903e75 20261127023210498".utf8)), [],
            "masked, a timestamp, a bad check digit, inside a hex digest, a DATEV time stamp")
        XCTAssertEqual(SecretScanner.panLikeRuns(in: Array("5555555555554444, 378282246310005".utf8)).count, 2, "Mastercard, Amex")
        XCTAssertTrue(SecretScanner.contains(Array("x73915428y".utf8), "73915428"))
    }

    /// A full test day — log-ins (right, wrong, a PIN typed into the id field), sales in cash, card
    /// and split through the ZVT simulator, a storno and a withdrawal with approvals, a handover, a
    /// day close, then 60 simulated sales over 3 days and every export format — and then no file in
    /// the data directory (ledger, WAL, receipts, log, exports) holds a PAN-like run or a PIN.
    func testNoPANOrPINInAnyFileAfterATestDay() throws {
        let tmp = try TemporaryDirectory(prefix: "webkasse-scan")
        defer { tmp.remove() }
        let data = tmp.path + "/data"
        var simulatorConfiguration = SimulatorConfiguration()
        simulatorConfiguration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        simulatorConfiguration.timing = .fast(t3Ms: 300, t4Ms: 800)
        simulatorConfiguration.seed = 7
        simulatorConfiguration.log = { _ in }
        let simulator = try TerminalSimulator(configuration: simulatorConfiguration)
        try simulator.start()
        defer { simulator.stop() }
        let terminal = try ZVTCardTerminal(address: "127.0.0.1:\(simulator.address!.port)", session: SessionConfiguration(t3Ms: 1_000, t4Ms: 3_000))

        var configuration = Configuration()
        configuration.registerID = "K1"
        let clock = SimulatedClock(Instant(millisecondsSinceEpoch: 1_793_606_400_000))  // Mo 2026-11-02 08:00 Berlin
        let service = try CounterService.open(data: data, configuration: configuration, clock: clock, terminal: terminal)
        let log = FileLog(data: data)
        let access = AccessControl(
            store: service.ledger, configuration: configuration, hashIterations: PINHash.minimumIterations, log: log, now: { clock.now().date })

        let pins = ["73915428": "leitung", "80642917": "anna", "51739264": "bernd", "26481537": "carl"]
        let wrongPINs = ["11992288", "99442211"]
        let admin = try access.setUp(login: "leitung", name: "Lea Leitung", pin: "73915428", pinRepeated: "73915428")
        try access.addOperator(by: admin, login: "anna", name: "Anna Amt", roles: [.sachbearbeitung], pin: "80642917", pinRepeated: "80642917")
        try access.addOperator(by: admin, login: "bernd", name: "Bernd Aufsicht", roles: [.kassenaufsicht], pin: "51739264", pinRepeated: "51739264")
        try access.addOperator(by: admin, login: "carl", name: "Carl Amt", roles: [.sachbearbeitung], pin: "26481537", pinRepeated: "26481537")
        XCTAssertThrowsError(try access.logIn(login: "anna", pin: wrongPINs[0]))
        XCTAssertThrowsError(try access.logIn(login: "80642917", pin: wrongPINs[1]), "a PIN typed into the id field")
        let anna = try CounterSession.logIn(service: service, access: access, login: "anna", pin: "80642917")
        try anna.openShift(float: Money(euros: 150))
        let line = SaleLine(
            itemCode: "PA", name: "Personalausweis", variant: nil, quantity: 1, unitPrice: Money(cents: 3700), amount: Money(cents: 3700),
            sachkonto: "431100", produkt: nil, kostenstelle: nil, taxNote: "Gebühr, nicht umsatzsteuerbar",
            shares: [LineShare(account: "431100", produkt: nil, kostenstelle: nil, amount: Money(cents: 3700), passThrough: false, label: "")])
        var cardReceipt: Int64 = 0
        for (index, payment) in [PaymentRequest.cash(tendered: Money(euros: 50)), .card, .split(cash: Money(euros: 10), tendered: Money(euros: 10)), .card]
            .enumerated()
        {
            let start = clock.now()
            clock.advance(seconds: 90)
            let outcome = try anna.bookSale(
                SaleRequest(saleId: "day-\(index)", operatorId: anna.currentOperator.id, lines: [line], payment: payment, reference: nil, startedAt: start))
            if case .card = payment { cardReceipt = outcome.sale.receiptNumber }
        }
        let stornoApproval = try anna.approval(for: .storno, approverLogin: "bernd", pin: "51739264")
        _ = try anna.cancelSale(receiptNumber: cardReceipt, stornoId: "storno-1", reason: "Doppelt bezahlt", approval: stornoApproval)
        let withdrawal = try anna.approval(for: .cashWithdrawal(Money(euros: 40)), approverLogin: "bernd", pin: "51739264")
        _ = try anna.recordCashMovement(id: "move-1", kind: .abschoepfung, amount: Money(euros: 40), reason: "Stadtkasse", approval: withdrawal)
        let handover = try anna.handOver(to: "carl", pin: "26481537", countedCash: try anna.service.interimReport().expectedCash)
        let carl = try anna.continuing(as: handover)
        try carl.logOut()
        let bernd = try CounterSession.logIn(service: service, access: access, login: "bernd", pin: "51739264")
        _ = try DayCloseSession(session: bernd, settings: DayCloseSettings(configuration: Configuration())).close(
            DayCloseRequest(count: .standIn(total: try bernd.service.interimReport().expectedCash), floatKept: .zero), approval: nil)

        clock.advance(seconds: 16 * 3600)
        let catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
        let summary = try CounterSimulation(
            service: service, catalog: catalog, clock: clock, options: .init(sales: 60, seed: 11, salesPerDay: 20, enrolledBy: admin)
        ).run()
        XCTAssertEqual(summary.sales, 60)
        XCTAssertGreaterThan(summary.byMethod[.card] ?? .zero, .zero, "card payments went through the simulator")

        try FileSecurity.createDirectory(data + "/exports")
        for format in ExportFormat.allCases {
            let request = LedgerExportRequest(
                dataDirectory: data, registers: ["K1"], format: format, scope: .closedDays, includeOpenDays: true,
                outputPath: data + "/exports/export.\(format.rawValue)", settings: ExportSettings(configuration: configuration),
                timeZone: configuration.zone, exportedBy: "leitung")
            XCTAssertNotNil(try LedgerExport.run(request, now: clock.now().date))
        }
        XCTAssertTrue(try service.ledger.verify().isClean)

        let files = SecretScanner.files(under: data)
        XCTAssertTrue(files.contains { $0.hasSuffix("ledger.sqlite") })
        XCTAssertTrue(files.contains { $0.contains("/receipts/") })
        XCTAssertTrue(files.contains { $0.hasSuffix("webkasse.log") })
        XCTAssertEqual(files.filter { $0.contains("/exports/") }.count, ExportFormat.allCases.count)
        var scannedBytes = 0
        for file in files {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            scannedBytes += bytes.count
            // Raw bytes: PINs anywhere; card numbers in every text file (the SQLite files are read value by value below).
            if !file.contains("ledger.sqlite") { XCTAssertEqual(SecretScanner.panLikeRuns(in: bytes), [], file) }
            for pin in Array(pins.keys) + wrongPINs {
                XCTAssertFalse(SecretScanner.contains(bytes, pin), "PIN of \(pins[pin] ?? "a wrong attempt") in \(file)")
            }
            if !file.contains("ledger.sqlite") { XCTAssertFalse(SecretScanner.contains(bytes, "$pbkdf2-sha256"), "a PIN hash in \(file)") }
        }
        let values = SecretScanner.sqliteTextValues(service.ledger.path)
        XCTAssertGreaterThan(values.count, 1_000)
        for value in values {
            XCTAssertEqual(SecretScanner.panLikeRuns(in: Array(value.utf8)), [], value)
            for pin in Array(pins.keys) + wrongPINs { XCTAssertFalse(value.contains(pin), "PIN in the ledger: \(value)") }
        }
        XCTAssertGreaterThan(scannedBytes, 100_000)
        // The scan would notice a leak: a full PAN planted in a receipt file is found.
        let receipt = try XCTUnwrap(files.first { $0.contains("/receipts/") })
        try (try String(contentsOfFile: receipt, encoding: .utf8) + "\nKarte 4111 1111 1111 1111\n").write(toFile: receipt, atomically: true, encoding: .utf8)
        XCTAssertEqual(SecretScanner.panLikeRuns(in: Array(try Data(contentsOf: URL(fileURLWithPath: receipt)))), ["4111 1111 1111 1111"])
        // The masked PANs the terminal sent are there (so the scan looked at real card data).
        let receipts = files.filter { $0.contains("/receipts/") }.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.joined()
        XCTAssertTrue(receipts.contains("girocard") || receipts.contains("Karte"), "card receipts were written")
    }
}
