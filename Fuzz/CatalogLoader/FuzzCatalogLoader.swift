// libFuzzer entry point for the catalogue loader (JSON reader + validation).
// Built together with the KasseCore sources by Fuzz/CatalogLoader/run.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCatalogLoader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let (catalog, problems) = TariffCatalogLoader.parse(sources: [("fuzz.json", bytes)])
    // Invariants: a catalogue without problems is usable end to end.
    if problems.isEmpty {
        let search = CatalogSearch(catalog: catalog)
        for item in catalog.items {
            _ = search.search(item.name)
            for variant in item.variants {
                for period in variant.prices {
                    let shares = item.booking.split(period.amount)
                    precondition(shares.reduce(0) { $0 + $1.amount.cents } == period.amount.cents, "split must add up")
                }
            }
        }
    }
    for problem in problems { precondition(!problem.description.isEmpty) }
    return 0
}
