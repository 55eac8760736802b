import Counter
import Exports
import Fiscal
import Foundation
import KasseCore
import Ledger
import TestSupport

/// Two business days of 2027 booked through the counter service (the one application API) with the
/// shipped catalogue, for the DSFinV-K tests:
///
/// Day 1, 2027-01-04 (Z 1): float 150 €; a mixed basket of fees and taxable items (19 % and 7 %) in
/// cash; a Führungszeugnis and a bag by girocard (cancelled the same day, card reversed); copies and
/// a town map by cheque; a Personalausweis paid 20 € cash and the rest by card; a Reisepass paid by a
/// cheque and the card; an Einlage from the Stadtkasse, an Entnahme and an Abschöpfung to the
/// Stadtkasse (handed to a named receiver); counted 0,30 € short.
/// Day 2, 2027-01-05 (Z 2): float 100 €; a Stammbuch in cash; the storno of day 1's cheque sale
/// (referring back to Z 1); counted exactly.
public final class DSFinVKCounterDay {
    public let directory: TemporaryDirectory
    public let register: String
    /// The fixture that made the directory removes it.
    private let ownsDirectory: Bool
    public let clock = SimulatedClock(Instant(millisecondsSinceEpoch: 1_799_053_200_000 - 2 * 3_600_000))  // 2027-01-04 08:00 Berlin
    public let terminal = FakeCardTerminal()
    public let service: CounterService
    public let catalog: TariffCatalog
    public let clerk = "op-anna"
    public let supervisor = "op-bert"
    public private(set) var sales: [SaleRecord] = []
    public private(set) var stornos: [StornoRecord] = []
    public private(set) var movements: [CashMovementRecord] = []
    public private(set) var closes: [DayCloseRecord] = []
    private var counter = 0

    /// A register's counter in a fresh data directory, or in `directory` beside another register.
    public init(register: String = "K1", in directory: TemporaryDirectory? = nil, fiscal: FiscalSigner? = nil) throws {
        self.directory = try directory ?? TemporaryDirectory(prefix: "dsfinvk")
        self.register = register
        ownsDirectory = directory == nil
        catalog = try TariffCatalogLoader.load(path: packageRoot.appendingPathComponent("Tariffs").path)
        let ledger = try Ledger(path: DataDirectory.ledgerPath(data: self.directory.path, register: register))
        service = try CounterService(
            ledger: ledger, registerId: register, officeName: "Stadt Musterstadt – Bürgeramt", officeAddress: "Rathausplatz 1, 12345 Musterstadt",
            calendar: .berlin, clock: clock, terminal: terminal,
            receiptDirectory: DataDirectory.registerDirectory(data: self.directory.path, register: register) + "/receipts", fiscal: fiscal)
        for (id, login, name) in [(clerk, "anna", "Anna Amt"), (supervisor, "bert", "Bert Aufsicht")] {
            let at = clock.now()
            try ledger.transaction { _ = try ledger.append(.operatorAdded(OperatorRecord(id: id, login: login, name: name, createdAt: at)), at: at) }
        }
    }

    deinit { if ownsDirectory { directory.remove() } }

    public var data: String { directory.path }

