import Access
import Counter
import Foundation
import KasseCore
import KasseCrypto

/// `tse`: booking a sale with the software TSE (`[fiscal] tse = software`) against the same sale on
/// a counter without a TSE and one ECDSA signature by libcrypto, all three measured in turn in the
/// same run (docs/bench.md). Goal: with TSE ≤ 1.3 × (without + one signature).
enum TSEBench {
    static func run(report: Report, catalogPath: String, sales: Int) throws {
        let catalog = try TariffCatalogLoader.load(path: catalogPath)
        let plainDirectory = try LedgerBench.temporaryDirectory("tse-none")
        let signedDirectory = try LedgerBench.temporaryDirectory("tse-software")
        defer {
            try? FileManager.default.removeItem(atPath: plainDirectory)
            try? FileManager.default.removeItem(atPath: signedDirectory)
        }
        var withTSE = Configuration()
        withTSE.fiscal.tse = .software
        let plain = try counter(data: plainDirectory, configuration: Configuration())
        let signed = try counter(data: signedDirectory, configuration: withTSE)
        let basket = try LedgerBench.typicalBasket(catalog, date: BusinessDate.today())
        let key = try ECSigningKey.generate(curve: .prime256v1)
        // About what the TSE signs: a finish log message's data to be signed.
        let message = [UInt8](repeating: 0x42, count: 180)

        var without = Samples()
        var with = Samples()
        var begin = Samples()
        var signature = Samples()
        for _ in 0..<sales {
            for (service, samples) in [(plain.service, 0), (signed.service, 1)] {
                let request = SaleRequest(
                    saleId: UUID().uuidString, operatorId: samples == 0 ? plain.clerk : signed.clerk, basket: basket,
                    payment: .cash(tendered: Money(cents: 10_000)), startedAt: Instant.now)
                var outcome: SaleOutcome?
                // The first item starts the TSE transaction (as the counter screen does), before the payment.
                if samples == 1 {
                    begin.add(
                        timed {
                            service.beginSale(saleId: request.saleId)
                            service.fiscal?.waitForBegun()
                        })
                }
                let ns = try timed { outcome = try service.bookSale(request) }
                _ = outcome?.receipt
                if samples == 0 { without.add(ns) } else { with.add(ns) }
            }
            try signature.add(timed { _ = try key.signPlainSHA256(message) })
        }
        guard try signed.service.ledger.tseTransactions().allSatisfy({ $0.record.isSigned }) else { throw BenchError("tse: ein Verkauf ohne Signatur") }
        let p50Without = Double(without.percentile(50)) / 1000
        let p50With = Double(with.percentile(50)) / 1000
        let p50Signature = Double(signature.percentile(50)) / 1000
        report.add("tse", "sales", Double(sales), "sales")
        report.add("tse", "booking_with_software_tse_p50", p50With, "us")
        report.add("tse", "booking_with_software_tse_p99", Double(with.percentile(99)) / 1000, "us")
        report.add("tse", "part_start_at_first_item_p50", Double(begin.percentile(50)) / 1000, "us")
        report.add("tse", "booking_without_tse_p50", p50Without, "us")
        report.add("tse", "booking_without_tse_p99", Double(without.percentile(99)) / 1000, "us")
        report.add("tse", "one_ecdsa_signature_p50", p50Signature, "us")
        report.add("tse", "ratio_p50", p50With / (p50Without + p50Signature), "x")
        report.note(
            "tse",
            "goal: ratio ≤ 1.3 × (booking without TSE + one ECDSA signature); with TSE = CounterService.bookSale with [fiscal] tse = software (the finish: one signature, synced to the TSE's log before the answer, then the booking's commit with the TSE record; the start is signed when the first item is added, part_start_at_first_item, outside the clerk's wait at the payment); the three measured in turn, sale by sale, in the same run"
        )
        report.finish("tse")
    }

    private static func counter(data: String, configuration: Configuration) throws -> (service: CounterService, clerk: String) {
        let service = try CounterService.open(data: data, configuration: configuration)
        let access = AccessControl(store: service.ledger, configuration: configuration, hashIterations: PINHash.minimumIterations)
        let clerk = try access.setUp(login: "bench", name: "Bench", pin: "2580", pinRepeated: "2580")
        try service.openShift(operatorId: clerk.id, float: Money(cents: 10_000))
        return (service, clerk.id)
    }
}
