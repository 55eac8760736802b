import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest
import ZVT
import ZVTSimulator

@testable import Counter

/// The card terminal's receipts through the counter service against the ZVT simulator (real
/// driver, real sockets): customer and merchant copy with their layout, the terminal's character
/// set, the End-of-Day receipt beside the Z report, the BMP 60 layouts (ZVT 13.08 §3.5, §3.6,
/// §2.16.5, §3.1.3).
final class TerminalReceiptTests: XCTestCase {
    private var simulator: TerminalSimulator!
    private var f: CounterFixture!

    override func setUpWithError() throws {
        var configuration = SimulatorConfiguration()
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.timing = .fast(t3Ms: 3_000, t4Ms: 8_000)
        configuration.seed = 42
        simulator = try TerminalSimulator(configuration: configuration)
        try simulator.start()
        f = try CounterFixture()
        try f.useTerminal(
            try ZVTCardTerminal(address: "127.0.0.1:\(simulator.address!.port)", session: SessionConfiguration(t3Ms: 1_000, t4Ms: 3_000)))
    }

    override func tearDown() {
        simulator.stop()
        f = nil
    }

    private func line(cents: Int64) -> SaleLine {
        SaleLine(
            itemCode: "X", name: "Gebühr", variant: nil, quantity: 1, unitPrice: Money(cents: cents), amount: Money(cents: cents),
            sachkonto: "431100", produkt: nil, kostenstelle: nil, taxNote: "Gebühr, nicht umsatzsteuerbar",
            shares: [LineShare(account: "431100", produkt: nil, kostenstelle: nil, amount: Money(cents: cents), passThrough: false, label: "")])
    }

    private var booked: [ZVTSimulator.JournalEntry] { simulator.journal.entries.filter(\.isBooked) }

    /// No stored text or file holds a full card number (the `feig` profile sends and prints it).
    private func assertNoCardNumberInAnyFile(_ numbers: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let files = SecretScanner.files(under: f.directory.path)
        XCTAssertFalse(files.isEmpty, file: file, line: line)
        for path in files {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            XCTAssertEqual(SecretScanner.panLikeRuns(in: bytes), [], path, file: file, line: line)
            for number in numbers { XCTAssertFalse(SecretScanner.contains(bytes, String(number.dropLast(4).suffix(10))), path, file: file, line: line) }
        }
    }

    /// The longest run of digits in `text`, single spaces between digits not ending it.
    private func longestDigitRun(_ text: String) -> Int {
        var longest = 0
        var run = 0
        for character in text {
            if character.isASCII, character.isNumber {
                run += 1
                longest = max(longest, run)
            } else if character != " " {
                run = 0
            }
        }
        return longest
    }

