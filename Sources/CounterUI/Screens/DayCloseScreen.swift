import Counter
import Foundation
import KasseCore

// The day close (Tagesabschluss) at the counter (docs/dayclose.md): count the drawer by
// denomination (or enter the sum), optionally blind; see the difference against the Sollbestand,
// give a reason, get a supervisor's approval above the threshold; then the Z report on screen
// (and printed). Also the X report (Zwischenbericht).

/// What the day-close screens need from the application (the counter service through the
/// logged-in session). Every throwing call throws one German sentence; nothing is booked then.
public protocol DayCloseBackend: AnyObject {
    /// Starts a day close: the Sollbestand (shown only after counting when `blindCount`), Z number, cheques.
    func prepareDayClose(blindCount: Bool) throws -> DayCloseSheet
    /// Whether a close with `counted` needs a supervisor's approval (difference above the threshold).
    func dayCloseNeedsApproval(counted: Money) throws -> Bool
    /// Books the close (with the approver's id and PIN when needed) and returns the Z report lines,
    /// which are also written beside the receipts and printed.
    func closeDay(_ request: DayCloseRequest, approverLogin: String?, approverPIN: String?) throws -> DayCloseDone
    /// The X report (nothing is closed) as lines, with the bar chart of sales per hour.
    func interimReportLines() throws -> [String]
    /// Sends the X report to the receipt printer (docs/printer.md); returns what the clerk is told.
    func printInterimReport() throws -> String
}

extension DayCloseBackend {
    public func printInterimReport() throws -> String { throw CounterUserError("An dieser Kasse ist kein Bondrucker eingerichtet.") }
}

/// A day close as the counting screen starts it.
public struct DayCloseSheet: Equatable, Sendable {
    public var zNumber: Int64
    /// `27.11.2026`.
    public var businessDay: String
    /// The Sollbestand (float + cash in − change − storno payouts ± movements).
    public var expected: Money
    public var floatSuggestion: Money
    public var cheques: [Money]
    /// Card payments with an open outcome: they block the close.
    public var pendingCardPayments: Int
    public var approvalThreshold: Money
    /// The operator lacks the role Tagesabschluss (a clerk holding the shift): a supervisor
    /// approves the close on the spot with Kennung and PIN, whatever the difference.
    public var closesOnApproval: Bool

    public init(
        zNumber: Int64, businessDay: String, expected: Money, floatSuggestion: Money, cheques: [Money] = [],
        pendingCardPayments: Int = 0, approvalThreshold: Money, closesOnApproval: Bool = false
    ) {
        self.closesOnApproval = closesOnApproval
        self.zNumber = zNumber
        self.businessDay = businessDay
        self.expected = expected
        self.floatSuggestion = floatSuggestion
        self.cheques = cheques
        self.pendingCardPayments = pendingCardPayments
        self.approvalThreshold = approvalThreshold
    }

    public var chequesTotal: Money { get throws(MoneyError) { try Money.sum(cheques) } }
}

/// A booked close: its Z report and where it went.
public struct DayCloseDone: Equatable, Sendable {
    public var zNumber: Int64
    public var reportLines: [String]
    /// "Z-Bericht gespeichert unter … und an den Drucker gesendet." or a problem.
    public var note: String
    /// Terminal totals missing or not matching (shown, recorded, not blocking).
    public var warnings: [String]

    public init(zNumber: Int64, reportLines: [String], note: String, warnings: [String] = []) {
        self.zNumber = zNumber
        self.reportLines = reportLines
        self.note = note
        self.warnings = warnings
    }
}

/// The counting screen: one field per denomination with the sums as you type, or the sum alone;
/// blind count; Sollbestand and difference (after counting when blind); reason; float for tomorrow.
final class DayCloseCountScreen: BoundScreen {
    enum Action: Sendable { case toggleBlind, counted, close, next, previous, cancel }

