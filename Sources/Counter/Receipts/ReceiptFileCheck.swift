import Foundation
import Ledger

/// The receipt and Z-report files of a register as witnesses of its ledger (docs/central.md,
/// "Verify"): a file is written only after its booking committed (``ReceiptStore``,
/// docs/dayclose.md), so a receipt file above the ledger's last receipt number, or a Z report above
/// its last Z number, means the ledger lost its tail (deleted, cut, replaced by an older copy).
public enum ReceiptFileCheck {
    /// The problems found, one German line each, naming register and number; empty when every
    /// file has its booking.
    public static func problems(ledger: Ledger, register: String, registerDirectory: String) throws -> [String] {
        let directory = registerDirectory + "/receipts"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var receipts: [Int64] = []
        var zReports: [Int64] = []
        for name in names where name.hasSuffix(".txt") {
            let stem = name.dropLast(4)
            if stem.count >= 6, stem.allSatisfy(\.isASCII), let number = Int64(stem) {
                receipts.append(number)
            } else if stem.hasPrefix("Z-") {
                let digits = stem.dropFirst(2).prefix { $0.isASCII && $0.isNumber }
                if digits.count >= 6, let number = Int64(digits) { zReports.append(number) }
            }
        }
        var out: [String] = []
        let lastReceipt = try ledger.lastReceiptNumber()
        let unbooked = receipts.filter { $0 > lastReceipt }.sorted()
        if let first = unbooked.first {
            out.append(
                "Kasse \(register), Beleg \(first): die Belegdatei \(ReceiptStore(directory: directory).path(of: first)) liegt vor, die Buchung fehlt im Kassenbuch"
                    + (unbooked.count > 1 ? " (wie bei \(unbooked.count - 1) weiteren bis Beleg \(unbooked.last!))" : "")
                    + "; das Kassenbuch endet bei Beleg \(lastReceipt) (Ende gelöscht oder abgeschnitten?).")
        }
        let lastZ = try ledger.nextZNumber() - 1
        if let first = Set(zReports.filter { $0 > lastZ }).min() {
            out.append(
                "Kasse \(register), Z \(first): der Z-Bericht liegt als Datei vor, der Tagesabschluss fehlt im Kassenbuch; das Kassenbuch endet bei Z \(lastZ)."
            )
        }
        return out
    }
}
