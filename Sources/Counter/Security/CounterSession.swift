import Access
import Foundation
import KasseCore
import Ledger

/// A refusal of the counter session, as one German sentence.
public enum SessionError: Error, Equatable, CustomStringConvertible {
    /// The open shift belongs to another operator: hand it over first.
    case notShiftHolder(holder: String)
    /// A request names another operator than the one logged in.
    case operatorMismatch(expected: String, got: String)
    /// A handover to the operator who holds the shift.
    case handoverToSelf
    /// The receiver of an Abschöpfung is the operator handing it over.
    case receiverIsHandingOver
    case noOpenShift

    public var description: String {
        switch self {
        case .notShiftHolder(let holder):
            return "Die offene Schicht gehört »\(holder)«; zuerst die Kasse mit Zählung übergeben (Übergabe)."
        case .operatorMismatch(let expected, let got):
            return "Die Buchung nennt den Bediener »\(got)«, angemeldet ist »\(expected)«."
        case .handoverToSelf:
            return "Die Kasse kann nicht an den Bediener übergeben werden, dem die Schicht schon gehört."
        case .receiverIsHandingOver:
            return "Wer das Geld für die Stadtkasse annimmt, muss eine andere Person sein als wer es übergibt."
        case .noOpenShift:
            return "Es ist keine Schicht offen."
        }
    }
}

/// A drawer handed from one operator to another with a count (Übergabe).
public struct Handover: Equatable, Sendable {
    public let shiftId: String
    public let fromId: String
    public let toId: String
    public let expectedCash: Money
    public let countedCash: Money
    public var difference: Money { get throws(MoneyError) { try countedCash.subtracting(expectedCash) } }
}

/// Who receives an Abschöpfung for the Stadtkasse: a name, or an operator who confirmed with
/// id and PIN (only ``CounterSession/stadtkasseReceiver(login:pin:)`` makes one with an id).
public struct StadtkasseReceiver: Equatable, Sendable {
    public let name: String
    public let operatorId: String?

    init(name: String, operatorId: String?) {
        self.name = name
        self.operatorId = operatorId
    }

    /// A receiver named only (not an operator of this register): 2 to 60 characters.
    public static func named(_ name: String) throws -> StadtkasseReceiver {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard (2...60).contains(trimmed.count) else {
            throw CounterError.missingDetail("der Name der Person, die für die Stadtkasse annimmt (2 bis 60 Zeichen)")
        }
        return StadtkasseReceiver(name: trimmed, operatorId: nil)
    }
}

/// The counter as one logged-in operator uses it: every operation checks the operator's roles
/// (read from the ledger, so a change counts at once), who holds the shift, and the four-eyes
/// rules, then calls the ``CounterService`` with the operator and the approver. The counter screen
/// works only through a session; a session exists only after a log-in with id and PIN.
public final class CounterSession {
    public let service: CounterService
    public let access: AccessControl
    /// The logged-in operator (roles as of the last check).
    public private(set) var currentOperator: OperatorAccount

    init(service: CounterService, access: AccessControl, operator account: OperatorAccount) {
        self.service = service
        self.access = access
        self.currentOperator = account
    }

    /// Logs in with id and PIN (audited; the fifth wrong PIN locks). Throws ``AccessError``.
    public static func logIn(service: CounterService, access: AccessControl, login: String, pin: String) throws -> CounterSession {
        CounterSession(service: service, access: access, operator: try access.logIn(login: login, pin: pin))
    }

    /// Ends the session (log-out or screen lock), audited.
    public func logOut(screenLocked: Bool = false) throws {
        try access.recordLogout(currentOperator, screenLocked: screenLocked)
    }

    /// Checks `permission` against the operator's current roles (a refusal is audited).
    private func check(_ permission: Permission) throws {
        currentOperator = try access.authorize(permission, currentOperator)
    }

    private var id: String { currentOperator.id }

    // MARK: Shift and handover

    /// The operator who holds the open shift: who opened it, or the receiver of its last handover.
    public func shiftHolder() throws -> String? {
        guard let shift = try service.openShift() else { return nil }
        var holder = shift.operatorId
        for recorded in try access.store.auditEvents([.shiftHandover]) {
            let event = recorded.event
            if event.fields["shift"] == shift.id, let to = event.fields[AuditField.to] { holder = to }
        }
        return holder
    }

