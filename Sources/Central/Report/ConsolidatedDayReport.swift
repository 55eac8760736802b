import KasseCore

/// The consolidated day report of the office (Sammel-Z, docs/central.md "Day report"): for one
/// business date, per register and in total, the amounts per account (own and pass-through
/// shares, stornos netted), per payment method, each register's Z number with counted and
/// expected cash and the difference, cash transferred to the Stadtkasse, stornos, and the shifts
/// not yet closed. Read from the centre's typed rows; sums in integer cents, checked.
public struct ConsolidatedDayReport: Equatable, Sendable {
    public struct AccountLine: Equatable, Sendable {
        public let account: String
        public let passThrough: Bool
        public var cents: Int64
    }

    public struct RegisterPart: Equatable, Sendable {
        public let register: String
        public var zNumber: Int64?
        public var expectedCashCents: Int64?
        public var countedCashCents: Int64?
        public var differenceCents: Int64?
        public var saleCount: Int64 = 0
        public var stornoCount: Int64 = 0
        public var stornoCents: Int64 = 0
        public var transferredCents: Int64 = 0
        /// Net per payment method (payments − refunds).
        public var methods: [PaymentMethod: Int64] = [:]
        public var accounts: [AccountLine] = []
        /// Business dates of shifts of this register without a day close (up to the report's date).
        public var openShifts: [String] = []
    }

    public let businessDate: String
    public var registers: [RegisterPart]

    /// The sum of `value` over every register (checked: an overflow traps, it never wraps).
    public func total(_ value: (RegisterPart) -> Int64?) -> Int64 {
        registers.reduce(Int64(0)) { sum, part in
            let (result, overflow) = sum.addingReportingOverflow(value(part) ?? 0)
            precondition(!overflow, "Sammel-Z: Summe übergelaufen")
            return result
        }
    }

    /// The accounts over every register, sorted by account and share kind.
    public var totalAccounts: [AccountLine] {
        var sums: [String: AccountLine] = [:]
        for part in registers {
            for line in part.accounts {
                let key = line.account + (line.passThrough ? "/d" : "/e")
                var sum = sums[key] ?? AccountLine(account: line.account, passThrough: line.passThrough, cents: 0)
                sum.cents += line.cents
                sums[key] = sum
            }
        }
        return sums.values.sorted { ($0.account, $0.passThrough ? 1 : 0) < ($1.account, $1.passThrough ? 1 : 0) }
    }

    /// The report as text (80 columns).
    public var text: String {
        var out: [String] = []
        func money(_ cents: Int64?) -> String { cents.map { Money(cents: $0).formatted } ?? "–" }
        func row(_ label: String, _ value: String) { out.append(label.padding(toLength: 44, withPad: " ", startingAt: 0) + value) }
        out.append("SAMMEL-Z \(BusinessCalendar.germanDate(businessDate)) – \(registers.count) Kasse(n)")
        out.append(String(repeating: "=", count: 60))
        for part in registers {
            out.append("")
            out.append("Kasse \(part.register)" + (part.zNumber.map { " – Z \($0)" } ?? " – ohne Tagesabschluss"))
            row("  Verkäufe", "\(part.saleCount)")
            row("  Stornos", "\(part.stornoCount), \(money(part.stornoCents))")
            for method in PaymentMethod.allCases { row("  \(method.germanName) (netto)", money(part.methods[method] ?? 0)) }
            for line in part.accounts { row("  Konto \(line.account)" + (line.passThrough ? " (durchlaufend)" : ""), money(line.cents)) }
            row("  Soll-Bestand Bargeld", money(part.expectedCashCents))
            row("  gezählt", money(part.countedCashCents))
            row("  Differenz", money(part.differenceCents))
            row("  an die Stadtkasse abgeschöpft", money(part.transferredCents))
            if !part.openShifts.isEmpty { row("  OFFENE SCHICHT", part.openShifts.map(BusinessCalendar.germanDate).joined(separator: ", ")) }
        }
        out.append("")
        out.append("GESAMT")
        out.append(String(repeating: "-", count: 60))
        row("  Verkäufe", "\(total { $0.saleCount })")
        row("  Stornos", "\(total { $0.stornoCount }), \(money(total { $0.stornoCents }))")
        for method in PaymentMethod.allCases { row("  \(method.germanName) (netto)", money(total { $0.methods[method] ?? 0 })) }
        for line in totalAccounts { row("  Konto \(line.account)" + (line.passThrough ? " (durchlaufend)" : ""), money(line.cents)) }
        row("  Soll-Bestand Bargeld", money(total { $0.expectedCashCents }))
        row("  gezählt", money(total { $0.countedCashCents }))
        row("  Differenz", money(total { $0.differenceCents }))
        row("  an die Stadtkasse abgeschöpft", money(total { $0.transferredCents }))
        let unclosed = registers.filter { $0.zNumber == nil }.map(\.register)
        if !unclosed.isEmpty { row("  ohne Tagesabschluss", unclosed.joined(separator: ", ")) }
        let open = registers.filter { !$0.openShifts.isEmpty }.map(\.register)
        if !open.isEmpty { row("  mit offener Schicht", open.joined(separator: ", ")) }
        return out.joined(separator: "\n") + "\n"
    }
}

