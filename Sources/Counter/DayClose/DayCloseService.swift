import Access
import Foundation
import KasseCore
import Ledger

/// The day close (Tagesabschluss) and the X report (docs/dayclose.md).
///
/// The close counts the drawer by denomination, books the difference with its reason (and a
/// supervisor above the threshold), runs the terminal's End-of-Day (ZVT 06 50) and compares its
/// totals, records cheques, the float kept and the handover, and writes the Z report — rendered
/// from the booked records only — beside the receipts and to the printer.
///
/// The period is read by SQL aggregates (``Ledger/periodRows(after:before:salesSpanMinutes:)``) once per close:
/// ``prepare(operatorId:blindCount:)`` reads it and ``close(_:operatorId:approvedBy:)`` reuses it
/// when nothing was booked since. Role and four eyes are checked here, once per operation, by the
/// access guard (none: no checks, e.g. `webkasse simulate`).
public final class DayCloseService {
    public let counter: CounterService
    public let settings: DayCloseSettings
    let accessGuard: CounterAccessGuard?
    /// The period of the last preparation.
    private var prepared: DayClosePeriod?

    /// `accessGuard` defaults to the counter service's.
    public init(counter: CounterService, settings: DayCloseSettings, accessGuard: CounterAccessGuard? = nil) {
        self.counter = counter
        self.settings = settings
        self.accessGuard = accessGuard ?? counter.accessGuard
    }

    private var ledger: Ledger { counter.ledger }
    private var calendar: BusinessCalendar { counter.calendar }

    // MARK: Reading a period

    /// The open period (since the last day close), from the booked records.
    public func openPeriod() throws -> DayClosePeriod {
        try counter.guarded { try ledger.readTransaction { try period(after: try ledger.lastDayCloseSeq(), before: nil) } }
    }

    /// The period of the entries after `afterSeq` and before `beforeSeq` (nil: to the end).
    func period(after afterSeq: Int64, before beforeSeq: Int64?) throws -> DayClosePeriod {
        try ledger.readTransaction {
            let rows = try ledger.periodRows(after: afterSeq, before: beforeSeq, salesSpanMinutes: salesSpanMinutes)
            var totals = DayCloseTotals()
            if let first = rows.firstReceipt, let last = rows.lastReceipt {
                totals.addReceipts(first: String(first), last: String(last), count: rows.receiptCount)
            }
            func text(_ name: String, _ variant: String?) -> String { variant.map { "\(name) (\($0))" } ?? name }
            for item in rows.items {
                try totals.add(
                    to: .items, key: item.itemCode, label: item.itemCode + " " + text(item.name, item.variant), count: item.lines,
                    amount: item.amount)
            }
            for group in rows.accountShares {
                try totals.add(to: .accounts, key: group.account, label: group.account, count: group.shares, amount: group.amount)
                if group.passThrough {
                    try totals.add(
                        to: .passThrough, key: group.account, label: text(group.firstItemName, group.firstItemVariant), count: group.shares,
                        amount: group.amount)
                }
            }
            for variant in rows.itemVariants {
                totals.addItemVariant(
                    DayCloseTotals.ItemVariant(
                        label: variant.itemCode + " " + text(variant.name, variant.variant), quantity: variant.quantity, unitPrice: variant.unitPrice,
                        amount: variant.amount))
            }
            for span in rows.salesPerSpan { try totals.addSales(span.amount, hour: calendar.hour(of: span.startsAt)) }
            for payment in rows.payments {
                let name = payment.method.germanName
                try totals.add(to: .paymentMethods, key: name, label: name, count: payment.count, amount: payment.amount)
            }
            // Stornos book their sale back at their own time, after the period's sales.
            for share in rows.cancelledShares {
                try totals.addShare(
                    itemCode: share.itemCode, itemText: text(share.name, share.variant), account: share.account, amount: share.amount.negated,
                    passThrough: share.passThrough, hour: calendar.hour(of: share.at), countsItem: share.isFirstOfLine)
            }
            for refund in rows.refunds {
                let name = refund.method.germanName
                try totals.add(to: .paymentMethods, key: name, label: name, count: refund.count, amount: refund.amount.negated)
            }
            if !rows.stornos.isEmpty {
                var names: [String: String] = [:]
                for op in try ledger.operators() { names[op.id] = op.name }
                for storno in rows.stornos {
                    totals.addStorno(
                        DayCloseTotals.Storno(
                            receiptNumber: String(storno.receiptNumber), originalReceiptNumber: storno.originalReceiptNumber.map(String.init) ?? "?",
                            amount: storno.total.negated, reason: storno.reason, operatorName: names[storno.operatorId] ?? storno.operatorId,
                            approverName: storno.approvedBy.map { names[$0] ?? $0 }))
                }
            }
            var shift: ShiftRecord?
            if let seq = rows.shiftSeq, case .shiftOpened(let s)? = try ledger.event(at: seq) { shift = s }
            let expected = ExpectedCash(
                float: shift?.float ?? .zero, cashReceived: rows.cashTendered, changeGiven: rows.changeGiven,
                stornoPayouts: rows.cashRefunded,
                movements: rows.movements.map { m in
                    CashMovement(kind: m.kind, amount: m.amount, reason: m.receivedBy.map { "\(m.reason), empfangen von \($0)" } ?? m.reason)
                })
            let dayTotals = rows.totals
            // The formula and the ledger's totals must agree.
            let formula = try expected.total()
            let booked = try dayTotals.expectedCash
            guard formula == booked else {
                throw CounterError.invalidAmount(
                    "Interner Fehler: Sollbestand \(formula.formatted) nach Formel, \(booked.formatted) laut Kassenbuch.")
            }
            return DayClosePeriod(
                afterSeq: afterSeq, shift: shift, expected: expected, totals: totals, dayTotals: dayTotals,
                cheques: rows.cheques.map {
                    ChequeEntry(receiptNumber: $0.receiptNumber, chequeNumber: $0.chequeNumber, drawer: $0.drawer, amount: $0.amount, bank: $0.bank)
                },
                cardAmountMismatches: rows.cardAmountMismatches, cardTotal: rows.cardTotal, cardCount: rows.cardCount, firstBookingAt: rows.firstBookingAt,
                lastBookingAt: rows.lastBookingAt,
                lastReceiptNumber: try ledger.lastReceiptNumber())
        }
    }

