import CCrypto

/// The one Swift face of libcrypto (OpenSSL): SHA-256, PBKDF2-HMAC-SHA256, random bytes,
/// constant-time comparison and ECDSA signing keys (``ECSigningKey``). No other file imports `CCrypto`.
public enum LibCrypto {
    /// A SHA-256 digest of `bytes` (32 bytes).
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { sha256($0) }
    }

    /// A SHA-256 digest of the bytes in `raw` (32 bytes).
    public static func sha256(_ raw: UnsafeRawBufferPointer) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        do {
            digest.withUnsafeMutableBufferPointer { out in
                _ = SHA256(raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, out.baseAddress)
            }
        }
        return digest
    }

    /// PBKDF2-HMAC-SHA256 of `password` with `salt`, `iterations` rounds, `length` bytes of output.
    public static func pbkdf2SHA256(password: [UInt8], salt: [UInt8], iterations: Int, length: Int = 32) -> [UInt8] {
        precondition(iterations > 0 && length > 0)
        var out = [UInt8](repeating: 0, count: length)
        let ok = password.withUnsafeBufferPointer { pw in
            salt.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    pw.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(pw.count, 1)) { pwChars in
                        PKCS5_PBKDF2_HMAC(
                            pw.count == 0 ? nil : pwChars, Int32(pw.count),
                            s.baseAddress, Int32(s.count), Int32(iterations), EVP_sha256(),
                            Int32(length), o.baseAddress)
                    }
                }
            }
        }
        precondition(ok == 1, "PKCS5_PBKDF2_HMAC failed")
        return out
    }

    /// `count` cryptographically strong random bytes.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        precondition(ok == 1, "RAND_bytes failed")
        return out
    }

    /// Compares two byte strings in time independent of where they differ.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
    }
}

/// An incremental SHA-256 (for hashing whole files and export streams).
public final class SHA256Hasher {
    private let context: OpaquePointer

    public init() {
        context = EVP_MD_CTX_new()
        precondition(EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1, "EVP_DigestInit_ex failed")
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    public func update(_ raw: UnsafeRawBufferPointer) {
        guard raw.count > 0 else { return }
        precondition(EVP_DigestUpdate(context, raw.baseAddress, raw.count) == 1, "EVP_DigestUpdate failed")
    }

    /// The digest; the hasher must not be used afterwards.
    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        var length: UInt32 = 0
        digest.withUnsafeMutableBufferPointer {
            precondition(EVP_DigestFinal_ex(context, $0.baseAddress, &length) == 1, "EVP_DigestFinal_ex failed")
        }
        return digest
    }
}

extension Array where Element == UInt8 {
    /// Lower-case hex, two digits per byte.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

// MARK: ECDSA (the software TSE's signatures, BSI TR-03111 ecdsa-plain; docs/fiscal.md)

/// Why libcrypto refused a key or a signature.
public enum ECKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The PEM text is not an EC private key of a curve we sign with.
    case unreadableKey(String)
    /// libcrypto failed a call that should not fail (out of memory, broken library).
    case libraryFailure(String)

    public var description: String {
        switch self {
        case .unreadableKey(let why): "Schlüssel unlesbar: \(why)"
        case .libraryFailure(let call): "libcrypto: \(call) fehlgeschlagen"
        }
    }
}

/// The elliptic curves the software TSE signs on (BSI TR-03111 § 2.3 names both).
public enum ECCurve: String, Sendable, CaseIterable {
    /// NIST P-256 (`prime256v1`, secp256r1).
    case prime256v1
    /// Brainpool P-256 r1 (RFC 5639).
    case brainpoolP256r1

    var nid: Int32 {
        switch self {
        case .prime256v1: NID_X9_62_prime256v1
        case .brainpoolP256r1: NID_brainpoolP256r1
        }
    }

    /// Bytes of one coordinate, of r and of s.
    public var fieldSize: Int { 32 }
}

/// An EC private key (libcrypto `EVP_PKEY`), freed in `deinit`. Signs SHA-256 digests with ECDSA.
public final class ECSigningKey: @unchecked Sendable {
    private let key: OpaquePointer
    public let curve: ECCurve

    private init(key: OpaquePointer, curve: ECCurve) {
        self.key = key
        self.curve = curve
    }

    deinit { EVP_PKEY_free(key) }

