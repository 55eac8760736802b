import Access
import Counter
import Foundation
import KasseCore
import Ledger
import SystemCalls

/// `printer`: the clerk's wait for a cash sale with an ESC/POS printer and drawer configured
/// (`[printer] device = tcp://…`, a loopback printer that answers `DLE EOT` at once), beside the
/// same sale on a counter without a printer, sale by sale in the same run (docs/printer.md: the
/// printing and the drawer kick happen after the commit and must not lengthen the booking).
enum PrinterBench {
    static func run(report: Report, catalogPath: String, sales: Int) throws {
        let sink = try PrinterSink()
        defer { sink.stop() }
        let catalog = try TariffCatalogLoader.load(path: catalogPath)
        let basket = try LedgerBench.typicalBasket(catalog, date: BusinessDate.today())
        var withPrinter = Configuration()
        try withPrinter.set("printer.device", "tcp://127.0.0.1:\(sink.port)", file: "bench", line: 0)
        let counters = try [Configuration(), withPrinter].map { configuration -> (CounterService, String, String) in
            let dir = try LedgerBench.temporaryDirectory("printer")
            let service = try CounterService.open(data: dir, configuration: configuration)
            _ = try service.start()
            let access = AccessControl(store: service.ledger, configuration: configuration, hashIterations: PINHash.minimumIterations)
            let clerk = try access.setUp(login: "bench", name: "Bench", pin: "2580", pinRepeated: "2580")
            try service.openShift(operatorId: clerk.id, float: Money(cents: 10_000))
            return (service, clerk.id, dir)
        }
        defer { for (_, _, dir) in counters { try? FileManager.default.removeItem(atPath: dir) } }
        var samples = [Samples(), Samples()]
        for _ in 0..<sales {
            for (index, (service, clerk, _)) in counters.enumerated() {
                let request = SaleRequest(
                    saleId: UUID().uuidString, operatorId: clerk, basket: basket, payment: .cash(tendered: Money(cents: 10_000)), startedAt: Instant.now)
                var outcome: SaleOutcome?
                try samples[index].add(timed { outcome = try service.bookSale(request) })
                // Outside the time: the receipt filed and printed, so that the next sale does not run beside it.
                _ = outcome?.receipt
                (service.printer as? ESCPOSPrinter)?.waitUntilPrinted()
            }
        }
        let printed = (counters[1].0.printer as? ESCPOSPrinter)?.lastPrintedReceipt ?? 0
        let (without, with) = (samples[0], samples[1])
        report.add("printer", "sales", Double(sales), "sales")
        report.add("printer", "receipts_printed", Double(printed), "receipts")
        report.add("printer", "drawer_kicks", Double(sink.kicks), "kicks")
        report.add("printer", "p50", Double(with.percentile(50)) / 1000, "us")
        report.add("printer", "p99", Double(with.percentile(99)) / 1000, "us")
        report.add("printer", "baseline_no_printer_p50", Double(without.percentile(50)) / 1000, "us")
        report.add("printer", "baseline_no_printer_p99", Double(without.percentile(99)) / 1000, "us")
        report.add("printer", "ratio_p50", Double(with.percentile(50)) / Double(max(1, without.percentile(50))), "x")
    }
}

/// A printer on loopback that answers every `DLE EOT n` with 0x12 (all well), counts drawer
/// kicks (`ESC p`) and throws the rest away.
// @unchecked Sendable: `kickCount` and `running` only under `lock`.
final class PrinterSink: @unchecked Sendable {
    let port: UInt16
    private let listener: StreamSocket
    private let lock = NSLock()
    private var kickCount = 0
    private var running = true

    init() throws {
        listener = try StreamSocket.listen(host: "127.0.0.1", port: 0)
        port = listener.localPort
        Thread { [self] in acceptLoop() }.start()
    }

    var kicks: Int { lock.withLock { kickCount } }

    func stop() {
        lock.withLock { running = false }
        listener.close()
    }

    private func acceptLoop() {
        while lock.withLock({ running }) {
            guard let connection = try? listener.accept(timeoutMs: 100) else { continue }
            Thread { [self] in serve(connection) }.start()
        }
    }

    private func serve(_ connection: StreamSocket) {
        defer { connection.close() }
        var buffer: [UInt8] = []
        var index = 0
        while true {
            guard let result = try? connection.read(appendingTo: &buffer, timeoutMs: 1_000), case .bytes = result else { return }
            while index + 2 < buffer.count {
                if buffer[index] == 0x10, buffer[index + 1] == 0x04 {
                    try? connection.write([0x12])
                    index += 3
                } else if buffer[index] == 0x1B, buffer[index + 1] == 0x70 {
                    lock.withLock { kickCount += 1 }
                    index += 5
                } else {
                    index += 1
                }
            }
        }
    }
}
