import Foundation
import KasseCore
import Ledger
import ZVT

/// The terminal's End-of-Day (Kassenschnitt, ZVT 06 50): it closes the terminal's batch and
/// reports its totals, which the day close compares with the card payments booked.
///
/// A separate protocol, so that a ``CardTerminal`` without it still works: the close then records
/// the terminal totals as not available.
public protocol EndOfDayTerminal: AnyObject {
    /// Runs the End-of-Day (ZVT 13.08 §2.16) and returns the batch totals. Throws
    /// ``CardTerminalError`` when the terminal cannot be reached or refuses.
    func endOfDay() throws(CardTerminalError) -> TerminalEndOfDay
}

/// The totals of a terminal's End-of-Day: card payments of the batch that were not reversed.
public struct TerminalEndOfDay: Equatable, Sendable {
    public let total: Money
    /// Number of payments, when the terminal reports it (BMP 60 individual totals).
    public let count: Int?
    /// The terminal's trace number of the End-of-Day, if given.
    public let trace: String?
    /// The administration receipt (Kassenschnittbeleg) the terminal sent for printing during the
    /// End-of-Day (ZVT 13.08 §2.16.5: `06 D1` / `06 D3`, receipt type 03), long digit runs masked;
    /// empty when it printed none. Kept beside the Z report (docs/dayclose.md).
    public let administrationReceipt: [TerminalReceiptLine]

    public init(total: Money, count: Int?, trace: String? = nil, administrationReceipt: [TerminalReceiptLine] = []) {
        self.total = total
        self.count = count
        self.trace = trace
        self.administrationReceipt = administrationReceipt
    }
}

extension FakeCardTerminal: EndOfDayTerminal {
    /// Sums the approved payments since the last End-of-Day that were not reversed (as the ZVT
    /// simulator does) and starts a new batch.
    public func endOfDay() throws(CardTerminalError) -> TerminalEndOfDay {
        guard reachable else { throw .unreachable("Verbindung abgelehnt") }
        let batch = journal[min(endOfDayBatchStart, journal.count)...]
        let reversed = Set(batch.compactMap { $0.kind == .reversal ? $0.details.authorizationCode?.dropFirst().description : nil })
        let payments = batch.filter { $0.kind == .payment && $0.approved && !reversed.contains($0.details.receiptNumber) }
        let total: Money
        do { total = try Money.sum(payments.map(\.amount)) } catch { throw .failed(error.description) }
        endOfDayBatchStart = journal.count
        return TerminalEndOfDay(
            total: total, count: payments.count,
            trace: String(format: "%06d", journal.count + 1))
    }
}

extension ZVTCardTerminal: EndOfDayTerminal {
    /// `06 50` through the driver. The totals are those of every `04 0F` of the sequence added up
    /// (one per acquirer or card group, ZVT 13.08 §2.16: BMP 04 total, BMP 60 counts); a terminal
    /// that sends none puts them in the `06 0F`.
    public func endOfDay() throws(CardTerminalError) -> TerminalEndOfDay {
        try exclusively { () throws(CardTerminalError) in try endOfDayNow() }
    }

    /// ``endOfDay()`` while `commandGate` is held.
    private func endOfDayNow() throws(CardTerminalError) -> TerminalEndOfDay {
        let registration = driver.register()
        if case .failed(let problem) = registration.outcome { throw .unreachable(problem.description) }
        if registration.outcome == .success { registered = true }
        let result = driver.endOfDay()
        switch result.outcome {
        case .success:
            var reports = result.allStatusInformation.map(\.totals)
            if reports.isEmpty, case .fields(let fields)? = result.completion?.content, fields.amountCents != nil {
                reports = [EndOfDayTotals(fields)]
            }
            guard !reports.isEmpty else {
                throw .failed("Kassenschnitt durchgeführt, aber das Terminal hat keine Summen genannt (weder 04 0F noch 06 0F mit Betrag)")
            }
            var total = Money.zero
            do {
                for report in reports { total = try total.adding(Money(cents: report.totalCents ?? 0)) }
            } catch {
                throw .failed("Die Summen des Kassenschnitts passen nicht in einen Betrag: \(error)")
            }
            // The count only when every report has its BMP 60.
            let counts = reports.compactMap { $0.individual?.count }
            // Every receipt of the sequence is the End-of-Day's (§2.16.5); several follow one another.
            var receipt: [TerminalReceiptLine] = []
            for printed in result.receipts where printed.receiptType == nil || printed.receiptType == 0x03 {
                if !receipt.isEmpty { receipt.append(TerminalReceiptLine("")) }
                receipt += Self.lines(printed)
            }
            return TerminalEndOfDay(
                total: total, count: counts.count == reports.count ? counts.reduce(0, +) : nil,
                trace: reports.last?.trace.map { String(format: "%06d", $0) }, administrationReceipt: receipt)
        case .declined, .aborted:
            throw .failed("Kassenschnitt abgelehnt: \(result.text)")
        case .failed(let problem):
            throw .unreachable(problem.description)
        case .unknown(let problem):
            throw .outcomeUnknown(problem.description)
        }
    }
}
