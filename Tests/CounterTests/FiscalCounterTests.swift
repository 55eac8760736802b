import Access
import Fiscal
import Foundation
import KasseCore
import KasseCrypto
import Ledger
import TestSupport
import XCTest

@testable import Counter

/// A TSE that signs through the software TSE until told to fail (the failure's text is the cause).
final class SwitchableTSE: TechnicalSecurityDevice {
    let inner: SoftwareTSE
    var failure: TSEError?
    init(_ inner: SoftwareTSE) { self.inner = inner }
    var kind: TSEKind { .software }
    func describe() throws(TSEError) -> TSEDescription { try inner.describe() }
    func registerClient(_ clientId: String) throws(TSEError) {
        if let failure { throw failure }
        try inner.registerClient(clientId)
    }
    func startTransaction(key: TSETransactionKey, clientId: String, processType: String, processData: [UInt8]) throws(TSEError) -> TSELogAnswer {
        if let failure { throw failure }
        return try inner.startTransaction(key: key, clientId: clientId, processType: processType, processData: processData)
    }
    func updateTransaction(
        key: TSETransactionKey, number: UInt64, clientId: String, processType: String, processData: [UInt8]
    ) throws(TSEError) -> TSELogAnswer {
        try inner.updateTransaction(key: key, number: number, clientId: clientId, processType: processType, processData: processData)
    }
    func finishTransaction(
        key: TSETransactionKey, number: UInt64, clientId: String, processType: String, processData: [UInt8]
    ) throws(TSEError) -> TSELogAnswer {
        if let failure { throw failure }
        return try inner.finishTransaction(key: key, number: number, clientId: clientId, processType: processType, processData: processData)
    }
    func exportTAR(to path: String) throws(TSEError) { try inner.exportTAR(to: path) }
    func unfinishedTransactions() throws(TSEError) -> [TSEUnfinishedTransaction] { try inner.unfinishedTransactions() }
}

final class FiscalCounterTests: XCTestCase {
    static func softwareFixture() throws -> CounterFixture {
        try CounterFixture(fiscal: { directory, clock in
            FiscalSigner(device: try SoftwareTSE(directory: directory.path + "/tse", clock: { clock.now() }), clientId: "K1")
        })
    }

    /// Checks the ledger's record of a finished transaction against the TSE's public key: the
    /// finish message rebuilt from the stored fields must verify (what a tax auditor does with the QR code).
    static func assertVerifies(_ record: TSETransactionRecord, publicKey point: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        guard let serial = record.serial, let number = record.transactionNumber, let counter = record.signatureCounter,
            let end = record.endedAt, let signature = record.signature.flatMap({ Data(base64Encoded: $0) })
        else { return XCTFail("not signed: \(record)", file: file, line: line) }
        let message = TransactionLogMessage(
            operation: .finish, clientId: record.clientId, processData: Array(record.processData.utf8), processType: record.processType,
            transactionNumber: UInt64(number), serialNumber: hexBytes(serial), signatureCounter: UInt64(counter),
            logTime: UInt64(end.millisecondsSinceEpoch / 1000))
        XCTAssertTrue(
            ECDSASignature.verifyPlainSHA256([UInt8](signature), message: message.dataToBeSigned, publicKeyDER: p256PublicKeyDER(point)),
            "signature of TSE transaction \(number) does not verify", file: file, line: line)
    }

    /// SubjectPublicKeyInfo of a P-256 point (RFC 5480: id-ecPublicKey, prime256v1, the point as BIT STRING).
    static func p256PublicKeyDER(_ point: [UInt8]) -> [UInt8] {
        DER.sequence([
            DER.sequence([
                DER.encode(tag: DER.objectIdentifierTag, DER.objectIdentifierValue("1.2.840.10045.2.1")),
                DER.encode(tag: DER.objectIdentifierTag, DER.objectIdentifierValue("1.2.840.10045.3.1.7")),
            ]),
            DER.encode(tag: 0x03, [0] + point),
        ])
    }

