import Central
import Foundation
import KasseCore
import Ledger
import TestSupport
import XCTest

/// Delivery from counters to a real PostgreSQL (docs/central.md, "Delivery"): every entry exactly
/// once, forks refused and recorded, nothing partial when a batch dies, catch-up after offline.
final class DeliveryTests: XCTestCase {
    var database: CentralTestDatabase!

    override func setUpWithError() throws {
        database = try CentralTestDatabase()
        try database.store().migrate()
    }

    override func tearDown() {
        database?.drop()
        database = nil
    }

    /// A counter's delivery to the test database, with a clock the test moves.
    final class Counter {
        var fixture: LedgerDayFixture
        let register: String
        let clock = TestClock()
        var online = true
        var connects = 0
        let delivery: CentralDelivery

        init(_ register: String, database: CentralTestDatabase, batchSize: Int = 500, build: Bool = true) throws {
            fixture = try LedgerDayFixture(register: register)
            if build { try fixture.build() }
            self.register = register
            let ledger = try Ledger(data: fixture.data, register: register)
            var connectHook: (() throws -> CentralStore)!
            delivery = CentralDelivery(
                ledger: ledger, register: register, cursorPath: CentralDelivery.cursorPath(ledgerPath: ledger.path), batchSize: batchSize,
                now: { [clock] in clock.now }, connect: { try connectHook() })
            connectHook = { [unowned self] in
                connects += 1
                guard online else { throw CentralError.database(PostgreSQLError(stage: .connect, sqlState: nil, message: "offline (Test)", sql: nil)) }
                return try database.store()
            }
        }

        var ledger: Ledger { fixture.ledger }
    }

    final class TestClock: @unchecked Sendable {
        private let lock = NSLock()
        private var ms: Int64 = 1_795_000_000_000
        var now: Instant { lock.withLock { Instant(millisecondsSinceEpoch: ms) } }
        func advance(ms delta: Int64) { lock.withLock { ms += delta } }
    }

    /// A new delivery over the ledger of `counter`, as after a restart of the counter.
    func restartedDelivery(of counter: Counter) throws -> CentralDelivery {
        let ledger = try Ledger(path: counter.ledger.path)
        let database = self.database!
        return CentralDelivery(
            ledger: ledger, register: counter.register, cursorPath: CentralDelivery.cursorPath(ledgerPath: ledger.path),
            now: { [clock = counter.clock] in clock.now }, connect: { try database.store() })
    }

    /// The centre's `(seq, hash)` of `register`, in order.
    func centralChain(_ register: String) throws -> [(Int64, String)] {
        let result = try database.connect().execute("SELECT seq, hash FROM journal WHERE register_id = $1 ORDER BY seq", [.text(register)])
        return (0..<result.rowCount).map { (result.int64($0, 0)!, result.text($0, 1)!) }
    }

    func localChain(_ ledger: Ledger) throws -> [(Int64, String)] {
        var out: [(Int64, String)] = []
        try ledger.forEachEvent { entry, _ in out.append((entry.seq, entry.hash)) }
        return out
    }

    func count(_ sql: String, _ parameters: [PostgreSQLValue] = []) throws -> Int64 {
        try database.connect().execute(sql, parameters).int64(0, 0) ?? -1
    }