    var title: String { "Tagesabschluss" }
    let backend: DayCloseBackend
    let flow: CounterFlow
    private(set) var sheet: DayCloseSheet
    private(set) var blind: Bool
    /// How often the clerk confirmed a count (F5); with a blind count the Sollbestand shows after the first.
    private(set) var countSubmissions = 0
    private(set) var firstCountedCash: Money?
    /// Pieces per denomination (counting order), then Summe, Grund, Wechselgeld für morgen.
    var fields: [TextField]
    var focusIndex = 0

    static let denominations = Denomination.countingOrder
    var totalIndex: Int { Self.denominations.count }
    var reasonIndex: Int { totalIndex + 1 }
    var floatIndex: Int { totalIndex + 2 }

    init(backend: DayCloseBackend, flow: CounterFlow, sheet: DayCloseSheet, blind: Bool) {
        self.backend = backend
        self.flow = flow
        self.sheet = sheet
        self.blind = blind
        fields = Self.denominations.map { TextField(label: $0.label, kind: .digits, maxLength: 5) }
        fields.append(TextField(label: "Summe", kind: .amount, maxLength: 10))
        fields.append(TextField(label: "Grund", kind: .text, maxLength: 60))
        fields.append(TextField(label: "Wechselgeld für morgen", kind: .amount, maxLength: 10, text: sheet.floatSuggestion.formattedNumber))
    }

    /// Opens the counting screen (a blind count unless the office turned it off).
    static func open(backend: DayCloseBackend, flow: CounterFlow, stack: ScreenStack, blind: Bool = true) {
        do {
            let sheet = try backend.prepareDayClose(blindCount: blind)
            stack.replaceTop(with: DayCloseCountScreen(backend: backend, flow: flow, sheet: sheet, blind: blind))
            if sheet.pendingCardPayments > 0 {
                stack.push(
                    UnresolvedCardPaymentsScreen(
                        flow: flow,
                        reason:
                            "\(sheet.pendingCardPayments) Kartenzahlung(en) mit offenem Ergebnis: der Tagesabschluss ist erst nach der Klärung möglich."))
            }
        } catch {
            stack.showError("\(error)")
        }
    }

    // MARK: State

    /// The count by denomination as typed (nil and the sentence when a field is not a number).
    func piecesCount() throws -> CashCount {
        var count = CashCount.empty
        for (index, denomination) in Self.denominations.enumerated() {
            let text = fields[index].text
            guard !text.isEmpty else { continue }
            guard let pieces = Int(text) else { throw CounterUserError("Zählung \(denomination.label): »\(text)« ist keine Stückzahl.") }
            do { try count.set(denomination, count: pieces) } catch { throw CounterUserError(error.description) }
        }
        return count
    }

    var hasPieces: Bool { fields.prefix(Self.denominations.count).contains { !$0.isEmpty } }

    /// The counted cash: the sum of the pieces, or the Summe field alone. Both given must agree.
    func counted() throws -> (count: CashCount, totalOnly: Bool)? {
        let pieces = try piecesCount()
        let totalText = fields[totalIndex].text.trimmingCharacters(in: .whitespaces)
        if totalText.isEmpty { return hasPieces ? (pieces, false) : nil }
        let total = try parseAmount(totalText, field: "Summe", allowZero: true)
        if hasPieces {
            guard total == pieces.total else {
                throw CounterUserError("Die Summe \(total.formatted) stimmt nicht mit der Stückelung \(pieces.total.formatted) überein; bitte prüfen.")
            }
            return (pieces, false)
        }
        return (.standIn(total: total), true)
    }

    /// The Sollbestand may be shown: not blind, or counted once.
    var expectedVisible: Bool { !blind || countSubmissions > 0 }

    var difference: Money? {
        guard expectedVisible, let counted = try? counted() else { return nil }
        return try? counted.count.total.subtracting(sheet.expected)
    }

    // MARK: Keys

