import Exports
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// The DSFinV-K export of two days booked through the counter (``DSFinVKCounterDay``), read back
/// by ``DSFinVKValidator`` (docs/dsfinvk.md).
final class DSFinVKExportTests: XCTestCase {
    private func export(_ day: DSFinVKCounterDay, _ scope: DSFinVKExport.Scope, out: String = "dsfinvk.zip", tse: DSFinVKTSESource = DSFinVKWithoutTSE())
        throws -> (outcome: DSFinVKExport.Outcome, files: [String: [UInt8]], zip: String)
    {
        let outcome = try DSFinVKExport.run(day.request(scope, out: out, tse: tse))
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: outcome.path)))
        return (outcome, try DSFinVKValidator.unzip(bytes), outcome.path)
    }

    private func text(_ files: [String: [UInt8]], _ name: String) -> String { String(decoding: files[name] ?? [], as: UTF8.self) }

    func testTwoBookedDaysPassTheValidatorAndUnzip() throws {
        let day = try DSFinVKCounterDay()
        try day.book()
        let from = BookingDate(iso: "2027-01-04")!
        let to = BookingDate(iso: "2027-01-05")!
        let (outcome, files, zip) = try export(day, .dates(from: from, to: to))
        XCTAssertEqual(DSFinVKValidator.problems(files), [])
        XCTAssertEqual(outcome.closings.map(\.zNumber), [1, 2])
        if let keep = ProcessInfo.processInfo.environment["WEBKASSE_DSFINVK_KEEP"] {  // to look at the files by hand
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: zip, toPath: keep)
        }

        // The archive is a valid ZIP for unzip(1) as well.
        let test = try runProcess("/usr/bin/unzip", ["-t", zip])
        XCTAssertEqual(test.status, 0, test.stdout)
        XCTAssertTrue(test.stdout.contains("No errors detected"), test.stdout)
        XCTAssertEqual(Set(files.keys), Set(["index.xml", "gdpdu-01-09-2004.dtd"] + DSFinVKSchema.tables.map(\.file)))

        // UMS_BRUTTO is what each receipt says: a sale its total, a storno minus it, a movement its amount.
        let transactions = DSFinVKValidator.rows(files, "transactions.csv")
        let byID = Dictionary(uniqueKeysWithValues: transactions.map { ($0["BON_ID"]!, $0) })
        for sale in day.sales {
            XCTAssertEqual(byID[sale.id]?["UMS_BRUTTO"].flatMap(DSFinVKValidator.cents), sale.total.cents, "Beleg \(sale.receiptNumber)")
            XCTAssertEqual(byID[sale.id]?["BON_TYP"], "Beleg")
            XCTAssertEqual(byID[sale.id]?["BON_NR"], String(sale.receiptNumber))
        }
        for storno in day.stornos {
            XCTAssertEqual(byID[storno.id]?["UMS_BRUTTO"].flatMap(DSFinVKValidator.cents), -storno.total.cents)
            XCTAssertEqual(byID[storno.id]?["BON_TYP"], "AVBelegstorno")
            XCTAssertEqual(byID[storno.id]?["BON_STORNO"], "1")
        }
        for movement in day.movements {
            XCTAssertEqual(byID[movement.id]?["UMS_BRUTTO"].flatMap(DSFinVKValidator.cents), movement.kind.signed(movement.amount).cents)
        }
        XCTAssertEqual(byID[day.closes[0].id]?["UMS_BRUTTO"], "-0,30")
        XCTAssertEqual(byID[day.closes[0].id]?["BON_NAME"], "Kassendifferenz")
        XCTAssertNil(byID[day.closes[1].id], "a close without difference has no Vorgang")
        XCTAssertEqual(transactions.filter { $0["BON_NAME"] == "Anfangsbestand" }.map { $0["UMS_BRUTTO"]! }, ["150,00", "100,00"])

        // GV_TYP of every kind of booking.
        let lines = DSFinVKValidator.rows(files, "lines.csv")
        func gv(_ bon: String) -> [String] { lines.filter { $0["BON_ID"] == bon }.map { $0["GV_TYP"]! + "/" + $0["GV_NAME"]! } }
        XCTAssertEqual(gv(day.movements[0].id), ["Geldtransit/Einlage"])
        XCTAssertEqual(gv(day.movements[1].id), ["Auszahlung/Entnahme"])
        XCTAssertEqual(gv(day.movements[2].id), ["Geldtransit/Abschöpfung"])
        XCTAssertEqual(gv(day.closes[0].id), ["DifferenzSollIst/"])
        XCTAssertEqual(Set(gv(day.sales[0].id)), ["Umsatz/"])
        XCTAssertTrue(byID[day.movements[2].id]?["BON_NOTIZ"]?.contains("Clara Kasse") ?? false)

        // The Bundeskasse's 3/5 of each Führungszeugnis is a position of Agentur 1, in pa.csv.
        let agencyLines = lines.filter { $0["AGENTUR_ID"] != "0" }
        XCTAssertFalse(agencyLines.isEmpty)
        XCTAssertTrue(agencyLines.allSatisfy { $0["ART_NR"] == "FZ" && $0["AGENTUR_ID"] == "1" && $0["STK_BR"] == "7,80000" }, "\(agencyLines)")
        let pa = DSFinVKValidator.rows(files, "pa.csv")
        XCTAssertEqual(pa.map { $0["Z_NR"]! + ":" + $0["AGENTUR_ID"]! + ":" + $0["AGENTUR_NAME"]! }, ["1:1:Bundeskasse"])
        let cases = DSFinVKValidator.rows(files, "businesscases.csv")
        XCTAssertTrue(cases.contains { $0["Z_NR"] == "1" && $0["AGENTUR_ID"] == "1" && $0["UST_SCHLUESSEL"] == "5" && $0["Z_UST"] == "0,00000" })

        // VAT keys: fees 5, copies and the bag 19 % (1), town map and postcards 7 % (2); the first
        // receipt's VAT as the receipt prints it: 1,52 € at 19 %, 0,45 € at 7 %.
        let headVAT = DSFinVKValidator.rows(files, "transactions_vat.csv").filter { $0["BON_ID"] == day.sales[0].id }
        XCTAssertEqual(
            headVAT.map { $0["UST_SCHLUESSEL"]! + ":" + $0["BON_BRUTTO"]! + ":" + $0["BON_UST"]! },
            ["1:9,50000:1,52000", "2:6,90000:0,45000", "5:59,00000:0,00000"])
        let vat = DSFinVKValidator.rows(files, "vat.csv").filter { $0["Z_NR"] == "1" }
        XCTAssertEqual(vat.map { $0["UST_SCHLUESSEL"]! + ":" + $0["UST_SATZ"]! }, ["1:19,00", "2:7,00", "5:0,00", "6:0,00", "7:0,00"])

        // Payments: Bar, ECKarte (girocard), Unbar (Scheck); the cash of each Kassenabschluss is what was counted.
        let payment = DSFinVKValidator.rows(files, "payment.csv")
        XCTAssertEqual(
            Set(payment.filter { $0["Z_NR"] == "1" }.map { $0["ZAHLART_TYP"]! + "/" + $0["ZAHLART_NAME"]! }), ["Bar/Bar", "ECKarte/girocard", "Unbar/Scheck"])
        let cash = DSFinVKValidator.rows(files, "cash_per_currency.csv")
        XCTAssertEqual(cash.map { DSFinVKValidator.cents($0["ZAHLART_BETRAG_WAEH"]!) }, day.closes.map { $0.countedCash.cents })

        // The storno of day 1's cheque sale on day 2 refers back to Z 1.
        let references = DSFinVKValidator.rows(files, "references.csv")
        XCTAssertEqual(
            references.map { $0["Z_NR"]! + ">" + $0["REF_TYP"]! + ":" + $0["REF_Z_NR"]! + ":" + $0["REF_BON_ID"]! },
            ["1>Transaktion:1:" + day.sales[1].id, "2>Transaktion:1:" + day.sales[2].id])

        // A till without TSE: both TSE files hold their header only.
        XCTAssertEqual(DSFinVKValidator.rows(files, "tse.csv").count, 0)
        XCTAssertEqual(text(files, "transactions_tse.csv"), DSFinVKSchema.transactionsTSE.columns.map(\.name).joined(separator: ";") + "\r\n")
        XCTAssertEqual(text(files, "slaves.csv"), DSFinVKSchema.slaves.columns.map(\.name).joined(separator: ";") + "\r\n")

        // Master data and the time stamps in local time.
        let closing = DSFinVKValidator.rows(files, "cashpointclosing.csv")
        XCTAssertEqual(closing.map { $0["Z_BUCHUNGSTAG"]! }, ["2027-01-04", "2027-01-05"])
        XCTAssertEqual(closing.first?["STNR"], "12/345/67890")
        XCTAssertEqual(closing.first?["TAXONOMIE_VERSION"], "2.4")
        XCTAssertTrue(closing.allSatisfy { $0["Z_ERSTELLUNG"]!.range(of: #"^2027-01-0[45]T\d\d:\d\d:\d\d$"#, options: .regularExpression) != nil })

        // The run is in the export log of the ledger.
        let runs = try Ledger(data: day.data, register: "K1").exportRuns()
        XCTAssertEqual(runs.map(\.format), ["dsfinvk"])
        XCTAssertEqual(runs.first?.recordCount, Int64(transactions.count))
    }

    func testOneZNumberAndTheDTD() throws {
        let day = try DSFinVKCounterDay()
        try day.book()
        let (outcome, files, _) = try export(day, .zNumber(2))
        XCTAssertEqual(DSFinVKValidator.problems(files), [])
        XCTAssertEqual(outcome.closings.map(\.zNumber), [2])
        XCTAssertEqual(Set(DSFinVKValidator.rows(files, "transactions.csv").map { $0["Z_NR"]! }), ["2"])
        // The storno refers to Z 1, which is not in this export.
        XCTAssertEqual(DSFinVKValidator.rows(files, "references.csv").map { $0["REF_Z_NR"]! }, ["1"])
        let index = text(files, "index.xml")
        XCTAssertTrue(index.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE DataSet SYSTEM \"gdpdu-01-09-2004.dtd\">"))
        // Every element index.xml uses is declared in the DTD.
        let dtd = text(files, "gdpdu-01-09-2004.dtd")
        let used = Set(index.matches(of: /<([A-Za-z0-9]+)[ >\/]/).map { String($0.1) })
        for element in used { XCTAssertTrue(dtd.contains("<!ELEMENT \(element) "), element) }

        // Nothing to export in a range without a close; --z of a close that does not exist.
        XCTAssertThrowsError(
            try DSFinVKExport.run(day.request(.dates(from: BookingDate(iso: "2026-12-01")!, to: BookingDate(iso: "2026-12-31")!), out: "leer.zip"))
        ) {
            guard case ExportError.nothingToExport = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try DSFinVKExport.run(day.request(.zNumber(9), out: "z9.zip"))) {
            XCTAssertEqual("\($0)", "Die Kasse K1 hat keinen Tagesabschluss Z 9 (der letzte ist Z 2).")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: day.data + "/leer.zip"))
        // A second export of the same Z is recorded as a repeat.
        let again = try DSFinVKExport.run(day.request(.zNumber(2), out: "again.zip"))
        XCTAssertTrue(again.isRepeat)
    }

    func testTwoRegistersInOneExport() throws {
        let k1 = try DSFinVKCounterDay()
        try k1.book()
        // The second register books the same day with the same client ids: BON_IDs are unique per register.
        let k2 = try DSFinVKCounterDay(register: "K2", in: k1.directory)
        try k2.book()
        let (outcome, files, _) = try export(k1, .dates(from: BookingDate(iso: "2027-01-04")!, to: BookingDate(iso: "2027-01-04")!))
        XCTAssertEqual(DSFinVKValidator.problems(files), [])
        XCTAssertEqual(outcome.closings.map { "\($0.register) Z \($0.zNumber)" }, ["K1 Z 1", "K2 Z 1"])
        XCTAssertEqual(Set(DSFinVKValidator.rows(files, "transactions.csv").map { $0["Z_KASSE_ID"]! }), ["K1", "K2"])
        XCTAssertEqual(try Ledger(data: k1.data, register: "K2").exportRuns().map(\.scope), ["2027-01-04..2027-01-04"])
        // --z needs one register.
        XCTAssertThrowsError(try DSFinVKExport.run(k1.request(.zNumber(1), out: "z.zip"))) {
            XCTAssertTrue("\($0)".contains("--register"), "\($0)")
        }
    }

    /// xmllint (libxml2-utils, installed by scripts/test; on CI a missing one fails the test, elsewhere
    /// it is skipped) validates index.xml against the DTD in the archive.
    func testIndexXMLIsValidAgainstTheDTD() throws {
        let xmllint = "/usr/bin/xmllint"
        guard FileManager.default.isExecutableFile(atPath: xmllint) else {
            if !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty { return XCTFail("xmllint is missing on CI: scripts/test installs libxml2-utils") }
            throw XCTSkip("\(xmllint) is not installed (libxml2-utils)")
        }
        let day = try DSFinVKCounterDay()
        try day.book()
        let (_, files, _) = try export(day, .zNumber(1))
        for name in ["index.xml", DSFinVKSchema.dtdFileName] {
            try Data(files[name]!).write(to: URL(fileURLWithPath: day.data + "/" + name))
        }
        let valid = try runProcess(xmllint, ["--noout", "--valid", day.data + "/index.xml"])
        XCTAssertEqual(valid.status, 0, valid.stderr)
        // And it notices a document that breaks the DTD (MaxLength before AlphaNumeric).
        let broken = text(files, "index.xml").replacingOccurrences(
            of: "<AlphaNumeric/>\n          <MaxLength>50</MaxLength>", with: "<MaxLength>50</MaxLength>\n          <AlphaNumeric/>")
        try Data(broken.utf8).write(to: URL(fileURLWithPath: day.data + "/index.xml"))
        XCTAssertNotEqual(try runProcess(xmllint, ["--noout", "--valid", day.data + "/index.xml"]).status, 0)
    }

    func testTheValidatorFailsOnABrokenFile() throws {
        let day = try DSFinVKCounterDay()
        try day.book()
        let (_, files, _) = try export(day, .zNumber(1))
        XCTAssertEqual(DSFinVKValidator.problems(files), [])

        func broken(_ file: String, _ change: (String) -> String) -> [String] {
            var copy = files
            copy[file] = Array(change(text(files, file)).utf8)
            return DSFinVKValidator.problems(copy)
        }
        // A wrong sum: one payment.csv amount a cent off.
        let payment = text(files, "payment.csv")
        let cashRow = payment.components(separatedBy: "\r\n").first { $0.contains(";Bar;Bar;") }!
        let amount = cashRow.components(separatedBy: ";").last!
        let wrong = broken("payment.csv") { $0.replacingOccurrences(of: cashRow, with: cashRow.dropLast(amount.count) + "1" + amount) }
        XCTAssertTrue(wrong.contains { $0.contains("Z_SE_ZAHLUNGEN") }, "\(wrong)")
        XCTAssertTrue(wrong.contains { $0.contains("Z_SE_BARZAHLUNGEN") }, "\(wrong)")
        // A text over its MaxLength (ARTIKELTEXT, 255).
        let long = broken("lines.csv") { $0.replacingOccurrences(of: "Anfangsbestand (Wechselgeld)", with: String(repeating: "x", count: 256)) }
        XCTAssertTrue(long.contains { $0.contains("ARTIKELTEXT: 256 Zeichen, erlaubt 255") }, "\(long)")
        // A wrong decimal count: 150,00 written 150,0 in a 2-place column.
        let decimals = broken("transactions.csv") { $0.replacingOccurrences(of: ";150,00;", with: ";150,0;") }
        XCTAssertTrue(decimals.contains { $0.contains("»150,0« hat nicht genau 2 Nachkommastellen") }, "\(decimals)")
        // A whole-euro amount where cents are declared.
        let rounded = broken("transactions.csv") { $0.replacingOccurrences(of: ";150,00;", with: ";150;") }
        XCTAssertFalse(rounded.isEmpty)
        // LF instead of CRLF, a header out of order, a Z_ENDE_ID that is not the last BON_ID, an Agentur without pa.csv row.
        XCTAssertFalse(broken("vat.csv") { $0.replacingOccurrences(of: "\r\n", with: "\n") }.isEmpty)
        XCTAssertFalse(broken("payment.csv") { $0.replacingOccurrences(of: "ZAHLART_TYP;ZAHLART_NAME", with: "ZAHLART_NAME;ZAHLART_TYP") }.isEmpty)
        let closing = DSFinVKValidator.rows(files, "cashpointclosing.csv")[0]
        XCTAssertTrue(
            broken("cashpointclosing.csv") { $0.replacingOccurrences(of: ";" + closing["Z_ENDE_ID"]! + ";", with: ";x;") }.contains { $0.contains("Z_ENDE_ID") }
        )
        XCTAssertTrue(broken("pa.csv") { $0.components(separatedBy: "\r\n")[0] + "\r\n" }.contains { $0.contains("ohne Zeile in pa.csv") })
        // businesscases.csv no longer the grouped lines_vat.csv.
        let cases = text(files, "businesscases.csv")
        let umsatz = cases.components(separatedBy: "\r\n").first { $0.contains(";Umsatz;;0;5;") }!
        XCTAssertTrue(
            broken("businesscases.csv") { $0.replacingOccurrences(of: umsatz, with: umsatz.replacingOccurrences(of: ";Umsatz;;0;5;", with: ";Umsatz;;0;1;")) }
                .contains { $0.contains("businesscases.csv") })
    }

    func testTheTSEColumnsWithSignaturesAndAFailure() throws {
        let day = try DSFinVKCounterDay()
        try day.book()
        let serial = String(repeating: "ab", count: 32)
        let publicKey = Data(repeating: 4, count: 65).base64EncodedString()
        let failed = day.sales[3].id
        // The answers as the ledger keeps them per booking (base64 signature and key, Int64 counters).
        let answers = day.sales.enumerated().map { n, sale in
            sale.id == failed
                ? DSFinVKTransactionSignature(
                    bonID: sale.id, serialNumber: nil, transactionNumber: nil, start: nil, end: nil, processType: "Kassenbeleg-V1",
                    signatureCounter: nil, signature: nil, failure: "TSE ausgefallen: TSE nicht erreichbar",
                    processData: "Beleg^0.00_0.00_0.00_0.00_46.00^20.00:Bar_26.00:Unbar")
                : DSFinVKTransactionSignature(
                    bonID: sale.id, serialNumber: serial, transactionNumber: Int64(n + 1), start: sale.startedAt, end: sale.endedAt,
                    processType: "Kassenbeleg-V1", signatureCounter: Int64(2 * n + 2), signature: Data(repeating: UInt8(n), count: 64).base64EncodedString(),
                    failure: nil, processData: "Beleg^0.00_0.00_0.00_0.00_1.00^1.00:Bar", signatureAlgorithm: "ecdsa-plain-SHA256",
                    logTimeFormat: "unixTime", publicKey: publicKey)
        }
        // Devices named by the source, with a certificate …
        let certificate = Data(repeating: 0x30, count: 1_600).base64EncodedString()
        let device = DSFinVKTSEDevice(
            serialNumber: serial, signatureAlgorithm: "ecdsa-plain-SHA256", logTimeFormat: "unixTime", publicKey: publicKey, certificate: certificate)
        let (_, files, _) = try export(day, .zNumber(1), tse: DSFinVKTSEQuery { _, _, _ in DSFinVKTSEData(devices: [device], signatures: answers) })
        XCTAssertEqual(DSFinVKValidator.problems(files), [])
        let rows = DSFinVKValidator.rows(files, "transactions_tse.csv")
        XCTAssertEqual(rows.count, 5)
        let failure = try XCTUnwrap(rows.first { $0["BON_ID"] == failed })
        XCTAssertEqual(failure["TSE_TA_FEHLER"], "TSE ausgefallen: TSE nicht erreichbar")
        XCTAssertEqual([failure["TSE_ID"], failure["TSE_TA_SIG"], failure["TSE_TANR"]], ["", "", ""])
        let signed = try XCTUnwrap(rows.first { $0["BON_ID"] == day.sales[0].id })
        XCTAssertEqual(signed["TSE_ID"], "1")
        XCTAssertEqual(signed["TSE_TA_START"], "2027-01-04T07:00:00.000Z", "UTC")
        XCTAssertEqual(signed["TSE_TA_SIG"], Data(repeating: 0, count: 64).base64EncodedString())
        XCTAssertEqual(signed["TSE_TA_VORGANGSDATEN"], "Beleg^0.00_0.00_0.00_0.00_1.00^1.00:Bar")
        let devices = DSFinVKValidator.rows(files, "tse.csv")
        XCTAssertEqual(devices.count, 1)
        XCTAssertEqual(devices[0]["TSE_PUBLIC_KEY"], publicKey)
        XCTAssertEqual(devices[0]["TSE_ZERTIFIKAT_I"]?.count, 1000)
        // 1,600 bytes are 2,136 characters of base64: 1,000 + 1,000 + 136.
        XCTAssertEqual(devices[0]["TSE_ZERTIFIKAT_III"]?.count, 136)
        XCTAssertEqual(devices[0]["TSE_ZERTIFIKAT_IV"], "")

        // … or made of the answers alone (the ledger's per-booking record carries serial, algorithm and key).
        let derived = DSFinVKTSEData(signatures: answers)
        XCTAssertEqual(
            derived.devices, [DSFinVKTSEDevice(serialNumber: serial, signatureAlgorithm: "ecdsa-plain-SHA256", logTimeFormat: "unixTime", publicKey: publicKey)]
        )
        let (_, again, _) = try export(day, .zNumber(1), out: "again.zip", tse: DSFinVKTSEQuery { _, _, _ in derived })
        XCTAssertEqual(DSFinVKValidator.problems(again), [])
        XCTAssertEqual(DSFinVKValidator.rows(again, "tse.csv").map { $0["TSE_SERIAL"]! }, [serial])
    }

    func testMasterDataFromTheOfficeConfiguration() throws {
        var configuration = Configuration()
        try configuration.apply(
            text:
                "[office]\nname = Stadt Musterstadt – Bürgeramt\naddress = Rathaus, Markt 1, 12345 Musterstadt\ntax_number = 12/345/67890\nvat_id = DE123456789\n",
            file: "w.conf")
        let master = DSFinVKMasterData(configuration: configuration)
        XCTAssertEqual(
            [master.name, master.street, master.postcode, master.city, master.taxNumber, master.vatID, master.country],
            ["Stadt Musterstadt – Bürgeramt", "Rathaus, Markt 1", "12345", "Musterstadt", "12/345/67890", "DE123456789", "DEU"])
        configuration.officeAddress = "Postfach 12"
        XCTAssertEqual(DSFinVKMasterData(configuration: configuration).street, "Postfach 12")
        XCTAssertEqual(DSFinVKMasterData(configuration: configuration).postcode, "")
    }

    func testPaymentTypesAndVATKeys() {
        XCTAssertEqual(DSFinVKBuilder.paymentType(.card, cardName: "girocard").type, "ECKarte")
        XCTAssertEqual(DSFinVKBuilder.paymentType(.card, cardName: "Mastercard").type, "Kreditkarte")
        XCTAssertEqual(DSFinVKBuilder.paymentType(.card, cardName: "VISA").type, "Kreditkarte")
        XCTAssertEqual(DSFinVKBuilder.paymentType(.card, cardName: "V PAY").type, "ECKarte")
        XCTAssertEqual(DSFinVKBuilder.paymentType(.card, cardName: "Visa Debit").type, "ECKarte")
        XCTAssertEqual(DSFinVKBuilder.paymentType(.card, cardName: nil).name, "girocard")
        XCTAssertEqual(DSFinVKBuilder.paymentType(.cheque, cardName: nil).type, "Unbar")
        XCTAssertEqual(DSFinVKBuilder.vatKey(.nichtSteuerbar), 5)
        XCTAssertEqual(DSFinVKBuilder.vatKey(LineTax(treatment: .steuerfrei(legalBasis: "§ 4 Nr. 8 UStG"))), 6)
        XCTAssertEqual(DSFinVKBuilder.vatKey(LineTax(treatment: .steuerpflichtig(.normal), rateBasisPoints: 1900)), 1)
        XCTAssertEqual(DSFinVKBuilder.vatKey(LineTax(treatment: .steuerpflichtig(.reduced1), rateBasisPoints: 700)), 2)
        XCTAssertEqual(DSFinVKBuilder.vatKey(LineTax(treatment: .steuerpflichtig(.normal), rateBasisPoints: 1600)), 21)
        XCTAssertNil(DSFinVKBuilder.vatKey(LineTax(treatment: .steuerpflichtig(.normal), rateBasisPoints: 2000)))
    }

    func testZIPArchiveCRCAndLayout() throws {
        XCTAssertEqual(ZIPArchive.crc32(Array("123456789".utf8)), 0xCBF4_3926)
        let entries: [(name: String, bytes: [UInt8])] = [("a.txt", Array("hallo\r\n".utf8)), ("ü.csv", []), ("b.bin", (0..<300).map { UInt8($0 % 256) })]
        let zip = try ZIPArchive.archive(entries, modified: .init(year: 2027, month: 1, day: 4, hour: 18, minute: 30, second: 10))
        let files = try DSFinVKValidator.unzip(zip)
        XCTAssertEqual(files.count, 3)
        for entry in entries { XCTAssertEqual(files[entry.name], entry.bytes, entry.name) }
        let dir = try TemporaryDirectory(prefix: "zip")
        defer { dir.remove() }
        try Data(zip).write(to: URL(fileURLWithPath: dir.path + "/t.zip"))
        let listing = try runProcess("/usr/bin/unzip", ["-t", dir.path + "/t.zip"])
        XCTAssertEqual(listing.status, 0, listing.stdout)
        XCTAssertTrue(listing.stdout.contains("No errors detected"), listing.stdout)
    }
}
