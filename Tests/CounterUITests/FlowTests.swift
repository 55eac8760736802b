import KasseCore
import XCTest

@testable import CounterUI

final class LoginAndShiftTests: XCTestCase {
    func testFirstStartCreatesSupervisorThenLogIn() {
        let ui = UIHarness(loggedIn: false)
        ui.backend.needsFirstSetup = true
        ui.flow.start(stack: ui.stack)
        XCTAssertTrue(ui.stack.top is FirstSetupScreen)
        ui.type("Vera Vorgesetzt")
        ui.press(.enter)
        ui.type("vera")
        ui.press(.enter)
        ui.type("9999")
        ui.press(.enter)
        ui.type("9998")
        assertGolden(ui.render(), "first-setup")
        ui.press(.enter)
        XCTAssertTrue(ui.screenText.contains("Fehler: Die beiden PINs stimmen nicht überein."))
        ui.type("9999")
        ui.press(.enter)
        ui.type("9999")
        ui.press(.enter)
        XCTAssertTrue(ui.stack.top is LoginScreen)
        XCTAssertTrue(ui.screenText.contains("Vera Vorgesetzt ist angelegt. Bitte jetzt anmelden."))
    }

    func testLogInOpensShiftThenSale() {
        let ui = UIHarness(loggedIn: false)
        assertGolden(ui.render(), "login")
        ui.type("1")
        ui.press(.enter)
        ui.type("1234")
        ui.press(.enter)
        XCTAssertTrue(ui.stack.top is OpenShiftScreen)
        ui.press(.tab, .tab)
        ui.type("2")  // 2 × 200 €
        ui.press(.tab, .tab, .tab, .tab, .tab, .tab)
        ui.type("3")  // 3 × 2 €
        assertGolden(ui.render(), "open-shift")
        ui.press(.function(10))
        XCTAssertEqual(ui.backend.float, Money(cents: 40600))
        XCTAssertTrue(ui.stack.top is SaleScreen)
        XCTAssertEqual(ui.stack.status.operatorName, "Erika Muster")
    }

    func testWrongPINClearsFieldAndSaysSo() {
        let ui = UIHarness(loggedIn: false)
        for attempt in 1...5 {
            ui.type("1")
            ui.press(.enter)
            ui.type("0000")
            ui.press(.enter)
            XCTAssertTrue(ui.screenText.contains("Versuch \(attempt) von 5"))
            XCTAssertTrue(ui.stack.top is LoginScreen)
            ui.press(.up, .control("u"))
        }
        ui.type("1")
        ui.press(.enter)
        ui.type("1234")
        ui.press(.enter)
        XCTAssertTrue(ui.screenText.contains("gesperrt"), ui.screenText)
    }

    func testShiftSumMustMatchCount() {
        let ui = UIHarness(loggedIn: false)
        ui.type("1")
        ui.press(.enter)
        ui.type("1234")
        ui.press(.enter)
        ui.type("abc")
        XCTAssertTrue(ui.screenText.contains("Fehler: Im Feld »Summe«: »abc« ist kein Betrag."))
        ui.press(.control("u"))
        ui.type("150")
        ui.press(.tab)
        ui.type("1")
        ui.press(.function(10))
        XCTAssertTrue(ui.screenText.contains("passt nicht zur Zählung 500,00 €"))
        XCTAssertNil(ui.backend.float)
    }