    /// Sales are summed per hour of UTC where the office's zone is whole hours from UTC in winter
    /// and in summer (Europe/Berlin), else per quarter hour: either way each span lies in one local hour.
    private var salesSpanMinutes: Int64 {
        let now = counter.clock.now().date
        let offsets = [-182.0, 0, 182].map { calendar.timeZone.secondsFromGMT(for: now.addingTimeInterval($0 * 86_400)) }
        return offsets.allSatisfy { $0 % 3600 == 0 } ? 60 : 15
    }

    /// The open period: the prepared one if nothing was booked since (same last close, same last receipt), else read anew.
    private func currentPeriod() throws -> DayClosePeriod {
        try ledger.readTransaction {
            let afterSeq = try ledger.lastDayCloseSeq()
            if let prepared, prepared.afterSeq == afterSeq, prepared.lastReceiptNumber == (try ledger.lastReceiptNumber()) { return prepared }
            return try period(after: afterSeq, before: nil)
        }
    }

    // MARK: Preparing and closing

    /// Starts a day close (role: Tagesabschluss): the period, the next Z number and a draft for
    /// the counting screen. Refused without an open shift; a pending card payment shows up in the
    /// draft's problems.
    ///
    /// With `onApproval` the operator is the shift's holder without the role Tagesabschluss (a
    /// clerk): counting needs only the right to close the shift, and the close then a supervisor's
    /// approval on the spot (``close(_:operatorId:approvedBy:onApproval:)``).
    public func prepare(operatorId: String, blindCount: Bool, onApproval: Bool = false) throws -> DayClosePreparation {
        try counter.guarded {
            try accessGuard?.check(onApproval ? .closeShift : .closeDay, operatorId: operatorId)
            guard let op = try ledger.operatorRecord(id: operatorId) else { throw CounterError.unknownOperator(operatorId) }
            let preparation = try ledger.readTransaction {
                guard let shift = try ledger.openShift() else { throw CounterError.noOpenShift }
                let period = try period(after: try ledger.lastDayCloseSeq(), before: nil)
                var draft = DayCloseDraft(
                    register: counter.registerId, operatorName: op.name, policy: settings.policy(blindCount: blindCount), expected: period.expected)
                draft.pendingCardPayments = try ledger.unresolvedCardPayments().count
                draft.cheques = period.cheques.map(\.amount)
                draft.chequeLabels = period.cheques.map(\.reportLabel)
                draft.cardAmountMismatches = period.cardAmountMismatches
                return DayClosePreparation(
                    zNumber: try ledger.nextZNumber(), businessDate: max(try counter.currentBusinessDate(), shift.businessDate), period: period,
                    draft: draft, floatSuggestion: shift.float)
            }
            prepared = preparation.period
            counter.printer?.openDrawer()  // the count starts: the drawer opens (docs/printer.md, "Drawer")
            return preparation
        }
    }