    static func hexBytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    func testEverySaleStornoAndCashMovementIsSignedInTheLedgerAndVerifies() throws {
        let f = try Self.softwareFixture()
        let cash = try f.sell(.cash(tendered: Money(euros: 50)))
        try f.sell(.card, lines: [CounterFixture.passport, CounterFixture.certificate])
        _ = try f.service.cancelSale(receiptNumber: cash.sale.receiptNumber, stornoId: "st-1", operatorId: f.clerk.id, reason: "Irrtum")
        _ = try f.service.recordCashMovement(id: "mv-1", kind: .einlage, amount: Money(euros: 20), reason: "Wechselgeld", operatorId: f.clerk.id)

        let records = try f.service.ledger.tseTransactions().map(\.record)
        XCTAssertEqual(records.map(\.booking), [.sale, .sale, .storno, .cashMovement])
        XCTAssertEqual(records.map(\.bookingId), [cash.sale.id, "sale-2", "st-1", "mv-1"])
        XCTAssertEqual(
            records.map(\.processData),
            [
                "Beleg^0.00_0.00_0.00_0.00_37.00^37.00:Bar", "Beleg^0.00_0.00_0.00_0.00_63.00^63.00:Unbar",
                "AVBelegstorno^0.00_0.00_0.00_0.00_-37.00^-37.00:Bar", "AVTransfer^0.00_0.00_0.00_0.00_0.00^20.00:Bar",
            ])
        XCTAssertEqual(records.map(\.transactionNumber), [1, 2, 3, 4])
        XCTAssertEqual(records.map(\.signatureCounter), [2, 4, 6, 8], "start and finish: two signatures per transaction")
        let description = try f.service.fiscal!.device.describe()
        for record in records {
            XCTAssertEqual(record.serial, description.serialNumber)
            XCTAssertEqual(record.processType, "Kassenbeleg-V1")
            XCTAssertNil(record.error)
            Self.assertVerifies(record, publicKey: description.publicKey)
        }
        XCTAssertEqual(try f.service.ledger.tseTransaction(forBooking: "st-1")?.transactionNumber, 3)
        try f.assertClean()

        // The receipt prints the TSE block, marked as not certified.
        let receipt = try XCTUnwrap(try f.service.receiptText(number: cash.sale.receiptNumber, copy: false))
        XCTAssertTrue(receipt.contains("Software-TSE – nicht zertifiziert"), receipt)
        XCTAssertTrue(receipt.contains("TSE-Transaktion: 1\n"), receipt)
        XCTAssertTrue(receipt.contains("TSE-Signaturzähler: 2\n"), receipt)
        XCTAssertTrue(receipt.contains("Algorithmus: ecdsa-plain-SHA256\n"), receipt)
        XCTAssertTrue(receipt.contains(String(records[0].signature!.prefix(40))), receipt)
        XCTAssertTrue(receipt.contains(String(description.serialNumber.prefix(42))), receipt)
        let block = try XCTUnwrap(try f.service.receipts.fiscalBlock(number: cash.sale.receiptNumber))
        let qr = try QRCodeString(parsing: block.qrCode)
        XCTAssertEqual(qr.fields.count, 12)
        XCTAssertEqual(qr.registerSerialNumber, "K1")
        XCTAssertEqual(qr.processData, records[0].processData)
        XCTAssertEqual(qr.signature, [UInt8](Data(base64Encoded: records[0].signature!)!))
        XCTAssertEqual(qr.publicKey, description.publicKey)
        XCTAssertEqual(qr.startTimeMs, records[0].startedAt?.millisecondsSinceEpoch)
    }