    func testIdleLockButNotDuringACardPaymentOrBeforeLogIn() {
        let loggedOut = UIHarness(loggedIn: false)
        XCTAssertFalse(loggedOut.flow.lockIfIdle(stack: loggedOut.stack, idleSeconds: 1000, limitSeconds: 300))
        let ui = UIHarness()
        XCTAssertFalse(ui.flow.lockIfIdle(stack: ui.stack, idleSeconds: 299, limitSeconds: 300))
        XCTAssertFalse(ui.flow.lockIfIdle(stack: ui.stack, idleSeconds: 1000, limitSeconds: nil))
        ui.type("fz")
        ui.press(.enter, .function(6))
        XCTAssertFalse(ui.flow.lockIfIdle(stack: ui.stack, idleSeconds: 1000, limitSeconds: 300))
        ui.backend.cardJob!.finish(.aborted("Abbruch"))
        _ = ui.stack.tick()
        ui.press(.enter)
        XCTAssertTrue(ui.flow.lockIfIdle(stack: ui.stack, idleSeconds: 300, limitSeconds: 300))
        XCTAssertTrue(ui.stack.top is LockScreen)
        XCTAssertFalse(ui.flow.lockIfIdle(stack: ui.stack, idleSeconds: 1000, limitSeconds: 300), "locks once")
    }

    func testLockScreenNeedsPIN() {
        let ui = UIHarness()
        ui.type("fz")
        ui.press(.enter, .function(10))
        XCTAssertTrue(ui.stack.top is LockScreen)
        ui.press(.escape)
        XCTAssertTrue(ui.stack.top is LockScreen, "Esc must not leave the lock screen")
        assertGolden(ui.render(), "lock")
        ui.type("1111")
        ui.press(.enter)
        XCTAssertTrue(ui.screenText.contains("Fehler: PIN falsch."))
        ui.type("1234")
        ui.press(.enter)
        XCTAssertTrue(ui.stack.top is SaleScreen)
        XCTAssertEqual(ui.backend.basket.lines.count, 1)
    }
}

final class PaymentFlowTests: XCTestCase {
    /// The target: Personalausweis ≥ 24 + Führungszeugnis, cash, 100 € tendered: ≤ 12 keys.
    func testTypicalCashSaleKeystrokes() {
        let ui = UIHarness()
        ui.type("pa")
        ui.press(.enter)
        ui.type("fz")
        ui.press(.enter)
        XCTAssertTrue(ui.screenText.contains("SUMME  59,00 €"))
        ui.press(.function(5))
        ui.type("100")
        assertGolden(ui.render(), "cash-dialog")
        ui.press(.enter)
        XCTAssertEqual(ui.backend.payments, ["Bar 59,00 €"])
        assertGolden(ui.render(), "receipt-change")
        ui.press(.enter)
        XCTAssertEqual(ui.keyCount, 12)
        XCTAssertTrue(ui.stack.top is SaleScreen)
        XCTAssertTrue(ui.backend.basket.isEmpty)
        XCTAssertTrue(ui.screenText.contains("Nächster Kunde bitte."))
        XCTAssertTrue(ui.backend.printed.isEmpty, "the booking delivered the receipt; no copy")
    }

    func testQuickNoteKeysAndExactAmount() {
        let ui = UIHarness()
        ui.type("pa")
        ui.press(.enter, .function(5), .function(4), .function(4))  // 2 × 20 € = 40 €: too little
        XCTAssertTrue(ui.screenText.contains("Es fehlen noch 6,00 €"))
        ui.press(.enter)
        XCTAssertTrue(ui.screenText.contains("Fehler: Gegeben 40,00 € ist weniger als zu zahlen 46,00 €"))
        XCTAssertTrue(ui.backend.payments.isEmpty)
        ui.press(.function(2))
        XCTAssertEqual(ui.backend.payments, ["Bar 46,00 €"])
        XCTAssertTrue(ui.screenText.contains("RÜCKGELD  0,00 €"))
        XCTAssertEqual(ui.keyCount, 8)
    }