    /// Counted − expected for a count of `counted` now.
    public func difference(counted: Money) throws -> Money {
        try counter.guarded { try counted.subtracting(try ledger.periodTotals().totals.expectedCash) }
    }

    /// Whether closing with `counted` needs a supervisor's approval (difference above the threshold).
    public func needsApproval(counted: Money) throws -> Bool {
        settings.fourEyes.needsApproval(.dayCloseDifference(try difference(counted: counted)))
    }

    /// The audit kind that keeps a terminal End-of-Day's result until the close is booked.
    static let endOfDayAuditKind = AuditEventType.terminalEndOfDay.rawValue

    /// Closes the day for `operatorId` (role: Tagesabschluss), with `approvedBy` the supervisor
    /// who approved a difference above the threshold: checks role and four eyes, count, reason,
    /// approval and pending card payments; runs the terminal's End-of-Day (once per period: a
    /// retry after a failed close reuses its result); books the close with its count, reason,
    /// terminal totals, cheques, float and handover in one transaction; then writes the Z report
    /// file and sends it to the printer. Throws ``DayCloseError``, ``CounterError`` or the access
    /// guard's refusal; nothing is booked then.
    ///
    /// With `onApproval` the operator lacks the role Tagesabschluss: `approvedBy` (with it) must
    /// have approved this close on the spot (``ApprovableAction/dayClose(_:)``, which also covers
    /// the difference) and is recorded on it as its approver.
    public func close(_ request: DayCloseRequest, operatorId: String, approvedBy: String?, onApproval: Bool = false) throws
        -> DayCloseOutcome
    {
        try dayCloseGuarded {
            guard let op = try ledger.operatorRecord(id: operatorId) else { throw CounterError.unknownOperator(operatorId) }
            var approverName: String?
            if let approvedBy {
                guard let approver = try ledger.operatorRecord(id: approvedBy) else { throw CounterError.unknownOperator(approvedBy) }
                guard approver.id != op.id else { throw DayCloseError.approverIsOperator }
                approverName = approver.name
            }
            let period = try currentPeriod()
            let afterSeq = period.afterSeq
            let expected = try period.expected.total()
            // Role and four eyes (with access control): before anything else is checked or the terminal asked.
            let difference = try request.count.total.subtracting(expected)
            let approvalAction: ApprovableAction = onApproval ? .dayClose(difference) : .dayCloseDifference(difference)
            try accessGuard?.check(onApproval ? .closeShift : .closeDay, operatorId: op.id, approval: approvalAction, approvedBy: approvedBy)
            let unresolved = try ledger.unresolvedCardPayments()
            if !unresolved.isEmpty { throw CounterError.unresolvedCardPayment(count: unresolved.count) }
            guard try ledger.openShift() != nil else { throw CounterError.noOpenShift }
            let denominationsTotal = try Money.sum(request.count.lines.map(\.sum))
            guard request.totalOnly || request.count.total == denominationsTotal else {
                throw DayCloseError.notCountedByDenomination
            }
            guard request.floatKept >= .zero, request.floatKept <= request.count.total else {
                throw DayCloseError.floatKeptTooLarge(floatKept: request.floatKept, counted: request.count.total)
            }
            if let seen = request.expectedSeen, seen != expected { throw DayCloseError.expectedChanged(seen: seen, now: expected) }

            var draft = DayCloseDraft(
                register: counter.registerId, operatorName: op.name, policy: settings.policy(blindCount: request.blindCount),
                expected: period.expected)
            if let first = request.firstCountedCash, request.countSubmissions > 1 { draft.submitCount(.standIn(total: first)) }
            draft.submitCount(request.count)
            draft.reason = request.reason.trimmingCharacters(in: .whitespaces)
            draft.approver = approverName
            draft.cheques = period.cheques.map(\.amount)
            draft.chequeLabels = period.cheques.map(\.reportLabel)
            draft.cardAmountMismatches = period.cardAmountMismatches
            if let problem = draft.problems().first { throw DayCloseError.problem(problem) }
            let cashDifference = try draft.difference() ?? CashDifference(expected: expected, counted: request.count.total)

            // The terminal's End-of-Day, before booking (its batch is closed then); kept in the
            // ledger at once so that a retry of a failed close does not ask for it again.
            let endOfDay = try terminalEndOfDay(afterSeq: afterSeq, operatorId: op.id)
            let comparison = CardTotalsComparison(
                ledgerTotal: period.cardTotal, ledgerCount: period.cardCount, terminalTotal: endOfDay.result?.total,
                terminalCount: endOfDay.result?.count)
            draft.cardTotals = comparison

            let (record, detail) = try ledger.transaction { () throws -> (DayCloseRecord, DayCloseDetail) in
                guard let shift = try ledger.openShift() else { throw CounterError.noOpenShift }
                // Nothing booked since the period was read: no new close, no new receipt.
                let after = try ledger.lastDayCloseSeq()
                guard after == afterSeq, try ledger.lastReceiptNumber() == period.lastReceiptNumber else {
                    throw DayCloseError.expectedChanged(seen: expected, now: try ledger.periodTotals().totals.expectedCash)
                }
                let totals = period.dayTotals
                let now = counter.clock.now()
                let record = DayCloseRecord(
                    id: CounterService.newId(), zNumber: try ledger.nextZNumber(), shiftId: shift.id, operatorId: op.id,
                    approvedBy: approvedBy, businessDate: max(try counter.currentBusinessDate(), shift.businessDate), closedAt: now,
                    afterSeq: after, totals: totals, expectedCash: expected, countedCash: request.count.total,
                    difference: cashDifference.amount)
                let entry = try ledger.append(.dayClose(record), at: now)
                if let approvedBy {
                    // The approval backs this close and no other booking.
                    try accessGuard?.recordApprovalUse(approvalAction, operatorId: op.id, approvedBy: approvedBy, bookingSeq: entry.seq, mustBook: false)
                }
                let status: TerminalReconciliation =
                    !comparison.terminalAvailable ? .unavailable : (comparison.isMismatch ? .mismatch : .ok)
                let detail = DayCloseDetail(
                    dayCloseId: record.id, zNumber: record.zNumber, blindCount: request.blindCount,
                    countSubmissions: max(1, request.countSubmissions),
                    firstCountedCash: request.countSubmissions > 1 ? request.firstCountedCash : nil, totalOnly: request.totalOnly,
                    pieces: request.totalOnly ? [:] : Dictionary(uniqueKeysWithValues: request.count.pieces.map { ($0.key.rawValue, $0.value) }),
                    countedCash: request.count.total, reason: draft.reason,
                    differenceAccount: cashDifference.kind == .none
                        ? nil : (cashDifference.kind == .surplus ? settings.surplusAccount : settings.shortfallAccount),
                    approvalThreshold: settings.approvalThreshold, terminalStatus: status,
                    terminalTotal: comparison.terminalTotal, terminalCount: comparison.terminalCount,
                    ledgerCardTotal: period.cardTotal, ledgerCardCount: period.cardCount, terminalNote: endOfDay.note,
                    chequeCount: period.cheques.count, chequeTotal: try period.chequesTotal, floatKept: request.floatKept,
                    handover: try request.count.total.subtracting(request.floatKept))
                try ledger.appendDayCloseDetail(detail, auditId: CounterService.newId(), operatorId: op.id, at: now)
                return (record, detail)
            }
            prepared = nil
            let text = try zReportText(zNumber: record.zNumber, knownPeriod: period)
            var file: String?
            var problem: String?
            do {
                try counter.receiptStore.writeReport(text, name: Self.zReportFileName(record.zNumber))
                file = counter.receiptStore.directory + "/" + Self.zReportFileName(record.zNumber)
            } catch {
                problem =
                    "Die Datei des Z-Berichts \(record.zNumber) ließ sich nicht schreiben (\(error.localizedDescription)); `webkasse` kann ihn aus dem Kassenbuch neu erzeugen."
            }
            counter.printer?.printReport(text, number: record.zNumber)
            // The terminal's own End-of-Day receipt beside the Z report (there is no printer of
            // its own for it), and after it on the printer.
            var terminalReceiptFile: String?
            let terminalReceipt = endOfDay.result.flatMap { Self.terminalReceiptText($0.administrationReceipt, zNumber: record.zNumber, note: endOfDay.note) }
            if let terminalReceipt {
                do {
                    try counter.receiptStore.writeReport(terminalReceipt, name: Self.terminalReceiptFileName(record.zNumber))
                    terminalReceiptFile = counter.receiptStore.directory + "/" + Self.terminalReceiptFileName(record.zNumber)
                } catch {
                    let message =
                        "Die Datei des Kassenschnittbelegs zu Z \(record.zNumber) ließ sich nicht schreiben (\(error.localizedDescription)); `webkasse report z \(record.zNumber)` zeigt ihn aus dem Kassenbuch."
                    problem = problem.map { $0 + " " + message } ?? message
                }
                counter.printer?.printReport(terminalReceipt, number: record.zNumber)
            }
            return DayCloseOutcome(
                record: record, detail: detail, reportText: text, reportFile: file, fileProblem: problem, warnings: draft.warnings(),
                terminalReceiptText: terminalReceipt, terminalReceiptFile: terminalReceiptFile)
        }
    }

