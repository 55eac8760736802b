import Foundation
import KasseCore
import Ledger

/// What ``StartupRecovery/run()`` did.
public struct StartupReport: Sendable {
    public let recoveries: [RecoveryOutcome]
    /// Receipt files that were missing (crash right after booking) and were written again.
    public let rewrittenReceipts: [Int64]
    /// TSE transactions without a booking that the start finished or recorded (docs/fiscal.md).
    public var tseRecovered: [TSETransactionRecord] = []
    public var unresolved: [RecoveryOutcome] {
        recoveries.filter { if case .stillPending = $0.result { return true } else { return false } }
    }
}

/// Run before the counter opens: settles every pending card payment with the terminal (books it
/// if the terminal committed it, closes it as not paid if not, keeps it pending if the terminal
/// cannot say) and renders from the ledger the receipt files a crash left missing.
struct StartupRecovery: Sendable {
    let context: BookingContext
    let settlement: CardSettlement
    let receipts: ReceiptDelivery

    func run() throws -> StartupReport {
        try context.guarded {
            let recoveries = try settlement.resolveAll(atStartup: true)
            // After the card recovery, which books a sale again under its own key (the TSE's stored answer).
            let tse = try context.fiscal?.recover(ledger: context.ledger, now: context.clock.now()) ?? []
            receipts.waitUntilIdle()  // the receipts of what the recovery booked
            let rewritten = try receipts.rewriteMissingFiles()
            return StartupReport(recoveries: recoveries, rewrittenReceipts: rewritten, tseRecovered: tse)
        }
    }
}
