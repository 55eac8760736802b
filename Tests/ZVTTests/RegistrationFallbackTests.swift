import Foundation
import TestSupport
import XCTest

@testable import ZVT

/// Registration without TLV when the terminal refuses it (``ZVTDriver/RegistrationTLV``, ZVT 13.08 §2.1),
/// and the `[terminal]` settings on the wire, over the in-memory transport.
final class RegistrationFallbackTests: XCTestCase {
    let clock = ManualClock()
    static let completion = hex("06 0F 0A 19 00 29 29 00 10 06 49 09 78")

    /// A terminal that answers a Registration carrying BMP 06 with `refusal` and takes one without;
    /// a payment is approved with its receipt as `06 D1` lines in Latin-1.
    func makeDriver(
        refusal: [UInt8], _ configure: (inout ZVTDriver.Configuration) -> Void = { _ in }
    ) throws -> (ZVTDriver, InMemoryTransport, Collector<String>) {
        let info = try Traces.apdu("dce-valina/data081649050.hex").bytes
        let lines = ["Kundenbeleg", "Betrag EUR 0,01", "Zahlung erfolgt, gültig"].map { PrintLine(attribute: 0, text: $0, charset: .latin1).apdu.bytes }
        let transport = InMemoryTransport(clock: clock) { apdu in
            switch apdu.command {
            case Registration.command:
                let registration = try? Registration(apdu: apdu)
                return [.bytes(registration?.fields[0x06] != nil ? refusal : hex("80 00 00") + Self.completion)]
            case Authorization.command:
                // Queued at once; the terminal's messages are read in order, each acknowledged.
                return [.bytes(hex("80 00 00") + info)] + lines.map { .bytes($0) } + [.bytes(hex("06 0F 00"))]
            default:
                return []
            }
        }
        var configuration = ZVTDriver.Configuration(password: Password("123456")!, session: SessionConfiguration(charset: .latin1))
        configuration.busyRetries = 0
        configure(&configuration)
        let statuses = Collector<String>()
        let driver = ZVTDriver(configuration: configuration, transport: transport, clock: clock, handlers: .init(status: { statuses.add($0) }))
        return (driver, transport, statuses)
    }

    private func registrations(_ transport: InMemoryTransport) -> [Registration] {
        transport.sentAPDUs.filter { $0.command == Registration.command }.compactMap { try? Registration(apdu: $0) }
    }

    func testAutoRegistersAgainWithoutTLVAfterARefusalAndThePaymentGoesThrough() throws {
        let refusals = [hex("84 83 00"), hex("84 1E 01 83"), hex("80 00 00 06 1E 01 83"), hex("80 00 00 06 0F 02 27 83")]
        for refusal in refusals {
            let label = Hex.string(refusal)
            let (driver, transport, statuses) = try makeDriver(refusal: refusal)
            let result = driver.register()
            XCTAssertEqual(result.outcome, .success, label)
            XCTAssertEqual(registrations(transport).map { $0.fields[0x06] != nil }, [true, false], "with TLV, then without: \(label)")
            XCTAssertEqual(registrations(transport).last?.apdu.bytes, hex("06 00 06 12 34 56 BE 09 78"), label)
            XCTAssertTrue(result.text.hasPrefix("Angemeldet ohne TLV (mit TLV abgelehnt: "), result.text)
            XCTAssertEqual(statuses.items.count, 1, label)
            XCTAssertTrue(statuses.items[0].hasPrefix("Anmeldung mit TLV abgelehnt ("), statuses.items[0])
            XCTAssertTrue(driver.refusedRegistrationTLV, label)

            // Remembered: the next Registration goes without TLV at once.
            XCTAssertEqual(driver.register().outcome, .success, label)
            XCTAssertEqual(registrations(transport).map { $0.fields[0x06] != nil }, [true, false, false], label)

            // The payment: receipts come as 06 D1 lines, decoded in the configured Latin-1.
            guard case .approved(let payment) = driver.authorize(amountCents: 1) else { return XCTFail(label) }
            XCTAssertEqual(payment.receiptNumber, 22, label)
            XCTAssertEqual(payment.receipts.first?.lines.map(\.text), ["Kundenbeleg", "Betrag EUR 0,01", "Zahlung erfolgt, gültig"], label)
        }
    }

