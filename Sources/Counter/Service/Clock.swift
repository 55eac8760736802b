import Foundation
import KasseCore
import Ledger
import SystemCalls

/// Where the counter service gets the time. Injected, so tests never sleep.
public protocol CounterClock: AnyObject {
    func now() -> Instant
    /// Lets `milliseconds` pass before the caller goes on (e.g. before the terminal is asked again).
    func pause(milliseconds: Int)
}

/// The system clock.
public final class WallClock: CounterClock {
    public init() {}
    public func now() -> Instant { Instant.now }
    public func pause(milliseconds: Int) { Syscall.sleep(milliseconds: milliseconds) }
}

/// A clock that moves only when told: tests and `webkasse simulate`.
public final class SimulatedClock: CounterClock {
    public private(set) var current: Instant
    public init(_ start: Instant) { current = start }
    public func now() -> Instant { current }
    /// Moves the clock on instead of waiting.
    public func pause(milliseconds: Int) { advance(seconds: Double(milliseconds) / 1000) }
    public func advance(seconds: Double) {
        current = Instant(millisecondsSinceEpoch: current.millisecondsSinceEpoch + Int64(seconds * 1000))
    }
    public func set(_ instant: Instant) { current = instant }
}
