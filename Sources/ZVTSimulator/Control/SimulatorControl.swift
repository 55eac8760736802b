/// How the next transactions turn out: set by tests in-process or over the control port.
///
/// Precedence for each card transaction: the `next` queue, then the connection's script, then
/// the sticky setting, then the amount rules (``AmountRules``).
// @unchecked Sendable: all state is in `state` and only reached through its lock.
public final class SimulatorControl: @unchecked Sendable {
    private struct State {
        var next: [Scenario] = []
        var pendingScript: [Scenario]? = nil
        var sticky: Scenario? = nil
        var endOfDayRequired = false
        var banner = false
        var closeAfterSequence = false
        var tlvRegistrationRefusal = TLVRegistrationRefusal.off
        var endOfDayReport = EndOfDayReport.single
        var printLines = PrintLineLayout.standard
        var printCharacterSetTag = PrintCharacterSetTag.off
        var receiptLayout = ReceiptLayout.plain
        var individualTotals = IndividualTotalsLayout.standard
        var profile = VendorProfile.standard
        var approveAmountDeltaCents: Int64 = 0
    }

    private let state = Locked(State())

    /// One setting of `state`, read or written under its lock.
    private subscript<Value>(_ setting: WritableKeyPath<State, Value>) -> Value {
        get { state.withLock { $0[keyPath: setting] } }
        set { state.withLock { $0[keyPath: setting] = newValue } }
    }

    init() {}

    /// The next card transaction (on any connection) gets `scenario`; several calls queue up.
    public func queueNext(_ scenario: Scenario) { state.withLock { $0.next.append(scenario) } }

    /// The next connection's card transactions follow `script` in order (then the usual rules).
    public func setScriptForNextConnection(_ script: [Scenario]) { state.withLock { $0.pendingScript = script } }

    /// Every card transaction gets `scenario` until ``clear()`` (or `nil`).
    public func setSticky(_ scenario: Scenario?) { state.withLock { $0.sticky = scenario } }

    /// Terminal status F0: payments are refused with `06 1E 01 F0` until an End-of-Day.
    public var endOfDayRequired: Bool {
        get { self[\.endOfDayRequired] }
        set { self[\.endOfDayRequired] = newValue }
    }

    /// Write the banner (non-ZVT bytes) to every new connection.
    public var bannerOnConnect: Bool {
        get { self[\.banner] }
        set { self[\.banner] = newValue }
    }

    /// Close the connection after every command sequence, as terminals do that expect a new
    /// connection per command (the register must reconnect before the next one).
    public var closesAfterSequence: Bool {
        get { self[\.closeAfterSequence] }
        set { self[\.closeAfterSequence] = newValue }
    }

    /// Whether a Registration carrying TLV is refused (``TLVRegistrationRefusal``).
    public var refusesTLVRegistration: TLVRegistrationRefusal {
        get { self[\.tlvRegistrationRefusal] }
        set { self[\.tlvRegistrationRefusal] = newValue }
    }

    /// How the End-of-Day reports its totals (``EndOfDayReport``).
    public var endOfDayReport: EndOfDayReport {
        get { self[\.endOfDayReport] }
        set { self[\.endOfDayReport] = newValue }
    }

    /// How receipt lines go out as `06 D1` (``PrintLineLayout``).
    public var printLines: PrintLineLayout {
        get { self[\.printLines] }
        set { self[\.printLines] = newValue }
    }

    /// Whether receipt messages carry tag 14 (``PrintCharacterSetTag``).
    public var printCharacterSetTag: PrintCharacterSetTag {
        get { self[\.printCharacterSetTag] }
        set { self[\.printCharacterSetTag] = newValue }
    }

    /// Print attributes of the receipt lines (``ReceiptLayout``).
    public var receiptLayout: ReceiptLayout {
        get { self[\.receiptLayout] }
        set { self[\.receiptLayout] = newValue }
    }

    /// The BMP 60 layout of the End-of-Day (``IndividualTotalsLayout``).
    public var individualTotals: IndividualTotalsLayout {
        get { self[\.individualTotals] }
        set { self[\.individualTotals] = newValue }
    }

    /// The vendor quirks the terminal shows (``VendorProfile``).
    public var profile: VendorProfile {
        get { self[\.profile] }
        set { self[\.profile] = newValue }
    }

    /// Cents added to the amount of an approved payment (06 01): the terminal approves, journals
    /// and reports (BMP 04 of its `04 0F`) another amount than the register asked for, as a
    /// terminal with a tip or a partial approval does. 0: the amount asked for. A reversal reverses
    /// what the journal holds, so it then differs from the register's refund as well.
    public var approveAmountDeltaCents: Int64 {
        get { self[\.approveAmountDeltaCents] }
        set { self[\.approveAmountDeltaCents] = newValue }
    }

    /// Forgets queued, scripted and sticky scenarios, the F0 state, the banner, closing after each
    /// sequence, refusing TLV registrations, the End-of-Day report, the receipt settings, the BMP 60 layout, the profile and the
    /// approved amount's delta.
    public func clear() { state.withLock { $0 = State() } }

    /// What is set, for `status`.
    public var summary:
        (
            next: [Scenario], script: [Scenario]?, sticky: Scenario?, endOfDayRequired: Bool, banner: Bool, closeAfterSequence: Bool,
            refuseTLVRegistration: TLVRegistrationRefusal, profile: VendorProfile
        )
    {
        state.withLock {
            ($0.next, $0.pendingScript, $0.sticky, $0.endOfDayRequired, $0.banner, $0.closeAfterSequence, $0.tlvRegistrationRefusal, $0.profile)
        }
    }

    /// Hands the pending script to a new connection.
    func takeScriptForConnection() -> [Scenario] {
        state.withLock { s in
            defer { s.pendingScript = nil }
            return s.pendingScript ?? []
        }
    }

    /// The scenario of the next card transaction; `script` is the connection's remaining script.
    /// With `amountRules: false` (reversals) an unset scenario means approve.
    func scenario(forAmountCents amount: Int64?, script: inout [Scenario], amountRules: Bool = true) -> Scenario {
        let chosen: Scenario? = state.withLock { s in
            if !s.next.isEmpty { return s.next.removeFirst() }
            return nil
        }
        if let chosen { return chosen }
        if !script.isEmpty { return script.removeFirst() }
        if let sticky = state.withLock({ $0.sticky }) { return sticky }
        guard amountRules, let amount else { return Scenario() }
        return AmountRules.scenario(forAmountCents: amount)
    }
}