    /// A letter or a minus in an amount is shown and named (the whole message, wrapped), and Enter
    /// does not book with it.
    func testLettersAndMinusInAmountAreNamed() {
        let ui = UIHarness()
        ui.type("fz")
        ui.press(.enter, .function(5))
        ui.type("1o")
        XCTAssertTrue(ui.screenText.contains("Fehler: Im Feld »Gegeben«: »1o« ist kein Betrag. Erlaubt sind Ziffern und ein"), ui.screenText)
        XCTAssertTrue(ui.screenText.contains("Komma, z. B. 12,34."), ui.screenText)
        ui.press(.enter)
        XCTAssertTrue(ui.stack.top is CashPaymentScreen)
        XCTAssertTrue(ui.screenText.contains("»1o« ist kein Betrag"), "Enter keeps the message: \(ui.screenText)")
        XCTAssertEqual(ui.backend.payments, [])
        ui.press(.control("u"))
        ui.type("-5")
        ui.press(.enter)
        XCTAssertTrue(ui.screenText.contains("»-5«: negative Beträge sind hier nicht erlaubt."), ui.screenText)
        XCTAssertEqual(ui.backend.payments, [])
        ui.press(.escape)
        XCTAssertTrue(ui.stack.top is SaleScreen)
        XCTAssertEqual(ui.backend.basket.lines.count, 1, "Esc in the payment goes back to the basket")
    }

    func testCardApprovedShowsTerminalTextsLive() {
        let ui = UIHarness()
        ui.type("pa")
        ui.press(.enter)
        ui.type("fz")
        ui.press(.enter, .function(6))
        let job = try! XCTUnwrap(ui.backend.cardJob)
        job.show("Karte bitte")
        XCTAssertTrue(ui.stack.tick())
        job.show("Bitte PIN eingeben")
        _ = ui.stack.tick()
        assertGolden(ui.render(), "card-running")
        job.approve()
        XCTAssertTrue(ui.stack.tick())
        XCTAssertTrue(ui.stack.top is ReceiptScreen)
        ui.press(.enter)
        XCTAssertEqual(ui.keyCount, 8, "card sale: at most 10 keys plus the terminal's time")
        XCTAssertEqual(ui.backend.payments, ["Karte 59,00 €"])
    }

    func testCardDeclinedThenCash() {
        let ui = UIHarness()
        ui.type("fz")
        ui.press(.enter, .function(6))
        ui.backend.cardJob!.finish(.declined("Die Karte wurde abgelehnt (Limit überschritten)."))
        _ = ui.stack.tick()
        assertGolden(ui.render(), "card-declined")
        ui.press(.enter, .function(5), .function(2))
        XCTAssertEqual(ui.backend.payments, ["Bar 13,00 €"])
    }

    /// The decline dialog's F5 opens the cash payment at once (no Enter first): declined card then
    /// cash with change is 13 keys (the cash sale plus F6) beside the terminal's answer is in.
    func testDeclineDialogKeysActAtOnce() {
        let ui = UIHarness()
        ui.type("pa")
        ui.press(.enter)
        ui.type("fz")
        ui.press(.enter, .function(6))
        ui.backend.cardJob!.finish(.declined("Die Karte wurde abgelehnt (Limit überschritten)."))
        _ = ui.stack.tick()
        XCTAssertTrue(ui.stack.top is MessageDialog)
        ui.press(.function(5))
        XCTAssertTrue(ui.stack.top is CashPaymentScreen, "F5 in the decline dialog is the cash payment")
        ui.type("100")
        ui.press(.enter, .enter)
        XCTAssertEqual(ui.backend.payments, ["Bar 59,00 €"])
        XCTAssertEqual(ui.keyCount, 13, "declined card, then cash with change: the cash sale's 12 plus F6")
    }

    /// The clerk's own abort is explained as such; the stale "Abbruch angefordert" notice is gone.
    func testClerkAbortIsExplainedWithoutTheTerminalsText() {
        let ui = UIHarness()
        ui.type("fz")
        ui.press(.enter, .function(6), .escape)
        ui.backend.cardJob!.finish(.aborted("Die Zahlung wurde abgebrochen: Abbruch durch Zeitüberschreitung oder Abbruch-Taste."))
        _ = ui.stack.tick()
        let text = ui.screenText
        XCTAssertTrue(text.contains("Die Zahlung wurde an der Kasse abgebrochen (Esc/F10)."), text)
        XCTAssertFalse(text.contains("Zeitüberschreitung"), text)
        XCTAssertFalse(text.contains("Abbruch angefordert"), text)
    }

