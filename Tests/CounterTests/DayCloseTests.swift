import CSQLite
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

@testable import Counter

/// Keeps what was sent to the printer.
final class RecordingPrinter: ReceiptPrinter, @unchecked Sendable {
    private let lock = NSLock()
    private var sent: [(Int64, String)] = []
    func send(_ text: String, receiptNumber: Int64) {
        lock.lock()
        sent.append((receiptNumber, text))
        lock.unlock()
    }
    var texts: [String] {
        lock.lock()
        defer { lock.unlock() }
        return sent.map(\.1)
    }
}

/// The day close through the counter service: cash formula, blind count, differences,
/// approval, terminal End-of-Day, cheques, Z numbers, Z report file and printer, finality.
final class DayCloseTests: XCTestCase {
    /// The defaults: threshold 5,00 €, Überschuss to 459100, Fehlbetrag to 549100.
    let settings = DayCloseSettings(configuration: Configuration())

    func dayClose(_ f: CounterFixture) -> DayCloseService { DayCloseService(counter: f.service, settings: settings) }

    /// A count of exactly `amount` by denomination.
    func count(_ amount: Money) -> CashCount { .standIn(total: amount) }

    func close(
        _ f: CounterFixture, counted: Money, reason: String = "", approvedBy: String? = nil, floatKept: Money = Money(euros: 100),
        blind: Bool = false
    ) throws -> DayCloseOutcome {
        try dayClose(f).close(
            DayCloseRequest(count: count(counted), blindCount: blind, reason: reason, floatKept: floatKept), operatorId: f.clerk.id,
            approvedBy: approvedBy)
    }

    func testTheDefaultSettingsComeFromTheConfiguration() {
        XCTAssertEqual(settings.approvalThreshold, Money(euros: 5))
        XCTAssertEqual(settings.surplusAccount, "459100")
        XCTAssertEqual(settings.shortfallAccount, "549100")
    }

