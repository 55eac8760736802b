import KasseCore

/// The sale's reference (Kassenzeichen, Aktenzeichen, Vorgangsnummer): typed, or read by a barcode
/// scanner that types like a keyboard and ends with Enter. Checked against the office's rule
/// (``SaleReferenceRule``) when it is taken; an empty field removes it.
final class ReferenceDialog: FormScreen {
    init(backend: CounterBackend, current: String?) {
        super.init(
            title: "Kassenzeichen",
            intro: ["Kassenzeichen, Aktenzeichen oder Vorgangsnummer", "tippen oder scannen; leer = ohne Kassenzeichen."],
            fields: [TextField(label: "Kassenzeichen", kind: .text, maxLength: SaleReferenceRule.maximumLength + 4, text: current ?? "")],
            submitLabel: "Übernehmen"
        ) { form, stack in
            try backend.setReference(form.value(0))
            if let reference = backend.basket.reference {
                stack.showNotice("Kassenzeichen \(reference) übernommen.")
            } else {
                stack.showNotice("Ohne Kassenzeichen.")
            }
            return true
        }
    }
}