    private func id(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)-\(counter)-0000-4000-8000-00000000"
    }

    @discardableResult
    private func sell(_ items: [(code: String, variant: String?, quantity: Int)], _ payment: PaymentRequest, reference: String? = nil) throws
        -> SaleRecord
    {
        var basket = Basket(date: BusinessDate(iso: try service.currentBusinessDate())!)
        for item in items { try basket.add(code: item.code, from: catalog, variantCode: item.variant, quantity: item.quantity) }
        let start = clock.now()
        clock.advance(seconds: 75)
        let outcome = try service.bookSale(
            SaleRequest(saleId: id("sale"), operatorId: clerk, basket: basket, payment: payment, reference: reference, startedAt: start))
        service.receipts.waitUntilIdle()
        clock.advance(seconds: 300)
        sales.append(outcome.sale)
        return outcome.sale
    }

    private func cancel(_ sale: SaleRecord) throws {
        let outcome = try service.cancelSale(
            receiptNumber: sale.receiptNumber, stornoId: id("storno"), operatorId: clerk, reason: "falsche Person", approvedBy: supervisor)
        service.receipts.waitUntilIdle()
        clock.advance(seconds: 120)
        stornos.append(outcome.storno)
    }

    private func move(_ kind: CashMovementKind, _ cents: Int64, _ reason: String, transfer: StadtkasseTransfer? = nil) throws {
        let (movement, _) = try service.recordCashMovement(
            id: id("move"), kind: kind, amount: Money(cents: cents), reason: reason, operatorId: clerk,
            approvedBy: kind == .einlage ? nil : supervisor, transfer: transfer)
        service.receipts.waitUntilIdle()
        clock.advance(seconds: 60)
        movements.append(movement)
    }

    private func close(differenceCents: Int64, reason: String = "") throws {
        let dayClose = DayCloseService(counter: service, settings: DayCloseSettings(configuration: Configuration()))
        let expected = try dayClose.openPeriod().expected.total()
        let record = try dayClose.close(
            DayCloseRequest(count: .standIn(total: Money(cents: expected.cents + differenceCents)), reason: reason, floatKept: .zero),
            operatorId: clerk, approvedBy: nil
        ).record
        closes.append(record)
    }

    /// Books both days (see the type's documentation).
    public func book() throws {
        try service.openShift(operatorId: clerk, float: Money(euros: 150))
        try sell(
            [("PA", "24+", 1), ("FZ", nil, 1), ("KOP", "A4", 3), ("SPL", nil, 1), ("AK", nil, 2), ("TASCHE", nil, 1)],
            .cash(tendered: Money(euros: 100)), reference: "5.2027.000001")
        let card = try sell([("FZ", nil, 2), ("TASCHE", nil, 1)], .card)
        let cheque = try sell([("KOP", "A4", 10), ("SPL", nil, 1)], .cheque(number: "4711", bank: "Sparkasse", drawer: "Erika Muster"))
        try sell([("PA", "24+", 1)], .split(cash: Money(euros: 20), tendered: Money(euros: 20)))
        try sell([("RP", "24+", 1)], .chequeAndCard(cheque: Money(euros: 50), number: "4712", bank: "Volksbank", drawer: "Max Muster"))
        try cancel(card)
        try move(.einlage, 5_000, "Wechselgeld von der Stadtkasse")
        try move(.entnahme, 540, "Porto")
        try move(
            .abschoepfung, 10_000, "an die Stadtkasse",
            transfer: StadtkasseTransfer(receivedBy: "Clara Kasse", receivedByOperator: nil, pieces: [5000: 2]))
        try close(differenceCents: -30, reason: "Wechselgeld falsch herausgegeben")

        clock.set(Instant(millisecondsSinceEpoch: 1_799_053_200_000 + 22 * 3_600_000))  // 2027-01-05 08:00
        try service.openShift(operatorId: clerk, float: Money(euros: 100))
        try sell([("STB", nil, 1)], .cash(tendered: Money(euros: 50)))
        try cancel(cheque)
        try close(differenceCents: 0)
    }

    public func request(_ scope: DSFinVKExport.Scope, out: String, tse: DSFinVKTSESource = DSFinVKWithoutTSE()) -> DSFinVKExport.Request {
        DSFinVKExport.Request(
            dataDirectory: data, registers: [], scope: scope, outputPath: data + "/" + out,
            master: DSFinVKMasterData(name: "Stadt Musterstadt", street: "Rathausplatz 1", postcode: "12345", city: "Musterstadt", taxNumber: "12/345/67890"),
            timeZone: TimeZone(identifier: "Europe/Berlin")!, tse: tse)
    }
}