    func testThreeRegistersDeliverEveryEntryExactlyOnceWithEqualHashes() throws {
        let counters = try ["K1", "K2", "K3"].map { try Counter($0, database: database, batchSize: 7) }
        for counter in counters {
            let status = counter.delivery.runOnce()
            XCTAssertNil(status.lastError, counter.register)
            XCTAssertEqual(status.text(zone: TimeZone(identifier: "Europe/Berlin")!), "Zentrale: aktuell")
        }
        for counter in counters {
            let local = try localChain(counter.ledger)
            let central = try centralChain(counter.register)
            XCTAssertEqual(local.count, 15, "the fixture's entries")
            XCTAssertEqual(central.map(\.0), local.map(\.0), counter.register)
            XCTAssertEqual(central.map(\.1), local.map(\.1), counter.register)
        }
        // The typed rows: every sale with its lines, shares and payments, per register.
        XCTAssertEqual(try count("SELECT count(*) FROM sales"), 3 * 5)
        XCTAssertEqual(try count("SELECT sum(amount_cents) FROM payments WHERE register_id = 'K2'"), 4_600 + 1_300 + 5_000 + 3_000 + 900 + 900)
        XCTAssertEqual(try count("SELECT count(*) FROM line_shares WHERE pass_through"), 3)
        XCTAssertEqual(try count("SELECT max(z_number) FROM day_closes WHERE register_id = 'K3'"), 2)
        let verification = try CentralVerifier(store: database.store()).verify(rows: true)
        XCTAssertEqual(verification.problems.map(\.description), [])
        XCTAssertEqual(verification.entries, ["K1": 15, "K2": 15, "K3": 15])
        let status = try database.store().registerStatus()
        XCTAssertEqual(status.map(\.register), ["K1", "K2", "K3"])
        XCTAssertEqual(status.map(\.lastSeq), [15, 15, 15])
        XCTAssertEqual(status.map(\.openShiftDate), ["2026-11-28", "2026-11-28", "2026-11-28"])
        XCTAssertEqual(status.map(\.lastZNumber), [2, 2, 2])
    }

    func testDeliveringAgainIsANoOp() throws {
        let counter = try Counter("K1", database: database)
        counter.delivery.runOnce()
        let before = try centralChain("K1")
        let store = try database.store()
        // The whole journal once more, as after a lost acknowledgement, and a second delivery from
        // a counter whose cursor file is gone.
        var entries: [DeliveryEntry] = []
        try counter.ledger.forEachEvent { entry, event in entries.append(try DeliveryEntry(entry: entry, event: event, register: "K1")) }
        let head = try counter.ledger.chainHead()
        XCTAssertEqual(try store.deliver(entries, register: "K1", localHead: head), .delivered(through: 15, inserted: 0))
        try FileManager.default.removeItem(atPath: CentralDelivery.cursorPath(ledgerPath: counter.ledger.path))
        let again = try restartedDelivery(of: counter)
        XCTAssertEqual(again.status.acknowledged, nil, "no cursor: the head is asked")
        let status = again.runOnce()
        XCTAssertNil(status.lastError)
        XCTAssertEqual(status.acknowledged, 15)
        XCTAssertEqual(try centralChain("K1").map(\.1), before.map(\.1))
        XCTAssertEqual(try count("SELECT count(*) FROM sales"), 5)
        XCTAssertEqual(try count("SELECT count(*) FROM forks"), 0)
    }

