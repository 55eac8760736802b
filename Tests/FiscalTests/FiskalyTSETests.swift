import Fiscal
import Foundation
import KasseCore
import TestSupport
import XCTest

/// The fiskaly client against ``FiskalyTestServer`` over real loopback HTTP (docs/fiscal.md, "fiskaly SIGN DE").
final class FiskalyTSETests: XCTestCase {
    private var server: FiskalyTestServer!
    private var directory: TemporaryDirectory!
    private let register = "WK-BUERGERAMT-01"
    private let sale = "Beleg^21.42_3.00_0.00_0.00_0.00^20.00:Bar_4.42:Unbar"

    override func setUpWithError() throws {
        server = try FiskalyTestServer()
        directory = try TemporaryDirectory(prefix: "fiskaly")
        let secret = try directory.write(server.apiSecret + "\n", to: "api-secret")
        XCTAssertEqual(chmod(secret, 0o600), 0)
    }

    override func tearDown() {
        server.stop()
        directory.remove()
    }

    private func configuration(timeoutSeconds: Double = 5, attempts: Int = 3) -> FiskalyConfiguration {
        FiskalyConfiguration(
            baseURL: server.baseURL, apiKey: server.apiKey, apiSecretFile: directory.path + "/api-secret",
            tssFile: directory.path + "/fiskaly-tss.json", requestTimeoutSeconds: timeoutSeconds, attempts: attempts,
            pauseBeforeRetry: { _ in }, exportPolls: 5, pauseBetweenExportPolls: {})
    }

    /// Set-up, then a TSE with the register's client.
    private func readyTSE(timeoutSeconds: Double = 5, attempts: Int = 3) throws -> (FiskalyTSE, String) {
        let report = try FiskalySetUp.run(configuration: configuration())
        let tse = try FiskalyTSE(configuration: configuration(timeoutSeconds: timeoutSeconds, attempts: attempts))
        try tse.registerClient(register)
        return (tse, report.tssId)
    }

    private func transactionPuts(_ txId: String) -> [FiskalyTestServer.Request] {
        server.requests.filter { $0.method == "PUT" && $0.path.hasSuffix("/tx/\(txId)") }
    }

    func testSetUpTakesTheTSSThroughTheDocumentedOrderAndKeepsItsFileOwnerOnly() throws {
        let report = try FiskalySetUp.run(configuration: configuration())
        let tss = "/api/v2/tss/\(report.tssId)"
        XCTAssertEqual(
            server.requests.map(\.line),
            ["POST /api/v2/auth", "PUT \(tss)", "PATCH \(tss)", "PATCH \(tss)/admin", "POST \(tss)/admin/auth", "PATCH \(tss)", "GET \(tss)"])
        XCTAssertEqual(server.requests.compactMap { $0.json?["state"] as? String }, ["UNINITIALIZED", "INITIALIZED"])
        XCTAssertTrue(server.requests.allSatisfy { $0.status == 200 })
        XCTAssertEqual(server.tssState(report.tssId), "INITIALIZED")
        XCTAssertEqual(report.serialNumber.count, 64)
        let file = directory.path + "/fiskaly-tss.json"
        XCTAssertEqual(FileManager.default.permissions(file), 0o600)
        let stored = try XCTUnwrap(String(contentsOfFile: file, encoding: .utf8))
        XCTAssertTrue(stored.contains(report.tssId))
        let pin = try XCTUnwrap(server.adminPIN(report.tssId))
        XCTAssertTrue(stored.contains(pin), "the admin PIN the server got is the one kept")
        XCTAssertFalse(report.steps.joined().contains(pin))

        // Run again: nothing to do, the TSS stays as it is.
        let again = try FiskalySetUp.run(configuration: configuration())
        XCTAssertEqual(again.tssId, report.tssId)
        XCTAssertEqual(again.steps, ["GET /tss/\(report.tssId)"])
    }