    var bindings: [KeyBinding<Action>] {
        [
            KeyBinding(
                [.function(4)], blind ? "Blind: an" : "Blind: aus", help: "Blindzählung ein/aus (Sollbestand erst nach der Zählung zeigen)",
                action: .toggleBlind, disabledReason: countSubmissions > 0 ? "Nach der ersten Zählung lässt sich die Blindzählung nicht mehr ändern." : nil),
            KeyBinding([.function(5)], "Gezählt", help: "Zählung bestätigen: zeigt Sollbestand und Differenz", action: .counted),
            KeyBinding(
                [.function(10), .control("w")], "Abschließen", help: "Tag abschließen (Z-Bericht, Kassenschnitt am Terminal)", action: .close,
                disabledReason: sheet.pendingCardPayments > 0 ? "Eine Kartenzahlung ist noch ungeklärt: erst klären, dann abschließen." : nil),
            KeyBinding([.tab, .down, .enter], "", help: "Nächstes Feld", action: .next, inBar: false),
            KeyBinding([.backTab, .up], "", help: "Vorheriges Feld", action: .previous, inBar: false),
            KeyBinding([.escape], "Zurück", help: "Abbrechen, nichts wird gebucht", action: .cancel, inBar: false),
        ]
    }

    func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        switch action {
        case .toggleBlind:
            blind.toggle()
        case .next:
            if let problem = fields[focusIndex].problem {
                stack.showError(problem)
                return .handled
            }
            focusIndex = (focusIndex + 1) % fields.count
        case .previous:
            focusIndex = (focusIndex + fields.count - 1) % fields.count
        case .cancel:
            stack.pop(through: self)
            stack.showNotice("Tagesabschluss abgebrochen; nichts wurde gebucht.")
        case .counted:
            submitCount(stack: stack)
        case .close:
            close(stack: stack)
        }
        return .handled
    }

    /// Confirms the count: shows the Sollbestand (blind) and the difference; the first count is kept.
    @discardableResult
    func submitCount(stack: ScreenStack) -> Bool {
        do {
            guard let counted = try counted() else {
                focusIndex = 0
                throw CounterUserError("Bitte die Kasse zählen: Stückzahl je Sorte oder die Summe eingeben.")
            }
            if firstCountedCash == nil { firstCountedCash = counted.count.total }
            countSubmissions += 1
            keepOnlyWhatWasCounted(counted.count.total)
            let difference = try counted.count.total.subtracting(sheet.expected)
            if difference.isZero {
                stack.showNotice("Gezählt \(counted.count.total.formatted) – stimmt mit dem Sollbestand überein.")
            } else {
                focusIndex = reasonIndex
                stack.showNotice(
                    "Gezählt \(counted.count.total.formatted), Soll \(sheet.expected.formatted): \(Self.kind(difference)) \(difference.magnitude.formatted). Neu zählen oder Grund angeben."
                )
            }
            return true
        } catch {
            stack.showError("\(error)")
            return false
        }
    }

    /// The float for tomorrow is preset to the suggestion; when less was counted, the preset
    /// becomes what can be kept (all of it). A value the clerk typed is left alone.
    func keepOnlyWhatWasCounted(_ counted: Money) {
        let preset = sheet.floatSuggestion.formattedNumber
        guard fields[floatIndex].text == preset, counted < sheet.floatSuggestion else { return }
        fields[floatIndex].setText(counted.formattedNumber)
    }

    static func kind(_ difference: Money) -> String { difference.isZero ? "keine Differenz" : (difference.isNegative ? "Fehlbetrag" : "Überschuss") }

    func request() throws -> DayCloseRequest {
        guard let counted = try counted() else { throw CounterUserError("Bitte die Kasse zählen: Stückzahl je Sorte oder die Summe eingeben.") }
        let floatText = fields[floatIndex].text.trimmingCharacters(in: .whitespaces)
        let floatKept = floatText.isEmpty ? Money.zero : try parseAmount(floatText, field: "Wechselgeld für morgen", allowZero: true)
        return DayCloseRequest(
            count: counted.count, totalOnly: counted.totalOnly, blindCount: blind,
            firstCountedCash: countSubmissions > 1 ? firstCountedCash : nil, countSubmissions: max(1, countSubmissions),
            reason: fields[reasonIndex].text.trimmingCharacters(in: .whitespaces), floatKept: floatKept, expectedSeen: sheet.expected)
    }

    func close(stack: ScreenStack) {
        // A blind count first shows the Sollbestand: the clerk may count again before closing.
        if expectedVisible == false || countSubmissions == 0 {
            if submitCount(stack: stack), !(difference?.isZero ?? true) { return }
            if countSubmissions == 0 { return }
        }
        do {
            if let counted = try counted() { keepOnlyWhatWasCounted(counted.count.total) }
            let request = try self.request()
            let difference = try request.count.total.subtracting(sheet.expected)
            if !difference.isZero && request.reason.count < 3 {
                focusIndex = reasonIndex
                throw CounterUserError("\(Self.kind(difference)) von \(difference.magnitude.formatted): bitte einen Grund angeben (mindestens 3 Zeichen).")
            }
            guard request.floatKept <= request.count.total else {
                focusIndex = floatIndex
                throw CounterUserError(
                    "Das Wechselgeld für morgen (\(request.floatKept.formatted)) ist größer als der gezählte Bestand (\(request.count.total.formatted)).")
            }
            if try backend.dayCloseNeedsApproval(counted: request.count.total) {
                stack.push(DayCloseApprovalDialog(screen: self, request: request, difference: difference))
                return
            }
            finish(try backend.closeDay(request, approverLogin: nil, approverPIN: nil), stack: stack)
        } catch {
            stack.showError("\(error)")
        }
    }

    /// Shows the Z report; leaving it logs out (the day is closed, the next step is a new shift).
    func finish(_ done: DayCloseDone, stack: ScreenStack) {
        let report = ReportScreen(title: "Tagesabschluss Z \(done.zNumber)", lines: done.reportLines)
        report.onClose = { [flow] stack in flow.logOut(stack: stack) }
        stack.reset(to: report)
        stack.showNotice(([done.note] + done.warnings).joined(separator: " "))
    }

    func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult {
        switch fields[focusIndex].handle(key) {
        case .refused(let reason): stack.showError(reason)
        case .ignored, .changed, .unchanged: if let problem = fields[focusIndex].typingProblem { stack.showError(problem) }
        }
        return .handled
    }

    // MARK: Drawing

    func render(into grid: inout ScreenGrid, in area: Rect) {
        grid.fill(area)
        var header = " Tagesabschluss Z \(sheet.zNumber) · Geschäftstag \(sheet.businessDay)"
        header += blind ? " · Blindzählung" : ""
        grid.put(header, row: area.row, column: 0, width: area.width, style: .emphasis)
        let pieces = try? piecesCount()
        let notes = Self.denominations.filter(\.isNote)
        let coins = Self.denominations.filter { !$0.isNote }
        func column(_ list: [Denomination], title: String, at left: Int, offset: Int) {
            grid.put(title, row: area.row + 2, column: left, style: .dim)
            for (i, denomination) in list.enumerated() {
                let index = offset + i
                let row = area.row + 3 + i
                let focused = index == focusIndex
                grid.put(
                    (focused ? "▶" : " ") + ScreenGrid.fit(denomination.label, width: 6, alignRight: true), row: row, column: left,
                    style: focused ? .emphasis : .normal)
                grid.put("×", row: row, column: left + 8, style: .dim)
                fields[index].render(into: &grid, row: row, column: left + 10, width: 6, focused: focused)
                let sum = Money(cents: denomination.rawValue * Int64(pieces?.count(of: denomination) ?? 0))
                grid.put(ScreenGrid.fit(sum.formatted, width: 13, alignRight: true), row: row, column: left + 17, style: sum.isZero ? .dim : .normal)
            }
        }
        column(notes, title: "  Scheine   Stück            Summe", at: 1, offset: 0)
        column(coins, title: "  Münzen    Stück            Summe", at: 41, offset: notes.count)
        var row = area.row + 3 + notes.count
        grid.put("  Scheine: " + ScreenGrid.fit((pieces?.notesTotal ?? .zero).formatted, width: 19, alignRight: true), row: row, column: 1, style: .normal)
        row = area.row + 3 + coins.count
        grid.put("  Münzen:  " + ScreenGrid.fit((pieces?.coinsTotal ?? .zero).formatted, width: 19, alignRight: true), row: row, column: 41, style: .normal)

        row += 2
        func field(_ index: Int, _ label: String, at rowIndex: Int, left: Int = 1, width: Int) {
            let focused = index == focusIndex
            grid.put((focused ? "▶ " : "  ") + label, row: rowIndex, column: left, style: focused ? .emphasis : .normal)
            fields[index].render(into: &grid, row: rowIndex, column: left + 2 + label.count + 1, width: width, focused: focused)
        }
        field(totalIndex, "Oder nur die Summe:", at: row, width: 11)
        let counted = try? counted()
        let countedText = counted.map { $0.count.total.formatted } ?? "–"
        grid.put("Gezählt (Ist): " + ScreenGrid.fit(countedText, width: 13, alignRight: true), row: row, column: 41, style: .emphasis)
        row += 1
        let expectedText = expectedVisible ? sheet.expected.formatted : "(erst nach der Zählung, F5)"
        grid.put("  Sollbestand: " + expectedText, row: row, column: 1, style: expectedVisible ? .normal : .dim)
        if let difference {
            let text = "Differenz: " + difference.formatted + " " + Self.kind(difference)
            grid.put(text, row: row, column: 41, style: difference.isZero ? .normal : .error, maxWidth: area.width - 41)
        }
        row += 1
        field(reasonIndex, "Grund der Differenz:", at: row, width: 55)
        row += 1
        field(floatIndex, "Wechselgeld für morgen:", at: row, width: 11)
        let floatKept = (try? parseAmount(fields[floatIndex].text, field: "", allowZero: true)) ?? .zero
        if let counted, let rest = try? counted.count.total.subtracting(floatKept) {
            let handover = max(.zero, rest)
            grid.put("An die Stadtkasse: " + ScreenGrid.fit(handover.formatted, width: 10, alignRight: true), row: row, column: 41, style: .normal)
        }
        row += 1
        let cheques = sheet.cheques.isEmpty ? "keine" : "\(sheet.cheques.count) × zusammen \((try? sheet.chequesTotal)?.formatted ?? "–") (an die Stadtkasse)"
        grid.put("  Schecks: " + cheques, row: row, column: 1, style: .dim, maxWidth: area.width - 2)
        if row + 1 < area.bottom {
            grid.put(
                "  F5 Zählung bestätigen · F10 Tag abschließen (mit Kassenschnitt) · Esc zurück",
                row: row + 1, column: 1, style: .dim, maxWidth: area.width - 2)
        }
    }
}

