import Central
import Counter
import Exports
import Fiscal
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// Two taxable counter days of 2027 (``DSFinVKCounterDay``: fees, 19 % and 7 % items, card,
/// cheque, stornos, the transfer to the Stadtkasse), signed by the software TSE and delivered to
/// the centre: the centre holds the VAT of every line, the catalogue version and the TSE answers
/// (docs/central.md, "Schema"), and `central export` in every format — DSFinV-K included — gives
/// the bytes of the counter's own export of the register.
final class CentralTaxableDayTests: XCTestCase {
    var database: CentralTestDatabase!
    var directory: TemporaryDirectory!
    var day: DSFinVKCounterDay!
    var signer: FiscalSigner!
    let now = Date(timeIntervalSince1970: 1_799_300_000)
    let berlin = TimeZone(identifier: "Europe/Berlin")!

    override func setUpWithError() throws {
        database = try CentralTestDatabase()
        try database.store().migrate()
        directory = try TemporaryDirectory(prefix: "central-vat")
        signer = FiscalSigner(device: try SoftwareTSE(directory: directory.path + "/tse"), clientId: "K1")
        day = try DSFinVKCounterDay(in: directory, fiscal: signer)
        try day.book()
        let ledger = try Ledger(data: day.data, register: "K1")
        let status = CentralDelivery(
            ledger: ledger, register: "K1", cursorPath: CentralDelivery.cursorPath(ledgerPath: ledger.path), connect: { try self.database.store() }
        ).runOnce()
        XCTAssertNil(status.lastError)
    }

    override func tearDown() {
        database?.drop()
        day = nil
        directory?.remove()
    }

    func testTheCentreHoldsTheVATTheCatalogueVersionAndTheTSEAnswersAndVerifiesThem() throws {
        let ledger = day.service.ledger
        let admin = try database.connect()
        // Every line's tax as the ledger booked it.
        let lines = try admin.execute(
            "SELECT s.id, l.line_no, l.tax_treatment, l.tax_rate, l.tax_rate_bp, l.tax_vat_cents, l.tax_legal_basis FROM sale_lines l JOIN sales s USING (register_id, seq) ORDER BY s.seq, l.line_no"
        )
        var expected: [String] = []
        for sale in day.sales {
            for (i, line) in sale.lines.enumerated() {
                var basis: String?
                if case .steuerfrei(let b)? = line.tax?.treatment { basis = b }
                let fields = [
                    sale.id, String(i + 1), line.tax?.treatment.code, line.tax?.rateKey?.rawValue,
                    line.tax?.rateKey.map { _ in String(line.tax!.rateBasisPoints) }, line.tax.map { _ in String(line.vatAmount.cents) }, basis,
                ]
                expected.append(fields.map { $0 ?? "NULL" }.joined(separator: "|"))
            }
        }
        let got = (0..<lines.rowCount).map { row in (0..<7).map { lines.text(row, $0) ?? "NULL" }.joined(separator: "|") }
        XCTAssertEqual(got, expected)
        XCTAssertTrue(got.contains { $0.contains("|steuerpflichtig|NORMAL|1900|") }, "\(got)")
        XCTAssertTrue(got.contains { $0.contains("|steuerpflichtig|REDUCED_1|700|") }, "\(got)")
        XCTAssertEqual(day.sales.flatMap(\.lines).filter { $0.tax != nil }.count, got.filter { !$0.contains("|NULL|NULL|NULL|NULL|NULL") }.count)

        let versions = try admin.execute("SELECT catalog_version FROM sales ORDER BY seq")
        XCTAssertEqual((0..<versions.rowCount).map { versions.text($0, 0) }, day.sales.map(\.catalogVersion))

        // Every TSE answer, signature and all.
        let records = try ledger.tseTransactions().map(\.record)
        XCTAssertEqual(records.filter { $0.bookingId != nil }.count, 11, "6 sales, 2 stornos, 3 cash movements")
        let tse = try admin.execute(
            "SELECT id, booking_kind, booking_id, tse_tanr, tse_ta_sigz, tse_ta_sig, tse_vorgangsdaten FROM tse_transactions ORDER BY seq")
        XCTAssertEqual(
            (0..<tse.rowCount).map { row in (0..<7).map { tse.text(row, $0) ?? "NULL" }.joined(separator: "|") },
            records.map { r in
                [r.id, r.booking.rawValue, r.bookingId, r.transactionNumber.map(String.init), r.signatureCounter.map(String.init), r.signature, r.processData]
                    .map { $0 ?? "NULL" }.joined(separator: "|")
            })

        // central verify compares each of them with the canonical bytes.
        XCTAssertEqual(try CentralVerifier(store: database.store()).verify(rows: true).problems, [])
        try admin.execute("ALTER TABLE sale_lines DISABLE TRIGGER USER")
        try admin.execute("UPDATE sale_lines SET tax_vat_cents = tax_vat_cents + 1 WHERE tax_rate = 'NORMAL'")
        try admin.execute("ALTER TABLE tse_transactions DISABLE TRIGGER USER")
        let tampered = try XCTUnwrap(records.last { $0.signature != nil })
        try admin.execute("UPDATE tse_transactions SET tse_ta_sigz = tse_ta_sigz + 1 WHERE id = $1", [.text(tampered.id)])
        let problems = try CentralVerifier(store: database.store()).verify(rows: true).problems
        XCTAssertTrue(problems.contains { $0.message.hasPrefix("sale_lines: line.") && $0.message.contains(".tax_vat_cents ist »") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.message.hasPrefix("tse_transactions: tse_ta_sigz ist »") }, "\(problems)")
    }

