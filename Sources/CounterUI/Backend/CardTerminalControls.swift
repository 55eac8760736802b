/// What a card terminal offers the screen beyond paying: its intermediate texts and an abort.
/// The executable adapts the ZVT driver to it.
public protocol CardTerminalControls: AnyObject, Sendable {
    /// Installs (or removes) the receiver of the terminal's intermediate texts during a payment.
    func setStatusHandler(_ handler: (@Sendable (String) -> Void)?)
    /// Asks the terminal to abort the running payment.
    func abortPayment()
}
