import Foundation
import KasseCore
import ZVT

extension ZVTCardTerminal: TerminalMaintenance {
    /// T3 and T4 of the check before a payment: a terminal that does not acknowledge the `05 01`
    /// within 2 s, or sends no Completion within 15 s (restarted by each `04 FF`, ZVT 13.08 §2.56
    /// allows time-controlled work in between), is taken as not reachable, before the intent is written.
    public static let quickStatusT3Ms: Int64 = 2_000
    public static let quickStatusT4Ms: Int64 = 15_000

    public var connectionDescription: String { "Terminal \(terminalName) (ZVT über TCP)" }

    public func statusEnquiry(_ mode: StatusEnquiryMode) throws(CardTerminalError) -> TerminalStatusReport? {
        switch mode {
        case .idlePoll:
            // Never beside a command: skip when one runs (here or on the driver directly).
            guard commandGate.try() else { return nil }
            defer { commandGate.unlock() }
            if driver.isBusy { return nil }
            return try statusReport(driver.statusEnquiry())
        case .beforePayment:
            return try exclusively { () throws(CardTerminalError) in
                try statusReport(driver.statusEnquiry(t3Ms: Self.quickStatusT3Ms, t4Ms: Self.quickStatusT4Ms))
            }
        case .onRequest:
            return try exclusively { () throws(CardTerminalError) in try statusReport(driver.statusEnquiry()) }
        }
    }

    /// The terminal status of the `06 0F` of a `05 01` (ZVT 13.08 §2.56, §11).
    private func statusReport(_ result: SequenceResult) throws(CardTerminalError) -> TerminalStatusReport {
        if case .failed(let problem) = result.outcome { throw Self.error(problem) }
        if case .unknown(let problem) = result.outcome { throw .unreachable(problem.description) }
        guard let completion = result.completion, let status = completion.terminalStatus else {
            throw .failed("Statusabfrage ohne Terminalstatus beendet: \(result.text)")
        }
        return TerminalStatusReport(code: status.rawValue, text: status.text, remedy: status.remedy, softwareVersion: completion.softwareVersion)
    }

    /// A failed administrative sequence: no answer or no connection is "unreachable", a refusal or
    /// a protocol error "failed".
    private static func error(_ problem: SessionProblem) -> CardTerminalError {
        switch problem {
        case .connectFailed, .noAcknowledgement, .connectionLost, .completionTimeout: return .unreachable(problem.description)
        default: return .failed(problem.description)
        }
    }

    public func diagnosis() throws(CardTerminalError) -> TerminalCommandReport {
        try exclusively { () throws(CardTerminalError) in
            try ensureRegistered()
            return try report(driver.diagnosis(), success: "Diagnose erfolgreich")
        }
    }

    public func repeatReceipt() throws(CardTerminalError) -> TerminalCommandReport {
        try exclusively { () throws(CardTerminalError) in
            try ensureRegistered()
            return try report(driver.repeatReceipt(), success: "Beleg wiederholt")
        }
    }

    public func registerAgain() throws(CardTerminalError) -> TerminalCommandReport {
        try exclusively { () throws(CardTerminalError) in
            registered = false
            let result = driver.register()
            let answer = try report(result, success: "Anmeldung am Terminal erfolgreich")
            registered = answer.succeeded
            return answer
        }
    }

    /// A sequence's result for the menu: declined or aborted is a normal answer, no connection an error.
    private func report(_ result: SequenceResult, success: String) throws(CardTerminalError) -> TerminalCommandReport {
        let lines = result.receipts.flatMap { $0.lines.map(\.text) }
        switch result.outcome {
        case .success: return TerminalCommandReport(succeeded: true, text: success, lines: lines)
        case .declined, .aborted: return TerminalCommandReport(succeeded: false, text: result.text, lines: lines)
        case .failed(let problem): throw Self.error(problem)
        case .unknown(let problem): throw .unreachable(problem.description)
        }
    }
}