    /// Split payment with the card part first: the rest in cash, then the terminal charges the
    /// card part; both in one sale.
    func testSplitPaymentCardPartFirstThenCashRest() {
        let ui = UIHarness()
        ui.type("pa")
        ui.press(.enter, .function(8))
        ui.type("30")
        ui.press(.function(6))
        XCTAssertTrue(ui.stack.top is CashPaymentScreen)
        XCTAssertTrue(ui.screenText.contains("Rest bar: 16,00 €"), ui.screenText)
        XCTAssertTrue(ui.screenText.contains("Danach Karte: 30,00 €"), ui.screenText)
        ui.type("20")
        ui.press(.enter)
        XCTAssertTrue(ui.stack.top is CardPaymentScreen, "the card part runs at once")
        ui.backend.cardJob!.approve()
        _ = ui.stack.tick()
        XCTAssertTrue(ui.stack.top is ReceiptScreen)
        XCTAssertEqual(ui.backend.payments, ["Bar 16,00 €", "Karte 30,00 €"])
    }

    /// Below 80×24 no key acts; Strg+C quits only when nothing is open.
    func testNoKeyActsWhileTooSmall() {
        let ui = UIHarness()
        ui.type("fz")
        ui.press(.enter)
        _ = ui.render(width: 60, height: 20)
        ui.press(.function(5), .function(2))
        ui.type("x")
        ui.press(.control("c"))
        XCTAssertTrue(ui.backend.payments.isEmpty)
        XCTAssertFalse(ui.stack.quitRequested, "a basket is open")
        XCTAssertTrue(ui.stack.top is SaleScreen)
        _ = ui.render()
        XCTAssertFalse(ui.screenText.contains("x_"), "the letter did not reach the search")
        ui.press(.escape, .character("j"))
        _ = ui.render(width: 60, height: 20)
        ui.press(.control("c"))
        XCTAssertTrue(ui.stack.quitRequested)
    }

    func testCardAbortByClerk() {
        let ui = UIHarness()
        ui.type("fz")
        ui.press(.enter, .function(6), .escape)
        XCTAssertTrue(ui.backend.cardJob!.abortCalled)
        XCTAssertTrue(ui.stack.top is CardPaymentScreen, "the screen waits for the terminal to confirm the abort")
        ui.backend.cardJob!.finish(.aborted("Vorgang am Terminal abgebrochen."))
        _ = ui.stack.tick()
        XCTAssertTrue(ui.screenText.contains("Es wurde nichts gebucht."))
        ui.press(.enter)
        XCTAssertTrue(ui.stack.top is SaleScreen)
        XCTAssertEqual(ui.backend.basket.lines.count, 1)
        XCTAssertTrue(ui.backend.payments.isEmpty)
    }