    func testATSSFileOthersCanReadIsRefused() throws {
        _ = try FiskalySetUp.run(configuration: configuration())
        let file = directory.path + "/fiskaly-tss.json"
        XCTAssertEqual(chmod(file, 0o644), 0)
        XCTAssertThrowsError(try FiskalyTSE(configuration: configuration())) { error in
            let message = (error as? TSEError)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("TSE-Speicher: Die fiskaly-TSS-Datei \(file) ist für andere lesbar"), message)
            XCTAssertTrue(message.contains("chmod 600"), message)
        }
    }

    func testAWrongSecretIsRefusedWithoutShowingIt() throws {
        let secret = directory.path + "/api-secret"
        try Data("not-the-secret-4711\n".utf8).write(to: URL(fileURLWithPath: secret))
        XCTAssertThrowsError(try FiskalySetUp.run(configuration: configuration())) { error in
            let message = (error as? TSEError)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("TSE lehnt ab: POST /auth: API-Key oder API-Secret abgelehnt"), message)
            XCTAssertFalse(message.contains("4711"))
        }
    }

    func testASaleGivesTheCompleteSignedAnswer() throws {
        let (tse, tssId) = try readyTSE()
        XCTAssertEqual(server.clients(tssId), [FiskalyTSE.clientUUID(register): register])
        let key = TSETransactionKey(UUID().uuidString)
        let start = try tse.startTransaction(key: key, clientId: register, processType: "", processData: [])
        let finish = try tse.finishTransaction(
            key: key, number: start.transactionNumber, clientId: register, processType: "Kassenbeleg-V1", processData: Array(sale.utf8))

        XCTAssertEqual(start.transactionNumber, 1)
        XCTAssertEqual(finish.transactionNumber, 1)
        XCTAssertEqual(finish.signatureCounter, start.signatureCounter + 1)
        XCTAssertEqual(finish.startTime, start.startTime)
        XCTAssertGreaterThanOrEqual(finish.logTime, finish.startTime)
        XCTAssertEqual(finish.signatureAlgorithm, "ecdsa-plain-SHA256")
        XCTAssertEqual(finish.logTimeFormat, "unixTime")
        XCTAssertEqual(finish.publicKey, server.publicKey)
        XCTAssertEqual(finish.publicKey.count, 65)
        XCTAssertEqual(finish.signature.count, 64)
        XCTAssertEqual(finish.processType, "Kassenbeleg-V1")
        XCTAssertEqual(String(decoding: finish.processData, as: UTF8.self), sale, "fiskaly's Beleg^… from standard_v1 is ours")
        let description = try tse.describe()
        XCTAssertEqual(finish.serialNumber, description.serialNumber)
        XCTAssertEqual(description.publicKey, server.publicKey)
        XCTAssertEqual(description.signatureCounter, finish.signatureCounter)

        // The signature is the server's ECDSA over what it logged.
        let message = "FinishTransaction;\(register);Kassenbeleg-V1;\(sale);1;\(finish.signatureCounter);\(finish.logTime.millisecondsSinceEpoch / 1000)"
        XCTAssertTrue(server.verify(finish.signature, of: Array(message.utf8)))
        XCTAssertFalse(server.verify(finish.signature, of: Array(message.replacingOccurrences(of: "21.42", with: "21.43").utf8)))

        // The wire: revision 1 ACTIVE without schema, revision 2 FINISHED with standard_v1.
        let txId = FiskalyTSE.transactionUUID(key)
        XCTAssertEqual(txId, key.value.lowercased())
        let puts = transactionPuts(txId)
        XCTAssertEqual(puts.map(\.query), ["tx_revision=1", "tx_revision=2"])
        XCTAssertEqual(puts[0].json?["state"] as? String, "ACTIVE")
        XCTAssertNil(puts[0].json?["schema"])
        XCTAssertEqual(puts[0].json?["client_id"] as? String, FiskalyTSE.clientUUID(register))
        let receipt = try XCTUnwrap(((puts[1].json?["schema"] as? [String: Any])?["standard_v1"] as? [String: Any])?["receipt"] as? [String: Any])
        XCTAssertEqual(
            receipt["amounts_per_vat_rate"] as? [[String: String]], [["vat_rate": "NORMAL", "amount": "21.42"], ["vat_rate": "REDUCED_1", "amount": "3.00"]])
        XCTAssertEqual(
            receipt["amounts_per_payment_type"] as? [[String: String]],
            [["payment_type": "CASH", "amount": "20.00"], ["payment_type": "NON_CASH", "amount": "4.42"]])
        XCTAssertEqual(server.transactionState(tssId, tx: txId), "FINISHED")
    }

    func testAnotherOperationIsSignedRaw() throws {
        let (tse, _) = try readyTSE()
        let key = TSETransactionKey(UUID().uuidString)
        _ = try tse.startTransaction(key: key, clientId: register, processType: "", processData: [])
        let data = Array("Geldtransit 100.00".utf8)
        let finish = try tse.finishTransaction(key: key, number: 1, clientId: register, processType: "SonstigerVorgang", processData: data)
        XCTAssertEqual(finish.processType, "SonstigerVorgang")
        XCTAssertEqual(finish.processData, data)
        let raw = (transactionPuts(FiskalyTSE.transactionUUID(key)).last?.json?["schema"] as? [String: Any])?["raw"] as? [String: String]
        XCTAssertEqual(raw, ["process_type": "SonstigerVorgang", "process_data": Data(data).base64EncodedString()])
    }

    func testAnAbortedSaleIsCancelledWithTheNextRevision() throws {
        let (tse, tssId) = try readyTSE()
        let key = TSETransactionKey(UUID().uuidString)
        _ = try tse.startTransaction(key: key, clientId: register, processType: "", processData: [])
        let cancelled = try tse.cancelTransaction(key: key, clientId: register)
        XCTAssertEqual(cancelled.transactionNumber, 1)
        let puts = transactionPuts(FiskalyTSE.transactionUUID(key))
        XCTAssertEqual(puts.map(\.query), ["tx_revision=1", "tx_revision=2"])
        XCTAssertEqual(puts.last?.json?["state"] as? String, "CANCELLED")
        XCTAssertEqual(server.transactionState(tssId, tx: FiskalyTSE.transactionUUID(key)), "CANCELLED")
    }

    func testADroppedFinishAnswerIsRetriedWithTheSameRevisionAndMakesOneTransaction() throws {
        let (tse, tssId) = try readyTSE()
        let key = TSETransactionKey(UUID().uuidString)
        let txId = FiskalyTSE.transactionUUID(key)
        let start = try tse.startTransaction(key: key, clientId: register, processType: "", processData: [])
        server.inject(.dropAnswer, on: .transactionFinish)
        let finish = try tse.finishTransaction(key: key, number: 1, clientId: register, processType: "Kassenbeleg-V1", processData: Array(sale.utf8))

        XCTAssertEqual(server.transactionCount(tssId), 1)
        let finishes = transactionPuts(txId).filter { $0.query == "tx_revision=2" }
        XCTAssertEqual(finishes.map(\.status), [nil, 200], "the first answer was dropped, the same PUT came again")
        XCTAssertEqual(finishes[0].body, finishes[1].body)
        XCTAssertFalse(transactionPuts(txId).contains { $0.query == "tx_revision=3" })
        // The answer is the one the server stored when it processed the first PUT: one signature, not two.
        XCTAssertEqual(finish.signatureCounter, start.signatureCounter + 1)
        XCTAssertEqual(try tse.describe().signatureCounter, finish.signatureCounter)
        XCTAssertEqual(String(decoding: finish.processData, as: UTF8.self), sale)
    }

    func testWhenEveryAttemptIsLostTheCallersRetryStillFindsTheOneTransaction() throws {
        let (tse, tssId) = try readyTSE(attempts: 2)
        let key = TSETransactionKey(UUID().uuidString)
        let txId = FiskalyTSE.transactionUUID(key)
        _ = try tse.startTransaction(key: key, clientId: register, processType: "", processData: [])
        server.inject(.dropAnswer, on: .transactionFinish, times: 2)
        XCTAssertThrowsError(
            try tse.finishTransaction(key: key, number: 1, clientId: register, processType: "Kassenbeleg-V1", processData: Array(sale.utf8))
        ) { error in
            XCTAssertTrue((error as? TSEError)?.message.hasPrefix("TSE nicht erreichbar: keine Antwort auf PUT") ?? false, "\(error)")
        }
        let counterAfterLoss = try tse.describe().signatureCounter
        let finish = try tse.finishTransaction(key: key, number: 1, clientId: register, processType: "Kassenbeleg-V1", processData: Array(sale.utf8))
        XCTAssertEqual(finish.signatureCounter, counterAfterLoss, "the stored answer, not a new signature")
        XCTAssertEqual(server.transactionCount(tssId), 1)
        XCTAssertEqual(transactionPuts(txId).map(\.query), ["tx_revision=1", "tx_revision=2", "tx_revision=2", "tx_revision=2"])

        // A till restarted after the loss asks fiskaly and gets the same finished transaction.
        let restarted = try FiskalyTSE(configuration: configuration())
        let again = try restarted.finishTransaction(
            key: key, number: 1, clientId: register, processType: "Kassenbeleg-V1", processData: Array(sale.utf8))
        XCTAssertEqual(again, finish)
        XCTAssertEqual(server.transactionCount(tssId), 1)
    }

    func testARestartedTillFinishesWithTheNextRevision() throws {
        let (tse, tssId) = try readyTSE()
        let key = TSETransactionKey(UUID().uuidString)
        _ = try tse.startTransaction(key: key, clientId: register, processType: "", processData: [])
        let restarted = try FiskalyTSE(configuration: configuration())
        _ = try restarted.finishTransaction(key: key, number: 1, clientId: register, processType: "Kassenbeleg-V1", processData: Array(sale.utf8))
        XCTAssertEqual(transactionPuts(FiskalyTSE.transactionUUID(key)).map(\.query), ["tx_revision=1", "tx_revision=2"])
        XCTAssertEqual(server.transactionState(tssId, tx: FiskalyTSE.transactionUUID(key)), "FINISHED")
    }

    func testAFinishThatKeepsFailingEndsAsTheGermanTSEError() throws {
        let (tse, tssId) = try readyTSE()
        let key = TSETransactionKey(UUID().uuidString)
        _ = try tse.startTransaction(key: key, clientId: register, processType: "", processData: [])
        server.inject(.status(503), on: .transactionFinish, times: 3)
        XCTAssertThrowsError(
            try tse.finishTransaction(key: key, number: 1, clientId: register, processType: "Kassenbeleg-V1", processData: Array(sale.utf8))
        ) { error in
            let txPath = "/tss/\(tssId)/tx/\(FiskalyTSE.transactionUUID(key))"
            XCTAssertEqual(error as? TSEError, .unreachable("PUT \(txPath): fiskaly antwortet HTTP 503 (E_INJECTED: injected failure)"))
            XCTAssertEqual(
                (error as? TSEError)?.message, "TSE nicht erreichbar: PUT \(txPath): fiskaly antwortet HTTP 503 (E_INJECTED: injected failure)")
        }
        XCTAssertEqual(server.transactionState(tssId, tx: FiskalyTSE.transactionUUID(key)), "ACTIVE")
        XCTAssertEqual(transactionPuts(FiskalyTSE.transactionUUID(key)).map(\.status), [200, 503, 503, 503])
    }

    func testAFinishThatIsNeverAnsweredTimesOut() throws {
        let (tse, _) = try readyTSE(timeoutSeconds: 0.5, attempts: 1)
        let key = TSETransactionKey(UUID().uuidString)
        _ = try tse.startTransaction(key: key, clientId: register, processType: "", processData: [])
        server.inject(.hold, on: .transactionFinish)
        XCTAssertThrowsError(
            try tse.finishTransaction(key: key, number: 1, clientId: register, processType: "Kassenbeleg-V1", processData: Array(sale.utf8))
        ) { error in
            XCTAssertTrue((error as? TSEError)?.message.hasPrefix("TSE nicht erreichbar: Zeitüberschreitung nach 0.5 s bei PUT") ?? false, "\(error)")
        }
    }

    func testAnExpiredTokenIsRenewedAfter401() throws {
        let (tse, _) = try readyTSE()
        server.expireAccessTokens()
        let key = TSETransactionKey(UUID().uuidString)
        let start = try tse.startTransaction(key: key, clientId: register, processType: "", processData: [])
        XCTAssertEqual(start.transactionNumber, 1)
        let tail = server.requests.suffix(3)
        XCTAssertEqual(tail.map(\.method), ["PUT", "POST", "PUT"])
        XCTAssertEqual(tail.map(\.status), [401, 200, 200])
        XCTAssertTrue(tail.dropFirst().first?.path.hasSuffix("/auth") ?? false)
        XCTAssertNotEqual(tail.first?.bearer, tail.last?.bearer)
    }

    func testATokenThatRanOutIsRenewedBeforeTheCall() throws {
        _ = try FiskalySetUp.run(configuration: configuration())
        let now = Clock()
        var settings = configuration()
        settings.clock = { now.date }
        let tse = try FiskalyTSE(configuration: settings)
        try tse.registerClient(register)
        let before = server.requests.count
        now.advance(by: 86_400 - 30)  // the server's token lives a day; renewed a minute early
        _ = try tse.startTransaction(key: TSETransactionKey(UUID().uuidString), clientId: register, processType: "", processData: [])
        XCTAssertEqual(server.requests.dropFirst(before).map(\.method), ["POST", "PUT"])
        XCTAssertEqual(server.requests.dropFirst(before).map(\.status), [200, 200])
    }

    func testTheExportIsDownloadedIntoTheTAR() throws {
        let (tse, tssId) = try readyTSE()
        let key = TSETransactionKey(UUID().uuidString)
        _ = try tse.startTransaction(key: key, clientId: register, processType: "", processData: [])
        _ = try tse.finishTransaction(key: key, number: 1, clientId: register, processType: "Kassenbeleg-V1", processData: Array(sale.utf8))
        server.exportPollsBeforeCompletion = 2
        let path = directory.path + "/tse-export.tar"
        try tse.exportTAR(to: path)

        let tar = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(String(decoding: tar[0..<8], as: UTF8.self), "info.csv")
        XCTAssertEqual(String(decoding: tar[257..<262], as: UTF8.self), "ustar")
        XCTAssertEqual(tar.count % 512, 0)
        XCTAssertEqual(FileManager.default.permissions(path), 0o600)
        let export = server.requests.filter { $0.path.contains("/tss/\(tssId)/export/") }
        XCTAssertEqual(export.map(\.method), ["PUT", "GET", "GET", "GET"])
        XCTAssertTrue(export.last?.path.hasSuffix("/file") ?? false)
        let listing = try runProcess("/usr/bin/env", ["tar", "-tf", path])
        XCTAssertEqual(listing.status, 0, listing.stderr)
        XCTAssertEqual(listing.stdout.split(separator: "\n").count, 3, "info.csv and the two revisions")
    }
}