    private func requireShiftHolder() throws {
        guard let holder = try shiftHolder() else { throw SessionError.noOpenShift }
        guard holder == id else {
            throw SessionError.notShiftHolder(holder: try access.account(id: holder)?.login ?? holder)
        }
    }

    /// Opens a shift with the counted float; the shift belongs to this operator.
    @discardableResult
    public func openShift(float: Money) throws -> ShiftRecord {
        try check(.openShift)
        return try service.openShift(operatorId: id, float: float)
    }

    /// Hands the drawer to `login`, who confirms with their own PIN at the counter; `countedCash`
    /// is what the two counted together. From then on the shift belongs to the receiver.
    @discardableResult
    public func handOver(to login: String, pin: String, countedCash: Money) throws -> Handover {
        try check(.handOverShift)
        try requireShiftHolder()
        guard let shift = try service.openShift() else { throw SessionError.noOpenShift }
        guard countedCash >= .zero, countedCash <= Money.maximumEntry else {
            throw CounterError.invalidAmount("Der gezählte Bestand muss zwischen 0,00 € und \(Money.maximumEntry.formatted) liegen.")
        }
        let receiver = try access.logIn(login: login, pin: pin)
        guard receiver.id != id else { throw SessionError.handoverToSelf }
        _ = try access.authorize(.handOverShift, receiver)
        let expected = try service.interimReport().expectedCash
        let handover = Handover(shiftId: shift.id, fromId: id, toId: receiver.id, expectedCash: expected, countedCash: countedCash)
        try access.record(
            .shiftHandover, actor: id,
            fields: [
                "shift": shift.id, AuditField.from: id, AuditField.to: receiver.id, AuditField.subject: receiver.id,
                AuditField.expected: String(expected.cents), AuditField.counted: String(countedCash.cents),
                "difference_cents": String(handover.difference.cents),
            ])
        service.printer?.openDrawer()  // the two count the drawer together (docs/printer.md, "Drawer")
        return handover
    }

    /// The session continues with the receiver of a handover (the screen switches to them).
    public func continuing(as handover: Handover) throws -> CounterSession {
        guard let receiver = try access.account(id: handover.toId), try shiftHolder() == receiver.id else { throw SessionError.noOpenShift }
        return CounterSession(service: service, access: access, operator: receiver)
    }

    // MARK: Counter work

    /// Books a sale for this operator, who must hold the shift.
    public func bookSale(_ request: SaleRequest) throws -> SaleOutcome {
        try check(.sell)
        guard request.operatorId == id else {
            throw SessionError.operatorMismatch(expected: currentOperator.login, got: try access.account(id: request.operatorId)?.login ?? request.operatorId)
        }
        try requireShiftHolder()
        return try service.bookSale(request)
    }

    /// A second person's approval, asked at the counter (their id and PIN). See ``FourEyesRules``.
    public func approval(for action: ApprovableAction, approverLogin: String, pin: String, reference: String? = nil) throws -> Approval {
        try access.approve(action, requestedBy: currentOperator, approverLogin: approverLogin, pin: pin, reference: reference)
    }

    /// Whether `action` needs a second person's approval.
    public func needsApproval(_ action: ApprovableAction) -> Bool { access.fourEyes.needsApproval(action) }

    /// Cancels a whole sale. Needs the approval of a second operator with Kassenaufsicht, who is
    /// recorded on the storno booking (`approved_by`).
    public func cancelSale(receiptNumber: Int64, stornoId: String, reason: String, approval: Approval?, cardReversal: CardReversalChoice = .onTerminal) throws
        -> StornoOutcome
    {
        try check(.requestStorno)
        try requireShiftHolder()
        try access.fourEyes.require(.storno, requestedBy: id, approval: approval)
        let outcome = try service.cancelSale(
            receiptNumber: receiptNumber, stornoId: stornoId, operatorId: id, reason: reason, approvedBy: approval?.approverID, cardReversal: cardReversal)
        if !outcome.alreadyBooked {
            try access.record(
                .stornoApproved, actor: id,
                fields: [
                    "receipt": String(outcome.storno.receiptNumber), AuditField.reference: String(receiptNumber),
                    AuditField.approver: approval?.approverID ?? "",
                ])
        }
        return outcome
    }