    /// The terminal did not tell: »Zahlung ungeklärt« names the payment, asks the terminal again
    /// in the background, and a supervisor settles it by hand with a note.
    func testUnresolvedCardPaymentIsAskedAgainThenSettledByHand() {
        let ui = UIHarness()
        ui.type("fz")
        ui.press(.enter, .function(6))
        ui.backend.unresolved = [UnresolvedCardPayment(id: "p1", amount: Money(cents: 1300), time: "10:42", isReversal: false)]
        ui.backend.cardJob!.finish(
            .unresolved("Das Ergebnis der Kartenzahlung ist unbekannt (Verbindung verloren). Die Zahlung bleibt offen; bitte nicht erneut kassieren."))
        _ = ui.stack.tick()
        XCTAssertTrue(ui.stack.top is UnresolvedCardPaymentsScreen)
        assertGolden(ui.render(), "card-unresolved")

        ui.press(.function(2))
        XCTAssertTrue(ui.screenText.contains("Antwort des Terminals: das Terminal wird gefragt …"), ui.screenText)
        ui.press(.function(2))
        XCTAssertTrue(ui.screenText.contains("Das Terminal wird noch gefragt; bitte warten."), "one question at a time")
        ui.backend.terminalAnswer!.answer(["Kartenzahlung über 13,00 €: weiterhin offen – das Terminal nennt seine letzte Transaktion nicht."])
        XCTAssertTrue(ui.stack.tick())
        XCTAssertTrue(ui.screenText.contains("weiterhin offen"), ui.screenText)

        ui.press(.function(4))
        XCTAssertTrue(ui.stack.top is SettleCardPaymentByHandDialog)
        ui.type("x")
        ui.press(.enter, .enter, .enter, .enter, .enter)
        XCTAssertTrue(ui.screenText.contains("»Bezahlt (j/n)«: j (bezahlt) oder n (nicht bezahlt) eingeben."), ui.screenText)
        ui.press(.backspace)
        ui.type("j")
        ui.press(.enter)
        ui.type("7")
        ui.press(.enter)
        ui.type("Händlerbeleg: Zahlung erfolgt")
        ui.press(.enter)
        ui.type("9")
        ui.press(.enter)
        ui.type("9999")
        assertGolden(ui.render(), "card-settle-by-hand")
        ui.backend.basketBooked = true
        ui.press(.enter)
        XCTAssertEqual(ui.backend.settledByHand, ["p1 bezahlt 7 Händlerbeleg: Zahlung erfolgt"])
        XCTAssertTrue(ui.stack.top is UnresolvedCardPaymentsScreen)
        XCTAssertTrue(ui.screenText.contains("Keine Kartenzahlung ist mehr offen."), ui.screenText)
        XCTAssertTrue(ui.screenText.contains("Der Verkauf ist gebucht (Beleg 2); der Warenkorb ist frei"), ui.screenText)
        ui.press(.escape)
        XCTAssertTrue(ui.stack.top is SaleScreen)
        XCTAssertTrue(ui.backend.basket.isEmpty, "the booked basket is not offered for payment again")
    }

    func testSplitPaymentCashThenCheque() {
        let ui = UIHarness()
        ui.type("pa")
        ui.press(.enter, .function(8))
        ui.type("20")
        ui.press(.function(5), .function(2))
        XCTAssertEqual(ui.backend.payments, ["Bar 20,00 €"])
        XCTAssertTrue(ui.screenText.contains("OFFEN  26,00 €"), ui.screenText)
        ui.press(.escape)  // asks before the part paid goes back
        XCTAssertTrue(ui.screenText.contains("Angenommen, aber nicht gebucht: 20,00 € bar."), ui.screenText)
        ui.press(.character("n"))
        XCTAssertEqual(ui.backend.basket.paid, Money(cents: 2000))
        ui.press(.function(7))
        ui.type("123456")
        ui.press(.enter)
        ui.type("Sparkasse")
        ui.press(.enter)
        ui.type("Max Mustermann")
        assertGolden(ui.render(), "cheque-dialog")
        ui.press(.enter)
        XCTAssertEqual(ui.backend.payments, ["Bar 20,00 €", "Scheck 123456 26,00 €"])
        XCTAssertTrue(ui.stack.top is ReceiptScreen)
    }