    /// A fresh random key on `curve`.
    public static func generate(curve: ECCurve = .prime256v1) throws(ECKeyError) -> ECSigningKey {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nil) else { throw .libraryFailure("EVP_PKEY_CTX_new_id") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw .libraryFailure("EVP_PKEY_keygen_init") }
        guard EVP_PKEY_CTX_set_ec_paramgen_curve_nid(context, curve.nid) == 1 else {
            throw .libraryFailure("EVP_PKEY_CTX_set_ec_paramgen_curve_nid")
        }
        var generated: OpaquePointer? = nil
        guard EVP_PKEY_keygen(context, &generated) == 1, let key = generated else { throw .libraryFailure("EVP_PKEY_keygen") }
        return ECSigningKey(key: key, curve: curve)
    }

    /// The key in a PEM text (`-----BEGIN PRIVATE KEY-----`, PKCS #8, or the older EC form).
    public convenience init(pem: [UInt8]) throws(ECKeyError) {
        let parsed: OpaquePointer? = pem.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key = parsed else { throw .unreadableKey("kein PEM-Privatschlüssel") }
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_EC else {
            EVP_PKEY_free(key)
            throw .unreadableKey("kein EC-Schlüssel")
        }
        var nameBuffer = [CChar](repeating: 0, count: 64)
        var nameLength = 0
        _ = EVP_PKEY_get_group_name(key, &nameBuffer, nameBuffer.count, &nameLength)
        let name = String(decoding: nameBuffer.prefix(nameLength).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let curve = ECCurve(rawValue: name) else {
            EVP_PKEY_free(key)
            throw .unreadableKey("Kurve \(name.isEmpty ? "unbekannt" : name) statt prime256v1 oder brainpoolP256r1")
        }
        self.init(key: key, curve: curve)
    }

    /// The private key as PKCS #8 PEM, for the key file (0600).
    public func privateKeyPEM() throws(ECKeyError) -> [UInt8] {
        try Self.pem(of: "PEM_write_bio_PrivateKey") { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
    }

    /// The public key as SubjectPublicKeyInfo PEM (`openssl dgst -verify` reads it).
    public func publicKeyPEM() throws(ECKeyError) -> [UInt8] {
        try Self.pem(of: "PEM_write_bio_PUBKEY") { PEM_write_bio_PUBKEY($0, key) }
    }

    /// The public key as an uncompressed point (X9.62: 0x04 ‖ x ‖ y), 65 bytes.
    public func publicKeyPoint() throws(ECKeyError) -> [UInt8] {
        var pointer: UnsafeMutablePointer<UInt8>? = nil
        let length = EVP_PKEY_get1_encoded_public_key(key, &pointer)
        guard length > 0, let bytes = pointer else { throw .libraryFailure("EVP_PKEY_get1_encoded_public_key") }
        defer { CRYPTO_free(bytes, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: bytes, count: length))
    }

    /// The public key as SubjectPublicKeyInfo DER.
    public func publicKeyDER() throws(ECKeyError) -> [UInt8] {
        var pointer: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_PUBKEY(key, &pointer)
        guard length > 0, let bytes = pointer else { throw .libraryFailure("i2d_PUBKEY") }
        defer { CRYPTO_free(bytes, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: bytes, count: Int(length)))
    }

    /// ECDSA over SHA-256 of `message`, as the plain signature r ‖ s (BSI TR-03111 § 5.2.1,
    /// `ecdsa-plain-SHA256`), each coordinate left-padded to ``ECCurve/fieldSize``.
    public func signPlainSHA256(_ message: [UInt8]) throws(ECKeyError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw .libraryFailure("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else { throw .libraryFailure("EVP_DigestSignInit") }
        var length = 0
        let sized = message.withUnsafeBufferPointer { EVP_DigestSign(context, nil, &length, $0.baseAddress, $0.count) }
        guard sized == 1 else { throw .libraryFailure("EVP_DigestSign") }
        var der = [UInt8](repeating: 0, count: length)
        let signed = message.withUnsafeBufferPointer { input in
            der.withUnsafeMutableBufferPointer { EVP_DigestSign(context, $0.baseAddress, &length, input.baseAddress, input.count) }
        }
        guard signed == 1 else { throw .libraryFailure("EVP_DigestSign") }
        guard let plain = ECDSASignature.plain(fromDER: Array(der.prefix(length)), fieldSize: curve.fieldSize) else {
            throw .libraryFailure("d2i_ECDSA_SIG")
        }
        return plain
    }

    /// A self-signed X.509 v3 certificate (DER) for this key, `commonName` as subject and issuer,
    /// valid from `notBefore` (seconds since 1970) for `days`, signed ecdsa-with-SHA256.
    public func selfSignedCertificateDER(commonName: String, notBefore: Int64, days: Int) throws(ECKeyError) -> [UInt8] {
        guard let certificate = X509_new() else { throw .libraryFailure("X509_new") }
        defer { X509_free(certificate) }
        var start = time_t(notBefore)
        guard X509_set_version(certificate, 2) == 1,
            ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1) == 1,
            X509_time_adj_ex(X509_getm_notBefore(certificate), 0, 0, &start) != nil,
            X509_time_adj_ex(X509_getm_notAfter(certificate), Int32(days), 0, &start) != nil,
            X509_set_pubkey(certificate, key) == 1,
            let name = X509_get_subject_name(certificate)
        else { throw .libraryFailure("X509_set_*") }
        let added = Array(commonName.utf8).withUnsafeBufferPointer {
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, $0.baseAddress, Int32($0.count), -1, 0)
        }
        guard added == 1, X509_set_issuer_name(certificate, name) == 1 else { throw .libraryFailure("X509_NAME_add_entry_by_txt") }
        guard X509_sign(certificate, key, EVP_sha256()) > 0 else { throw .libraryFailure("X509_sign") }
        var pointer: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_X509(certificate, &pointer)
        guard length > 0, let bytes = pointer else { throw .libraryFailure("i2d_X509") }
        defer { CRYPTO_free(bytes, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: bytes, count: Int(length)))
    }

    private static func pem(of call: String, _ write: (OpaquePointer) -> Int32) throws(ECKeyError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw .libraryFailure("BIO_new") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw .libraryFailure(call) }
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = webkasse_BIO_get_mem_data(bio, &data)
        guard length > 0, let bytes = data else { throw .libraryFailure("BIO_get_mem_data") }
        return bytes.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }
}

