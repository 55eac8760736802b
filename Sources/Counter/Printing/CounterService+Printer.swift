import Access
import ESCPOS
import Foundation
import KasseCore
import Ledger

extension CounterService {
    /// The printer the configuration names (docs/printer.md, "Configuration"): `[printer] device`
    /// on ESC/POS (`tcp://`, a device file, `file:`), or a command that gets the text
    /// (`command:…`, or `register.printer_command` as before); nil for none.
    public static func configuredPrinter(_ configuration: Configuration, registerDirectory: String) -> ReceiptPrinter? {
        switch configuration.printer.device {
        case .none:
            return configuration.printerCommand.isEmpty ? nil : CommandPrinter(command: configuration.printerCommand)
        case .command(let command):
            return CommandPrinter(command: command)
        case .tcp, .deviceFile, .file:
            try? DataDirectory.createDirectory(registerDirectory)
            return ESCPOSPrinter(settings: configuration.printer, stateFile: registerDirectory + "/printer.state")
        }
    }

    /// The ESC/POS printer's state for the status line; nil without one.
    public var printerState: PrinterState? { (printer as? ESCPOSPrinter)?.printerState }

    /// Queues the booked receipts that the printer has not printed yet.
    func resumePrinting() throws {
        guard let queue = printer as? ESCPOSPrinter else { return }
        try guarded {
            // Also receipts booked before a day close that came while they waited.
            _ = try queue.resume(
                lastBooked: try ledger.lastReceiptNumber(), texts: { number in try receipts.text(number: number, copy: false, width: receipts.printerWidth) },
                fiscal: { number in try receipts.fiscalBlock(number: number) })
        }
    }

    /// »No Sale«: a supervisor opens the drawer without a booking, with a reason; audited
    /// (``AuditEventType/drawerOpened``) and counted in the Z report.
    public func openDrawerWithoutSale(operatorId: String, reason: String) throws {
        try guarded {
            try context.requireOperator(operatorId)
            try accessGuard?.check(.openDrawerWithoutSale, operatorId: operatorId)
            let trimmed = reason.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { throw CounterError.invalidAmount("Bitte einen Grund für das Öffnen der Schublade angeben.") }
            try context.audit(.drawerOpened, operatorId: operatorId, detail: trimmed)
            printer?.openDrawer()
        }
    }
}

extension ShiftRecord {
    /// The float goes into the drawer: it opens after the shift is booked.
    func openingDrawer(_ printer: ReceiptPrinter?) -> ShiftRecord {
        printer?.openDrawer()
        return self
    }
}