    func testStornoWithSupervisorApproval() {
        let ui = UIHarness()
        ui.type("fz")
        ui.press(.enter, .function(5), .function(2), .enter)
        ui.press(.function(9))
        assertGolden(ui.render(), "menu")
        ui.press(.character("1"))
        XCTAssertTrue(ui.stack.top is SaleListScreen)
        ui.type("13")
        assertGolden(ui.render(), "storno-list")
        ui.press(.enter)
        ui.type("Falsche Gebühr")
        ui.press(.enter)
        ui.type("9")
        ui.press(.enter)
        ui.type("1111")
        ui.press(.enter)
        XCTAssertTrue(ui.screenText.contains("Fehler: Freigabe abgelehnt"))
        XCTAssertFalse(ui.backend.sales[0].isCancelled)
        ui.type("9999")
        assertGolden(ui.render(), "storno-approval")
        ui.press(.enter)
        XCTAssertTrue(ui.backend.sales[0].isCancelled)
        XCTAssertTrue(ui.stack.top is CardPaymentScreen, "the storno runs in the background")
        XCTAssertTrue(ui.stack.tick())
        XCTAssertTrue(ui.stack.top is ReceiptScreen)
        XCTAssertTrue(ui.screenText.contains("STORNO"))
        XCTAssertFalse(ui.screenText.contains("RÜCKGELD"))
        ui.press(.enter)
        XCTAssertTrue(ui.stack.top is SaleScreen)
    }

    func testReprintPrintsACopy() {
        let ui = UIHarness()
        ui.type("fz")
        ui.press(.enter, .function(5), .function(2), .enter)
        ui.press(.function(9), .character("2"), .enter)
        XCTAssertTrue(ui.stack.top is ReceiptScreen)
        ui.press(.enter)
        XCTAssertEqual(ui.backend.printed, ["2026-000001"])
        XCTAssertTrue(ui.screenText.contains("Kopie von Beleg 2026-000001 gedruckt."))
        ui.press(.escape)
        XCTAssertTrue(ui.stack.top is SaleScreen)
    }

    func testPrinterProblemsAreShownWithTheWayOut() {
        let ui = UIHarness()
        XCTAssertFalse(ui.flow.reportPrinterProblems(stack: ui.stack))
        ui.backend.printerProblems = ["Beleg 3 nicht gedruckt: Drucker aus."]
        XCTAssertTrue(ui.flow.reportPrinterProblems(stack: ui.stack))
        XCTAssertTrue(ui.screenText.contains("Beleg 3 nicht gedruckt: Drucker aus."))
        XCTAssertTrue(ui.screenText.contains("Nachdruck über das Menü (F9, 2)."))
        ui.press(.enter)
        XCTAssertTrue(ui.stack.top is SaleScreen)
    }

    func testStartupNotesAreShownBeforeLogIn() {
        let ui = UIHarness(loggedIn: false)
        ui.backend.startupNotes = ["Offene Kartenzahlung über 59,00 € nachgebucht (Beleg 7)."]
        ui.flow.start(stack: ui.stack)
        XCTAssertTrue(ui.screenText.contains("Offene Kartenzahlung über 59,00 € nachgebucht (Beleg 7)."))
        ui.press(.enter)
        XCTAssertTrue(ui.stack.top is LoginScreen)
    }

    func testCashMovementAndXReport() {
        let ui = UIHarness()
        ui.press(.function(9), .character("4"))
        ui.type("200")
        ui.press(.enter)
        ui.press(.enter)
        XCTAssertTrue(ui.screenText.contains("Fehler: Bitte einen Grund eingeben"))
        ui.type("Tresor")
        ui.press(.enter)
        XCTAssertTrue(ui.stack.top is ApprovalDialog, "a withdrawal needs four eyes")
        XCTAssertTrue(ui.backend.movements.isEmpty)
        ui.type("9")
        ui.press(.enter)
        ui.type("9999")
        ui.press(.enter)
        XCTAssertEqual(ui.backend.movements, ["Entnahme 200,00 € Tresor"])
        XCTAssertTrue(ui.stack.top is SaleScreen)
        ui.press(.function(9), .character("5"))
        XCTAssertTrue(ui.screenText.contains("Zwischenbericht (X)"))
        ui.press(.escape)
        XCTAssertTrue(ui.stack.top is SaleScreen)
    }

