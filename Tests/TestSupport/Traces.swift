import Foundation

/// The golden ZVT traces in `Tests/ZVTTests/Traces/` (see its MANIFEST.md): one raw APDU per file.
/// ZVTTests extends this with the decoding helpers; the end-to-end tests pass the files to the binary.
public enum Traces {
    public static let directory = packageRoot.appendingPathComponent("Tests/ZVTTests/Traces")
}
