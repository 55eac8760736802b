import Foundation

/// What a screen did with a key (htop's `HandlerResult`).
public enum HandlerResult: Equatable, Sendable {
    /// The key was used.
    case handled
    /// Not for this screen: the stack applies its defaults (Esc goes back one step).
    case ignored
    /// The screen is done: remove it from the stack.
    case close
}

/// A full screen or a modal dialog on the ``ScreenStack``.
public protocol Screen: AnyObject {
    /// Shown in the status line and the help screen.
    var title: String { get }
    /// Dialogs are drawn over the screen below them; full screens hide it.
    var isModal: Bool { get }
    /// The key table as shown in the bar and the help screen.
    var keyHelp: [KeyHelpEntry] { get }
    /// Draws into `area` (the rows between the status line and the message line).
    /// The focused field sets `grid.cursor`.
    func render(into grid: inout ScreenGrid, in area: Rect)
    /// Hot keys first (the binding table), then the focused field, then the screen's defaults.
    func handle(_ key: Key, stack: ScreenStack) -> HandlerResult
    /// Called a few times a second while no key arrives (background work such as a card
    /// payment). Returns true when the screen changed.
    func tick(stack: ScreenStack) -> Bool
}

extension Screen {
    public var isModal: Bool { false }
    public func tick(stack: ScreenStack) -> Bool { false }
}

/// A screen whose keys are a ``KeyBinding`` table: dispatch, bar and help come from it.
public protocol BoundScreen: Screen {
    associatedtype Action: Sendable
    var bindings: [KeyBinding<Action>] { get }
    func perform(_ action: Action, stack: ScreenStack) -> HandlerResult
    /// Keys not in the table (typing into the focused field, arrows, Enter).
    func handleUnbound(_ key: Key, stack: ScreenStack) -> HandlerResult
}

extension BoundScreen {
    public var keyHelp: [KeyHelpEntry] { bindings.map(\.entry) }

    public func handle(_ key: Key, stack: ScreenStack) -> HandlerResult {
        switch KeyDispatch.resolve(key, in: bindings) {
        case .perform(let action): return perform(action, stack: stack)
        case .disabled(let reason):
            stack.showError(reason)
            return .handled
        case .unbound: return handleUnbound(key, stack: stack)
        }
    }
}

/// The status line's content, supplied by the application (and by tests with fixed values).
public struct StatusInfo: Equatable, Sendable {
    public var office: String
    public var register: String
    public var operatorName: String?
    /// "SIMULIERTES TERMINAL" or "Terminal 10.0.0.5:20007".
    public var terminal: String
    public var terminalIsSimulated: Bool
    /// Where the simulated terminal's control port listens (`webkasse run --demo`), for the terminal menu.
    public var simulatorControl: String?
    /// The terminal's state (``CounterBackend/terminalLight``), refreshed while no key arrives.
    public var terminalLight: TerminalLight?
    /// The receipt printer's problem and waiting receipts (``CounterBackend/printerStatusText``), nil when all is well.
    public var printer: String?
    /// `webkasse run --training`: the status line of every screen says "SCHULUNG – KEIN ZAHLUNGSBELEG".
    public var isTraining = false
    /// The delivery to the central database (``CounterBackend/centralStatusText``): "Zentrale: aktuell",
    /// "Zentrale: 37 Buchungen ausstehend seit 09:12", "Zentrale: ABWEICHUNG bei Buchung 12"; nil without a centre.
    public var central: String?

    public init(
        office: String, register: String, operatorName: String? = nil, terminal: String, terminalIsSimulated: Bool,
        simulatorControl: String? = nil, terminalLight: TerminalLight? = nil
    ) {
        self.office = office
        self.register = register
        self.operatorName = operatorName
        self.terminal = terminal
        self.terminalIsSimulated = terminalIsSimulated
        self.simulatorControl = simulatorControl
        self.terminalLight = terminalLight
    }
}
