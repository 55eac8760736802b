/// One entry of a screen's key table: the single source for the function-key bar, the help
/// screen and dispatch (as lazygit's keybindings and htop's FunctionBar).
public struct KeyBinding<Action: Sendable>: Sendable {
    /// The keys that trigger it; the first is shown in the bar, all appear in help.
    public var keys: [Key]
    /// Short label for the bar ("Bar", "Karte").
    public var label: String
    /// One line for the help screen.
    public var help: String
    public var action: Action
    /// Whether the bar shows it (Enter, arrows etc. are only in help).
    public var inBar: Bool
    /// Why it cannot be used now; `nil` when it can. Pressing it then shows this text.
    public var disabledReason: String?

    public init(_ keys: [Key], _ label: String, help: String, action: Action, inBar: Bool = true, disabledReason: String? = nil) {
        self.keys = keys
        self.label = label
        self.help = help
        self.action = action
        self.inBar = inBar
        self.disabledReason = disabledReason
    }

    public var isEnabled: Bool { disabledReason == nil }

    /// The bar and help view of this binding, without the action.
    public var entry: KeyHelpEntry {
        KeyHelpEntry(keys: keys, label: label, help: help, inBar: inBar, disabledReason: disabledReason)
    }
}

/// A binding as shown to the clerk (bar and help), type-erased.
public struct KeyHelpEntry: Equatable, Sendable {
    public var keys: [Key]
    public var label: String
    public var help: String
    public var inBar: Bool
    public var disabledReason: String?

    public init(keys: [Key], label: String, help: String, inBar: Bool = true, disabledReason: String? = nil) {
        self.keys = keys
        self.label = label
        self.help = help
        self.inBar = inBar
        self.disabledReason = disabledReason
    }

    /// "F5 / Strg+R".
    public var keyText: String { keys.map(\.description).joined(separator: " / ") }
}

/// Looks `key` up in `bindings`.
public enum KeyDispatch {
    public enum Outcome<Action: Sendable> {
        case perform(Action)
        /// The key is bound but disabled; the reason tells the clerk why.
        case disabled(String)
        case unbound
    }

    public static func resolve<Action>(_ key: Key, in bindings: [KeyBinding<Action>]) -> Outcome<Action> {
        guard let binding = bindings.first(where: { $0.keys.contains(key) }) else { return .unbound }
        if let reason = binding.disabledReason { return .disabled(reason) }
        return .perform(binding.action)
    }
}

/// Keys every screen shares.
public enum CommonKeys {
    public static let help: [Key] = [.function(1), .control("g")]
}