extension CentralStore {
    /// The consolidated day report of `businessDate` (`YYYY-MM-DD`) over `registers` (empty: all).
    public func dayReport(businessDate date: String, registers only: [String] = []) throws -> ConsolidatedDayReport {
        try run {
            var parts: [String: ConsolidatedDayReport.RegisterPart] = [:]
            func part(_ register: String) -> ConsolidatedDayReport.RegisterPart { parts[register] ?? .init(register: register) }
            let d: [PostgreSQLValue] = [.text(date)]
            let closes = try connection.execute(
                """
                SELECT register_id, z_number, expected_cash_cents, counted_cash_cents, difference_cents
                FROM day_closes WHERE business_date = $1
                """, d)
            for i in 0..<closes.rowCount {
                var p = part(closes.text(i, 0) ?? "")
                p.zNumber = closes.int64(i, 1)
                p.expectedCashCents = closes.int64(i, 2)
                p.countedCashCents = closes.int64(i, 3)
                p.differenceCents = closes.int64(i, 4)
                parts[p.register] = p
            }
            let sales = try connection.execute("SELECT register_id, count(*) FROM sales WHERE business_date = $1 GROUP BY register_id", d)
            for i in 0..<sales.rowCount {
                var p = part(sales.text(i, 0) ?? "")
                p.saleCount = sales.int64(i, 1) ?? 0
                parts[p.register] = p
            }
            let stornos = try connection.execute(
                "SELECT register_id, count(*), sum(total_cents) FROM stornos WHERE business_date = $1 GROUP BY register_id", d)
            for i in 0..<stornos.rowCount {
                var p = part(stornos.text(i, 0) ?? "")
                p.stornoCount = stornos.int64(i, 1) ?? 0
                p.stornoCents = stornos.int64(i, 2) ?? 0
                parts[p.register] = p
            }
            let methods = try connection.execute(
                """
                SELECT register_id, method, sum(cents) FROM (
                    SELECT p.register_id, p.method, p.amount_cents AS cents
                    FROM payments p JOIN sales s ON s.register_id = p.register_id AND s.seq = p.seq WHERE s.business_date = $1
                    UNION ALL
                    SELECT r.register_id, r.method, -r.amount_cents
                    FROM storno_refunds r JOIN stornos st ON st.register_id = r.register_id AND st.seq = r.seq WHERE st.business_date = $1) x
                GROUP BY register_id, method
                """, d)
            for i in 0..<methods.rowCount {
                var p = part(methods.text(i, 0) ?? "")
                if let method = PaymentMethod(rawValue: methods.text(i, 1) ?? "") { p.methods[method] = methods.int64(i, 2) ?? 0 }
                parts[p.register] = p
            }
            let accounts = try connection.execute(
                """
                SELECT register_id, account, pass_through, sum(cents) FROM (
                    SELECT s.register_id, l.account, l.pass_through, l.amount_cents AS cents
                    FROM line_shares l JOIN sales s ON s.register_id = l.register_id AND s.seq = l.seq WHERE s.business_date = $1
                    UNION ALL
                    SELECT st.register_id, l.account, l.pass_through, -l.amount_cents
                    FROM stornos st JOIN sales s ON s.register_id = st.register_id AND s.id = st.sale_id
                    JOIN line_shares l ON l.register_id = s.register_id AND l.seq = s.seq WHERE st.business_date = $1) x
                GROUP BY register_id, account, pass_through ORDER BY register_id, account, pass_through
                """, d)
            for i in 0..<accounts.rowCount {
                var p = part(accounts.text(i, 0) ?? "")
                p.accounts.append(.init(account: accounts.text(i, 1) ?? "", passThrough: accounts.bool(i, 2) ?? false, cents: accounts.int64(i, 3) ?? 0))
                parts[p.register] = p
            }
            let transfers = try connection.execute(
                "SELECT register_id, sum(amount_cents) FROM cash_movements WHERE business_date = $1 AND kind = 'abschoepfung' GROUP BY register_id", d)
            for i in 0..<transfers.rowCount {
                var p = part(transfers.text(i, 0) ?? "")
                p.transferredCents = transfers.int64(i, 1) ?? 0
                parts[p.register] = p
            }
            let open = try connection.execute(
                """
                SELECT s.register_id, to_char(s.business_date, 'YYYY-MM-DD') FROM shifts s
                WHERE s.business_date <= $1
                  AND NOT EXISTS (SELECT 1 FROM day_closes c WHERE c.register_id = s.register_id AND c.shift_id = s.id)
                ORDER BY s.register_id, s.business_date
                """, d)
            for i in 0..<open.rowCount {
                var p = part(open.text(i, 0) ?? "")
                p.openShifts.append(open.text(i, 1) ?? "")
                parts[p.register] = p
            }
            let chosen = parts.values.filter { only.isEmpty || only.contains($0.register) }.sorted { $0.register < $1.register }
            return ConsolidatedDayReport(businessDate: date, registers: chosen)
        }
    }
}