    func testAnEntryWithAnotherHashUnderTheSameNumberIsAForkRefusedRecordedNeverOverwritten() throws {
        // Two machines with the register id K1: the same first 15 entries, then each its own sale.
        let first = try Counter("K1", database: database)
        let second = try Counter("K1", database: database)
        let day = first.fixture.openDay!
        try first.fixture.sale(day, [LedgerDayFixture.line("MB", "Meldebescheinigung", cents: 900)], [.cash(tendered: Money(euros: 9), change: .zero)])
        try second.fixture.sale(day, [LedgerDayFixture.line("PA24", "Personalausweis", cents: 4_600)], [.cash(tendered: Money(euros: 46), change: .zero)])
        XCTAssertNil(first.delivery.runOnce().lastError)
        let centralBefore = try centralChain("K1")
        XCTAssertEqual(centralBefore.count, 16)

        let status = second.delivery.runOnce()
        XCTAssertEqual(status.fork, 16)
        XCTAssertEqual(status.text(zone: TimeZone(identifier: "Europe/Berlin")!), "Zentrale: ABWEICHUNG bei Buchung 16")
        // Refused and never overwritten: the centre keeps the first machine's entry.
        XCTAssertEqual(try centralChain("K1").map(\.1), centralBefore.map(\.1))
        XCTAssertEqual(try count("SELECT total_cents FROM sales WHERE register_id = 'K1' AND seq = 16"), 900)
        let fork = try database.connect().execute("SELECT seq, central_hash, offered_hash FROM forks WHERE register_id = 'K1'")
        XCTAssertEqual(fork.rowCount, 1)
        XCTAssertEqual(fork.int64(0, 0), 16)
        XCTAssertEqual(fork.text(0, 1), centralBefore[15].1)
        XCTAssertEqual(fork.text(0, 2), try second.ledger.entry(at: 16)?.hash)
        // Alarmed on the counter: an audit event in its own ledger.
        var audits: [AuditRecord] = []
        try second.ledger.forEachEvent { _, event in if case .audit(let a) = event, a.kind == "central.fork" { audits.append(a) } }
        XCTAssertEqual(audits.count, 1)
        XCTAssertTrue(audits[0].detail.contains("\"seq\":16"), audits[0].detail)
        // Delivery stays stopped, also after a restart (cursor file), and the fork is not recorded twice.
        second.clock.advance(ms: 120_000)
        XCTAssertEqual(second.delivery.runOnce().fork, 16)
        XCTAssertEqual(try restartedDelivery(of: second).runOnce().fork, 16)
        XCTAssertEqual(try count("SELECT count(*) FROM forks"), 1)
        XCTAssertEqual(try centralChain("K1").count, 16)
    }

    /// A second machine whose history is longer than the centre's and parts from it before the
    /// centre's head: the fork is recorded at the first entry that differs (found by bisection).
    func testAForkIsRecordedWhereTheHistoriesPartNotAtTheCentresHead() throws {
        let first = try Counter("K1", database: database)
        for _ in 0..<3 {
            try first.fixture.sale(
                first.fixture.openDay!, [LedgerDayFixture.line("MB", "Meldebescheinigung", cents: 900)], [.cash(tendered: Money(euros: 9), change: .zero)])
        }
        XCTAssertNil(first.delivery.runOnce().lastError)
        XCTAssertEqual(try centralChain("K1").count, 18)
        let second = try Counter("K1", database: database)
        for _ in 0..<5 {
            try second.fixture.sale(
                second.fixture.openDay!, [LedgerDayFixture.line("PA24", "Personalausweis", cents: 4_600)], [.cash(tendered: Money(euros: 46), change: .zero)])
        }
        XCTAssertEqual(try second.ledger.chainHead().seq, 20)
        XCTAssertEqual(second.delivery.runOnce().fork, 16)
        let fork = try database.connect().execute("SELECT seq, offered_hash FROM forks WHERE register_id = 'K1'")
        XCTAssertEqual(fork.rowCount, 1)
        XCTAssertEqual(fork.int64(0, 0), 16)
        XCTAssertEqual(fork.text(0, 1), try second.ledger.entry(at: 16)?.hash)
        XCTAssertEqual(try centralChain("K1").count, 18, "never overwritten, nothing appended")
    }

