import KasseCore
import XCTest

final class DayCloseReportTests: XCTestCase {
    static func sampleReport() throws -> ZReport {
        var totals = DayCloseTotals()
        totals.addReceipt("K1-000001")
        try totals.addShare(itemCode: "PA24", itemText: "Personalausweis", account: "4311", amount: Money(euros: 46), passThrough: false, hour: 8)
        try totals.addPayment(method: "Bar", amount: Money(euros: 46))
        totals.addReceipt("K1-000002")
        try totals.addShare(itemCode: "FZ", itemText: "Führungszeugnis", account: "4311", amount: Money(cents: 520), passThrough: false, hour: 10)
        try totals.addShare(
            itemCode: "FZ", itemText: "Führungszeugnis", account: "3720", amount: Money(cents: 780), passThrough: true, hour: 10, countsItem: false)
        try totals.addPayment(method: "Karte", amount: Money(euros: 13))
        totals.addReceipt("K1-000003")
        try totals.addShare(itemCode: "PA24", itemText: "Personalausweis", account: "4311", amount: Money(euros: -46), passThrough: false, hour: 10)
        try totals.addPayment(method: "Bar", amount: Money(euros: -46))
        totals.addStorno(
            .init(receiptNumber: "K1-000003", originalReceiptNumber: "K1-000001", amount: Money(euros: -46), reason: "falsche Person", operatorName: "mueller"))

        let expected = ExpectedCash(
            float: Money(euros: 100), cashReceived: Money(euros: 50), changeGiven: Money(euros: 4),
            stornoPayouts: Money(euros: 46),
            movements: [CashMovement(kind: .entnahme, amount: Money(euros: 20), reason: "Abschöpfung")])
        var draft = DayCloseDraft(register: "K1", operatorName: "mueller", policy: DayClosePolicy(approvalThreshold: Money(euros: 5)), expected: expected)
        var count = CashCount.empty
        try count.set(.note50, count: 1)
        try count.set(.note20, count: 1)
        try count.set(.coin2Euro, count: 4)
        try count.set(.coin50Cent, count: 1)
        draft.submitCount(count)
        draft.reason = "Münze fehlt"
        draft.cardTotals = CardTotalsComparison(ledgerTotal: Money(euros: 13), ledgerCount: 1, terminalTotal: Money(euros: 13), terminalCount: 1)
        return ZReport(
            register: "K1", zNumber: 7, businessDay: "26.11.2026", periodStart: "26.11.2026 08:02",
            periodEnd: "26.11.2026 10:41", totals: totals, draft: draft, floatKept: Money(euros: 50))
    }

    func testTotalsAccumulate() throws {
        let report = try Self.sampleReport()
        XCTAssertEqual(try report.totals.salesTotal, Money(euros: 13))
        XCTAssertEqual(try report.totals.paymentsTotal, Money(euros: 13), "sales and payments agree")
        XCTAssertEqual(report.totals.items.map(\.count), [0, 1], "storno cancels the count; split shares count once")
        XCTAssertEqual(report.totals.passThrough.first?.amount, Money(cents: 780))
        XCTAssertEqual(report.totals.firstReceipt, "K1-000001")
        XCTAssertEqual(report.totals.lastReceipt, "K1-000003")
        XCTAssertEqual(try report.handover, Money(cents: 7_850 - 5_000))
    }

    func testZReportText() throws {
        let text = try Self.sampleReport().text()
        if ProcessInfo.processInfo.environment["PRINT_ZREPORT"] != nil { print(text) }
        XCTAssertEqual(text, Self.expectedText)
        XCTAssertTrue(text.split(separator: "\n").allSatisfy { $0.count <= 42 }, "fits a 42-column printer")
    }

