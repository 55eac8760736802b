import Foundation
import TestSupport
import XCTest

@testable import ZVT

/// The golden traces copied from `../shared/zvt/traces/` (see Traces/MANIFEST.md), read and decoded.
extension Traces {
    static func bytes(_ name: String) throws -> [UInt8] {
        let url = directory.appendingPathComponent(name)
        return [UInt8](try Data(contentsOf: url))
    }

    /// The trace's bytes as the decoder gives them back: a Status-Information's full card number
    /// masked (docs/zvt.md, "Card numbers"), everything else as sent.
    static func decodedBytes(_ name: String) throws -> [UInt8] {
        let bytes = try bytes(name)
        return bytes.starts(with: [0x04, 0x0F]) ? CardNumberMask.maskedTrace(bytes) : bytes
    }

    /// Every trace file (relative path), sorted.
    static var all: [String] {
        var names: [String] = []
        for folder in ["feig-cvend", "dce-valina"] {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(folder).path)) ?? []
            names += files.sorted().map { "\(folder)/\($0)" }
        }
        return names
    }

    /// Files that are not well-formed APDUs (Valina End-of-Day without length byte, MANIFEST.md).
    static let missingLengthByte: Set<String> = ["dce-valina/1617177992186PT.hex", "dce-valina/1617181236803PT.hex"]

    static func apdu(_ name: String) throws -> APDU { try APDU.decodeSingle(bytes(name)) }

    static func message(_ name: String, pending: UInt16? = nil) throws -> Message {
        try Message.decode(apdu(name), pendingCommand: pending)
    }
}

func hex(_ text: String) -> [UInt8] { Hex.bytes(text)! }