    /// An Entnahme of 20 € with a reason and the supervisor's approval: F9 4, »20« Enter,
    /// »Porto« Enter, Kennung Enter, PIN Enter — 20 keys.
    func testTheKeysOfAnEntnahme() {
        let ui = UIHarness()
        ui.press(.function(9), .character("4"))
        ui.type("20")
        ui.press(.enter)
        ui.type("Porto")
        ui.press(.enter)
        ui.type("9")
        ui.press(.enter)
        ui.type("9999")
        ui.press(.enter)
        XCTAssertEqual(ui.backend.movements, ["Entnahme 20,00 € Porto"])
        XCTAssertEqual(ui.keyCount, 2 + 3 + 6 + 2 + 5, "the supervisor's Kennung here is one digit; »chef« adds 3")
    }

    func testDayCloseWithDifferenceNeedsApprovalThenLogsOut() {
        let ui = UIHarness()
        ui.press(.function(9), .character("6"))
        XCTAssertTrue(ui.stack.top is DayCloseCountScreen)
        for _ in Denomination.countingOrder { ui.press(.down) }  // to »Oder nur die Summe«
        ui.type("114")
        ui.press(.function(10))  // the blind count shows the Sollbestand first
        XCTAssertTrue(ui.screenText.contains("Gezählt 114,00 €, Soll 124,00 €: Fehlbetrag 10,00 €."), ui.screenText)
        ui.press(.function(10))
        XCTAssertTrue(ui.screenText.contains("Fehler: Fehlbetrag von 10,00 €: bitte einen Grund angeben"), ui.screenText)
        ui.type("Wechselgeld falsch")
        ui.press(.function(10))
        XCTAssertTrue(ui.stack.top is DayCloseApprovalDialog, ui.screenText)
        XCTAssertTrue(ui.screenText.contains("Eine zweite Person mit Kassenaufsicht gibt frei:"), ui.screenText)
        XCTAssertNil(ui.backend.dayClose.closed)
        ui.type("bert")
        ui.press(.enter)
        ui.type("2468")
        ui.press(.enter)
        XCTAssertEqual(ui.backend.dayClose.closed?.input.count.total, Money(cents: 11400))
        XCTAssertEqual(ui.backend.dayClose.closed?.input.reason, "Wechselgeld falsch")
        XCTAssertEqual(ui.backend.dayClose.closed?.approver, "bert")
        XCTAssertTrue(ui.screenText.contains("Tagesabschluss Z 7"), ui.screenText)
        ui.press(.escape)
        XCTAssertTrue(ui.stack.top is LoginScreen)
    }

    func testHandoverWithCountSwitchesTheOperator() {
        let ui = UIHarness()
        ui.press(.function(9), .character("7"))
        XCTAssertTrue(ui.stack.top is HandoverScreen)
        ui.type("95")
        ui.press(.enter)
        ui.type("9")
        ui.press(.enter)
        ui.type("1111")
        ui.press(.enter)
        XCTAssertTrue(ui.screenText.contains("Fehler: Kennung oder PIN falsch."))
        ui.type("9999")
        ui.press(.enter)
        XCTAssertTrue(ui.stack.top is SaleScreen)
        XCTAssertEqual(ui.stack.status.operatorName, "Vera Vorgesetzt")
        XCTAssertTrue(ui.screenText.contains("Kasse an Vera Vorgesetzt übergeben (Differenz -5,00 €)."), ui.screenText)
        XCTAssertEqual(ui.backend.handovers, ["9 95,00 €"])
    }

    func testQuitAsksAndBasketBlocksOperatorChange() {
        let ui = UIHarness()
        ui.type("fz")
        ui.press(.enter, .function(9), .character("8"))
        XCTAssertTrue(ui.screenText.contains("Fehler: Der Warenkorb ist nicht leer"))
        ui.press(.escape, .control("c"))
        XCTAssertTrue(ui.screenText.contains("Der Warenkorb (13,00 €) wird verworfen."))
        ui.press(.character("n"))
        XCTAssertFalse(ui.stack.quitRequested)
        ui.press(.control("c"), .character("j"))
        XCTAssertTrue(ui.stack.quitRequested)
    }
}