final class FiskalyReceiptSchemaTests: XCTestCase {
    func testTheSaleProcessDataBecomesAmountsPerRateAndPayment() throws {
        let receipt = try FiskalyReceiptSchema.parseReceipt("Beleg^0.00_2.55_1.00_0.50_-3.00^2.55:Bar_1.50:Unbar:EUR")
        XCTAssertEqual(receipt.amountsPerVATRate.map(\.name), ["REDUCED_1", "SPECIAL_RATE_1", "SPECIAL_RATE_2", "NULL"])
        XCTAssertEqual(receipt.amountsPerVATRate.map(\.amount), ["2.55", "1.00", "0.50", "-3.00"])
        XCTAssertEqual(receipt.amountsPerPaymentType.map(\.name), ["CASH", "NON_CASH"])
        XCTAssertEqual(receipt.amountsPerPaymentType.map(\.currencyCode), [nil, "EUR"])
    }

    func testMalformedSaleProcessDataIsRefusedNamingIt() {
        for (data, detail) in [
            ("Beleg^1.00_0.00_0.00_0.00^1.00:Bar", "4 statt 5 Steuerbeträge"),
            ("Beleg^1,00_0.00_0.00_0.00_0.00^1.00:Bar", "Betrag »1,00« ist keine Zahl"),
            ("Beleg^1.00_0.00_0.00_0.00_0.00^1.00:Scheck", "Zahlart »Scheck«"),
            ("Bon^1.00", "kein Kassenbeleg-V1"),
        ] {
            XCTAssertThrowsError(try FiskalyReceiptSchema.schema(processType: "Kassenbeleg-V1", processData: Array(data.utf8))) { error in
                let message = (error as? TSEError)?.message ?? ""
                XCTAssertTrue(message.hasPrefix("TSE lehnt ab: Prozessdaten »\(data)«"), message)
                XCTAssertTrue(message.contains(detail), message)
            }
        }
    }
}

/// A settable time for the token's expiry.
private final class Clock: @unchecked Sendable {
    private let lock = NSLock()
    private var now = Date()
    var date: Date { lock.withLock { now } }
    func advance(by seconds: TimeInterval) { lock.withLock { now += seconds } }
}

extension FileManager {
    fileprivate func permissions(_ path: String) -> Int? {
        ((try? attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue
    }
}
