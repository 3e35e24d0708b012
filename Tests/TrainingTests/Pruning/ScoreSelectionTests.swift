import SparseSimCore
import Testing

@testable import Training

/// Exact top-k selection against sorting by (score descending, index ascending).
@Suite struct ScoreSelectionTests {
    static func bySorting(_ v: [Double], keep: Int) -> [Bool] {
        let order = v.indices.sorted { v[$0] != v[$1] ? v[$0] > v[$1] : $0 < $1 }
        var kept = [Bool](repeating: false, count: v.count)
        for i in order.prefix(keep) { kept[i] = true }
        return kept
    }

    static func cases() -> [(String, [Double])] {
        var rng = RandomGenerator(seed: 5)
        var out: [(String, [Double])] = []
        out.append(("uniform", (0..<3000).map { _ in rng.nextDouble() }))
        out.append(("ties", (0..<2000).map { _ in Double(rng.nextInt(below: 9)) - 4 }))
        out.append(("all equal", [Double](repeating: 0.25, count: 300)))
        out.append(("zeros and -inf", (0..<500).map { _ in rng.nextInt(below: 3) == 0 ? -.infinity : 0 }))
        out.append(("signed zeros", [0, -0.0, 1, -1, 0, -2, -0.0]))
        out.append(("one top bucket", (0..<4000).map { _ in 1 + Double(rng.nextInt(below: 1 << 30)) * 0x1p-52 }))
        out.append(("wide range", (0..<3000).map { _ in
            Double(rng.nextNormal()) * Double(sign: .plus, exponent: rng.nextInt(below: 1200) - 600, significand: 1)
        }))
        out.append(("extremes", [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, .infinity,
                                 -.leastNonzeroMagnitude, 1e-300, -.infinity, 0]))
        out.append(("single", [3]))
        return out
    }

    @Test func keepsExactlyTheLargestWithLowIndexTies() {
        for (name, v) in Self.cases() {
            for keep in Set([0, 1, 2, 3, v.count / 7, v.count / 2, v.count - 1, v.count]) where keep >= 0 && keep <= v.count {
                var kept = [Bool](repeating: false, count: v.count)
                v.withUnsafeBufferPointer { s in
                    kept.withUnsafeMutableBufferPointer { ScoreSelection.keepLargest(s, keep: keep, into: $0) }
                }
                #expect(kept == Self.bySorting(v, keep: keep), "\(name) keep \(keep)")
                #expect(kept.filter { $0 }.count == keep, "\(name) keep \(keep): count")
            }
        }
    }

    @Test func keyOrderMatchesDoubleOrder() {
        let values: [Double] = [-.infinity, -1e300, -2, -1, -.leastNonzeroMagnitude, 0, .leastNonzeroMagnitude, 1e-300, 1, 2, .infinity]
        for (a, b) in zip(values, values.dropFirst()) {
            #expect(ScoreSelection.key(a) < ScoreSelection.key(b), "\(a) < \(b)")
        }
        #expect(ScoreSelection.key(-0.0) == ScoreSelection.key(0))
    }
}
