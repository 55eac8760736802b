import ESCPOS
import Foundation
import KasseCore

/// `webkasse printer test` and `status` (docs/printer.md): asks the printer's real-time status
/// and, for the test, prints a receipt with everything the counter's receipts use — umlauts, the
/// €, bold, double size, a QR code and the cut — and opens nothing (no drawer kick).
public enum PrinterTest {
    /// What the printer said and whether the test receipt went out.
    public struct Result: Sendable {
        public let status: PrinterStatus
        public let printed: Bool
        /// German, one line: the state as the status line would show it.
        public var summary: String { status.problem.map { "Drucker: \($0)" } ?? "Drucker bereit" }
    }

    /// The test receipt for `settings` (code page, width, cut).
    public static func document(_ settings: PrinterSettings, office: String) -> PrintDocument {
        var document = PrintDocument()
        let rule = String(repeating: "-", count: settings.width)
        document.line(office, TextStyle(bold: true, alignment: .center))
        document.line("TESTDRUCK", TextStyle(bold: true, doubleHeight: true, doubleWidth: true, alignment: .center))
        document.line(rule)
        document.line("Codepage \(settings.codePage.rawValue), \(settings.width) Zeichen je Zeile")
        document.line("Umlaute: Ä Ö Ü ä ö ü ß")
        document.line("Euro: 1.234,56 €")
        document.line("Fett gedruckt", .bold)
        document.line("Doppelt hoch", TextStyle(doubleHeight: true))
        document.line("SUMME 59,00 €", .emphasised)
        document.line(String(repeating: "1234567890", count: 5).prefix(settings.width).description)
        document.append(.qrCode(QRCode("Web-Kasse Testdruck \(settings.codePage.rawValue)", moduleSize: 6)))
        document.line("")
        document.line("Schublade: \(settings.drawer.rawValue), Puls \(settings.text(.drawerPulseMs)) ms", .centered)
        if let cut = settings.cutMode { document.append(.cut(cut)) } else { document.append(.feed(lines: 4)) }
        return document
    }

    /// Asks the status and, if `print` and the printer can, prints the test receipt. Throws
    /// ``PrinterPortError`` when the device cannot be opened or written.
    public static func run(_ settings: PrinterSettings, office: String, print: Bool, statusTimeoutMs: Int = 2_000) throws -> Result {
        guard let port = try settings.device.openPort() else {
            throw PrinterPortError("Kein ESC/POS-Drucker eingestellt ([printer] device = tcp://…, /dev/usb/lp0 oder file:…).")
        }
        defer { port.close() }
        let status = try port.queryStatus(timeoutMs: statusTimeoutMs)
        guard print, status.canPrint else { return Result(status: status, printed: false) }
        try port.write(settings.encoder.encode(document(settings, office: office)))
        return Result(status: status, printed: true)
    }
}