/// Conversions between the plain ECDSA signature r ‖ s (TR-03111) and the DER `ECDSA-Sig-Value`
/// (RFC 3279 § 2.2.3) that libcrypto and `openssl dgst` use, and verification.
public enum ECDSASignature {
    /// r ‖ s from a DER `SEQUENCE { r INTEGER, s INTEGER }`; nil if `der` is not one.
    public static func plain(fromDER der: [UInt8], fieldSize: Int) -> [UInt8]? {
        der.withUnsafeBufferPointer { buffer -> [UInt8]? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let signature = d2i_ECDSA_SIG(nil, &cursor, buffer.count) else { return nil }
            defer { ECDSA_SIG_free(signature) }
            guard let r = ECDSA_SIG_get0_r(signature), let s = ECDSA_SIG_get0_s(signature) else { return nil }
            var out = [UInt8](repeating: 0, count: 2 * fieldSize)
            let ok = out.withUnsafeMutableBufferPointer { o in
                BN_bn2binpad(r, o.baseAddress, Int32(fieldSize)) == Int32(fieldSize)
                    && BN_bn2binpad(s, o.baseAddress! + fieldSize, Int32(fieldSize)) == Int32(fieldSize)
            }
            return ok ? out : nil
        }
    }

    /// The DER `ECDSA-Sig-Value` of a plain signature r ‖ s; nil if `plain` has an odd length.
    public static func der(fromPlain plain: [UInt8]) -> [UInt8]? {
        guard !plain.isEmpty, plain.count % 2 == 0, let signature = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(signature) }
        let half = plain.count / 2
        let (r, s) = plain.withUnsafeBufferPointer { p in
            (BN_bin2bn(p.baseAddress, Int32(half), nil), BN_bin2bn(p.baseAddress! + half, Int32(half), nil))
        }
        guard let r, let s, ECDSA_SIG_set0(signature, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        var pointer: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_ECDSA_SIG(signature, &pointer)
        guard length > 0, let bytes = pointer else { return nil }
        defer { CRYPTO_free(bytes, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: bytes, count: Int(length)))
    }

    /// Whether `plain` (r ‖ s) is a valid ECDSA-SHA256 signature of `message` under the public key
    /// `publicKeyDER` (SubjectPublicKeyInfo).
    public static func verifyPlainSHA256(_ plain: [UInt8], message: [UInt8], publicKeyDER: [UInt8]) -> Bool {
        guard let der = der(fromPlain: plain) else { return false }
        let parsed: OpaquePointer? = publicKeyDER.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let key = parsed else { return false }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else { return false }
        return der.withUnsafeBufferPointer { signature in
            message.withUnsafeBufferPointer { input in
                EVP_DigestVerify(context, signature.baseAddress, signature.count, input.baseAddress, input.count) == 1
            }
        }
    }
}