    /// A second machine given the register id K1 with a history of its own that is shorter than
    /// the centre's: a fork on its first sync (not taken for a lost tail), refused and recorded.
    /// (A ledger that is only shorter — the centre's entries up to its head — is a lost tail:
    /// CentralSchemaTests, CentralSoakTests.)
    func testASecondMachineWithTheSameRegisterIdAndFewerEntriesIsAForkOnTheFirstSync() throws {
        let first = try Counter("K1", database: database)
        let day = first.fixture.openDay!
        for _ in 0..<3 {
            try first.fixture.sale(day, [LedgerDayFixture.line("MB", "Meldebescheinigung", cents: 900)], [.cash(tendered: Money(euros: 9), change: .zero)])
        }
        XCTAssertNil(first.delivery.runOnce().lastError)
        let centralBefore = try centralChain("K1")
        // The same day as built by the fixture (entries 1–15 equal), then two sales of its own:
        // entries 16 and 17 differ, and the fork is recorded where the histories part (16), not at
        // the second machine's last entry.
        let second = try Counter("K1", database: database)
        for _ in 0..<2 {
            try second.fixture.sale(
                second.fixture.openDay!, [LedgerDayFixture.line("PA24", "Personalausweis", cents: 4_600)], [.cash(tendered: Money(euros: 46), change: .zero)])
        }
        XCTAssertLessThan(try localChain(second.ledger).count, centralBefore.count)
        XCTAssertEqual(try second.ledger.chainHead().seq, 17)
        let status = second.delivery.runOnce()
        XCTAssertEqual(status.fork, 16)
        XCTAssertNil(status.centralAhead, "a fork, not a lost tail")
        XCTAssertEqual(try centralChain("K1").map(\.1), centralBefore.map(\.1), "never overwritten")
        XCTAssertEqual(try count("SELECT count(*) FROM forks WHERE register_id = 'K1'"), 1)
        XCTAssertEqual(try count("SELECT count(*) FROM forks WHERE register_id = 'K1' AND seq = 16"), 1)
    }

    func testABatchWhoseConnectionDiesMidwayLeavesNothingAndIsDeliveredWholeAfterwards() throws {
        let counter = try Counter("K1", database: database, batchSize: 100)
        // As superuser: the server ends the counter's connection while it inserts entry 10 of the
        // batch (entries 1–9 are inserted in the open transaction by then).
        let admin = try database.connect()
        try admin.execute(
            """
            CREATE FUNCTION test_drop_connection() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.seq = 10 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
                RETURN NEW;
            END $$
            """)
        try admin.execute("CREATE TRIGGER test_drop_connection AFTER INSERT ON journal FOR EACH ROW EXECUTE FUNCTION test_drop_connection()")
        let failed = counter.delivery.runOnce()
        XCTAssertNotNil(failed.lastError)
        XCTAssertEqual(try centralChain("K1").count, 0, "nothing of the batch is at the centre")
        XCTAssertEqual(try count("SELECT count(*) FROM sales"), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM reported_heads"), 0)

        try admin.execute("DROP TRIGGER test_drop_connection ON journal")
        // The backoff holds the next attempt back until its time has come (no sleep: the clock moves).
        let connectsBefore = counter.connects
        counter.delivery.runOnce()
        XCTAssertEqual(counter.connects, connectsBefore, "no attempt before the backoff is over")
        counter.clock.advance(ms: 1_000)
        let status = counter.delivery.runOnce()
        XCTAssertNil(status.lastError)
        XCTAssertEqual(try centralChain("K1").map(\.1), try localChain(counter.ledger).map(\.1))
        XCTAssertEqual(try count("SELECT count(*) FROM sales"), 5)
    }

    func testACounterOfflineKeepsBookingAndCatchesUpInOrder() throws {
        let counter = try Counter("K1", database: database, batchSize: 4)
        XCTAssertNil(counter.delivery.runOnce().lastError)
        counter.online = false
        counter.delivery.disconnect()
        let zone = TimeZone(identifier: "Europe/Berlin")!
        let day = counter.fixture.openDay!
        for _ in 0..<10 {
            try counter.fixture.sale(day, [LedgerDayFixture.line("MB", "Meldebescheinigung", cents: 900)], [.cash(tendered: Money(euros: 9), change: .zero)])
            counter.clock.advance(ms: 61_000)
            counter.delivery.runOnce()
        }
        let offline = counter.delivery.status
        XCTAssertEqual(offline.pending, 10)
        XCTAssertNotNil(offline.lastError)
        let firstPending = try counter.ledger.entry(at: 16)!.recordedAt
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let hm = calendar.dateComponents([.hour, .minute], from: firstPending.date)
        XCTAssertEqual(
            offline.text(zone: zone), String(format: "Zentrale: 10 Buchungen ausstehend seit %02d:%02d", hm.hour!, hm.minute!))
        XCTAssertEqual(try centralChain("K1").count, 15)

        counter.online = true
        counter.clock.advance(ms: 120_000)
        let back = counter.delivery.runOnce()
        XCTAssertNil(back.lastError)
        XCTAssertEqual(back.text(zone: zone), "Zentrale: aktuell")
        let central = try centralChain("K1")
        XCTAssertEqual(central.map(\.0), Array(1...25))
        XCTAssertEqual(central.map(\.1), try localChain(counter.ledger).map(\.1))
        // In order, in batches of 4: the counter's reported heads only grow.
        let heads = try database.connect().execute("SELECT head_seq FROM reported_heads ORDER BY id")
        let reported = (0..<heads.rowCount).map { heads.int64($0, 0)! }
        XCTAssertEqual(reported, reported.sorted())
    }

    func testTheBackoffDoublesUpToItsMaximum() {
        let backoff = Backoff(firstMs: 1_000, maximumMs: 60_000)
        XCTAssertEqual((1...8).map { backoff.delayMs(afterFailures: $0) }, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000])
        var machine = DeliveryStateMachine(batchSize: 10, backoff: backoff)
        let t0 = Instant(millisecondsSinceEpoch: 0)
        XCTAssertEqual(machine.next(localHead: 25, now: t0), .askHead)
        machine.headReceived(3)
        XCTAssertEqual(machine.next(localHead: 25, now: t0), .send(4...13))
        machine.failed(now: t0)
        XCTAssertEqual(machine.next(localHead: 25, now: Instant(millisecondsSinceEpoch: 999)), .wait(until: Instant(millisecondsSinceEpoch: 1_000)))
        XCTAssertEqual(machine.next(localHead: 25, now: Instant(millisecondsSinceEpoch: 1_000)), .askHead)
        machine.headReceived(13)
        XCTAssertEqual(machine.next(localHead: 25, now: t0), .send(14...23))
        machine.delivered(through: 23)
        XCTAssertEqual(machine.next(localHead: 25, now: t0), .send(24...25))
        machine.delivered(through: 25)
        XCTAssertEqual(machine.next(localHead: 25, now: t0), .upToDate)
        machine.forkFound(at: 26)
        machine.headReceived(30)
        XCTAssertEqual(machine.next(localHead: 40, now: t0), .stopped(fork: 26))
    }
}