/// A difference above the threshold, or any close by a clerk: a second person with Kassenaufsicht
/// approves on the spot with id and PIN (the clerk stays logged in).
final class DayCloseApprovalDialog: FormScreen {
    init(screen: DayCloseCountScreen, request: DayCloseRequest, difference: Money) {
        var intro = [
            "Tagesabschluss: \(DayCloseCountScreen.kind(difference)) \(difference.magnitude.formatted)",
            "(Soll \(screen.sheet.expected.formatted), gezählt \(request.count.total.formatted))",
        ]
        if !request.reason.isEmpty { intro.append("Grund: \(request.reason)") }
        intro.append(
            screen.sheet.closesOnApproval
                ? "Eine Kassenaufsicht schließt den Tag mit ab (Kennung und PIN):" : "Eine zweite Person mit Kassenaufsicht gibt frei:")
        super.init(
            title: "Freigabe durch Kassenaufsicht",
            intro: intro,
            fields: [
                .login(),
                .pin(),
            ],
            submitLabel: "Freigeben"
        ) { form, stack in
            guard !form.value(0).isEmpty else {
                form.focusIndex = 0
                throw CounterUserError("Bitte die Kennung der Kassenaufsicht eingeben.")
            }
            do {
                let done = try screen.backend.closeDay(request, approverLogin: form.value(0), approverPIN: form.value(1))
                screen.finish(done, stack: stack)
                return false
            } catch {
                form.fields[1].clear()
                form.focusIndex = 1
                throw error
            }
        }
    }
}

