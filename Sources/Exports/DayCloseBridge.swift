import KasseCore

extension DayCloseTotals {
    /// Adds a booking line as the Z report counts it, so an export can be compared with the day
    /// close: sales and stornos to items, accounts and payment methods; cash movements and
    /// differences only to payment methods (they are not sales). `hour` feeds the chart.
    public mutating func add(_ line: BookingLine, hour: Int = 0) throws(MoneyError) {
        switch line.kind {
        case .sale, .storno:
            try addShare(
                itemCode: line.itemCode, itemText: line.text, account: line.account, amount: line.amount,
                passThrough: line.passThrough, hour: hour, countsItem: line.shareNumber <= 1)
            try addPayment(method: line.paymentMethod.germanName, amount: line.amount)
        case .cashMovement, .cashDifference:
            break
        }
    }
}