    func testOnKeepsTheRefusalAndOffNeverSendsTLV() throws {
        let (on, onTransport, onStatuses) = try makeDriver(refusal: hex("84 83 00")) { $0.registrationTLV = .on }
        XCTAssertEqual(on.register().outcome, .failed(.refused(.functionNotPossible)))
        XCTAssertEqual(registrations(onTransport).count, 1, "no second registration")
        XCTAssertEqual(onStatuses.items, [])
        XCTAssertFalse(on.refusedRegistrationTLV)

        let (off, offTransport, _) = try makeDriver(refusal: hex("84 83 00")) { $0.registrationTLV = .off }
        XCTAssertEqual(off.register().outcome, .success)
        XCTAssertEqual(offTransport.sentAPDUs.first?.bytes, hex("06 00 06 12 34 56 BE 09 78"))
        XCTAssertFalse(off.refusedRegistrationTLV, "nothing was refused")
    }

    /// Busy (`84 9C`), a missing acknowledgement or a lost connection say nothing about the TLV:
    /// no second registration, nothing remembered.
    func testBusyOrSilenceIsNoTLVRefusal() throws {
        let (busy, busyTransport, _) = try makeDriver(refusal: hex("84 9C 00"))
        XCTAssertEqual(busy.register().outcome, .failed(.refused(.pleaseWait)))
        XCTAssertEqual(registrations(busyTransport).count, 1)

        let (silent, silentTransport, _) = try makeDriver(refusal: [])
        XCTAssertEqual(silent.register().outcome, .failed(.noAcknowledgement))
        XCTAssertEqual(registrations(silentTransport).count, 1)
        XCTAssertFalse(silent.refusedRegistrationTLV)
    }

    /// A refusal of the registration without TLV too (e.g. a wrong password): its result is
    /// reported, and TLV is not given up for later registrations.
    func testARefusalWithoutTLVTooIsReportedAndNotRemembered() throws {
        let transport = InMemoryTransport(clock: clock) { apdu in
            apdu.command == Registration.command ? [.bytes(hex("80 00 00 06 1E 01 83"))] : []
        }
        let driver = ZVTDriver(configuration: .init(password: Password("123456")!), transport: transport, clock: clock)
        XCTAssertEqual(driver.register().outcome, .declined(.functionNotPossible))
        XCTAssertEqual(registrations(transport).map { $0.fields[0x06] != nil }, [true, false])
        XCTAssertFalse(driver.refusedRegistrationTLV)
        _ = driver.register()
        XCTAssertEqual(registrations(transport).map { $0.fields[0x06] != nil }, [true, false, true, false])
    }

    /// Config byte, service byte, currency and payment type as configured (ZVT 13.08 §2.1, §2.2.1).
    func testTheConfiguredFieldsGoOnTheWire() throws {
        let (driver, transport, _) = try makeDriver(refusal: hex("84 83 00")) {
            $0.registrationConfig = 0xBA
            $0.registrationServiceByte = 0x01
            $0.currencyCode = 756
            $0.paymentType = 0x40
            $0.registrationTLV = .on
        }
        _ = driver.register()
        XCTAssertEqual(transport.sentAPDUs.first?.bytes, hex("06 00 10 12 34 56 BA 07 56 03 01 06 06 26 04 0A 02 06 D3"))
        _ = driver.authorize(amountCents: 100)
        let payment = try XCTUnwrap(transport.sentAPDUs.first { $0.command == Authorization.command })
        XCTAssertEqual(payment.bytes, hex("06 01 0C 04 00 00 00 00 01 00 49 07 56 19 40"))
    }
}
