import Foundation
import Ledger

/// The files a register left in its data directory as witnesses of its ledger (docs/ledger.md,
/// "Belegdateien als Zeugen"): every booked receipt has `receipts/NNNNNN.txt`, every day close
/// `receipts/Z-NNNNNN.txt`, written after the commit. A file whose booking the ledger does not hold
/// means the ledger's tail was cut off or replaced by an older copy — something the hash chain
/// alone cannot show, since a shortened chain is still a valid chain.
public enum ReceiptFileWitness {
    /// A file that names a booking the ledger lacks.
    public struct Finding: Equatable, Sendable, CustomStringConvertible {
        public let file: String
        public let message: String
        public var description: String { "\(file): \(message)" }
    }

    /// The receipt and Z-report files in `receiptDirectory` beyond the ledger's last receipt
    /// number and last Z number, first by number.
    public static func check(ledger: Ledger, receiptDirectory: String) throws -> [Finding] {
        let store = ReceiptStore(directory: receiptDirectory)
        let lastReceipt = try ledger.lastReceiptNumber()
        let lastZ = try ledger.lastDayClose()?.zNumber ?? 0
        var findings: [Finding] = []
        if lastReceipt < Int64.max {
            for number in store.numbersWithFiles(in: (lastReceipt + 1)...Int64.max).sorted() {
                findings.append(
                    Finding(
                        file: store.path(of: number),
                        message: "Beleg \(number) liegt als Datei vor, fehlt aber im Kassenbuch (letzter gebuchter Beleg: \(lastReceipt))"
                            + " – das Kassenbuch wurde am Ende gekürzt oder durch eine ältere Kopie ersetzt."))
            }
        }
        for zNumber in zReportNumbers(in: receiptDirectory) where zNumber > lastZ {
            findings.append(
                Finding(
                    file: receiptDirectory + "/" + DayCloseService.zReportFileName(zNumber),
                    message: "Z-Bericht \(zNumber) liegt als Datei vor, fehlt aber im Kassenbuch (letzter Tagesabschluss: Z \(lastZ))"
                        + " – das Kassenbuch wurde am Ende gekürzt oder durch eine ältere Kopie ersetzt."))
        }
        return findings
    }

    /// The Z numbers of the `Z-NNNNNN.txt` files (not the terminal's `Z-NNNNNN-Terminal.txt`), ascending.
    static func zReportNumbers(in directory: String) -> [Int64] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> Int64? in
            guard name.hasPrefix("Z-"), name.hasSuffix(".txt") else { return nil }
            let digits = name.dropFirst(2).dropLast(4)
            guard digits.count >= 6, digits.allSatisfy({ ("0"..."9").contains($0) }), let number = Int64(digits) else { return nil }
            return number
        }.sorted()
    }
}