    func testWhenTheTSEFailsTheSaleIsBookedWithTheFailureAndTheNextSaleAsksAgain() throws {
        var device: SwitchableTSE!
        let f = try CounterFixture(fiscal: { directory, clock in
            device = SwitchableTSE(try SoftwareTSE(directory: directory.path + "/tse", clock: { clock.now() }))
            return FiscalSigner(device: device, clientId: "K1")
        })
        try f.sell(.cash(tendered: Money(euros: 50)))
        device.failure = .unreachable("USB-Stick fehlt")
        let failed = try f.sell(.cash(tendered: Money(euros: 50)))
        try f.sell(.card)
        XCTAssertEqual(f.service.fiscal?.statusText, "TSE ausgefallen: TSE nicht erreichbar: USB-Stick fehlt")
        XCTAssertEqual(f.service.fiscal?.currentOutage?.unsigned, 2)
        let receipt = try XCTUnwrap(try f.service.receiptText(number: failed.sale.receiptNumber, copy: false))
        XCTAssertTrue(receipt.contains("TSE ausgefallen"), receipt)
        XCTAssertTrue(receipt.contains("TSE nicht erreichbar: USB-Stick fehlt"), receipt)
        device.failure = nil
        try f.sell(.cash(tendered: Money(euros: 50)))
        XCTAssertNil(f.service.fiscal?.currentOutage)

        let records = try f.service.ledger.tseTransactions().map(\.record)
        XCTAssertEqual(records.count, 4, "every sale carries its signature or its failure")
        XCTAssertEqual(records.map(\.isSigned), [true, false, false, true])
        XCTAssertEqual(records[1].error, "TSE nicht erreichbar: USB-Stick fehlt")
        XCTAssertEqual(records[1].processData, "Beleg^0.00_0.00_0.00_0.00_37.00^37.00:Bar", "what would have been signed")
        XCTAssertEqual(records[3].transactionNumber, 2, "the TSE's counter has no gap: the failed sales never reached it")
        var audits: [AuditRecord] = []
        try f.service.ledger.forEachEvent { _, event in
            if case .audit(let a) = event, a.kind.hasPrefix("tse_") { audits.append(a) }
        }
        XCTAssertEqual(audits.map(\.kind), ["tse_failed", "tse_restored"])
        XCTAssertTrue(audits[1].detail.contains("2 Vorgänge ohne Signatur"), audits[1].detail)
        XCTAssertEqual(try f.service.ledger.tseFailures(after: 0).count, 2)
        // The X and the Z report name the outage for the supervisor.
        let note = "TSE ausgefallen: 2 Vorgang/Vorgänge ohne Signatur von 27.11.2026 10:03 bis"
        let interim = try f.dayClose.interimReportText()
        XCTAssertTrue(interim.replacingOccurrences(of: "\n  ", with: " ").contains(note), interim)
        let close = try f.closeDay()
        XCTAssertTrue(try f.dayClose.zReportText(zNumber: close.zNumber).replacingOccurrences(of: "\n  ", with: " ").contains(note))
        try f.assertClean()
    }

    func testAKillBetweenTheTSEAndTheBookingIsExplainedAtTheNextStart() throws {
        let f = try Self.softwareFixture()
        try f.sell(.cash(tendered: Money(euros: 50)))
        let tse = try XCTUnwrap(f.service.fiscal?.device as? SoftwareTSE)
        // Killed after the start (the transaction stays open) …
        _ = try tse.startTransaction(key: TSETransactionKey("lost-1"), clientId: "K1", processType: "", processData: [])
        // … and killed after the finish, before the commit.
        let start = try tse.startTransaction(key: TSETransactionKey("lost-2"), clientId: "K1", processType: "", processData: [])
        _ = try tse.finishTransaction(
            key: TSETransactionKey("lost-2"), number: start.transactionNumber, clientId: "K1", processType: "Kassenbeleg-V1",
            processData: Array("Beleg^0.00_0.00_0.00_0.00_37.00^37.00:Bar".utf8))
        try f.restart()
        let report = try f.service.start()
        XCTAssertEqual(report.tseRecovered.map(\.booking), [.aborted, .unbooked])
        XCTAssertEqual(report.tseRecovered.map(\.transactionNumber), [2, 3])
        XCTAssertEqual(report.tseRecovered[0].processData, "AVBelegabbruch^0.00_0.00_0.00_0.00_0.00^")
        let reopened = try XCTUnwrap(f.service.fiscal?.device as? SoftwareTSE)
        XCTAssertEqual(try reopened.unfinishedTransactions(), [])
        // Every transaction the TSE signed is in the ledger, and its counter has no gap.
        let ledgerNumbers = try f.service.ledger.tseTransactionNumbers(serial: try reopened.describe().serialNumber)
        XCTAssertEqual(ledgerNumbers, Set(reopened.logMessages().map { Int64($0.transactionNumber) }))
        XCTAssertEqual(reopened.logMessages().map(\.signatureCounter), Array(1...UInt64(reopened.logMessages().count)))
        // A second start finds nothing more to do.
        try f.restart()
        XCTAssertEqual(try f.service.start().tseRecovered, [])
        try f.assertClean()
    }