    /// Runs (or reuses, within the period) the terminal's End-of-Day and records its result.
    private func terminalEndOfDay(afterSeq: Int64, operatorId: String) throws -> (result: TerminalEndOfDay?, note: String) {
        for stored in try ledger.auditEvents(kinds: [Self.endOfDayAuditKind]).reversed() where stored.seq > afterSeq {
            guard let object = try? JSONSerialization.jsonObject(with: Data(stored.record.detail.utf8)) as? [String: String] else { break }
            let note = object["note"] ?? ""
            guard let cents = object["total_cents"].flatMap(Int64.init) else { return (nil, note) }
            return (
                TerminalEndOfDay(
                    total: Money(cents: cents), count: object["count"].flatMap(Int.init), trace: object["trace"],
                    administrationReceipt: Self.administrationReceipt(object)),
                note
            )
        }
        var fields: [String: String]
        var result: TerminalEndOfDay?
        var note: String
        if let terminal = counter.terminal as? EndOfDayTerminal {
            var fresh: TerminalEndOfDay?
            var failure: CardTerminalError?
            do { fresh = try terminal.endOfDay() } catch { failure = error }
            if let fresh {
                let (totals, earlier) = try withMenuEndOfDays(fresh, afterSeq: afterSeq)
                result = totals
                note =
                    "Kassenschnitt \(counter.terminal?.terminalName ?? "")" + (fresh.trace.map { ", Trace \($0)" } ?? "")
                    + (earlier == 0 ? "" : ", mit \(earlier) Kassenschnitt\(earlier == 1 ? "" : "en") aus dem Terminal-Menü")
                fields = ["total_cents": String(totals.total.cents), "note": note]
                if let count = totals.count { fields["count"] = String(count) }
                if let trace = totals.trace { fields["trace"] = trace }
                if !fresh.administrationReceipt.isEmpty {
                    fields[Self.adminReceiptKey] = fresh.administrationReceipt.map(\.text).joined(separator: "\n")
                    fields[Self.adminReceiptAttributesKey] = fresh.administrationReceipt.map { String(format: "%02X", $0.attribute) }.joined(separator: " ")
                }
            } else {
                note = failure?.description ?? "kein Ergebnis"
                fields = ["note": note]
            }
        } else {
            note = counter.terminal == nil ? "kein Kartenterminal eingerichtet" : "Terminal ohne Kassenschnitt-Funktion"
            fields = ["note": note]
        }
        let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        let now = counter.clock.now()
        try ledger.transaction {
            try ledger.append(
                .audit(
                    AuditRecord(
                        id: CounterService.newId(), kind: Self.endOfDayAuditKind, operatorId: operatorId, detail: String(decoding: data, as: UTF8.self), at: now
                    )),
                at: now)
        }
        return (result, note)
    }

