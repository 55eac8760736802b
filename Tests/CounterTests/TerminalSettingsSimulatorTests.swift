import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest
import ZVT
import ZVTSimulator

@testable import Counter

/// A zvt-sim on a free loopback port, the counter service paying through the real driver with
/// the `[terminal]` settings (docs/zvt.md, "Terminal settings").
final class SettingsBench {
    let simulator: TerminalSimulator
    let fixture: CounterFixture

    init(profile: VendorProfile = .standard, refuseTLV: TLVRegistrationRefusal = .off) throws {
        var configuration = SimulatorConfiguration()
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.timing = .fast(t3Ms: 3_000, t4Ms: 8_000)
        configuration.seed = 7
        simulator = try TerminalSimulator(configuration: configuration)
        try simulator.start()
        simulator.control.profile = profile
        simulator.control.refusesTLVRegistration = refuseTLV
        fixture = try CounterFixture()
    }

    deinit { simulator.stop() }

    /// A terminal with `settings` (T3/T4 kept as set) talking to this simulator.
    func terminal(_ settings: TerminalSettings, statuses: Collected? = nil) throws -> ZVTCardTerminal {
        let terminal = try ZVTCardTerminal(address: "127.0.0.1:\(simulator.address!.port)", settings: settings)
        if let statuses { terminal.listenForStatus { statuses.add($0) } }
        return terminal
    }

    var booked: [ZVTSimulator.JournalEntry] { simulator.journal.entries.filter(\.isBooked) }

    static func line(cents: Int64) -> SaleLine {
        SaleLine(
            itemCode: "X", name: "Gebühr", variant: nil, quantity: 1, unitPrice: Money(cents: cents), amount: Money(cents: cents),
            sachkonto: "431100", produkt: nil, kostenstelle: nil, taxNote: "Gebühr, nicht umsatzsteuerbar",
            shares: [LineShare(account: "431100", produkt: nil, kostenstelle: nil, amount: Money(cents: cents), passThrough: false, label: "")])
    }

    /// Every card payment in the ledger agrees with the simulator's journal: the same receipts, amounts, traces, once each.
    func assertJournalAgreesWithLedger(file: StaticString = #filePath, line: UInt = #line) throws {
        var ledger: [(receipt: String, trace: String, amount: Money)] = []
        try fixture.service.ledger.forEachEvent { _, event in
            if case .sale(let sale) = event {
                for payment in sale.payments { if let card = payment.card { ledger.append((card.receiptNumber, card.traceNumber, payment.amount)) } }
            }
        }
        XCTAssertEqual(ledger.map(\.receipt), booked.compactMap(\.receipt).map { String(format: "%04d", $0) }, file: file, line: line)
        XCTAssertEqual(ledger.map(\.trace), booked.compactMap(\.trace).map { String(format: "%06d", $0) }, file: file, line: line)
        XCTAssertEqual(ledger.map(\.amount.cents), booked.map(\.amountCents), file: file, line: line)
        try fixture.assertClean(file: file, line: line)
    }
}

final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var _items: [String] = []
    func add(_ item: String) { lock.withLock { _items.append(item) } }
    var items: [String] { lock.withLock { _items } }
}

/// Refused TLV registrations and character sets through the counter service and zvt-sim.
final class TerminalSettingsSimulatorTests: XCTestCase {
    private func settings(_ configure: (inout TerminalSettings) -> Void = { _ in }) -> TerminalSettings {
        var settings = TerminalSettings()
        settings.t3Ms = 1_000
        settings.t4Ms = 3_000
        configure(&settings)
        return settings
    }

    /// A terminal that refuses a Registration carrying TLV (`84 83 00`, CCV `84 1E 01 83`, or
    /// `06 1E 01 83`): with `tlv = auto` the counter registers without TLV and the payment is
    /// booked once, its customer receipt from the `06 D1` lines; the next payment registers no more.
    func testARefusedTLVRegistrationDoesNotBlockThePayment() throws {
        for (refusal, profile) in [(TLVRegistrationRefusal.on, VendorProfile.standard), (.on, .ccv), (.abort, .pax)] {
            let label = "\(refusal) \(profile)"
            let bench = try SettingsBench(profile: profile, refuseTLV: refusal)
            let statuses = Collected()
            let terminal = try bench.terminal(settings(), statuses: statuses)
            try bench.fixture.useTerminal(terminal)
            let sale = try bench.fixture.sell(.card, lines: [SettingsBench.line(cents: 1_234)]).sale
            XCTAssertEqual(sale.payments.first?.amount, Money(cents: 1_234), label)
            XCTAssertTrue(terminal.driver.refusedRegistrationTLV, label)
            XCTAssertTrue(statuses.items.contains { $0.hasPrefix("Anmeldung mit TLV abgelehnt (") }, "\(label): \(statuses.items)")
            let receipt = try XCTUnwrap(sale.payments.first?.card?.receiptLines, label)
            XCTAssertTrue(receipt.contains { $0.contains("Kundenbeleg") }, "\(label): \(receipt)")
            XCTAssertFalse(receipt.contains { $0.contains("Händlerbeleg") }, "\(label): the customer copy only: \(receipt)")
            XCTAssertTrue(receipt.contains { $0.contains("gültig bis") }, "\(label): \(receipt)")

            _ = try bench.fixture.sell(.card, lines: [SettingsBench.line(cents: 2_000)])
            XCTAssertEqual(bench.booked.map(\.amountCents), [1_234, 2_000], label)
            try bench.assertJournalAgreesWithLedger()
        }
    }

