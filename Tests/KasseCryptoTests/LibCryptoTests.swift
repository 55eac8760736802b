import KasseCrypto
import XCTest

final class LibCryptoTests: XCTestCase {
    func testSHA256KnownVectors() {
        XCTAssertEqual(
            LibCrypto.sha256([UInt8]()).hexString,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(
            LibCrypto.sha256(Array("abc".utf8)).hexString,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let hasher = SHA256Hasher()
        hasher.update(Array("a".utf8))
        hasher.update(Array("bc".utf8))
        XCTAssertEqual(hasher.finalize(), LibCrypto.sha256(Array("abc".utf8)))
    }

    func testPBKDF2SHA256KnownVector() {
        // RFC 7914 §11 test vector for PBKDF2-HMAC-SHA256 (P="passwd", S="salt", c=1, dkLen=64).
        let key = LibCrypto.pbkdf2SHA256(password: Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1, length: 64)
        XCTAssertEqual(
            key.hexString,
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
    }

    func testRandomAndConstantTimeCompare() {
        let a = LibCrypto.randomBytes(16)
        let b = LibCrypto.randomBytes(16)
        XCTAssertEqual(a.count, 16)
        XCTAssertNotEqual(a, b)
        XCTAssertTrue(LibCrypto.constantTimeEqual(a, a))
        XCTAssertFalse(LibCrypto.constantTimeEqual(a, b))
        XCTAssertFalse(LibCrypto.constantTimeEqual(a, Array(a.prefix(15))))
    }
}