    /// Books an Einlage (no approval) or an Entnahme / Abschöpfung (approval of a second operator
    /// with Kassenaufsicht, recorded on the booking).
    public func recordCashMovement(id movementId: String, kind: CashMovementKind, amount: Money, reason: String, approval: Approval?) throws -> (
        movement: CashMovementRecord, receipt: DeliveredReceipt
    ) {
        switch kind {
        case .einlage:
            try check(.depositCash)
        case .entnahme, .abschoepfung:
            try check(.withdrawCash)
            try access.fourEyes.require(.cashWithdrawal(amount), requestedBy: id, approval: approval)
        }
        try requireShiftHolder()
        return try service.recordCashMovement(
            id: movementId, kind: kind, amount: amount, reason: reason, operatorId: id, approvedBy: kind == .einlage ? nil : approval?.approverID)
    }

    /// The person of the Stadtkasse who receives an Abschöpfung: an operator confirming with their
    /// own id and PIN (audited as `receive:stadtkasse`), not the one handing over.
    public func stadtkasseReceiver(login: String, pin: String) throws -> StadtkasseReceiver {
        guard login.trimmingCharacters(in: .whitespaces).lowercased() != currentOperator.login else { throw SessionError.receiverIsHandingOver }
        let receiver = try access.confirmIdentity(login: login, pin: pin, purpose: "receive:stadtkasse")
        return StadtkasseReceiver(name: receiver.name, operatorId: receiver.id)
    }

    /// Hands `amount` to the Stadtkasse (Abschöpfung): as an Entnahme, with the approval of a
    /// second operator with Kassenaufsicht; the receiver and the count (if counted by piece) are
    /// booked with it (docs/dayclose.md, "Abschöpfung an die Stadtkasse").
    public func transferToStadtkasse(
        id movementId: String, amount: Money, pieces: [Int64: Int], receiver: StadtkasseReceiver, note: String, approval: Approval?
    ) throws -> (movement: CashMovementRecord, receipt: DeliveredReceipt) {
        try check(.withdrawCash)
        try access.fourEyes.require(.cashWithdrawal(amount), requestedBy: id, approval: approval)
        try requireShiftHolder()
        let reason = note.trimmingCharacters(in: .whitespaces).isEmpty ? "Abschöpfung" : note
        return try service.recordCashMovement(
            id: movementId, kind: .abschoepfung, amount: amount, reason: reason, operatorId: id, approvedBy: approval?.approverID,
            transfer: StadtkasseTransfer(receivedBy: receiver.name, receivedByOperator: receiver.operatorId, pieces: pieces))
    }

    /// Settles by hand a card payment the terminal cannot settle; needs the approval of a second
    /// operator with Kassenaufsicht, recorded on the resolution.
    public func settleCardPaymentByHand(pendingId: String, _ decision: CardSettlementByHand, note: String, approval: Approval?) throws
        -> CardSettledByHand
    {
        try check(.sell)
        try access.fourEyes.require(.cardSettlementByHand, requestedBy: id, approval: approval)
        guard let approval else { throw AccessError.approvalRequired(.cardSettlementByHand) }
        return try service.settleCardPaymentByHand(pendingId: pendingId, decision, note: note, operatorId: id, approvedBy: approval.approverID)
    }

    /// Asks the terminal again about every open card payment.
    public func resolvePendingCardPayments() throws -> [RecoveryOutcome] {
        try check(.sell)
        return try service.resolvePendingCardPayments()
    }

    /// Prints a copy (Kopie) of a booked receipt.
    public func reprint(receiptNumber: Int64) throws -> DeliveredReceipt {
        try check(.reprintReceipt)
        return try service.reprint(receiptNumber: receiptNumber, operatorId: id)
    }

    /// The terminal menu's functions (role: Kassenaufsicht; a refusal is audited), each run audited.
    public func terminalFunctions() throws -> TerminalFunctions {
        try check(.operateTerminal)
        return TerminalFunctions(service: service, access: access, operatorId: id)
    }

    /// The interim (X) report.
    public func interimReport() throws -> InterimReport {
        try check(.interimReport)
        return try service.interimReport()
    }
}
