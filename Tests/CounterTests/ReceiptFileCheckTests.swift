import Counter
import Foundation
import Ledger
import TestSupport
import XCTest

/// The receipt and Z files as witnesses of the ledger (docs/central.md, "Verify").
final class ReceiptFileCheckTests: XCTestCase {
    func testAReceiptOrZFileWithoutItsBookingIsNamed() throws {
        var fixture = try LedgerDayFixture(register: "K1")
        defer { fixture.directory.remove() }
        try fixture.build()
        let registerDirectory = DataDirectory.registerDirectory(data: fixture.data, register: "K1")
        let store = ReceiptStore(directory: registerDirectory + "/receipts")
        // Every booked receipt (1–7) and Z report (1, 2) has its file: nothing to say.
        for number in 1...7 { try store.write("Beleg \(number)\n", number: Int64(number)) }
        for z in 1...2 { try fixture.directory.write("Z \(z)\n", to: "K1/receipts/Z-00000\(z).txt") }
        try fixture.directory.write("Terminal\n", to: "K1/receipts/Z-000002-Terminal.txt")
        XCTAssertEqual(try ReceiptFileCheck.problems(ledger: fixture.ledger, register: "K1", registerDirectory: registerDirectory), [])

        // Files of receipts 8 and 9 and of Z 3 stay from bookings the ledger no longer has.
        try store.write("Beleg 8\n", number: 8)
        try store.write("Beleg 9\n", number: 9)
        try fixture.directory.write("Z 3\n", to: "K1/receipts/Z-000003.txt")
        try fixture.directory.write("Terminal\n", to: "K1/receipts/Z-000003-Terminal.txt")
        XCTAssertEqual(
            try ReceiptFileCheck.problems(ledger: fixture.ledger, register: "K1", registerDirectory: registerDirectory),
            [
                "Kasse K1, Beleg 8: die Belegdatei \(store.path(of: 8)) liegt vor, die Buchung fehlt im Kassenbuch (wie bei 1 weiteren bis Beleg 9); das Kassenbuch endet bei Beleg 7 (Ende gelöscht oder abgeschnitten?).",
                "Kasse K1, Z 3: der Z-Bericht liegt als Datei vor, der Tagesabschluss fehlt im Kassenbuch; das Kassenbuch endet bei Z 2.",
            ])
    }
}