    /// The same terminal with `tlv = on`: the registration is refused, so is the payment, and nothing
    /// is booked anywhere — the fallback is what lets the payment through.
    func testWithTLVOnARefusingTerminalTakesNoPayment() throws {
        let bench = try SettingsBench(refuseTLV: .on)
        try bench.fixture.useTerminal(try bench.terminal(settings { $0.tlv = .on }))
        XCTAssertThrowsError(try bench.fixture.sell(.card, lines: [SettingsBench.line(cents: 1_234)])) { error in
            XCTAssertTrue("\(error)".contains("Anmeldung am Terminal abgelehnt"), "\(error)")
        }
        XCTAssertEqual(bench.booked.count, 0)
        XCTAssertEqual(try bench.fixture.service.ledger.lastReceiptNumber(), 0)
        XCTAssertEqual(try bench.fixture.service.ledger.unresolvedCardPayments(), [])
        try bench.assertJournalAgreesWithLedger()
    }

    /// A Latin-1 terminal (zvt-sim `valina`): with `charset = latin1` the receipt's and the decline's
    /// umlauts are right; with the default CP437 they come out as today (`ü` = `FC` → `ⁿ`), with TLV
    /// (`06 D3` blocks) and without (`06 D1` lines).
    func testLatin1TextsAreReadRightOnlyWithCharsetLatin1() throws {
        for refusal in [TLVRegistrationRefusal.off, .on] {
            for (charset, valid, garbled) in [(TerminalSettings.Charset.latin1, true, false), (.cp437, false, true)] {
                let label = "\(charset), TLV refusal \(refusal)"
                let bench = try SettingsBench(profile: .valina, refuseTLV: refusal)
                try bench.fixture.useTerminal(try bench.terminal(settings { $0.charset = charset }))
                let receipt = try XCTUnwrap(bench.fixture.sell(.card, lines: [SettingsBench.line(cents: 1_234)]).sale.payments.first?.card?.receiptLines)
                XCTAssertEqual(receipt.contains { $0.contains("gültig bis") }, valid, "\(label): \(receipt)")
                XCTAssertEqual(receipt.contains { $0.contains("gⁿltig bis") }, garbled, "\(label): \(receipt)")

                bench.simulator.control.queueNext(Scenario(.decline61))
                XCTAssertThrowsError(try bench.fixture.sell(.card, lines: [SettingsBench.line(cents: 1_000)])) { error in
                    guard case CounterError.cardDeclined(let text) = error else { return XCTFail("\(label): \(error)") }
                    XCTAssertEqual(text, valid ? "Limit überschritten" : "Limit ⁿberschritten", label)
                }
                XCTAssertEqual(bench.booked.count, 1, label)
                try bench.assertJournalAgreesWithLedger()
            }
        }
    }

    /// Every settings value reaches the driver's configuration.
    func testTheSettingsBecomeTheDriversConfiguration() throws {
        var settings = TerminalSettings()
        try settings.set(.profile, "valina")
        try settings.set(.password, "123456")
        try settings.set(.configByte, "BA")
        try settings.set(.tlv, "off")
        try settings.set(.t3Ms, "3000")
        try settings.set(.t4Ms, "240000")
        try settings.set(.serviceByte, "01")
        try settings.set(.currency, "756")
        try settings.set(.paymentType, "40")
        let configuration = try ZVTDriver.Configuration(settings: settings)
        XCTAssertEqual(configuration.password, Password("123456")!)
        XCTAssertEqual(configuration.session.charset, .latin1)
        XCTAssertEqual(configuration.registrationConfig, 0xBA)
        XCTAssertEqual(configuration.registrationTLV, .off)
        XCTAssertEqual(configuration.session.t3Ms, 3_000)
        XCTAssertEqual(configuration.session.t4Ms, 240_000)
        XCTAssertEqual(configuration.registrationServiceByte, 0x01)
        XCTAssertEqual(configuration.currencyCode, 756)
        XCTAssertEqual(configuration.paymentType, 0x40)
        for charset in TerminalSettings.Charset.allCases {
            XCTAssertEqual(ZVTCharacterSet(charset).rawValue, charset.rawValue, "the same names as the codec's")
        }
        for request in TerminalSettings.TLVRequest.allCases { XCTAssertEqual(ZVTDriver.RegistrationTLV(request).rawValue, request.rawValue) }
        let defaults = try ZVTDriver.Configuration(settings: TerminalSettings())
        XCTAssertEqual(defaults.registrationTLV, .auto)
        XCTAssertEqual(defaults.session, SessionConfiguration())
        XCTAssertNil(defaults.paymentType)
    }
}
