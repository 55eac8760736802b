import XCTest
import ZVT

@testable import ZVTSimulator

/// The receipt habits of zvt-sim (docs/zvt-sim.md): pre-2013 print lines, tag 14, print
/// attributes, BMP 60 layouts — on the wire, as a bare register sees them.
final class ReceiptHabitTests: XCTestCase {
    var simulator: TerminalSimulator!

    override func setUpWithError() throws { simulator = try makeSimulator() }
    override func tearDown() { simulator?.stop() }

    private func payOnce(_ cents: Int64, textBlocks: Bool = true) throws -> TestRegister.Sequence {
        let register = try TestRegister(simulator)
        register.register(textBlocks: textBlocks)
        let sequence = register.pay(cents)
        register.close()
        return sequence
    }

    func testPre2013PrintLinesCarryTheReceiptTypeAfterTheTextEvenWhenBlocksWereAskedFor() throws {
        simulator.control.printLines = .pre2013
        let sequence = try payOnce(12_34, textBlocks: true)
        let lines = sequence.messages.filter { $0.command == PrintLine.command }
        XCTAssertFalse(lines.isEmpty)
        XCTAssertFalse(sequence.commands.contains(PrintTextBlock.command), "a pre-2013 terminal knows no 06 D3")
        let decoded = try lines.map { try PrintLine(apdu: $0) }
        XCTAssertEqual(Set(decoded.compactMap(\.receiptType)), [0x01, 0x02])
        XCTAssertTrue(decoded.allSatisfy { $0.receiptType != nil }, "the TLV follows every line")
        // The first line on the wire: `00 <text> 06 04 1F 07 01 01`.
        XCTAssertEqual(Array(lines[0].data.suffix(6)), [0x06, 0x04, 0x1F, 0x07, 0x01, 0x01])
        // Each receipt ends with a last line (attribute 81).
        XCTAssertEqual(decoded.filter { $0.line().closesReceipt }.map(\.receiptType), [0x01, 0x02])
    }

    func testTextBlocksNameTheirCharacterSet() throws {
        simulator.control.printCharacterSetTag = .utf8
        let sequence = try payOnce(12_34)
        let blocks = try sequence.messages.filter { $0.command == PrintTextBlock.command }.map { try PrintTextBlock(apdu: $0) }
        XCTAssertEqual(blocks.count, 2)
        for block in blocks {
            XCTAssertEqual(block.characterSet, .utf8)
            XCTAssertTrue(block.lines(.cp437).contains { $0.text.hasPrefix("gültig bis") })
        }
        XCTAssertTrue(blocks[0].lines().contains { $0.text == "Händlerbeleg" || $0.text.hasSuffix("Händlerbeleg") })
    }

    func testAttributesCentreTheHeadings() throws {
        simulator.control.receiptLayout = .attributes
        let sequence = try payOnce(12_34)
        let block = try PrintTextBlock(apdu: XCTUnwrap(sequence.messages.first { $0.command == PrintTextBlock.command }))
        XCTAssertEqual(block.lines().first, PrintedLine(attribute: 0x40, text: "Kartenzahlung"))
        XCTAssertTrue(block.lines().contains { $0.attribute == 0x10 && $0.text.hasPrefix("Betrag") })
        simulator.control.receiptLayout = .plain
        let plain = try PrintTextBlock(apdu: XCTUnwrap(try payOnce(12_35).messages.first { $0.command == PrintTextBlock.command }))
        XCTAssertEqual(plain.lines().first, PrintedLine(attribute: 0, text: "     Kartenzahlung"))
    }

    func testIndividualTotalsInEachLayout() throws {
        _ = try payOnce(12_34)
        _ = try payOnce(20_00)
        let journalCounts = simulator.journal.batchTotals.counts
        for (layout, size) in [(IndividualTotalsLayout.standard, 53), (.short, 4 + 7 * ((journalCounts.lastIndex { $0 > 0 } ?? 0) + 1)), (.long, 60)] {
            simulator.control.individualTotals = layout
            let register = try TestRegister(simulator)
            register.register()
            let sequence = register.run(TurnoverTotals(password: Password("123456")!).apdu)
            register.close()
            let bmp60 = try XCTUnwrap(sequence.statusInformation.first?.fields[0x60], "\(layout)")
            XCTAssertEqual(bmp60.value.count, size, "\(layout)")
            XCTAssertEqual(sequence.statusInformation.first?.totals.individual?.count, 2, "\(layout)")
        }
    }

    func testTheSettingsOverTheControlInterpreter() {
        let interpreter = ControlInterpreter(simulator: simulator)
        XCTAssertEqual(interpreter.execute("print-lines pre-2013").text, "OK print-lines pre-2013\n")
        XCTAssertEqual(interpreter.execute("print-charset-tag latin1").text, "OK print-charset-tag latin1\n")
        XCTAssertEqual(interpreter.execute("receipt-layout attributes").text, "OK receipt-layout attributes\n")
        XCTAssertEqual(interpreter.execute("bmp60-layout short").text, "OK bmp60-layout short\n")
        XCTAssertEqual(interpreter.execute("bmp60-layout wide").text, "ERR »bmp60-layout« braucht einen dieser Werte: standard, short, long.\n")
        let status = interpreter.execute("status").text
        for part in ["\"printLines\":\"pre-2013\"", "\"printCharsetTag\":\"latin1\"", "\"receiptLayout\":\"attributes\"", "\"bmp60Layout\":\"short\""] {
            XCTAssertTrue(status.contains(part), status)
        }
        XCTAssertEqual(simulator.control.printLines, .pre2013)
        _ = interpreter.execute("clear")
        XCTAssertEqual(simulator.control.printLines, .standard)
        XCTAssertEqual(simulator.control.printCharacterSetTag, .off)
        XCTAssertEqual(simulator.control.receiptLayout, .plain)
        XCTAssertEqual(simulator.control.individualTotals, .standard)
    }
}
