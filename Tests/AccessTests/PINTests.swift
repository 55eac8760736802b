import Foundation
import KasseCrypto
import XCTest

@testable import Access

final class PINTests: XCTestCase {
    func testPINRules() throws {
        for good in ["1234", "00000000", "5080", "7654321"] { XCTAssertNoThrow(try PIN(good), good) }
        for bad in ["", "123", "123456789", "12a4", " 1234", "1234 ", "١٢٣٤", "１２３４", "12.4"] {
            XCTAssertThrowsError(try PIN(bad), bad) { XCTAssertEqual($0 as? AccessError, .pinRuleViolated) }
        }
        XCTAssertThrowsError(try PIN("4711", repeated: "4712")) { XCTAssertEqual($0 as? AccessError, .pinMismatch) }
        XCTAssertNoThrow(try PIN("4711", repeated: "4711"))
        XCTAssertEqual(AccessError.pinRuleViolated.description, "Die PIN muss aus 4 bis 8 Ziffern bestehen.")
        // A PIN never shows its digits.
        let pin = try PIN("4711")
        XCTAssertFalse("\(pin)".contains("4711"))
        XCTAssertFalse(String(reflecting: pin).contains("4711"))
    }

    func testHashParametersAndFormat() throws {
        let pin = try PIN("4711")
        let hash = PINHash(hashing: pin, iterations: PINHash.minimumIterations)
        XCTAssertGreaterThanOrEqual(PINHash.minimumIterations, 200_000)
        XCTAssertGreaterThanOrEqual(PINHash.defaultIterations, PINHash.minimumIterations)
        XCTAssertEqual(hash.salt.count, 16)
        XCTAssertEqual(hash.key.count, 32)
        XCTAssertEqual(hash.iterations, 200_000)
        // The key is PBKDF2-HMAC-SHA256(pin, salt, iterations).
        XCTAssertEqual(hash.key, LibCrypto.pbkdf2SHA256(password: Array("4711".utf8), salt: hash.salt, iterations: 200_000, length: 32))
        // Self-describing: algorithm and parameters in the string.
        let encoded = hash.encoded
        XCTAssertTrue(encoded.hasPrefix("$pbkdf2-sha256$i=200000,l=32$"), encoded)
        XCTAssertFalse(encoded.contains("4711"))
        XCTAssertEqual(try PINHash(encoded: encoded), hash)
        // A fresh random salt per hash: the same PIN hashes differently.
        let again = PINHash(hashing: pin, iterations: PINHash.minimumIterations)
        XCTAssertNotEqual(again.salt, hash.salt)
        XCTAssertNotEqual(again.encoded, hash.encoded)
        // The description shows parameters only.
        XCTAssertEqual(hash.description, "PINHash(pbkdf2-sha256, 200000 Iterationen)")
    }

    func testKnownHash() throws {
        // Fixed salt 00 01 … 0f: the stored string is stable across versions.
        let hash = PINHash(hashing: try PIN("1234"), salt: Array(0..<16), iterations: 200_000)
        XCTAssertEqual(hash.key.hexString, LibCrypto.pbkdf2SHA256(password: Array("1234".utf8), salt: Array(0..<16), iterations: 200_000).hexString)
        XCTAssertTrue(hash.encoded.hasPrefix("$pbkdf2-sha256$i=200000,l=32$AAECAwQFBgcICQoLDA0ODw$"), hash.encoded)
    }

    func testVerify() throws {
        let hash = PINHash(hashing: try PIN("080915"), iterations: PINHash.minimumIterations)
        XCTAssertTrue(hash.verify("080915"))
        XCTAssertFalse(hash.verify("080916"))
        XCTAssertFalse(hash.verify("80915"))
        XCTAssertFalse(hash.verify("0809150"))
        XCTAssertFalse(hash.verify(""))
    }

    func testMalformedStoredHashesAreRefusedNamingThePart() {
        let salt = PINHash.base64Encode(Array(repeating: 1, count: 16))
        let key = PINHash.base64Encode(Array(repeating: 2, count: 32))
        let cases: [(String, String)] = [
            ("", "erwartet"),
            ("pbkdf2-sha256$i=200000$\(salt)$\(key)", "erwartet"),
            ("$bcrypt$i=200000$\(salt)$\(key)", "bcrypt"),
            ("$pbkdf2-sha256$l=32$\(salt)$\(key)", "Iterationszahl"),
            ("$pbkdf2-sha256$i=1000,l=32$\(salt)$\(key)", "mindestens 200000"),
            ("$pbkdf2-sha256$i=abc$\(salt)$\(key)", "Parameter"),
            ("$pbkdf2-sha256$i=200000,x=1$\(salt)$\(key)", "unbekannter Parameter"),
            ("$pbkdf2-sha256$i=200000,l=32$AAEC$\(key)", "Salz"),
            ("$pbkdf2-sha256$i=200000,l=32$\(salt)$!!!", "Schlüssel"),
            ("$pbkdf2-sha256$i=200000,l=64$\(salt)$\(key)", "Schlüssel"),
        ]
        for (text, part) in cases {
            XCTAssertThrowsError(try PINHash(encoded: text), text) { error in
                XCTAssertTrue("\(error)".contains(part), "\(error)")
                XCTAssertTrue("\(error)".contains("neu gesetzt"), "\(error)")
            }
        }
        XCTAssertNoThrow(try PINHash(encoded: "$pbkdf2-sha256$i=200000,l=32$\(salt)$\(key)"))
        XCTAssertNoThrow(try PINHash(encoded: "$pbkdf2-sha256$i=200000$\(salt)$\(key)"), "l defaults to 32")
    }

    func testRaisingTheIterationsLater() throws {
        let old = PINHash(hashing: try PIN("4711"), iterations: 200_000)
        XCTAssertTrue(old.needsRehash(iterations: 600_000))
        XCTAssertFalse(old.needsRehash(iterations: 200_000))
        // An old hash stays verifiable after the default changes: its parameters come with it.
        XCTAssertTrue(try PINHash(encoded: old.encoded).verify("4711"))
    }

    /// A new hash uses the default iteration count (its cost is a figure of docs/access.md, measured
    /// outside the unit tests) and verifies the PIN it was made from, and no other.
    func testNewHashesUseTheDefaultIterations() throws {
        let hash = PINHash(hashing: try PIN("4711"))
        XCTAssertEqual(hash.iterations, PINHash.defaultIterations)
        XCTAssertTrue(hash.verify("4711"))
        XCTAssertFalse(hash.verify("4712"))
    }
}