    func testEachFormatGivesTheCountersBytesAlsoForVATLines() throws {
        var settings = ExportSettings()
        settings.datevTaxKeys = [.normal: "9", .reduced1: "8"]
        for format in ExportFormat.allCases {
            let central = try XCTUnwrap(
                try CentralExport.run(
                    CentralExportRequest(
                        registers: ["K1"], format: format, scope: .closedDays, outputPath: day.data + "/zentrale.\(format.rawValue)", settings: settings,
                        timeZone: berlin, exportedBy: "stadtkasse"), store: database.store(), now: now))
            let local = try XCTUnwrap(
                try LedgerExport.run(
                    LedgerExportRequest(
                        dataDirectory: day.data, registers: ["K1"], format: format, scope: .closedDays, includeOpenDays: false,
                        outputPath: day.data + "/kasse.\(format.rawValue)", settings: settings, timeZone: berlin, exportedBy: "stadtkasse"), now: now))
            XCTAssertEqual(central.result.sha256, local.result.sha256, format.rawValue)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: central.result.path))
            XCTAssertEqual(bytes, try Data(contentsOf: URL(fileURLWithPath: local.result.path)), format.rawValue)
            // The VAT is in it: the VAT account of 19 % and 7 %.
            let text = String(decoding: bytes, as: UTF8.self)
            XCTAssertTrue(text.contains("376110") && text.contains("376120"), "\(format.rawValue): keine Umsatzsteuer-Buchung")
        }
    }

    func testTheCentresDSFinVKOfARegisterIsTheCountersByteForByteAndPassesTheValidator() throws {
        let store = try database.store()
        let counterRequest = day.request(
            .dates(from: BookingDate(iso: "2027-01-04")!, to: BookingDate(iso: "2027-01-05")!), out: "kasse.zip", tse: DSFinVKLedgerTSE())
        let central = try CentralDSFinVKExport.run(
            CentralDSFinVKRequest(
                registers: ["K1"], scope: counterRequest.scope, outputPath: day.data + "/zentrale.zip", master: counterRequest.master, timeZone: berlin,
                exportedBy: "stadtkasse"), store: store, now: now)
        let local = try DSFinVKExport.run(counterRequest, now: now)
        XCTAssertEqual(central.closings.map(\.zNumber), [1, 2])
        XCTAssertEqual(central.transactionCount, local.transactionCount)
        XCTAssertEqual(central.payments, local.payments)
        let centralFiles = try DSFinVKValidator.unzip(Array(try Data(contentsOf: URL(fileURLWithPath: central.path))))
        let localFiles = try DSFinVKValidator.unzip(Array(try Data(contentsOf: URL(fileURLWithPath: local.path))))
        XCTAssertEqual(Set(centralFiles.keys), Set(localFiles.keys))
        for (name, bytes) in localFiles { XCTAssertEqual(centralFiles[name], bytes, name) }
        XCTAssertEqual(central.sha256, local.sha256, "the same archive")
        XCTAssertEqual(DSFinVKValidator.problems(centralFiles), [])
        // The TSE answers came from the centre's copy: every signed booking has its row.
        let tseRows = DSFinVKValidator.rows(centralFiles, "transactions_tse.csv")
        let signed = try day.service.ledger.tseTransactions().map(\.record).filter { $0.bookingId != nil && $0.booking != .aborted }
        XCTAssertEqual(tseRows.count, signed.count)
        let serial = try signer.device.describe().serialNumber
        XCTAssertEqual(DSFinVKValidator.rows(centralFiles, "tse.csv").map { $0["TSE_SERIAL"]! }, [serial, serial], "the device of Z 1 and of Z 2")
        XCTAssertTrue(DSFinVKValidator.rows(centralFiles, "transactions_vat.csv").contains { $0["UST_SCHLUESSEL"] == "1" })

        // One Z number of one register; recorded in the centre's export register, a repeat named.
        let one = try CentralDSFinVKExport.run(
            CentralDSFinVKRequest(
                registers: ["K1"], scope: .zNumber(2), outputPath: day.data + "/z2.zip", master: counterRequest.master, timeZone: berlin,
                exportedBy: "stadtkasse"), store: store, now: now)
        XCTAssertEqual(one.closings.map(\.zNumber), [2])
        XCTAssertTrue(one.isRepeat)
        let runs = try database.connect().execute("SELECT count(*) FROM central_exports WHERE format = 'dsfinvk'")
        XCTAssertEqual(runs.int64(0, 0), 2)
        XCTAssertThrowsError(
            try CentralDSFinVKExport.run(
                CentralDSFinVKRequest(
                    registers: ["K1"], scope: .zNumber(3), outputPath: day.data + "/z3.zip", master: counterRequest.master, timeZone: berlin,
                    exportedBy: "stadtkasse"), store: store, now: now)
        ) { error in
            XCTAssertEqual("\(error)", "Die Kasse K1 hat in der Zentrale keinen Tagesabschluss Z 3 (der letzte ist Z 2).")
        }
    }
}
