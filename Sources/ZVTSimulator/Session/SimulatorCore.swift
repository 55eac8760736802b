import Foundation
import ZVT

/// State shared by the server, every register session and the control interface.
// @unchecked Sendable: the stored properties are constants; the mutable parts are `Locked` or thread-safe types.
final class SimulatorCore: @unchecked Sendable {
    let configuration: SimulatorConfiguration
    let journal: Journal
    let control: SimulatorControl
    let cards: CardGenerator
    let registration = Locked(RegistrationState())
    let connectionCount = Locked(0)

    init(configuration: SimulatorConfiguration, journal: Journal) {
        self.configuration = configuration
        self.journal = journal
        self.control = SimulatorControl()
        self.cards = CardGenerator(seed: configuration.seed)
    }

    func log(_ level: SimulatorLogLevel, _ message: @autoclosure () -> String) {
        guard configuration.logLevel >= level else { return }
        configuration.log(message())
    }

    func timestamp() -> Timestamp { Timestamp(configuration.now(), timeZone: configuration.timeZone) }
}