/// A report (Z or X) on screen, scrollable; the bar chart of sales per hour is part of its lines.
final class ReportScreen: BoundScreen {
    enum Action: Sendable { case up, down, top, bottom, print }
    let title: String
    let lines: [String]
    private(set) var offset = 0
    /// Instead of going back (after the day close: log out).
    var onClose: ((ScreenStack) -> Void)?
    /// Prints the report (F4), when it can be printed; returns what the clerk is told.
    var onPrint: (() throws -> String)?

    /// The report's lines, each longer than the screen (74 columns beside the margin) wrapped.
    init(title: String, lines: [String]) {
        self.title = title
        self.lines = wrapLines(lines, width: ScreenStack.minimumWidth - 6)
    }

    var bindings: [KeyBinding<Action>] {
        [
            KeyBinding([.pageDown, .down], "", help: "Weiterblättern", action: .down, inBar: false),
            KeyBinding([.pageUp, .up], "", help: "Zurückblättern", action: .up, inBar: false),
            KeyBinding([.home], "", help: "Zum Anfang", action: .top, inBar: false),
            KeyBinding([.end], "", help: "Zum Ende (Umsatz je Stunde)", action: .bottom, inBar: false),
        ] + (onPrint == nil ? [] : [KeyBinding([.function(4)], "Drucken", help: "Bericht auf dem Bondrucker drucken", action: .print)])
    }

