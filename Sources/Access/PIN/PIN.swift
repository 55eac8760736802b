/// A PIN as typed: 4 to 8 ASCII digits. Its description never shows the digits.
///
/// A `PIN` exists only in memory between the keyboard and ``PINHash``; it is never stored or logged.
public struct PIN: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public static let minimumLength = 4
    public static let maximumLength = 8

    /// The digits as UTF-8 bytes (what PBKDF2 gets).
    let bytes: [UInt8]

    /// Validates a new PIN; throws ``AccessError/pinRuleViolated``.
    public init(_ text: String) throws(AccessError) {
        let bytes = Array(text.utf8)
        guard Self.isWellFormed(bytes) else { throw .pinRuleViolated }
        self.bytes = bytes
    }

    /// Validates a new PIN entered twice; throws ``AccessError/pinMismatch`` or ``AccessError/pinRuleViolated``.
    public init(_ first: String, repeated second: String) throws(AccessError) {
        try self.init(first)
        guard Array(second.utf8) == bytes else { throw .pinMismatch }
    }

    /// Whether `bytes` are 4 to 8 ASCII digits.
    static func isWellFormed(_ bytes: [UInt8]) -> Bool {
        (minimumLength...maximumLength).contains(bytes.count) && bytes.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    public var description: String { "PIN(••••)" }
    public var debugDescription: String { description }
}