    func testARepeatedBookingAfterALostCommitGetsTheSameTSETransaction() throws {
        let f = try Self.softwareFixture()
        let tse = try XCTUnwrap(f.service.fiscal?.device as? SoftwareTSE)
        // The TSE answered the sale "sale-9", then the process died before the commit.
        let request = f.request(.cash(tendered: Money(euros: 50)), id: "sale-9")
        _ = f.service.fiscal!.sign(
            DSFinVKProcessData(type: .beleg, lines: request.lines, payments: [PaymentRecord(method: .cash, amount: Money(cents: 3700))]),
            key: "sale-9", booking: .sale, bookingId: "sale-9", now: f.clock.now())
        let before = tse.logMessages().count
        let outcome = try f.service.bookSale(request)
        XCTAssertEqual(tse.logMessages().count, before, "no second transaction")
        XCTAssertEqual(try f.service.ledger.tseTransaction(forBooking: outcome.sale.id)?.transactionNumber, 1)
    }

    func testTheTransactionStartsWithTheFirstItemAndAGivenUpBasketIsAnAbort() throws {
        let f = try Self.softwareFixture()
        let tse = try XCTUnwrap(f.service.fiscal?.device as? SoftwareTSE)
        f.service.beginSale(saleId: "sale-a")
        f.service.fiscal!.waitForBegun()
        f.clock.advance(seconds: 40)
        let outcome = try f.service.bookSale(f.request(.cash(tendered: Money(euros: 50)), id: "sale-a"))
        let record = try XCTUnwrap(try f.service.ledger.tseTransaction(forBooking: outcome.sale.id))
        XCTAssertEqual(record.startedAt, Instant(millisecondsSinceEpoch: 1_795_770_000_000), "TSE_TA_START: the first item")
        XCTAssertEqual(record.endedAt, Instant(millisecondsSinceEpoch: 1_795_770_135_000), "TSE_TA_ENDE: the payment")
        XCTAssertEqual(tse.logMessages().count, 2, "the booking signed only the finish")

        f.service.beginSale(saleId: "sale-b")
        try f.service.abandonSale(saleId: "sale-b", lines: [CounterFixture.certificate])
        try f.service.abandonSale(saleId: "sale-b", lines: [CounterFixture.certificate])  // once only
        let records = try f.service.ledger.tseTransactions().map(\.record)
        XCTAssertEqual(records.map(\.booking), [.sale, .aborted])
        XCTAssertEqual(records[1].processData, "AVBelegabbruch^0.00_0.00_0.00_0.00_26.00^")
        XCTAssertEqual(records[1].transactionNumber, 2)
        XCTAssertEqual(try tse.unfinishedTransactions(), [])
        Self.assertVerifies(records[1], publicKey: try tse.describe().publicKey)
        try f.assertClean()
    }

    /// `[fiscal] tse = fiskaly` against the fiskaly test server: the set-up, then a sale booked
    /// with fiskaly's answer in the ledger and the QR code on the receipt; the same sale again
    /// books nothing and asks nothing new.
    /// The signer of `[fiscal] tse = fiskaly` against `server`, set up as `webkasse fiscal setup` does.
    func fiskalySigner(_ server: FiskalyTestServer, files: TemporaryDirectory) throws -> FiscalSigner {
        let secret = try files.write(server.apiSecret + "\n", to: "api-secret")
        XCTAssertEqual(chmod(secret, 0o600), 0)
        var configuration = Configuration()
        try configuration.apply(
            text: "[register]\nid = K1\n[fiscal]\ntse = fiskaly\nfiskaly_url = \(server.baseURL)\napi_key = \(server.apiKey)\napi_secret_file = \(secret)\n",
            file: "w.conf")
        try FileManager.default.createDirectory(atPath: files.path + "/tse", withIntermediateDirectories: true)
        _ = try FiskalySetUp.run(configuration: try FiscalSigner.fiskalyConfiguration(configuration, registerDirectory: files.path))
        return try XCTUnwrap(try FiscalSigner.configured(configuration, registerDirectory: files.path, isTraining: false))
    }