    /// `fresh` plus every End-of-Day run from the terminal menu in this period (audited as
    /// `terminal.command`, ``TerminalFunctions``): each closed a part of the terminal's batch, so
    /// the period's card payments are their sum. The count only when each one has it.
    private func withMenuEndOfDays(_ fresh: TerminalEndOfDay, afterSeq: Int64) throws -> (TerminalEndOfDay, earlier: Int) {
        var total = fresh.total
        var count = fresh.count
        var earlier = 0
        for stored in try ledger.auditEvents(kinds: [AuditEventType.terminalCommand.rawValue]) where stored.seq > afterSeq {
            guard let fields = try? JSONSerialization.jsonObject(with: Data(stored.record.detail.utf8)) as? [String: String],
                fields[AuditField.action] == TerminalFunctions.endOfDayAction, fields[AuditField.result] == "ok",
                let cents = fields[TerminalFunctions.totalField].flatMap(Int64.init)
            else { continue }
            total = try total.adding(Money(cents: cents))
            count = count.flatMap { c in fields["count"].flatMap(Int.init).map { c + $0 } }
            earlier += 1
        }
        return (TerminalEndOfDay(total: total, count: count, trace: fresh.trace, administrationReceipt: fresh.administrationReceipt), earlier)
    }

    // The administration receipt in the End-of-Day's audit event: its lines joined by line feeds,
    // and each line's print attribute (ZVT 13.08 §3.5, Table 16) as two hex digits.
    static let adminReceiptKey = "admin_receipt"
    static let adminReceiptAttributesKey = "admin_receipt_attributes"

