import SparseSimCore
import Testing

@testable import Training

/// The radix selection against sorting (the brute-force reference) and against the quickselect
/// it replaced.
@Suite struct TopKTests {
    static func bySorting(_ v: [Float], keep: Int) -> Float {
        if keep <= 0 { return .infinity }
        if keep >= v.count { return 0 }
        return v.map { abs($0) }.sorted(by: >)[keep - 1]
    }

    /// The quickselect the radix selection replaced, on a copy of the magnitudes.
    static func byQuickselect(_ v: [Float], keep: Int) -> Float {
        if keep <= 0 { return .infinity }
        if keep >= v.count { return 0 }
        var a = v.map { abs($0) }
        // The (n − keep)-th smallest (0-based) is the keep-th largest.
        return a.withUnsafeMutableBufferPointer { TopK.select($0, count: $0.count, rank: $0.count - keep) }
    }

    static func cases() -> [(String, [Float])] {
        var rng = RandomGenerator(seed: 31)
        var out: [(String, [Float])] = []
        out.append(("normal", (0..<5000).map { _ in rng.nextNormal() }))
        out.append(("relu", (0..<4000).map { _ in max(0, rng.nextNormal()) }))  // half zeros
        out.append(("ties", (0..<3000).map { _ in Float(rng.nextInt(below: 7)) - 3 }))
        out.append(("all equal", [Float](repeating: -0.5, count: 100)))
        out.append(("all zero", [Float](repeating: 0, count: 64)))
        out.append(("signed zeros", [0, -0, 1, -1, 0, -2]))
        out.append(("one bucket", (0..<2000).map { _ in 1 + Float(rng.nextInt(below: 1 << 20)) * 0x1p-23 }))
        out.append(("wide range", (0..<3000).map { _ in rng.nextNormal() * Float(sign: .plus, exponent: rng.nextInt(below: 200) - 100, significand: 1) }))
        out.append(("subnormal and infinite", [Float.leastNormalMagnitude / 4, -Float.leastNonzeroMagnitude * 3, .infinity, -.infinity, 1, 0, Float.leastNonzeroMagnitude, Float.greatestFiniteMagnitude]))
        out.append(("single", [-3]))
        return out
    }

    @Test func radixSelectionEqualsSorting() {
        var scratch: [Float] = []
        for (name, v) in Self.cases() {
            for keep in Set([0, 1, 2, v.count / 10, v.count / 2, v.count - 1, v.count, v.count + 3]) where keep >= 0 {
                let expected = Self.bySorting(v, keep: keep)
                let radix = v.withUnsafeBufferPointer { TopK.threshold(magnitudes: $0, keep: keep, scratch: &scratch) }
                let quick = Self.byQuickselect(v, keep: keep)
                #expect(radix == expected, "\(name) keep \(keep): \(radix) vs \(expected)")
                #expect(quick == expected, "\(name) keep \(keep) (quickselect)")
                #expect(radix.sign == .plus)
            }
        }
    }

    /// Keeping `|v| ≥ τ` keeps at least `keep` values, and more only by ties with the `keep`-th.
    @Test func thresholdKeepsTheTopKAndItsTies() {
        var rng = RandomGenerator(seed: 32)
        let v = (0..<10_000).map { _ in Float(rng.nextInt(below: 500)) * 0.25 * (rng.nextInt(below: 2) == 0 ? 1 : -1) }
        var scratch: [Float] = []
        for keep in [1, 37, 1000, 9999] {
            let t = v.withUnsafeBufferPointer { TopK.threshold(magnitudes: $0, keep: keep, scratch: &scratch) }
            let above = v.filter { abs($0) > t }.count, atOrAbove = v.filter { abs($0) >= t }.count
            #expect(above < keep && keep <= atOrAbove, "keep \(keep)")
        }
    }
}