/// The delivery on its own thread, as `webkasse run` starts it.
extension DeliveryTests {
    func testTheBackgroundDeliveryFollowsTheBookingsAndStops() throws {
        let counter = try Counter("K1", database: database)
        counter.delivery.start(pollMs: 20)
        defer { counter.delivery.stop() }
        let day = counter.fixture.openDay!
        for _ in 0..<5 {
            try counter.fixture.sale(day, [LedgerDayFixture.line("MB", "Meldebescheinigung", cents: 900)], [.cash(tendered: Money(euros: 9), change: .zero)])
        }
        let head = try counter.ledger.chainHead().seq
        // A deadline, not a sleep: the thread's poll is real time.
        let deadline = Date().addingTimeInterval(10)
        while counter.delivery.status.acknowledged != head && Date() < deadline { usleep(10_000) }
        XCTAssertEqual(counter.delivery.status.acknowledged, head)
        XCTAssertEqual(try centralChain("K1").map(\.1), try localChain(counter.ledger).map(\.1))
        counter.delivery.stop()
        usleep(100_000)
        try counter.fixture.sale(day, [LedgerDayFixture.line("MB", "Meldebescheinigung", cents: 900)], [.cash(tendered: Money(euros: 9), change: .zero)])
        usleep(200_000)
        XCTAssertEqual(try centralChain("K1").count, Int(head), "stopped: nothing more delivered")
    }
}
