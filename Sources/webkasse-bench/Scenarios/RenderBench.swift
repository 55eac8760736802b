import Counter
import CounterUI
import Foundation
import KasseCore
import Ledger

/// `render`: the cost of redrawing the sale screen after a keystroke — the real screens on the
/// real counter service (search as you type, basket, total), rendered into the 80×24 cell grid
/// that ncurses then copies. Baseline in the same run: writing the same 1,920 cells from a
/// prepared copy (the floor any renderer pays).
enum RenderBench {
    static func run(report: Report, catalogPath: String, repetitions: Int) throws {
        let data = try LedgerBench.temporaryDirectory("render")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let configuration = Configuration()
        let catalog = try TariffCatalogLoader.load(path: catalogPath)
        let ledger = try CounterService.openLedger(data: data, configuration: configuration)
        let access = AccessControl(store: ledger, configuration: configuration, hashIterations: 200_000)
        let service = try CounterService.open(ledger: ledger, data: data, configuration: configuration, accessGuard: access)
        let backend = try LiveCounterBackend(
            service: service, access: access, catalog: catalog,
            status: StatusInfo(office: "Bürgeramt", register: "K1", terminal: "Terminal", terminalIsSimulated: true),
            dayCloseSettings: DayCloseSettings(configuration: configuration))
        try backend.seedDemoOperators()
        let stack = ScreenStack(status: backend.status)
        CounterFlow(backend: backend).start(stack: stack)
        func type(_ text: String) { for c in text { stack.handle(.character(c)) } }
        // Log in as demo/1234, open the shift with 100 €: the sale screen.
        type("demo")
        stack.handle(.enter)
        type("1234")
        stack.handle(.enter)
        var grid = ScreenGrid(width: 80, height: 24)
        stack.render(into: &grid)
        if grid.text.contains("Wechselgeld") || grid.text.contains("Schicht") {
            type("100")
            stack.handle(.enter)
        }
        stack.render(into: &grid)
        guard grid.text.contains("Suche") else { throw BenchError("render: Verkaufsbildschirm nicht erreicht:\n\(grid.text)") }
        // A basket of two lines, then searches typed key by key.
        for code in ["pa", "fz"] {
            type(code)
            stack.handle(.enter)
        }
        let queries = ["führungszeugnis", "meldebescheinigung", "reisepass express", "beglaubigung kopie", "RP48"]
        var ours = Samples()
        var floor = Samples()
        var frames = 0
        for _ in 0..<repetitions {
            for query in queries {
                for c in query {
                    stack.handle(.character(c))
                    var frame = ScreenGrid(width: 80, height: 24)
                    ours.add(timed { stack.render(into: &frame) })
                    let copy = frame
                    floor.add(
                        timed {
                            var plain = ScreenGrid(width: 80, height: 24)
                            for row in 0..<24 { for column in 0..<80 { plain[row, column] = copy[row, column] } }
                            frames &+= plain.width
                        })
                }
                for _ in query { stack.handle(.backspace) }
            }
        }
        report.add("render", "frames", Double(ours.count), "frames")
        report.add("render", "p50", Double(ours.percentile(50)) / 1000, "us")
        report.add("render", "p99", Double(ours.percentile(99)) / 1000, "us")
        report.add("render", "baseline_cell_copy_p50", Double(floor.percentile(50)) / 1000, "us")
        report.add("render", "ratio_p50", Double(ours.percentile(50)) / Double(max(floor.percentile(50), 1)), "x")
        report.note(
            "render",
            "sale screen, 80×24, after each typed key (search results, basket of 2 lines, total); includes the catalogue search for the new text; baseline = copying the same 1920 cells"
        )
        report.finish("render")
    }
}
