import ESCPOS
import Foundation
import KasseCore
import SystemCalls

/// The customer display (2 × 20 characters) on a serial or USB line, `[display] device`
/// (docs/printer.md, "Customer display"): each added item with its price and the total, the
/// total to pay, the amount tendered with the change, and the greeting when idle. Written on its
/// own thread: a display that is missing or slow never holds up the counter; a failed write is
/// tried again with the next text (the line is opened anew).
// @unchecked Sendable: `port` is used only on `queue`'s thread; `lastProblem` only under `lock`; the rest is constant.
public final class CustomerDisplay: @unchecked Sendable {
    public let settings: DisplaySettings
    public let office: String
    private let encoder: PoleDisplayEncoder
    private let queue = DeliveryQueue(name: "webkasse display")
    private var port: SerialPort?
    private let lock = NSLock()
    private var lastProblem: String?

    public init(settings: DisplaySettings, office: String) {
        self.settings = settings
        self.office = office
        switch settings.codePage {
        case .cp858: encoder = PoleDisplayEncoder(codePage: .cp858)
        case .cp1252: encoder = PoleDisplayEncoder(codePage: .cp1252)
        case .iso885915: encoder = PoleDisplayEncoder(codePage: .iso885915)
        }
    }

    deinit { queue.stop() }

    /// The display from the configuration; nil when `[display] device` is empty.
    public static func configured(_ configuration: Configuration) -> CustomerDisplay? {
        configuration.display.device.isEmpty ? nil : CustomerDisplay(settings: configuration.display, office: configuration.officeName)
    }

    public func showIdle() { show(.idle(greeting: settings.greeting, office: office)) }

    public func showItem(_ name: String, price: Money, total: Money) { show(.item(name, price: price.formatted, total: total.formatted)) }

    public func showTotal(_ total: Money) { show(.total(total.formatted)) }

    public func showChange(tendered: Money, change: Money) { show(.change(tendered: tendered.formatted, change: change.formatted)) }

    /// Why the last write failed, nil when it worked.
    public var problem: String? { lock.withLock { lastProblem } }

    /// Waits until every text handed over so far is written (tests).
    public func waitUntilIdle() { queue.waitUntilIdle() }

    func show(_ text: CustomerDisplayText) {
        queue.async { [self] in
            do {
                if port == nil {
                    let opened = try SerialPort.open(path: settings.device, baudRate: settings.baudRate, stopBits: 1)
                    try opened.write(encoder.initialize)
                    port = opened
                }
                try port?.write(encoder.frame(text))
                lock.withLock { lastProblem = nil }
            } catch {
                port?.close()
                port = nil
                lock.withLock { lastProblem = "Kundenanzeige \(settings.device): \(error)" }
            }
        }
    }
}