    func testCashFormulaWithEveryKindOfMovement() throws {
        let printer = RecordingPrinter()
        let f = try CounterFixture(printer: printer)  // float 100,00 €
        try f.sell(.cash(tendered: Money(euros: 50)))  // 37,00: 50 given, 13 back
        try f.sell(.cash(tendered: Money(cents: 3700)))  // 37,00 exact
        // 63,00: 20 cash (50 given, 30 back), 43 card.
        try f.sell(.split(cash: Money(euros: 20), tendered: Money(euros: 50)), lines: [CounterFixture.certificate, CounterFixture.passport])
        try f.sell(.card)
        try f.sell(.cheque(number: "0042", bank: "Sparkasse", drawer: "Max Muster"))
        let cancelled = try f.sell(.cash(tendered: Money(euros: 40))).sale  // 37,00: 40 given, 3 back
        _ = try f.service.cancelSale(
            receiptNumber: cancelled.receiptNumber, stornoId: "st-1", operatorId: f.clerk.id, reason: "Falsche Gebühr", approvedBy: f.supervisor.id)
        _ = try f.service.recordCashMovement(id: "m1", kind: .einlage, amount: Money(euros: 50), reason: "Wechselgeld nachgelegt", operatorId: f.clerk.id)
        _ = try f.service.recordCashMovement(
            id: "m2", kind: .entnahme, amount: Money(euros: 20), reason: "Porto", operatorId: f.clerk.id, approvedBy: f.supervisor.id)
        _ = try f.service.recordCashMovement(
            id: "m3", kind: .abschoepfung, amount: Money(euros: 100), reason: "Tresor", operatorId: f.clerk.id, approvedBy: f.supervisor.id)

        let period = try dayClose(f).openPeriod()
        XCTAssertEqual(period.expected.float, Money(euros: 100))
        XCTAssertEqual(period.expected.cashReceived, Money(cents: 5000 + 3700 + 5000 + 4000))
        XCTAssertEqual(period.expected.changeGiven, Money(cents: 1300 + 3000 + 300))
        XCTAssertEqual(period.expected.stornoPayouts, Money(cents: 3700))
        XCTAssertEqual(try period.expected.depositsTotal, Money(euros: 50))
        XCTAssertEqual(try period.expected.withdrawalsTotal, Money(euros: 120))
        // 100 + 177 − 46 − 37 + 50 − 120 = 124,00 €
        let expected = Money(cents: 12400)
        XCTAssertEqual(try period.expected.total(), expected)
        XCTAssertEqual(try f.service.interimReport().expectedCash, expected)
        XCTAssertEqual(period.cardTotal, Money(cents: 4300 + 3700))
        XCTAssertEqual(period.cardCount, 2)

        let outcome = try close(f, counted: expected, floatKept: Money(euros: 100))
        XCTAssertEqual(outcome.record.zNumber, 1)
        XCTAssertEqual(outcome.record.expectedCash, expected)
        XCTAssertEqual(outcome.record.countedCash, expected)
        XCTAssertEqual(outcome.record.difference, .zero)
        XCTAssertNil(outcome.detail.differenceAccount)
        XCTAssertEqual(outcome.detail.handover, Money(euros: 24))
        XCTAssertEqual(outcome.detail.pieces, [10000: 1, 2000: 1, 200: 2])
        XCTAssertEqual(outcome.detail.terminalStatus, .ok)
        XCTAssertEqual(outcome.warnings, [])
        let text = outcome.reportText
        for expectedLine in [
            "Z-BERICHT Nr. 1", "Wechselgeld (Anfangsbestand)", "+ Bareinnahmen (gegeben)", "− Rückgeld", "− Auszahlungen Storno",
            "+ Einlagen", "− Entnahmen", "An die Stadtkasse: Tresor", "− An die Stadtkasse", "100 €  × 1", "= Sollbestand", "An die Stadtkasse",
            "Umsatz je Stunde", "Grund: Falsche Gebühr (Anna Amt;", "Freigabe: Bert Aufsicht)", "Prüfwert",
        ] {
            XCTAssertTrue(text.contains(expectedLine), "missing »\(expectedLine)« in\n\(text)")
        }
        XCTAssertTrue(text.contains(TextLayout.columns("  = Sollbestand", "124,00 €", width: 42)), text)
        XCTAssertTrue(text.contains(TextLayout.columns("  An die Stadtkasse", "24,00 €", width: 42)), text)
        XCTAssertTrue(text.contains(TextLayout.columns("  Wechselgeld für morgen", "100,00 €", width: 42)), text)
        XCTAssertTrue(text.split(separator: "\n").allSatisfy { $0.count <= 42 }, text)
        // Beside the receipts and on the printer, the same text as rendered again from the ledger.
        let file = try XCTUnwrap(outcome.reportFile)
        XCTAssertTrue(file.hasSuffix("/receipts/Z-000001.txt"))
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), text)
        XCTAssertEqual(printer.texts.last, text)
        XCTAssertEqual(try dayClose(f).zReportText(zNumber: 1), text)
        try f.assertClean()
    }

    func testBlindCountHidesTheExpectedAmountUntilCountedAndKeepsTheFirstCount() throws {
        let f = try CounterFixture()
        try f.sell(.cash(tendered: Money(euros: 50)))  // expected 137,00 €
        var preparation = try dayClose(f).prepare(operatorId: f.clerk.id, blindCount: true)
        XCTAssertEqual(preparation.zNumber, 1)
        XCTAssertEqual(preparation.floatSuggestion, Money(euros: 100))
        XCTAssertNil(try preparation.draft.expectedForDisplay())
        XCTAssertEqual(preparation.draft.problems(), [.notCounted])
        preparation.draft.submitCount(count(Money(cents: 13200)))  // 5 € short: counted again
        XCTAssertEqual(try preparation.draft.expectedForDisplay(), Money(cents: 13700))
        preparation.draft.submitCount(count(Money(cents: 13700)))
        XCTAssertEqual(preparation.draft.firstCount?.total, Money(cents: 13200))
        XCTAssertEqual(preparation.draft.problems(), [])
        let request = DayCloseRequest(preparation: preparation, floatKept: Money(euros: 100))
        XCTAssertEqual(request.firstCountedCash, Money(cents: 13200))
        XCTAssertEqual(request.countSubmissions, 2)
        let outcome = try dayClose(f).close(request, operatorId: f.clerk.id, approvedBy: nil)
        XCTAssertTrue(outcome.detail.blindCount)
        XCTAssertEqual(outcome.detail.countSubmissions, 2)
        XCTAssertEqual(outcome.detail.firstCountedCash, Money(cents: 13200))
        XCTAssertTrue(outcome.reportText.contains("Kassenbestand nach Zählung (blind)"), outcome.reportText)
        XCTAssertTrue(outcome.reportText.contains("Erste Zählung (2 Zählungen)"), outcome.reportText)
        // Without a blind count the Sollbestand shows at once.
        try f.service.openShift(operatorId: f.clerk.id, float: Money(euros: 100))
        let open = try dayClose(f).prepare(operatorId: f.clerk.id, blindCount: false)
        XCTAssertEqual(try open.draft.expectedForDisplay(), Money(euros: 100))
        XCTAssertEqual(open.zNumber, 2)
    }

    func testSmallDifferenceNeedsAReasonAndIsBookedToTheShortfallAccount() throws {
        let f = try CounterFixture()
        try f.sell(.cash(tendered: Money(euros: 50)))  // expected 137,00 €
        XCTAssertThrowsError(try close(f, counted: Money(cents: 13400))) {
            XCTAssertEqual("\($0)", "Tagesabschluss: Fehlbetrag von 3,00 € ; bitte einen Grund angeben.".replacingOccurrences(of: " ;", with: ";"))
        }
        XCTAssertNil(try f.service.ledger.lastDayClose(), "nothing booked")
        let outcome = try close(f, counted: Money(cents: 13400), reason: "Wechselgeld falsch herausgegeben")
        XCTAssertEqual(outcome.record.difference, Money(cents: -300))
        XCTAssertNil(outcome.record.approvedBy, "3,00 € is below the 5,00 € threshold")
        XCTAssertEqual(outcome.detail.differenceAccount, "549100")
        XCTAssertEqual(outcome.detail.reason, "Wechselgeld falsch herausgegeben")
        XCTAssertTrue(outcome.reportText.contains(TextLayout.columns("  Differenz (Fehlbetrag)", "-3,00 €", width: 42)), outcome.reportText)
        XCTAssertTrue(outcome.reportText.contains(TextLayout.columns("  Gebucht auf Konto", "549100", width: 42)), outcome.reportText)
        XCTAssertTrue(outcome.reportText.contains("Grund: Wechselgeld falsch herausgegeben"))
        XCTAssertEqual(try f.service.ledger.dayCloseDetail(dayCloseId: outcome.record.id), outcome.detail)
        try f.assertClean()
    }

    func testLargeDifferenceNeedsASecondOperatorsApproval() throws {
        let f = try CounterFixture()
        try f.sell(.cash(tendered: Money(euros: 50)))  // expected 137,00 €; counted 157,00 € = 20,00 € Überschuss
        XCTAssertThrowsError(try close(f, counted: Money(cents: 15700), reason: "Unklar")) {
            XCTAssertEqual("\($0)", "Tagesabschluss: Überschuss von 20,00 € liegt über 5,00 €; eine Vorgesetzte oder ein Vorgesetzter muss freigeben.")
        }
        XCTAssertThrowsError(try close(f, counted: Money(cents: 15700), reason: "Unklar", approvedBy: f.clerk.id)) {
            XCTAssertEqual($0 as? DayCloseError, .approverIsOperator)
        }
        XCTAssertThrowsError(try close(f, counted: Money(cents: 15700), reason: "Unklar", approvedBy: "nobody")) {
            XCTAssertEqual("\($0)", "Unbekannter Bediener »nobody«.")
        }
        XCTAssertNil(try f.service.ledger.lastDayClose())
        let outcome = try close(f, counted: Money(cents: 15700), reason: "Unklar", approvedBy: f.supervisor.id)
        XCTAssertEqual(outcome.record.difference, Money(euros: 20))
        XCTAssertEqual(outcome.record.approvedBy, f.supervisor.id)
        XCTAssertEqual(outcome.detail.differenceAccount, "459100")
        XCTAssertTrue(outcome.reportText.contains(TextLayout.columns("Freigabe", "Bert Aufsicht", width: 42)), outcome.reportText)
        XCTAssertTrue(outcome.reportText.contains(TextLayout.columns("  Differenz (Überschuss)", "20,00 €", width: 42)))
        try f.assertClean()
    }

    func testTerminalEndOfDayRunsWithTheCloseAndAMismatchIsShownAndRecorded() throws {
        let f = try CounterFixture()
        try f.sell(.card)  // 37,00 € booked
        let reversed = try f.sell(.card).sale
        _ = try f.service.cancelSale(
            receiptNumber: reversed.receiptNumber, stornoId: "st", operatorId: f.clerk.id, reason: "Doppelt", approvedBy: f.supervisor.id)
        // A payment typed directly on the terminal, never booked at the till.
        _ = try f.terminal.authorize(amount: Money(cents: 1250))
        let outcome = try close(f, counted: Money(euros: 100))
        XCTAssertEqual(outcome.detail.terminalStatus, .mismatch)
        XCTAssertEqual(outcome.detail.ledgerCardTotal, Money(cents: 3700))
        XCTAssertEqual(outcome.detail.ledgerCardCount, 1)
        XCTAssertEqual(outcome.detail.terminalTotal, Money(cents: 4950))
        XCTAssertEqual(outcome.detail.terminalCount, 2)
        guard case .terminalMismatch(let comparison)? = outcome.warnings.first else { return XCTFail("\(outcome.warnings)") }
        XCTAssertEqual(try comparison.difference, Money(cents: 1250))
        XCTAssertEqual(
            outcome.warnings.first?.description, "Kartensummen weichen ab: Kasse 37,00 € (1), Terminal 49,50 € (2).")
        XCTAssertTrue(outcome.reportText.contains(TextLayout.columns("  Abgleich", "ABWEICHUNG 12,50 €", width: 42)), outcome.reportText)
        // The terminal's batch was closed: the next day starts from zero and agrees.
        try f.service.openShift(operatorId: f.clerk.id, float: Money(euros: 100))
        try f.sell(.card)
        let next = try close(f, counted: Money(euros: 100))
        XCTAssertEqual(next.detail.terminalStatus, .ok)
        XCTAssertEqual(next.detail.terminalTotal, Money(cents: 3700))
        XCTAssertTrue(next.reportText.contains(TextLayout.columns("  Abgleich", "stimmt", width: 42)), next.reportText)
        try f.assertClean()
    }

    func testUnreachableTerminalIsRecordedAndDoesNotBlockTheClose() throws {
        let f = try CounterFixture()
        try f.sell(.card)
        f.terminal.reachable = false
        let outcome = try close(f, counted: Money(euros: 100))
        XCTAssertEqual(outcome.detail.terminalStatus, .unavailable)
        XCTAssertNil(outcome.detail.terminalTotal)
        XCTAssertEqual(outcome.warnings, [.terminalTotalsMissing])
        XCTAssertTrue(outcome.detail.terminalNote.contains("nicht erreichbar"), outcome.detail.terminalNote)
        XCTAssertTrue(outcome.reportText.contains(TextLayout.columns("  Terminal", "nicht verfügbar", width: 42)), outcome.reportText)
    }

    func testAPendingCardPaymentBlocksTheClose() throws {
        let f = try CounterFixture()
        try f.useTerminal(DyingTerminal(f.terminal))
        XCTAssertThrowsError(try f.sell(.card))
        let preparation = try dayClose(f).prepare(operatorId: f.clerk.id, blindCount: false)
        XCTAssertEqual(preparation.draft.pendingCardPayments, 1)
        XCTAssertThrowsError(try close(f, counted: Money(euros: 100))) {
            XCTAssertEqual("\($0)", "Eine Kartenzahlung ist noch ungeklärt: bitte zuerst klären (Menü F9, »Ungeklärte Kartenzahlungen«).")
        }
        XCTAssertNil(try f.service.ledger.lastDayClose())
        // Resolved (the terminal approved it: booked), the close goes through and agrees with the terminal.
        try f.useTerminal(f.terminal)
        _ = try f.service.resolvePendingCardPayments()
        let outcome = try close(f, counted: Money(euros: 100))
        XCTAssertEqual(outcome.detail.terminalStatus, .ok)
        XCTAssertEqual(outcome.detail.ledgerCardTotal, Money(cents: 3700))
    }

    func testChequesAreListedWithTheirSumAndTheSumOnlyCount() throws {
        let f = try CounterFixture()
        try f.sell(.cheque(number: "0042", bank: "Sparkasse", drawer: "Max Muster"))
        try f.sell(.cheque(number: "0043", bank: "VR-Bank", drawer: "Eva Muster"), lines: [CounterFixture.certificate])
        let returned = try f.sell(.cheque(number: "0044", bank: "VR-Bank", drawer: "Otto")).sale
        _ = try f.service.cancelSale(
            receiptNumber: returned.receiptNumber, stornoId: "st", operatorId: f.clerk.id, reason: "Irrtum", approvedBy: f.supervisor.id)
        let period = try dayClose(f).openPeriod()
        XCTAssertEqual(period.cheques.map(\.chequeNumber), ["0042", "0043"])
        XCTAssertEqual(try period.chequesTotal, Money(cents: 6300))
        let outcome = try dayClose(f).close(
            DayCloseRequest(count: .standIn(total: Money(euros: 100)), totalOnly: true, floatKept: Money(euros: 80)), operatorId: f.clerk.id,
            approvedBy: nil)
        XCTAssertEqual(outcome.detail.chequeCount, 2)
        XCTAssertEqual(outcome.detail.chequeTotal, Money(cents: 6300))
        XCTAssertEqual(outcome.detail.pieces, [:])
        XCTAssertTrue(outcome.detail.totalOnly)
        let text = outcome.reportText
        // Number, bank and drawer of each cheque, wrapped; the amount on the last line.
        XCTAssertTrue(text.contains("  Scheck 2 Nr. 0043, VR-Bank, Eva Muster\n" + TextLayout.columns("    (Beleg 2)", "26,00 €", width: 42)), text)
        XCTAssertTrue(text.contains(TextLayout.columns("  Summe Schecks", "63,00 €", width: 42)), text)
        XCTAssertTrue(text.contains("(nur Summe erfasst, ohne Stückelung)"), text)
        XCTAssertFalse(text.contains("50 €   ×"), text)
        XCTAssertTrue(text.contains(TextLayout.columns("  An die Stadtkasse", "20,00 €", width: 42)), text)
        XCTAssertThrowsError(try dayClose(f).zReportText(zNumber: 2)) {
            XCTAssertEqual("\($0)", "Einen Tagesabschluss mit der Z-Nummer 2 gibt es nicht.")
        }
    }

    func testRefusalsBookNothing() throws {
        let f = try CounterFixture()
        try f.sell(.cash(tendered: Money(euros: 50)))  // expected 137,00 €
        XCTAssertThrowsError(try close(f, counted: Money(cents: 13700), floatKept: Money(euros: 200))) {
            XCTAssertEqual("\($0)", "Tagesabschluss: Das Wechselgeld für morgen (200,00 €) ist größer als der gezählte Bestand (137,00 €).")
        }
        var request = DayCloseRequest(count: count(Money(cents: 13700)), floatKept: .zero, expectedSeen: Money(euros: 100))
        XCTAssertThrowsError(try dayClose(f).close(request, operatorId: f.clerk.id, approvedBy: nil)) {
            XCTAssertEqual("\($0)", "Tagesabschluss: Der Sollbestand hat sich seit der Zählung geändert (100,00 € → 137,00 €); bitte neu zählen.")
        }
        request.expectedSeen = Money(cents: 13700)
        XCTAssertThrowsError(try dayClose(f).close(request, operatorId: "ghost", approvedBy: nil)) { XCTAssertEqual("\($0)", "Unbekannter Bediener »ghost«.") }
        XCTAssertNil(try f.service.ledger.lastDayClose())
        XCTAssertEqual(f.terminal.endOfDayBatchStart, 0, "the terminal is not asked before the close can be booked")
    }

    func testZNumbersRunWithoutGapsAcrossSeveralDays() throws {
        let printer = RecordingPrinter()
        let f = try CounterFixture(printer: printer)
        var dates: [String] = []
        for day in 1...3 {
            try f.sell(.cash(tendered: Money(euros: 40)))
            let outcome = try close(f, counted: Money(cents: 13700), floatKept: Money(euros: 100))
            XCTAssertEqual(outcome.record.zNumber, Int64(day))
            XCTAssertTrue(outcome.reportText.hasPrefix(TextLayout.columns("Z-BERICHT Nr. \(day)", "Kasse K1", width: 42)))
            dates.append(outcome.record.businessDate)
            f.clock.advance(seconds: 86_400)
            try f.service.openShift(operatorId: f.clerk.id, float: Money(euros: 100))
        }
        XCTAssertEqual(dates, ["2026-11-27", "2026-11-28", "2026-11-29"])
        XCTAssertEqual(try f.service.ledger.dayCloses().map(\.zNumber), [1, 2, 3])
        XCTAssertEqual(printer.texts.filter { $0.hasPrefix("Z-BERICHT") }.count, 3)
        let directory = f.service.receiptStore.directory
        for z in 1...3 {
            XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/" + DayCloseService.zReportFileName(Int64(z))))
        }
        // After a restart the numbering continues; a Z number is never given twice.
        try f.restart()
        try f.sell(.cash(tendered: Money(euros: 40)))
        XCTAssertEqual(try close(f, counted: Money(cents: 13700)).record.zNumber, 4)
        let path = f.service.ledger.path
        XCTAssertNotNil(
            Self.sqlFailure(
                path,
                "INSERT INTO day_closes SELECT seq + 1000, 'x', 4, shift_id, operator_id, approved_by, '2030-01-01', closed_at_ms, after_seq, first_receipt, last_receipt, sale_count, storno_count, float_cents, sales_cents, cash_cents, cheque_cents, card_cents, storno_cents, storno_cash_cents, storno_cheque_cents, storno_card_cents, einlagen_cents, entnahmen_cents, abschoepfungen_cents, expected_cash_cents, counted_cash_cents, difference_cents FROM day_closes WHERE z_number = 4"
            ))
        try f.assertClean()
    }

    func testAClosedDayIsFinal() throws {
        let f = try CounterFixture()
        let sale = try f.sell(.cash(tendered: Money(euros: 40))).sale
        let outcome = try close(f, counted: Money(cents: 13700))
        let zText = outcome.reportText
        XCTAssertEqual(outcome.record.businessDate, "2026-11-27")
        // Nothing can be booked into it: no open shift, and a new shift belongs to the next day.
        XCTAssertThrowsError(try f.sell(.cash(tendered: Money(euros: 40)))) { XCTAssertEqual("\($0)", CounterError.noOpenShift.description) }
        XCTAssertThrowsError(try close(f, counted: Money(cents: 13700))) { XCTAssertEqual("\($0)", CounterError.noOpenShift.description) }
        f.clock.advance(seconds: 1800)  // still 27.11.
        let shift = try f.service.openShift(operatorId: f.clerk.id, float: Money(euros: 100))
        XCTAssertEqual(shift.businessDate, "2026-11-28")
        XCTAssertEqual(try f.sell(.cash(tendered: Money(euros: 40))).sale.businessDate, "2026-11-28")
        // A storno of a sale of the closed day is a counter-entry of the new day.
        let storno = try f.service.cancelSale(
            receiptNumber: sale.receiptNumber, stornoId: "late", operatorId: f.clerk.id, reason: "Doppelt", approvedBy: f.supervisor.id
        ).storno
        XCTAssertEqual(storno.businessDate, "2026-11-28")
        XCTAssertEqual(try f.service.ledger.dayClose(zNumber: 1), outcome.record)
        XCTAssertEqual(try dayClose(f).zReportText(zNumber: 1), zText, "the Z report of a closed day never changes")
        XCTAssertEqual(try dayClose(f).openPeriod().dayTotals.stornoCount, 1)
        // It cannot be reopened: booked rows refuse UPDATE and DELETE, the shift stays closed.
        let path = f.service.ledger.path
        for sql in [
            "UPDATE day_closes SET counted_cash_cents = 0", "DELETE FROM day_closes",
            "UPDATE day_close_details SET reason = 'x'", "DELETE FROM day_close_details",
            "UPDATE day_close_counts SET pieces = 99", "DELETE FROM day_close_counts",
        ] {
            XCTAssertTrue(Self.sqlFailure(path, sql)?.contains("Gebuchte Daten sind unveränderlich") ?? false, sql)
        }
        XCTAssertNotEqual(try f.service.openShift()?.id, outcome.record.shiftId)
        // A detail row changed behind the triggers' back is found against the chained audit event.
        XCTAssertNil(
            Self.sqlFailure(path, "DROP TRIGGER day_close_counts_no_update; UPDATE day_close_counts SET pieces = pieces + 1 WHERE denomination_cents = 10000"))
        try f.restart()
        XCTAssertThrowsError(try dayClose(f).zReportText(zNumber: 1)) {
            XCTAssertTrue("\($0)".contains("Zähl- und Terminaldaten des Tagesabschlusses Z 1 passen nicht"), "\($0)")
        }
    }

    func testInterimReportClosesNothing() throws {
        let f = try CounterFixture()
        try f.sell(.cash(tendered: Money(euros: 50)))
        try f.sell(.card, lines: [CounterFixture.certificate])
        let text = try dayClose(f).interimReportText()
        XCTAssertTrue(text.hasPrefix(TextLayout.columns("ZWISCHENBERICHT (X)", "Kasse K1", width: 42)), text)
        for expected in ["Führungszeugnis", "Durchlaufende Anteile", "371000", "= Sollbestand", "10 ###"] {
            XCTAssertTrue(text.contains(expected), "missing »\(expected)« in\n\(text)")
        }
        XCTAssertTrue(text.contains(TextLayout.columns("Sollbestand jetzt", "137,00 €", width: 42)), text)
        XCTAssertNil(try f.service.ledger.lastDayClose())
        XCTAssertNotNil(try f.service.openShift())
        XCTAssertEqual(f.terminal.endOfDayBatchStart, 0, "no End-of-Day for an X report")
    }

    /// Runs `sql` on the ledger file directly; SQLite's message, or nil if it succeeded.
    static func sqlFailure(_ path: String, _ sql: String) -> String? {
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK else { return "open failed" }
        defer { sqlite3_close(db) }
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        return rc == SQLITE_OK ? nil : (message.map { String(cString: $0) } ?? "rc \(rc)")
    }
}
