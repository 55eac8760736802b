import Foundation
import KasseCore
import Ledger

/// Where the counter service gets the time. Injected, so tests never sleep.
public protocol CounterClock: AnyObject {
    func now() -> Instant
}

/// The system clock.
public final class WallClock: CounterClock {
    public init() {}
    public func now() -> Instant { Instant.now }
}

/// A clock that moves only when told: tests and `webkasse simulate`.
public final class SimulatedClock: CounterClock {
    public private(set) var current: Instant
    public init(_ start: Instant) { current = start }
    public func now() -> Instant { current }
    public func advance(seconds: Double) {
        current = Instant(millisecondsSinceEpoch: current.millisecondsSinceEpoch + Int64(seconds * 1000))
    }
    public func set(_ instant: Instant) { current = instant }
}