    /// A terminal from before ZVT 13.08 (`print-lines pre-2013`: `06 D1` with the receipt type in
    /// a TLV after the text, no `06 D3`) that prints centred lines and the full card number
    /// (`feig`): the sale is booked once, the customer copy without control bytes and without the
    /// merchant copy, the merchant copy stored with the sale, the layout kept — and no stored
    /// text holds a run of twelve or more digits.
    func testAPre2013TerminalsSaleIsBookedOnceWithBothCopiesApart() throws {
        simulator.control.printLines = .pre2013
        simulator.control.receiptLayout = .attributes
        simulator.control.profile = .feig
        let sale = try f.sell(.card, lines: [line(cents: 1234)]).sale
        let fullNumber = try XCTUnwrap(simulator.journal.entries.last?.card).testCardNumber
        XCTAssertEqual(booked.count, 1)
        XCTAssertEqual(try f.service.ledger.lastReceiptNumber(), 1)

        let stored = try XCTUnwrap(try f.service.ledger.sale(id: sale.id)?.payments.first?.card)
        XCTAssertEqual(stored, sale.payments.first?.card, "what was booked is what is read back")
        XCTAssertTrue(stored.receiptLines.contains("Kundenbeleg"), "\(stored.receiptLines)")
        XCTAssertFalse(stored.receiptLines.contains("Händlerbeleg"))
        XCTAssertTrue(stored.merchantReceiptLines.contains("Händlerbeleg"), "\(stored.merchantReceiptLines)")
        XCTAssertFalse(stored.merchantReceiptLines.contains("Kundenbeleg"))
        for text in stored.receiptLines + stored.merchantReceiptLines {
            XCTAssertFalse(text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "control byte in »\(text)«")
            XCTAssertLessThan(longestDigitRun(text), 12, text)
        }
        let masked = String(fullNumber.prefix(6)) + String(repeating: "*", count: fullNumber.count - 10) + String(fullNumber.suffix(4))
        XCTAssertTrue(stored.merchantReceiptLines.contains(masked), "the printed card number masked: \(stored.merchantReceiptLines)")
        XCTAssertEqual(stored.customerReceipt.first { $0.text == "Kartenzahlung" }?.attribute, 0x40, "centred")
        XCTAssertEqual(stored.customerReceipt.first { $0.text.hasPrefix("Betrag") }?.attribute, 0x10, "double height")

        // The citizen's receipt: the customer copy, centred in 42 columns; never the merchant copy.
        let receipt = try XCTUnwrap(try f.service.receiptText(number: sale.receiptNumber, copy: false))
        XCTAssertTrue(receipt.split(separator: "\n").contains(Substring(TextLayout.center("Kartenzahlung"))), receipt)
        XCTAssertFalse(receipt.contains("Händlerbeleg"), receipt)
        XCTAssertFalse(try XCTUnwrap(f.service.receiptStore.read(sale.receiptNumber)).contains("Händlerbeleg"))
        // The merchant copy on request.
        let merchant = try XCTUnwrap(try f.service.merchantCopyText(number: sale.receiptNumber))
        XCTAssertTrue(merchant.contains("HÄNDLERBELEG"), merchant)
        XCTAssertTrue(merchant.contains(TextLayout.center("Händlerbeleg")), merchant)
        XCTAssertTrue(merchant.contains(masked), merchant)
        XCTAssertEqual(try f.service.merchantCopyText(number: 99), nil)

        try assertNoCardNumberInAnyFile([fullNumber])
        try f.assertClean()
    }

    /// `06 D3` blocks that name their character set in tag 14 (UTF-8, ISO 8859-1) while the
    /// register reads CP437 by default: the umlauts arrive as the terminal meant them.
    func testTextBlocksAreReadInTheCharacterSetTheyName() throws {
        for tag in [PrintCharacterSetTag.utf8, .latin1] {
            simulator.control.printCharacterSetTag = tag
            let sale = try f.sell(.card, lines: [line(cents: 1_500)]).sale
            let card = try XCTUnwrap(try f.service.ledger.sale(id: sale.id)?.payments.first?.card)
            XCTAssertTrue(card.receiptLines.contains { $0.hasPrefix("gültig bis") }, "\(tag): \(card.receiptLines)")
            XCTAssertTrue(card.merchantReceiptLines.contains { $0.contains("Händlerbeleg") }, "\(tag): \(card.merchantReceiptLines)")
        }
        XCTAssertEqual(booked.count, 2)
        try f.assertClean()
    }

