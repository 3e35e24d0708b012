import Foundation
import SparseSimCore
import Testing

// MARK: - Test support

// Helpers every test target may use: a small seeded generator, temporary directories, and an
// expectation that a `SparseSimError` is thrown.

/// SplitMix64: a small seeded generator so random tests repeat exactly.
public struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    /// A generator from `seed`.
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A fresh empty directory under the system temporary directory.
public func makeTemporaryDirectory(_ label: String = #function) throws -> String {
    let safe = label.filter { $0.isLetter || $0.isNumber }
    let path = NSTemporaryDirectory() + "sparsesim-\(safe)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Expects `body` to throw a `SparseSimError` and returns it.
public func expectSparseSimError(
    _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
) -> SparseSimError? {
    do {
        try body()
        Issue.record("expected an error", sourceLocation: sourceLocation)
        return nil
    } catch let error as SparseSimError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
