import Access
import Foundation
import KasseCore
import TestSupport
import XCTest

@testable import Counter
@testable import Ledger

/// The Abschöpfung an die Stadtkasse through a logged-in session (docs/dayclose.md): four eyes as
/// for an Entnahme, the receiver by name or confirmed with Kennung and PIN, the count by piece,
/// its own slip, the X/Z report's line.
final class StadtkasseTransferTests: XCTestCase {
    var tmp: TemporaryDirectory!
    var service: CounterService!
    var access: AccessControl!
    let clock = SimulatedClock(Instant(millisecondsSinceEpoch: 1_795_770_000_000))  // 2026-11-27 10:00 Berlin
    var anna: CounterSession!

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory(prefix: "webkasse-stadtkasse")
        var configuration = Configuration()
        configuration.registerID = "K1"
        let ledger = try CounterService.openLedger(data: tmp.path, configuration: configuration)
        let clock = self.clock
        access = AccessControl(store: ledger, configuration: configuration, hashIterations: PINHash.minimumIterations, now: { clock.now().date })
        service = try CounterService.open(
            ledger: ledger, data: tmp.path, configuration: configuration, clock: clock, terminal: FakeCardTerminal(), accessGuard: access)
        let admin = try access.setUp(login: "leitung", name: "Lea Leitung", pin: "7391", pinRepeated: "7391")
        try access.addOperator(by: admin, login: "anna", name: "Anna Amt", roles: [.sachbearbeitung], pin: "1111", pinRepeated: "1111")
        try access.addOperator(by: admin, login: "bernd", name: "Bernd Aufsicht", roles: [.kassenaufsicht], pin: "2222", pinRepeated: "2222")
        try access.addOperator(by: admin, login: "dora", name: "Dora Kasse", roles: [.stadtkasse], pin: "4444", pinRepeated: "4444")
        anna = try CounterSession.logIn(service: service, access: access, login: "anna", pin: "1111")
        try anna.openShift(float: Money(euros: 100))
        let line = SaleLine(
            itemCode: "PA", name: "Personalausweis", variant: nil, quantity: 1, unitPrice: Money(cents: 3700), amount: Money(cents: 3700),
            sachkonto: "431100", produkt: nil, kostenstelle: nil, taxNote: "Gebühr, nicht umsatzsteuerbar",
            shares: [LineShare(account: "431100", produkt: nil, kostenstelle: nil, amount: Money(cents: 3700), passThrough: false, label: "")])
        let start = clock.now()
        clock.advance(seconds: 60)
        _ = try anna.bookSale(
            SaleRequest(
                saleId: "s1", operatorId: anna.currentOperator.id, lines: [line], payment: .cash(tendered: Money(euros: 50)), reference: nil, startedAt: start))
    }

    override func tearDown() { tmp.remove() }

    func testATransferToAConfirmedReceiverIsBookedWithItsCountAndSlip() throws {
        let amount = Money(euros: 120)
        let approval = try anna.approval(for: .cashWithdrawal(amount), approverLogin: "bernd", pin: "2222")
        // The receiver confirms with her own Kennung and PIN; a wrong PIN is refused (and audited).
        XCTAssertThrowsError(try anna.stadtkasseReceiver(login: "dora", pin: "9999"))
        XCTAssertThrowsError(try anna.stadtkasseReceiver(login: "anna", pin: "1111")) {
            XCTAssertEqual($0 as? SessionError, .receiverIsHandingOver)
        }
        let dora = try anna.stadtkasseReceiver(login: "dora", pin: "4444")
        XCTAssertEqual(dora.name, "Dora Kasse")
        // A count that does not add up is refused; nothing is booked.
        XCTAssertThrowsError(
            try anna.transferToStadtkasse(id: "ab0", amount: amount, pieces: [5000: 2], receiver: dora, note: "", approval: approval))
        // Without the four-eyes approval: refused.
        XCTAssertThrowsError(try anna.transferToStadtkasse(id: "ab0", amount: amount, pieces: [:], receiver: dora, note: "", approval: nil)) {
            XCTAssertEqual($0 as? AccessError, .approvalRequired(.cashWithdrawal(amount)))
        }
        let booked = try anna.transferToStadtkasse(
            id: "ab1", amount: amount, pieces: [5000: 2, 1000: 2], receiver: dora, note: "", approval: approval)
        let doraId = try XCTUnwrap(try access.account(login: "dora")?.id)
        XCTAssertEqual(
            booked.movement.transfer, StadtkasseTransfer(receivedBy: "Dora Kasse", receivedByOperator: doraId, pieces: [5000: 2, 1000: 2]))
        XCTAssertEqual(booked.movement.kind, .abschoepfung)
        XCTAssertEqual(booked.movement.approvedBy, approval.approverID)
        XCTAssertEqual(booked.movement.reason, "Abschöpfung")

        // Its own slip, written as a receipt file like every other.
        let slip = booked.receipt.text
        for expected in [
            "ABSCHÖPFUNG AN DIE STADTKASSE", "-120,00 €", "2 × 50 €", "2 × 10 €", "Übergeben: Anna Amt",
            "Empfangen (Stadtkasse): Dora Kasse (mit", "Genehmigt: Bernd Aufsicht", "Unterschrift Stadtkasse:",
        ] {
            XCTAssertTrue(slip.contains(expected), "\(expected) missing in\n\(slip)")
        }
        let file = try XCTUnwrap(booked.receipt.file)
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), slip)
        // The receiver's confirmation is audited with its purpose.
        let confirmations = try access.store.auditEvents([.identityConfirmed])
        XCTAssertEqual(confirmations.map { $0.event.fields[AuditField.operation] }, ["receive:stadtkasse"])
        XCTAssertEqual(
            try access.store.auditEvents([.loginFailed]).map { $0.event.fields[AuditField.operation] }, ["receive:stadtkasse"], "the wrong PIN")

        // The X report lists it as a transfer to the Stadtkasse, with the receiver.
        let report = try DayCloseService(counter: service, settings: DayCloseSettings(configuration: Configuration())).interimReportText(width: 100)
        XCTAssertTrue(report.contains("An die Stadtkasse: Abschöpfung, empfangen von Dora Kasse"), report)
        XCTAssertTrue(report.contains("− An die Stadtkasse"), report)
        XCTAssertTrue(try service.ledger.verify().isClean)
    }

    func testATransferToANamedReceiverAndOneAboveTheDrawer() throws {
        let herrBerg = try StadtkasseReceiver.named("  Herr Berg ")
        XCTAssertEqual(herrBerg, try StadtkasseReceiver.named("Herr Berg"))
        XCTAssertNil(herrBerg.operatorId)
        XCTAssertThrowsError(try StadtkasseReceiver.named("B"))
        // The drawer holds 137 €: 200 € cannot go to the Stadtkasse.
        let tooMuch = Money(euros: 200)
        let approval = try anna.approval(for: .cashWithdrawal(tooMuch), approverLogin: "bernd", pin: "2222")
        XCTAssertThrowsError(try anna.transferToStadtkasse(id: "ab2", amount: tooMuch, pieces: [:], receiver: herrBerg, note: "", approval: approval)) {
            XCTAssertEqual("\($0)", "\(CounterError.insufficientCash(available: Money(euros: 137), requested: tooMuch))")
        }
        let fifty = try anna.approval(for: .cashWithdrawal(Money(euros: 50)), approverLogin: "bernd", pin: "2222")
        let booked = try anna.transferToStadtkasse(
            id: "ab3", amount: Money(euros: 50), pieces: [:], receiver: herrBerg, note: "Tresor Rathaus", approval: fifty)
        XCTAssertEqual(booked.movement.transfer, StadtkasseTransfer(receivedBy: "Herr Berg", receivedByOperator: nil, pieces: [:]))
        XCTAssertEqual(booked.movement.reason, "Tresor Rathaus")
        XCTAssertFalse(booked.receipt.text.contains("Zählung:"))
        XCTAssertTrue(booked.receipt.text.contains("Empfangen (Stadtkasse): Herr Berg\n"), booked.receipt.text)
        XCTAssertEqual(try service.interimReport().expectedCash, Money(euros: 87))
    }
}