    /// The administration receipt kept in an End-of-Day audit event's fields.
    static func administrationReceipt(_ fields: [String: String]) -> [TerminalReceiptLine] {
        guard let text = fields[adminReceiptKey] else { return [] }
        let attributes = (fields[adminReceiptAttributesKey] ?? "").split(separator: " ").map { UInt8($0, radix: 16) ?? 0 }
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map {
            TerminalReceiptLine(String($1), attribute: $0 < attributes.count ? attributes[$0] : 0)
        }
    }

    /// `Z-000007-Terminal.txt`: the terminal's End-of-Day receipt beside the Z report.
    public static func terminalReceiptFileName(_ zNumber: Int64) -> String { "Z-" + String(format: "%06lld", zNumber) + "-Terminal.txt" }

    /// The terminal's End-of-Day receipt as text (42 columns) with a heading naming the Z report;
    /// `nil` when the terminal printed none.
    static func terminalReceiptText(_ lines: [TerminalReceiptLine], zNumber: Int64, note: String, width: Int = TextLayout.receiptWidth)
        -> String?
    {
        guard !lines.isEmpty else { return nil }
        var out = [TextLayout.center("Kassenschnittbeleg des Kartenterminals", width: width), TextLayout.center("zum Z-Bericht \(zNumber)", width: width)]
        if !note.isEmpty { out.append(contentsOf: TextLayout.wrap(note, width: width)) }
        out.append(TextLayout.rule(width))
        out.append(contentsOf: TextLayout.terminalReceipt(lines, width: width))
        out.append(TextLayout.rule(width))
        return out.joined(separator: "\n") + "\n"
    }

    /// The terminal's End-of-Day receipt of the close with `zNumber`, from the ledger (the
    /// End-of-Day's audit event in the close's period); `nil` when the terminal printed none.
    public func terminalReceiptText(zNumber: Int64, width: Int = TextLayout.receiptWidth) throws -> String? {
        try dayCloseGuarded {
            guard let close = try ledger.dayClose(zNumber: zNumber), let closeSeq = try ledger.dayCloseSeq(id: close.id) else {
                throw DayCloseError.unknownZNumber(zNumber)
            }
            let events = try ledger.auditEvents(kinds: [Self.endOfDayAuditKind]).filter { $0.seq > close.afterSeq && $0.seq < closeSeq }
            guard let stored = events.last,
                let fields = try? JSONSerialization.jsonObject(with: Data(stored.record.detail.utf8)) as? [String: String]
            else { return nil }
            return Self.terminalReceiptText(Self.administrationReceipt(fields), zNumber: zNumber, note: fields["note"] ?? "", width: width)
        }
    }

