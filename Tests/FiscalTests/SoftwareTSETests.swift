import Fiscal
import Foundation
import KasseCore
import KasseCrypto
import TestSupport
import XCTest

final class SoftwareTSETests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var seconds: Int64 = 1_796_000_000

    override func setUpWithError() throws { directory = try TemporaryDirectory(prefix: "software-tse") }
    override func tearDown() { directory.remove() }

    private var tseDirectory: String { directory.path + "/tse" }

    private func openTSE() throws -> SoftwareTSE {
        try SoftwareTSE(directory: tseDirectory, clock: { [unowned self] in Instant(millisecondsSinceEpoch: self.seconds * 1000 + 250) })
    }

    /// A sale as the counter signs it: start, finish with the receipt's process data.
    @discardableResult
    private func sale(_ tse: SoftwareTSE, key: String, data: String = "Beleg^0.00_2.55_0.00_0.00_0.00^2.55:Bar") throws -> (TSELogAnswer, TSELogAnswer) {
        let start = try tse.startTransaction(key: TSETransactionKey(key), clientId: "KASSE-01", processType: "", processData: [])
        seconds += 2
        let finish = try tse.finishTransaction(
            key: TSETransactionKey(key), number: start.transactionNumber, clientId: "KASSE-01", processType: "Kassenbeleg-V1", processData: Array(data.utf8))
        return (start, finish)
    }

    func testEverySignatureVerifiesWithTheOpenSSLCommandAndTheSerialIsTheKeyHash() throws {
        let tse = try openTSE()
        try tse.registerClient("KASSE-01")
        try sale(tse, key: "a")
        let start = try tse.startTransaction(key: TSETransactionKey("b"), clientId: "KASSE-01", processType: "", processData: [])
        _ = try tse.updateTransaction(
            key: TSETransactionKey("b"), number: start.transactionNumber, clientId: "KASSE-01", processType: "Kassenbeleg-V1",
            processData: Array("Beleg^3020.00_0.00_0.00_0.00_0.00^3020.00:Unbar".utf8))
        _ = try tse.finishTransaction(
            key: TSETransactionKey("b"), number: start.transactionNumber, clientId: "KASSE-01", processType: "SonstigerVorgang",
            processData: Array("AVBelegabbruch^0.00_0.00_0.00_0.00_0.00^".utf8))

        let description = try tse.describe()
        XCTAssertEqual(description.serialNumber, LibCrypto.sha256(description.publicKey).hexString)
        XCTAssertEqual(description.publicKey.count, 65)
        XCTAssertEqual(description.publicKey.first, 0x04)
        XCTAssertNil(description.certificationId)
        XCTAssertEqual(description.signatureCounter, 5)

        let messages = tse.logMessages()
        XCTAssertEqual(messages.count, 5)
        let publicKey = SoftwareTSE.publicKeyPath(in: tseDirectory)
        for (index, message) in messages.enumerated() {
            XCTAssertEqual(message.signatureValue.count, 64, "r ‖ s, 32 bytes each")
            XCTAssertEqual(message.serialNumber.hexString, description.serialNumber)
            let data = try directory.write("", to: "data-\(index)")
            try Data(message.dataToBeSigned).write(to: URL(fileURLWithPath: data))
            let signature = directory.path + "/sig-\(index).der"
            try Data(try XCTUnwrap(ECDSASignature.der(fromPlain: message.signatureValue))).write(to: URL(fileURLWithPath: signature))
            let verified = try runProcess("/usr/bin/openssl", ["dgst", "-sha256", "-verify", publicKey, "-signature", signature, data])
            XCTAssertEqual(verified.status, 0, "message \(index + 1): \(verified.stdout) \(verified.stderr)")
            XCTAssertTrue(verified.stdout.contains("Verified OK"))
        }

        // A changed byte of the signed data fails the same check.
        var forged = messages[1].dataToBeSigned
        forged[forged.count - 1] ^= 1
        let forgedPath = directory.path + "/forged"
        try Data(forged).write(to: URL(fileURLWithPath: forgedPath))
        let refused = try runProcess(
            "/usr/bin/openssl", ["dgst", "-sha256", "-verify", publicKey, "-signature", directory.path + "/sig-1.der", forgedPath])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stdout.contains("Verification failure"), refused.stdout)
    }

    func testTheAnswerCarriesWhatWasSignedInWholeSeconds() throws {
        let tse = try openTSE()
        try tse.registerClient("KASSE-01")
        let (start, finish) = try sale(tse, key: "a")
        XCTAssertEqual(start.transactionNumber, 1)
        XCTAssertEqual(finish.transactionNumber, 1)
        XCTAssertEqual([start.signatureCounter, finish.signatureCounter], [1, 2])
        XCTAssertEqual(finish.startTime, Instant(millisecondsSinceEpoch: 1_796_000_000_000), "whole seconds, as signed")
        XCTAssertEqual(finish.logTime, Instant(millisecondsSinceEpoch: 1_796_000_002_000))
        XCTAssertEqual(finish.signatureAlgorithm, "ecdsa-plain-SHA256")
        XCTAssertEqual(finish.logTimeFormat, "unixTime")
        XCTAssertEqual(finish.processType, "Kassenbeleg-V1")
        XCTAssertEqual(String(decoding: finish.processData, as: UTF8.self), "Beleg^0.00_2.55_0.00_0.00_0.00^2.55:Bar")
        XCTAssertEqual(finish.signature, tse.logMessages()[1].signatureValue)
    }

    func testTheCountersContinueGaplesslyAfterReopening() throws {
        var tse = try openTSE()
        try tse.registerClient("KASSE-01")
        for index in 0..<3 { try sale(tse, key: "s\(index)") }
        tse = try openTSE()
        XCTAssertEqual(try tse.describe().signatureCounter, 6)
        try tse.registerClient("KASSE-01")  // known: nothing written
        let (start, finish) = try sale(tse, key: "s3")
        XCTAssertEqual(start.transactionNumber, 4)
        XCTAssertEqual([start.signatureCounter, finish.signatureCounter], [7, 8])
        tse = try openTSE()
        XCTAssertEqual(tse.logMessages().map(\.signatureCounter), Array(1...8))
        XCTAssertEqual(tse.logMessages().map(\.transactionNumber), [1, 1, 2, 2, 3, 3, 4, 4])
        XCTAssertEqual(tse.tornBytesRecovered, 0)
    }

    func testATornLastRecordIsCutAwayAndItsCounterGivenOutAgain() throws {
        var tse = try openTSE()
        try tse.registerClient("KASSE-01")
        try sale(tse, key: "a")
        let log = URL(fileURLWithPath: SoftwareTSE.logPath(in: tseDirectory))
        let recordStart = tse.logBytesInUse
        XCTAssertGreaterThan(try Data(contentsOf: log).count, recordStart, "the file is grown with zeros ahead of the records")

        // A kill during the write of the next start: its record is on the disk only in part.
        _ = try tse.startTransaction(key: TSETransactionKey("b"), clientId: "KASSE-01", processType: "", processData: [])
        let recordEnd = tse.logBytesInUse
        let whole = try Data(contentsOf: log)
        for cut in [5, 40, recordEnd - recordStart - 1] {
            var torn = whole
            torn.replaceSubrange((recordStart + cut)..<recordEnd, with: Data(count: recordEnd - recordStart - cut))
            try torn.write(to: log)
            tse = try openTSE()
            XCTAssertTrue((1...cut).contains(tse.tornBytesRecovered), "\(tse.tornBytesRecovered) of \(cut)")
            XCTAssertEqual(try tse.describe().signatureCounter, 2)
            XCTAssertEqual(tse.logBytesInUse, recordStart, "back to the last whole record")
            XCTAssertTrue(try Data(contentsOf: log)[recordStart...].allSatisfy { $0 == 0 }, "the torn bytes are zeroed")
        }
        // A complete last record with a wrong hash, nothing after it: torn too.
        var flipped = whole
        flipped[recordEnd - 32] ^= 0xFF
        try flipped.write(to: log)
        tse = try openTSE()
        XCTAssertGreaterThan(tse.tornBytesRecovered, 0)
        XCTAssertEqual(try tse.describe().signatureCounter, 2)
        let (start, finish) = try sale(tse, key: "c")
        XCTAssertEqual(start.transactionNumber, 2)
        XCTAssertEqual([start.signatureCounter, finish.signatureCounter], [3, 4])
        tse = try openTSE()
        XCTAssertEqual(tse.logMessages().map(\.signatureCounter), Array(1...4))
        XCTAssertEqual(tse.tornBytesRecovered, 0)
    }

    func testTheLogGrowsBeyondItsFirstChunk() throws {
        var tse = try openTSE()
        try tse.registerClient("KASSE-01")
        let data = String(repeating: "x", count: 20_000)
        for index in 0..<15 { try sale(tse, key: "s\(index)", data: data) }
        XCTAssertGreaterThan(tse.logBytesInUse, 256 * 1024)
        tse = try openTSE()
        XCTAssertEqual(tse.logMessages().count, 30)
        XCTAssertEqual(tse.tornBytesRecovered, 0)
    }

    func testDamageBeforeTheLastRecordRefusesTheLog() throws {
        let tse = try openTSE()
        try tse.registerClient("KASSE-01")
        try sale(tse, key: "a")
        let log = SoftwareTSE.logPath(in: tseDirectory)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: log))
        bytes[SignatureLogFileLayout.firstRecordOffset + 10] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: log))
        XCTAssertThrowsError(try openTSE()) { error in
            guard case .storage(let why) = error as? TSEError else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains("beschädigt bei Byte \(SignatureLogFileLayout.firstRecordOffset)"), why)
        }
    }

    func testARepeatedCallWithTheSameKeyGetsTheStoredAnswerAlsoAfterReopening() throws {
        var tse = try openTSE()
        try tse.registerClient("KASSE-01")
        let (start, finish) = try sale(tse, key: "a")
        XCTAssertEqual(try tse.startTransaction(key: TSETransactionKey("a"), clientId: "KASSE-01", processType: "", processData: []), start)
        tse = try openTSE()
        XCTAssertEqual(
            try tse.finishTransaction(
                key: TSETransactionKey("a"), number: 1, clientId: "KASSE-01", processType: "Kassenbeleg-V1", processData: Array("x".utf8)), finish)
        XCTAssertEqual(try tse.describe().signatureCounter, 2, "nothing signed twice")
        XCTAssertThrowsError(
            try tse.finishTransaction(key: TSETransactionKey("other"), number: 1, clientId: "KASSE-01", processType: "Kassenbeleg-V1", processData: [])
        ) { XCTAssertEqual($0 as? TSEError, .refused("Transaktion 1 ist bereits abgeschlossen")) }
        XCTAssertThrowsError(
            try tse.finishTransaction(key: TSETransactionKey("x"), number: 9, clientId: "KASSE-01", processType: "Kassenbeleg-V1", processData: [])
        ) { XCTAssertEqual($0 as? TSEError, .refused("Transaktion 9 unbekannt")) }
    }

    func testUnfinishedTransactionsAreListedAfterAKill() throws {
        var tse = try openTSE()
        try tse.registerClient("KASSE-01")
        try sale(tse, key: "a")
        _ = try tse.startTransaction(key: TSETransactionKey("b"), clientId: "KASSE-01", processType: "", processData: [])
        tse = try openTSE()
        XCTAssertEqual(
            try tse.unfinishedTransactions(),
            [TSEUnfinishedTransaction(transactionNumber: 2, clientId: "KASSE-01", startTime: Instant(millisecondsSinceEpoch: 1_796_000_002_000))])
    }

    func testAKeyFileOthersMayReadIsRefusedAndTheKeyFileIsOwnerOnly() throws {
        _ = try openTSE()
        let key = SoftwareTSE.keyPath(in: tseDirectory)
        XCTAssertEqual(FileSecurityProbe.mode(key), 0o600)
        XCTAssertTrue(try String(contentsOfFile: key, encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        chmod(key, 0o644)
        XCTAssertThrowsError(try openTSE()) { error in
            XCTAssertEqual(
                (error as? TSEError)?.message,
                "TSE-Speicher: Schlüsseldatei \(key) ist für andere lesbar (Rechte 644); nur der Eigentümer darf sie lesen: chmod 600 \(key)")
        }
    }

    func testClientIdsOutsideTR03151sCharactersAreRefused() throws {
        let tse = try openTSE()
        XCTAssertThrowsError(try tse.registerClient("Kasse_01"))
        XCTAssertThrowsError(try tse.registerClient(String(repeating: "A", count: 31)))
        XCTAssertThrowsError(try tse.startTransaction(key: TSETransactionKey("a"), clientId: "KASSE-02", processType: "", processData: [])) {
            XCTAssertEqual($0 as? TSEError, .refused("Client KASSE-02 nicht registriert"))
        }
        try tse.registerClient("Buergeramt Kasse 2")
    }

    func testTheExportIsATarWithTheNamesTR03151Gives() throws {
        let tse = try openTSE()
        try tse.registerClient("KASSE-01")
        try sale(tse, key: "a")
        try sale(tse, key: "b")
        let tar = directory.path + "/export.tar"
        try tse.exportTAR(to: tar)

        let listing = try runProcess("/usr/bin/tar", ["-tvf", tar])
        XCTAssertEqual(listing.status, 0, listing.stderr)
        let names = try runProcess("/usr/bin/tar", ["-tf", tar]).stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(names.count, 6)
        XCTAssertEqual(names[0], "info.csv")
        let serial = try tse.describe().serialNumber
        XCTAssertEqual(names[1], "\(serial)_X509.der")
        XCTAssertNotNil(names[1].wholeMatch(of: /[0-9a-f]{64}_X509\.der/))
        let logName = /(Unixt|Utc|Gent)_(\d+)_Sig-(\d+)_Log-Tra_No-(\d+)_(Start|Update|Finish)_Client-([^_]+)\.log/
        let logs = names.dropFirst(2).compactMap { $0.wholeMatch(of: logName) }
        XCTAssertEqual(logs.count, 4)
        XCTAssertEqual(logs.map { String($0.output.3) }, ["1", "2", "3", "4"], "gapless signature counter")
        XCTAssertEqual(logs.map { String($0.output.5) }, ["Start", "Finish", "Start", "Finish"])
        XCTAssertEqual(names[2], "Unixt_1796000000_Sig-1_Log-Tra_No-1_Start_Client-KASSE-01.log")

        // The archive's log files are the DER messages; info.csv says it is not certified.
        let out = directory.path + "/x"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        XCTAssertEqual(try runProcess("/usr/bin/tar", ["-xf", tar, "-C", out]).status, 0)
        let extracted = try Data(contentsOf: URL(fileURLWithPath: out + "/" + names[3]))
        XCTAssertEqual(try TransactionLogMessage(der: [UInt8](extracted)), tse.logMessages()[1])
        XCTAssertTrue(try String(contentsOfFile: out + "/info.csv", encoding: .utf8).contains("Software-TSE – nicht zertifiziert"))
        let certificate = try runProcess("/usr/bin/openssl", ["x509", "-inform", "der", "-noout", "-subject", "-in", out + "/" + names[1]])
        XCTAssertEqual(certificate.status, 0, certificate.stderr)
        XCTAssertTrue(certificate.stdout.contains("nicht zertifiziert"), certificate.stdout)
    }
}

/// The log file's layout as the tests need it: the header before the first record.
enum SignatureLogFileLayout {
    static let firstRecordOffset = "WKTSELOG1\n".utf8.count
}

enum FileSecurityProbe {
    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o7777 : nil
    }
}
