import Access
import Counter
import Foundation
import KasseCore

/// The terminal's state and the terminal menu on the real counter service: the status line reads
/// the service's ``TerminalStatusMonitor``; each menu function runs through the supervisor's
/// ``TerminalFunctions`` (role checked, audited) on a background thread, like a card payment.
extension LiveCounterBackend {
    public var terminalLight: TerminalLight? {
        switch service.terminalMonitor?.availability {
        case nil, .unknown?: return nil
        case .ready?: return .ready
        case .notReady(let report, _)?: return .notReady(report.text)
        case .unreachable(let since, _)?: return .unreachable(since: since.date)
        }
    }

    public func openTerminalMenu() throws -> [String] {
        _ = try requireSession().terminalFunctions()
        var head: [String] = []
        if let maintenance = service.terminal as? TerminalMaintenance {
            head.append(maintenance.connectionDescription + (status.terminalIsSimulated ? ", simuliert" : ""))
        } else if let terminal = service.terminal {
            head.append("Terminal \(terminal.terminalName)")
        } else {
            head.append("Es ist kein Kartenterminal eingerichtet.")
        }
        if let control = status.simulatorControl {
            head.append("Steuerport des Simulators: \(control) (für Schulung und Support, docs/zvt-sim.md)")
            head.append("z. B. printf 'next decline-05\\n' | nc \(control.replacingOccurrences(of: ":", with: " "))")
        }
        return head
    }

    public func startTerminalFunction(_ function: TerminalMenuFunction) throws -> TerminalFunctionJob {
        let functions = try requireSession().terminalFunctions()
        let counterFunction: TerminalFunction
        switch function {
        case .status: counterFunction = .status
        case .diagnosis: counterFunction = .diagnosis
        case .endOfDay: counterFunction = .endOfDay
        case .repeatReceipt: counterFunction = .repeatReceipt
        case .lastTransaction: counterFunction = .lastTransaction
        case .register: counterFunction = .register
        }
        return LiveTerminalFunctionJob(
            job: CardJob(terminal: service.terminal, name: "webkasse terminal \(counterFunction.rawValue)") { try functions.run(counterFunction) })
    }
}

/// A ``CardJob`` running a terminal function, as the terminal screens see it.
final class LiveTerminalFunctionJob: TerminalFunctionJob {
    private let job: CardJob<TerminalFunctionOutcome>

    init(job: CardJob<TerminalFunctionOutcome>) { self.job = job }

    var snapshot: TerminalFunctionSnapshot {
        let (texts, result) = job.progress
        switch result {
        case nil: return TerminalFunctionSnapshot(texts: texts, result: nil)
        case .success(let outcome)?:
            return TerminalFunctionSnapshot(
                texts: texts, result: TerminalFunctionResult(succeeded: outcome.succeeded, headline: outcome.headline, lines: outcome.lines))
        case .failure(let error)?:
            return TerminalFunctionSnapshot(texts: texts, result: TerminalFunctionResult(succeeded: false, headline: Self.sentence(error)))
        }
    }

    /// A terminal error without the payment's "Es wurde nichts gebucht." (nothing is booked here).
    static func sentence(_ error: Error) -> String {
        if case CounterError.terminal(let terminal) = error { return terminal.description }
        return "\(error)"
    }
}