    /// The terminal's End-of-Day receipt (administration receipt, `06 D1` of a pre-2013 terminal
    /// or `06 D3`) is kept in the ledger, written beside the Z report, named in the close's
    /// result and shown with `report z`; its BMP 60 in each layout gives the batch's count.
    func testTheEndOfDayReceiptIsKeptBesideTheZReport() throws {
        simulator.control.receiptLayout = .attributes
        let layouts: [(IndividualTotalsLayout, PrintLineLayout)] = [(.short, .pre2013), (.long, .standard), (.standard, .standard)]
        for (number, (totals, printLines)) in layouts.enumerated() {
            simulator.control.individualTotals = totals
            simulator.control.printLines = printLines
            let sales = try (1...3).map { try f.sell(.card, lines: [line(cents: 1_000 + Int64(100 * number + $0))]).sale }
            let outcome = try f.dayClose.close(
                DayCloseRequest(count: .standIn(total: try f.dayClose.openPeriod().expected.total()), reason: "", floatKept: .zero),
                operatorId: f.clerk.id, approvedBy: nil)
            let zNumber = outcome.record.zNumber
            XCTAssertEqual(outcome.detail.terminalCount, 3, "BMP 60 \(totals)")
            XCTAssertEqual(outcome.detail.terminalTotal, try Money.sum(sales.map(\.total)))
            XCTAssertEqual(outcome.detail.terminalStatus, .ok)

            let text = try XCTUnwrap(outcome.terminalReceiptText, "\(totals)")
            XCTAssertTrue(text.contains("Kassenschnittbeleg des Kartenterminals"), text)
            XCTAssertTrue(text.contains("zum Z-Bericht \(zNumber)"), text)
            XCTAssertTrue(text.split(separator: "\n").contains(Substring(TextLayout.center("Kassenschnitt"))), "centred: \(text)")
            XCTAssertTrue(text.contains("Summe"), text)
            let file = try XCTUnwrap(outcome.terminalReceiptFile)
            XCTAssertEqual(file, f.service.receiptStore.directory + "/" + DayCloseService.terminalReceiptFileName(zNumber))
            XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), text)
            XCTAssertTrue(FileManager.default.fileExists(atPath: try XCTUnwrap(outcome.reportFile)))
            // From the ledger, as `webkasse report z` shows it.
            XCTAssertEqual(try f.dayClose.terminalReceiptText(zNumber: zNumber), text)
            f.clock.advance(seconds: 86_400)
            try f.service.openShift(operatorId: f.clerk.id, float: .zero)
        }
        // After a restart too.
        try f.restart(terminal: f.service.terminal!)
        XCTAssertNotNil(try f.dayClose.terminalReceiptText(zNumber: 1))
        try f.assertClean()
    }

    /// A close without an End-of-Day receipt (the terminal printed none) writes no file for it.
    func testNoTerminalReceiptNoFile() throws {
        simulator.stop()
        try f.useTerminal(FakeCardTerminal())
        _ = try f.sell(.card, lines: [line(cents: 900)])
        let outcome = try f.dayClose.close(
            DayCloseRequest(count: .standIn(total: try f.dayClose.openPeriod().expected.total()), reason: "", floatKept: .zero),
            operatorId: f.clerk.id, approvedBy: nil)
        XCTAssertNil(outcome.terminalReceiptText)
        XCTAssertNil(outcome.terminalReceiptFile)
        XCTAssertNil(try f.dayClose.terminalReceiptText(zNumber: outcome.record.zNumber))
        XCTAssertFalse(
            FileManager.default.fileExists(
                atPath: f.service.receiptStore.directory + "/" + DayCloseService.terminalReceiptFileName(outcome.record.zNumber)))
    }

    /// The real traces: the Feig End-of-Day totals and the Valina End-of-Day receipt (`06 D3`, type
    /// 03, centred lines) in one `06 50` sequence: the totals and the receipt with its layout.
    func testEndOfDayFromRealTraces() throws {
        func trace(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: Traces.directory.appendingPathComponent(name))) }
        let ack: [UInt8] = [0x80, 0x00, 0x00]
        let answers = ScriptedAnswers([
            ack + (try trace("dce-valina/1620218414428PT.hex")),  // 06 00 → completion of registration
            [],  // ack of the completion
            ack + (try trace("feig-cvend/1680761828.489701000_pt_ecr.blob")),  // 06 50 → 04 0F
            try trace("dce-valina/1617777384987PT.hex"),  // ack of 04 0F → 06 D3 End-of-Day receipt
            [0x06, 0x0F, 0x00],  // ack of 06 D3 → Completion
        ])
        let transport = InMemoryTransport(clock: ManualClock()) { _ in answers.next() }
        let terminal = ZVTCardTerminal(
            name: "trace", configuration: .init(password: Password("123456")!, session: SessionConfiguration(charset: .latin1)),
            transport: transport)
        let endOfDay = try terminal.endOfDay()
        XCTAssertEqual(endOfDay.total, Money(cents: 958))
        XCTAssertEqual(endOfDay.count, 2)
        XCTAssertEqual(endOfDay.administrationReceipt.count, 52)
        let title = try XCTUnwrap(endOfDay.administrationReceipt.first { $0.text.contains("KASSENSCHNITT") })
        XCTAssertTrue(title.isCentred)
        XCTAssertTrue(endOfDay.administrationReceipt.contains { $0.text.contains("29001006") })
    }
}

/// The terminal's answers to the register's APDUs, one list of bytes per APDU, in order.
private final class ScriptedAnswers: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [[UInt8]]
    init(_ answers: [[UInt8]]) { self.answers = answers }
    func next() -> [InMemoryTransport.Step] {
        lock.withLock {
            guard !answers.isEmpty else { return [] }
            let bytes = answers.removeFirst()
            return bytes.isEmpty ? [] : [.bytes(bytes)]
        }
    }
}
