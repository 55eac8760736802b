import Foundation
import KasseCrypto

/// A PIN hash: PBKDF2-HMAC-SHA256 (libcrypto) with a per-operator random salt, stored with its
/// parameters in one self-describing string, so the iteration count can be raised later:
///
///     $pbkdf2-sha256$i=600000,l=32$<salt, base64>$<key, base64>
///
/// (the PHC string format, base64 without padding). Verification is constant-time.
public struct PINHash: Sendable, Equatable, CustomStringConvertible {
    public static let algorithm = "pbkdf2-sha256"
    /// Hashes with fewer iterations are refused when read.
    public static let minimumIterations = 200_000
    /// The iteration count new hashes get (OWASP 2023 for PBKDF2-HMAC-SHA256). Older hashes with
    /// fewer iterations are re-hashed at the next successful log-in (see ``needsRehash(iterations:)``).
    public static let defaultIterations = 600_000
    public static let saltLength = 16
    public static let keyLength = 32

    public let iterations: Int
    public let salt: [UInt8]
    public let key: [UInt8]

    /// Hashes `pin` with a fresh 16-byte random salt.
    public init(hashing pin: PIN, iterations: Int = PINHash.defaultIterations) {
        self.init(hashing: pin, salt: LibCrypto.randomBytes(Self.saltLength), iterations: iterations)
    }

    /// Hashes `pin` with the given salt (tests and known vectors).
    public init(hashing pin: PIN, salt: [UInt8], iterations: Int) {
        precondition(iterations >= Self.minimumIterations, "PBKDF2 iterations below \(Self.minimumIterations)")
        precondition(salt.count >= Self.saltLength, "salt shorter than \(Self.saltLength) bytes")
        self.iterations = iterations
        self.salt = salt
        self.key = LibCrypto.pbkdf2SHA256(password: pin.bytes, salt: salt, iterations: iterations, length: Self.keyLength)
    }

    /// A hash with the given parameters and key, computing nothing (the decoy of ``Authenticator``).
    init(iterations: Int, salt: [UInt8], key: [UInt8]) {
        self.iterations = iterations
        self.salt = salt
        self.key = key
    }

    /// Reads a stored hash. Throws ``AccessError/malformedPINHash(reason:)`` naming the bad part.
    public init(encoded: String) throws(AccessError) {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty else { throw .malformedPINHash(reason: "erwartet $pbkdf2-sha256$i=…,l=…$Salz$Schlüssel") }
        guard parts[1] == Self.algorithm else { throw .malformedPINHash(reason: "unbekanntes Verfahren »\(parts[1])«") }
        var iterations: Int?
        var length: Int?
        for parameter in parts[2].split(separator: ",") {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, let value = Int(pair[1]) else { throw .malformedPINHash(reason: "Parameter »\(parameter)«") }
            switch pair[0] {
            case "i": iterations = value
            case "l": length = value
            default: throw .malformedPINHash(reason: "unbekannter Parameter »\(pair[0])«")
            }
        }
        guard let iterations else { throw .malformedPINHash(reason: "Iterationszahl fehlt") }
        guard iterations >= Self.minimumIterations, iterations <= 100_000_000 else {
            throw .malformedPINHash(reason: "\(iterations) Iterationen, mindestens \(Self.minimumIterations)")
        }
        guard let salt = Self.base64Decode(parts[3]), salt.count >= Self.saltLength else {
            throw .malformedPINHash(reason: "Salz")
        }
        guard let key = Self.base64Decode(parts[4]), key.count == (length ?? Self.keyLength), key.count >= 16 else {
            throw .malformedPINHash(reason: "Schlüssel")
        }
        self.iterations = iterations
        self.salt = salt
        self.key = key
    }

    /// The self-describing stored form.
    public var encoded: String {
        "$\(Self.algorithm)$i=\(iterations),l=\(key.count)$\(Self.base64Encode(salt))$\(Self.base64Encode(key))"
    }

    /// Whether `pin` is the PIN this hash was made from. Runs PBKDF2 and compares in constant time;
    /// a PIN that breaks the PIN rules is wrong (and costs the same time).
    public func verify(_ candidate: String) -> Bool {
        let bytes = Array(candidate.utf8)
        let wellFormed = PIN.isWellFormed(bytes)
        let derived = LibCrypto.pbkdf2SHA256(password: bytes, salt: salt, iterations: iterations, length: key.count)
        return LibCrypto.constantTimeEqual(derived, key) && wellFormed
    }

    /// Whether this hash is weaker than what new hashes get and should be replaced at the next log-in.
    public func needsRehash(iterations current: Int = PINHash.defaultIterations) -> Bool {
        iterations < current || key.count < Self.keyLength || salt.count < Self.saltLength
    }

    /// Shows the parameters, never the salt or key.
    public var description: String { "PINHash(\(Self.algorithm), \(iterations) Iterationen)" }

    static func base64Encode(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    static func base64Decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        guard !text.isEmpty, !text.contains("=") else { return nil }
        var padded = String(text)
        while padded.count % 4 != 0 { padded += "=" }
        return Data(base64Encoded: padded).map { Array($0) }
    }
}