    /// Items are itemised by item and variant with each unit price (not 2 × 107,50 under the first
    /// variant's name); a storno's approver, each cheque's details and a long reason are all there,
    /// wrapped, and the cash formula shows each sign once.
    func testZReportItemisesVariantsAndNamesApproverAndCheques() throws {
        var totals = DayCloseTotals()
        totals.addItemVariant(.init(label: "RP Reisepass (ab 24 Jahre)", quantity: 1, unitPrice: Money(euros: 70), amount: Money(euros: 70)))
        totals.addItemVariant(.init(label: "RP Reisepass (unter 24 Jahre)", quantity: 1, unitPrice: Money(cents: 3750), amount: Money(cents: 3750)))
        totals.addItemVariant(.init(label: "FZ Führungszeugnis", quantity: 0, unitPrice: Money(euros: 13), amount: .zero))
        totals.addStorno(
            .init(
                receiptNumber: "9", originalReceiptNumber: "4", amount: Money(euros: -13), reason: "Antrag zurückgezogen (Demo Bedienerin am Schalter)",
                operatorName: "Demo Bediener", approverName: "Chefin Aufsicht"))
        let expected = ExpectedCash(float: Money(euros: 100), cashReceived: Money(euros: 200), changeGiven: Money(cents: 5350), stornoPayouts: .zero)
        var draft = DayCloseDraft(register: "K1", operatorName: "demo", policy: DayClosePolicy(approvalThreshold: Money(euros: 5)), expected: expected)
        draft.cheques = [Money(euros: 9)]
        draft.chequeLabels = ["Nr. 4711, Sparkasse, Erika Muster (Beleg 3)"]
        let report = ZReport(
            register: "K1", zNumber: 1, businessDay: "26.11.2026", periodStart: "", periodEnd: "", totals: totals, draft: draft, floatKept: .zero)
        let lines = try report.lines()
        XCTAssertTrue(lines.allSatisfy { $0.count <= 42 }, lines.joined(separator: "\n"))
        let text = lines.joined(separator: "\n")
        XCTAssertTrue(
            text.contains(TextLayout.columns("  RP Reisepass (ab 24 Jahre)", "", width: 42) + "\n" + String(repeating: " ", count: 23) + "1 × 70,00 = 70,00 €"),
            text)
        XCTAssertTrue(text.contains("  RP Reisepass (unter 24 Jahre)\n" + String(repeating: " ", count: 23) + "1 × 37,50 = 37,50 €"), text)
        XCTAssertFalse(text.contains("FZ Führungszeugnis"), "a variant cancelled to nothing is left out")
        XCTAssertTrue(
            text.contains("    Grund: Antrag zurückgezogen (Demo\n      Bedienerin am Schalter) (Demo\n      Bediener; Freigabe: Chefin Aufsicht)"), text)
        XCTAssertTrue(text.contains("  Scheck 1 Nr. 4711, Sparkasse, Erika\n    Muster (Beleg 3)                9,00 €"), text)
        XCTAssertTrue(text.contains(TextLayout.columns("  − Rückgeld", "53,50 €", width: 42)), text)
        XCTAssertFalse(text.contains("-53,50"), text)
    }

    func testHourlyChartScalesAndKeepsGaps() {
        let chart = HourlyChart(salesPerHour: [8: Money(euros: 100), 10: Money(euros: 50), 11: Money(cents: 1)])
        let lines = chart.lines(barWidth: 10, bar: "#", width: 30)
        XCTAssertEqual(
            lines,
            [
                "08 ##########         100,00 €",
                "09                      0,00 €",
                "10 #####               50,00 €",
                "11 #                    0,01 €",
            ])
        XCTAssertEqual(
            HourlyChart(salesPerHour: [9: Money(euros: 10), 10: Money(euros: -5)]).lines(barWidth: 4, bar: "#", width: 20),
            ["09 ####      10,00 €", "10           -5,00 €"], "a negative hour has no bar")
        XCTAssertEqual(HourlyChart(salesPerHour: [:]).lines(), ["(keine Umsätze)"])
    }

    static let expectedText = """
        Z-BERICHT Nr. 7                   Kasse K1
        ==========================================
        Geschäftstag                    26.11.2026
        Von                       26.11.2026 08:02
        Bis                       26.11.2026 10:41
        Belege           K1-000001 … K1-000003 (3)

        Umsatz je Artikel
        ------------------------------------------
          PA24 Personalausweis          0 × 0,00 €
          FZ Führungszeugnis           1 × 13,00 €

        Umsatz je Sachkonto
        ------------------------------------------
          4311                          1 × 5,20 €
          3720                          1 × 7,80 €
          Summe                            13,00 €

        Durchlaufende Anteile (fremde Mittel)
        ------------------------------------------
          Führungszeugnis               1 × 7,80 €

        Zahlungsarten
        ------------------------------------------
          Bar                           0 × 0,00 €
          Karte                        1 × 13,00 €
          Summe                            13,00 €

        Stornos
        ------------------------------------------
          K1-000003 zu K1-000001          -46,00 €
            Grund: falsche Person (mueller)

        Bargeldbewegungen
        ------------------------------------------
          Entnahme: Abschöpfung           -20,00 €

        Kassenbestand nach Zählung
        ------------------------------------------
          50 €   × 1                       50,00 €
          20 €   × 1                       20,00 €
          2 €    × 4                        8,00 €
          50 ct  × 1                        0,50 €
          Scheine                          70,00 €
          Münzen                            8,50 €
          Istbestand                       78,50 €

        Soll-Ist-Vergleich
        ------------------------------------------
          Wechselgeld (Anfangsbestand)    100,00 €
          + Bareinnahmen (gegeben)         50,00 €
          − Rückgeld                        4,00 €
          − Auszahlungen Storno            46,00 €
          − Entnahmen                      20,00 €
          = Sollbestand                    80,00 €
          Istbestand                       78,50 €
          Differenz (Fehlbetrag)           -1,50 €
          Grund: Münze fehlt

        Schecks
        ------------------------------------------
          (keine)

        Kartenterminal (Kassenschnitt)
        ------------------------------------------
          Kasse                        1 × 13,00 €
          Terminal                     1 × 13,00 €
          Abgleich                          stimmt

        Übergabe
        ------------------------------------------
          Wechselgeld für morgen           50,00 €
          An die Stadtkasse                28,50 €

        Umsatz je Stunde
        ------------------------------------------
        08 ####################            46,00 €
        09                                  0,00 €
        10                                -33,00 €

        Bediener                           mueller

        """
}
