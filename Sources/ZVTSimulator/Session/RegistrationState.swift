/// What the register asked for at Registration `06 00` (ZVT 13.08 §2.1), kept by the terminal
/// across connections until the next Registration or Log-Off.
struct RegistrationState: Sendable, Equatable {
    /// Whether a Registration happened since start.
    var registered = false
    /// Config byte (§2.1 table 1). Before any Registration the terminal prints itself (00).
    var config: UInt8 = 0x00
    /// The register sent BMP 06, so the terminal may send TLV containers (§9.2.2).
    var tlvAllowed = false
    /// TLV tag 26: the commands the terminal may send; `nil` = not restricted.
    var permittedCommands: Set<UInt16>? = nil

    /// Config bit 08: intermediate status `04 FF` wanted.
    var wantsIntermediateStatus: Bool { config & 0x08 != 0 }

    /// Payment receipts come as print commands (bits 80 + 02).
    var printsPaymentReceipts: Bool { config & 0x82 == 0x82 && printCommand != nil }
    /// Administration receipts come as print commands (bits 80 + 04).
    var printsAdminReceipts: Bool { config & 0x84 == 0x84 && printCommand != nil }

    /// `06 D3` if TLV is allowed and tag 26 lists it, else `06 D1` unless tag 26 excludes it.
    var printCommand: UInt16? {
        if tlvAllowed, let permitted = permittedCommands, permitted.contains(0x06D3) { return 0x06D3 }
        if let permitted = permittedCommands, !permitted.contains(0x06D1) { return nil }
        return 0x06D1
    }

    /// After Log-Off the terminal falls back to config 86 and no TLV (§2.24).
    mutating func logOff() {
        config = 0x86
        tlvAllowed = false
        permittedCommands = nil
    }
}