    var pageHeight = 17

    func perform(_ action: Action, stack: ScreenStack) -> HandlerResult {
        let last = max(0, lines.count - pageHeight)
        switch action {
        case .down: offset = min(offset + pageHeight, last)
        case .up: offset = max(0, offset - pageHeight)
        case .top: offset = 0
        case .bottom: offset = last
        case .print:
            do {
                if let onPrint { stack.showNotice(try onPrint()) }
            } catch { stack.showError("\(error)") }
        }
        return .handled
    }

    func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult {
        guard key == .escape || key == .enter else { return .handled }
        if let onClose {
            onClose(stack)
            return .handled
        }
        return .close
    }

    func render(into grid: inout ScreenGrid, in area: Rect) {
        grid.fill(area)
        pageHeight = max(1, area.height - 3)
        grid.put(" \(title)", row: area.row, column: 0, width: area.width, style: .emphasis)
        for (i, line) in lines.dropFirst(offset).prefix(pageHeight).enumerated() {
            grid.put(line, row: area.row + 1 + i, column: 4, style: .normal, maxWidth: area.width - 6)
        }
        grid.cursor = Position(row: area.row + 1, column: 4)
        let shown = "(\(min(lines.count, offset + 1))–\(min(lines.count, offset + pageHeight)) von \(lines.count))"
        grid.put(
            " ↑/↓ blättern · Ende: je Stunde · Esc " + (onClose == nil ? "zurück" : "fertig, abmelden") + "  " + shown,
            row: area.bottom - 1, column: 0, style: .dim, maxWidth: area.width)
    }
}