    /// Like `guarded`, but a ``DayCloseError`` stays what it is.
    func dayCloseGuarded<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DayCloseError { throw error } catch let error as CounterError {
            if case .ledger(let inner as DayCloseError) = error { throw inner }
            throw error
        } catch { throw CounterError.ledger(error) }
    }

    // MARK: Reports

    /// `Z-000007.txt`: the Z report's file beside the receipts.
    public static func zReportFileName(_ zNumber: Int64) -> String { "Z-" + String(format: "%06lld", zNumber) + ".txt" }

    /// The Z report of a booked close, rendered from the booked records only (the same text
    /// each time, whatever was booked later).
    public func zReport(zNumber: Int64) throws -> ZReport { try zReport(zNumber: zNumber, knownPeriod: nil) }

    /// `knownPeriod`: the period the close was just booked from (``close(_:operatorId:approvedBy:)`` checked in its
    /// transaction that nothing was booked since), so it is not read a second time.
    func zReport(zNumber: Int64, knownPeriod: DayClosePeriod?) throws -> ZReport {
        try dayCloseGuarded {
            try ledger.readTransaction {
                guard let close = try ledger.dayClose(zNumber: zNumber), let closeSeq = try ledger.dayCloseSeq(id: close.id) else {
                    throw DayCloseError.unknownZNumber(zNumber)
                }
                let period = try knownPeriod ?? period(after: close.afterSeq, before: closeSeq)
                let detail = try ledger.dayCloseDetail(dayCloseId: close.id)
                let operatorName = try ledger.operatorRecord(id: close.operatorId)?.name ?? close.operatorId
                var draft = DayCloseDraft(
                    register: counter.registerId, operatorName: operatorName,
                    policy: DayClosePolicy(
                        approvalThreshold: detail?.approvalThreshold ?? .zero, reasonRequired: true, blindCount: detail?.blindCount ?? false),
                    expected: period.expected)
                if let first = detail?.firstCountedCash { draft.submitCount(.standIn(total: first)) }
                if let detail, !detail.totalOnly {
                    var count = CashCount.empty
                    for (value, pieces) in detail.pieces {
                        if let denomination = Denomination(rawValue: value) { try count.set(denomination, count: pieces) }
                    }
                    draft.submitCount(count)
                } else {
                    draft.submitCount(.standIn(total: close.countedCash))
                }
                // Recounts beyond the second are not listed one by one; the first one is.
                for _ in 2..<max(2, (detail?.countSubmissions ?? 1)) { draft.submitCount(draft.count!) }
                draft.reason = detail?.reason ?? ""
                draft.approver = try close.approvedBy.map { try ledger.operatorRecord(id: $0)?.name ?? $0 }
                draft.cheques = period.cheques.map(\.amount)
                draft.chequeLabels = period.cheques.map(\.reportLabel)
                draft.cardAmountMismatches = period.cardAmountMismatches
                draft.tseNotes = try tseNotes(after: close.afterSeq, before: closeSeq)
                if let detail {
                    draft.cardTotals = CardTotalsComparison(
                        ledgerTotal: detail.ledgerCardTotal, ledgerCount: detail.ledgerCardCount, terminalTotal: detail.terminalTotal,
                        terminalCount: detail.terminalCount)
                }
                let start = period.shift?.openedAt ?? period.firstBookingAt ?? close.closedAt
                return ZReport(
                    register: counter.registerId, zNumber: Int(zNumber), businessDay: BusinessCalendar.germanDate(close.businessDate),
                    periodStart: calendar.germanDate(of: start) + " " + calendar.time(of: start).prefix(5),
                    periodEnd: calendar.germanDate(of: close.closedAt) + " " + calendar.time(of: close.closedAt).prefix(5),
                    totals: period.totals, draft: draft, floatKept: detail?.floatKept ?? .zero)
            }
        }
    }

    /// The Z report's text (42 columns) with what the model does not know: count entered as a sum
    /// only, the difference's account, the terminal's note, and the hash of the close's entry.
    public func zReportText(zNumber: Int64, width: Int = TextLayout.receiptWidth) throws -> String {
        try zReportText(zNumber: zNumber, width: width, knownPeriod: nil)
    }

    func zReportText(zNumber: Int64, width: Int = TextLayout.receiptWidth, knownPeriod: DayClosePeriod?) throws -> String {
        try dayCloseGuarded {
            let report = try zReport(zNumber: zNumber, knownPeriod: knownPeriod)
            guard let close = try ledger.dayClose(zNumber: zNumber) else { throw DayCloseError.unknownZNumber(zNumber) }
            let detail = try ledger.dayCloseDetail(dayCloseId: close.id)
            var lines = try report.lines(width: width)
            if detail?.totalOnly ?? true, let header = lines.firstIndex(where: { $0.hasPrefix("Kassenbestand nach Zählung") }) {
                // Only the sum was entered: no pieces to list.
                let index = header + 2
                while index < lines.count, !lines[index].hasPrefix("  Scheine") { lines.remove(at: index) }
                if index < lines.count {
                    lines.removeSubrange(index..<min(index + 2, lines.count))  // Scheine, Münzen
                    lines.insert("  (nur Summe erfasst, ohne Stückelung)", at: index)
                }
            }
            if let detail, let account = detail.differenceAccount,
                let at = lines.firstIndex(where: { $0.hasPrefix("  Differenz (") })
            {
                lines.insert(TextLayout.columns("  Gebucht auf Konto", account, width: width), at: at + 1)
            }
            if let detail, let at = lines.firstIndex(where: { $0.hasPrefix("Kartenterminal (Kassenschnitt)") }) {
                var index = at + 2
                while index < lines.count, !lines[index].isEmpty { index += 1 }
                lines.insert(contentsOf: TextLayout.wrapped("  " + detail.terminalNote, width: width), at: index)
            }
            // »No Sale« openings of the period (docs/printer.md, "Drawer"): each one audited, counted here.
            let closeSeq = try ledger.dayCloseSeq(id: close.id) ?? Int64.max
            let previousSeq = try ledger.dayClose(zNumber: zNumber - 1).flatMap { try ledger.dayCloseSeq(id: $0.id) } ?? 0
            let noSales = try ledger.auditEvents(kinds: [AuditEventType.drawerOpened.rawValue]).filter { $0.seq > previousSeq && $0.seq < closeSeq }
            lines.append(TextLayout.columns("Schublade ohne Verkauf geöffnet", "\(noSales.count)", width: width))
            if let seq = try ledger.dayCloseSeq(id: close.id), let entry = try ledger.entry(at: seq) {
                lines.append(TextLayout.columns("Prüfwert", String(entry.hash.prefix(16)), width: width))
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// The X report (Zwischenbericht) of the open period as text: nothing is closed. With an
    /// operator (role: Zwischenbericht) the access guard checks the role.
    public func interimReportText(operatorId: String? = nil, width: Int = TextLayout.receiptWidth) throws -> String {
        try counter.guarded {
            if let operatorId { try accessGuard?.check(.interimReport, operatorId: operatorId) }
            let period = try openPeriod()
            let now = counter.clock.now()
            var draft = DayCloseDraft(
                register: counter.registerId, operatorName: try period.shift.flatMap { try ledger.operatorRecord(id: $0.operatorId)?.name } ?? "",
                policy: settings.policy(blindCount: false), expected: period.expected)
            draft.cheques = period.cheques.map(\.amount)
            draft.chequeLabels = period.cheques.map(\.reportLabel)
            draft.cardAmountMismatches = period.cardAmountMismatches
            draft.tseNotes = try tseNotes(after: period.afterSeq, before: nil)
            draft.cardTotals = CardTotalsComparison(
                ledgerTotal: period.cardTotal, ledgerCount: period.cardCount, terminalTotal: nil, terminalCount: nil)
            let start = period.shift?.openedAt ?? period.firstBookingAt ?? now
            let report = ZReport(
                register: counter.registerId, zNumber: Int(try ledger.nextZNumber()),
                businessDay: BusinessCalendar.germanDate(try counter.currentBusinessDate()),
                periodStart: calendar.germanDate(of: start) + " " + calendar.time(of: start).prefix(5),
                periodEnd: calendar.germanDate(of: now) + " " + calendar.time(of: now).prefix(5), totals: period.totals, draft: draft,
                floatKept: .zero, isInterim: true)
            var lines = try report.lines(width: width)
            lines.append(TextLayout.columns("Sollbestand jetzt", try period.expected.total().formatted, width: width))
            return lines.joined(separator: "\n") + "\n"
        }
    }
}

extension DayCloseService {
    /// The TSE's outage in the period, as the X and Z report name it (docs/fiscal.md, "TSE-Ausfall").
    func tseNotes(after: Int64, before: Int64?) throws -> [String] {
        let failures = try counter.ledger.tseFailures(after: after, before: before)
        guard failures.count > 0, let first = failures.first, let last = failures.last else { return [] }
        let calendar = counter.calendar
        func when(_ instant: Instant) -> String { calendar.germanDate(of: instant) + " " + calendar.time(of: instant).prefix(5) }
        return ["TSE ausgefallen: \(failures.count) Vorgang/Vorgänge ohne Signatur von \(when(first)) bis \(when(last))."]
    }
}

extension ReceiptStore {
    /// Writes a report (e.g. `Z-000007.txt`) beside the receipts, atomically.
    public func writeReport(_ text: String, name: String) throws {
        try DataDirectory.createDirectory(directory)
        let url = URL(fileURLWithPath: directory + "/" + name)
        try Data(text.utf8).write(to: url, options: [.atomic])
        chmod(url.path, 0o600)
    }
}