    func testASaleSignedByFiskalyThroughTheConfiguration() throws {
        let server = try FiskalyTestServer()
        defer { server.stop() }
        let files = try TemporaryDirectory(prefix: "fiskaly-counter")
        defer { files.remove() }
        let signer = try fiskalySigner(server, files: files)
        let f = try CounterFixture(fiscal: { _, _ in signer })
        let outcome = try f.sell(.cash(tendered: Money(euros: 50)))
        let record = try XCTUnwrap(try f.service.ledger.tseTransaction(forBooking: outcome.sale.id))
        XCTAssertTrue(record.isSigned, record.error ?? "")
        XCTAssertEqual(record.processData, "Beleg^0.00_0.00_0.00_0.00_37.00^37.00:Bar")
        let receipt = try XCTUnwrap(try f.service.receiptText(number: outcome.sale.receiptNumber, copy: false))
        XCTAssertTrue(receipt.contains("TSE-Transaktion: \(record.transactionNumber!)"), receipt)
        XCTAssertFalse(receipt.contains("nicht zertifiziert"), receipt)
        let block = try XCTUnwrap(try f.service.receipts.fiscalBlock(number: outcome.sale.receiptNumber))
        let qr = try QRCodeString(parsing: block.qrCode)
        XCTAssertEqual(qr.fields.count, 12)
        XCTAssertEqual(qr.processData, record.processData)
        let puts = server.requests.filter { $0.method == "PUT" && $0.path.contains("/tx/") }.count
        XCTAssertTrue(try f.service.bookSale(f.request(.cash(tendered: Money(euros: 50)), id: outcome.sale.id)).alreadyBooked)
        XCTAssertEqual(server.requests.filter { $0.method == "PUT" && $0.path.contains("/tx/") }.count, puts)
        try f.assertClean()
    }

    /// fiskaly fails in the middle of a sale (the start answered, every finish refused with 503):
    /// the sale is booked with the failure, its receipt says "TSE ausgefallen", and the next sale,
    /// with fiskaly back, is signed again.
    func testAFiskalyFailureMidTransactionBooksTheSaleAsTSEAusgefallen() throws {
        let server = try FiskalyTestServer()
        defer { server.stop() }
        let files = try TemporaryDirectory(prefix: "fiskaly-failure")
        defer { files.remove() }
        let signer = try fiskalySigner(server, files: files)
        let f = try CounterFixture(fiscal: { _, _ in signer })
        server.inject(.status(503), on: .transactionFinish, times: 100)
        let failed = try f.sell(.cash(tendered: Money(euros: 50)))
        let record = try XCTUnwrap(try f.service.ledger.tseTransaction(forBooking: failed.sale.id))
        XCTAssertFalse(record.isSigned)
        XCTAssertTrue(record.error?.hasPrefix("TSE nicht erreichbar") == true, record.error ?? "")
        let receipt = try XCTUnwrap(try f.service.receiptText(number: failed.sale.receiptNumber, copy: false))
        XCTAssertTrue(receipt.contains("TSE ausgefallen"), receipt)
        XCTAssertNotNil(f.service.fiscal?.statusText)

        server.clearFaults()
        let signed = try f.sell(.cash(tendered: Money(euros: 50)))
        XCTAssertTrue(try XCTUnwrap(try f.service.ledger.tseTransaction(forBooking: signed.sale.id)).isSigned)
        XCTAssertNil(f.service.fiscal?.statusText)
        try f.assertClean()
    }

    func testWithoutATSENothingIsSignedAndTheReceiptHasNoBlock() throws {
        let f = try CounterFixture()
        let outcome = try f.sell(.cash(tendered: Money(euros: 50)))
        XCTAssertNil(f.service.fiscal)
        XCTAssertEqual(try f.service.ledger.tseTransactions().count, 0)
        XCTAssertFalse(outcome.receipt.text.contains("TSE"))
    }

    func testTheFiscalSectionOfTheConfiguration() throws {
        var configuration = Configuration()
        try configuration.apply(
            text: "[fiscal]\ntse = software\nclient_id = KASSE-01\nacquisition_date = 2026-12-01\n", file: "w.conf")
        XCTAssertEqual(configuration.fiscal.tse, .software)
        XCTAssertEqual(configuration.fiscal.effectiveClientId(registerId: "K1"), "KASSE-01")
        XCTAssertEqual(Configuration().fiscal.tse, FiscalSettings.Device.none)
        XCTAssertEqual(FiscalSettings().effectiveClientId(registerId: "K_1"), "K-1")
        XCTAssertThrowsError(try configuration.apply(text: "[fiscal]\ntse = swissbit\n", file: "w.conf")) { error in
            XCTAssertEqual("\(error)", "w.conf:2: fiscal.tse: »swissbit« ist keine TSE (erlaubt: none, software, fiskaly).")
        }
        XCTAssertThrowsError(try configuration.apply(text: "[fiscal]\nclient_id = Kasse_1\n", file: "w.conf"))
    }
}
