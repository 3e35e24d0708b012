import Testing

@testable import SparseSimCore
@testable import Trace
@testable import Training

@Suite struct SparsityStructureTests {
    @Test func parsing() throws {
        #expect(try SparsityStructure(parsing: "unstructured") == .unstructured)
        #expect(try SparsityStructure(parsing: "channel") == .channel)
        #expect(try SparsityStructure(parsing: "filter") == .filter)
        #expect(try SparsityStructure(parsing: "block:4x4") == .block(4))
        #expect(try SparsityStructure(parsing: "block:8") == .block(8))
        #expect(try SparsityStructure(parsing: "nm:2:4") == .nm(NMPattern(n: 2, m: 4)))
        for bad in ["", "nm:3:2", "nm:0:4", "nm:2", "block:4x2", "block:0x0", "blocks:4x4", "channel:2", "nm:a:4"] {
            #expect(throws: SparseSimError.self, "\(bad)") { try SparsityStructure(parsing: bad) }
        }
        #expect(SparsityStructure.nm(NMPattern(n: 2, m: 4)).description == "nm:2:4")
        #expect(SparsityStructure.block(4).description == "block:4x4")
    }

    static func scores(_ n: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<n).map { _ in rng.nextUniform() }
    }

    /// Channel masks zero whole (k, c) kernel slices; the kept slices are the highest-L1 ones.
    @Test func channelMasksKeepWholeKernelSlices() {
        let (k, c, r, s) = (4, 3, 3, 3)
        let g = WeightGroups(.channel, k: k, c: c, r: r, s: s)
        #expect(g.count == k * c)
        let w = Self.scores(k * c * r * s, seed: 1).map { $0 - 0.5 }
        let sums = w.withUnsafeBufferPointer { g.sums($0, magnitude: true) }
        let kept = g.select(scores: sums, keep: 5)
        var mask = [Float](repeating: -1, count: w.count)
        mask.withUnsafeMutableBufferPointer { g.expand(kept, into: $0) }
        for slice in 0..<(k * c) {
            let values = Set(mask[(slice * r * s)..<((slice + 1) * r * s)])
            #expect(values.count == 1, "slice \(slice) is not uniform")
        }
        #expect(mask.count { $0 == 1 } == 5 * r * s)
        // Brute force: the 5 largest L1 norms.
        let l1 = (0..<(k * c)).map { sl in (sl * r * s..<(sl + 1) * r * s).reduce(Float(0)) { $0 + abs(w[$1]) } }
        let top = Set(l1.indices.sorted { l1[$0] > l1[$1] }.prefix(5))
        for sl in 0..<(k * c) { #expect((mask[sl * r * s] == 1) == top.contains(sl)) }
    }

    @Test func filterMasksKeepWholeFilters() {
        let g = WeightGroups(.filter, k: 6, c: 2, r: 3, s: 3)
        #expect(g.count == 6)
        let kept = g.select(scores: [5, 1, 4, 2, 6, 3], keep: 3)
        #expect(kept == [true, false, true, false, true, false])
    }

    /// Block masks are unions of whole B×B tiles of the K × (C·R·S) matrix (edge tiles smaller).
    @Test func blockMasksAreUnionsOfWholeBlocks() {
        let (k, c, r, s, b) = (10, 3, 3, 1, 4)  // a 10 × 9 matrix: 3 × 3 tiles, the last row and column of tiles partial
        let g = WeightGroups(.block(b), k: k, c: c, r: r, s: s)
        #expect(g.count == 9)
        let keep = g.select(scores: Self.scores(g.count, seed: 3), keep: 4)
        var mask = [Float](repeating: 0, count: k * c * r * s)
        mask.withUnsafeMutableBufferPointer { g.expand(keep, into: $0) }
        let cols = c * r * s
        var keptTiles = 0
        for bk in stride(from: 0, to: k, by: b) {
            for bc in stride(from: 0, to: cols, by: b) {
                var values = Set<Float>()
                for row in bk..<min(k, bk + b) { for col in bc..<min(cols, bc + b) { values.insert(mask[row * cols + col]) } }
                #expect(values.count == 1, "tile (\(bk), \(bc)) is split")
                if values.first == 1 { keptTiles += 1 }
            }
        }
        #expect(keptTiles == 4)
    }

    /// N:M keeps exactly N per run of M along each row, min(N, length) in a short last run.
    @Test func nmMasksHaveExactlyNPerGroup() {
        let (k, c, r, s) = (3, 5, 1, 2)  // rows of 10: runs of 4, 4, 2
        let g = WeightGroups(.nm(NMPattern(n: 3, m: 4)), k: k, c: c, r: r, s: s)
        #expect(g.buckets.count == 9)
        let keep = g.select(scores: Self.scores(k * c * r * s, seed: 4), keep: 0)
        for row in 0..<k {
            let base = row * 10
            #expect(keep[base..<(base + 4)].count { $0 } == 3)
            #expect(keep[(base + 4)..<(base + 8)].count { $0 } == 3)
            #expect(keep[(base + 8)..<(base + 10)].count { $0 } == 2)
        }
        #expect(g.keptGroups(density: 0.1) == 3 * (3 + 3 + 2))
    }

    /// ERK for three layers by hand (RigL's formula, no layer saturated): shapes [10, 20],
    /// [20, 30], [30, 5, 3, 3] at 80 % sparsity.
    @Test func erkDensitiesEqualAHandComputation() {
        let shapes = [[10, 20], [20, 30], [30, 5, 3, 3]]
        let d = SparsityDistribution.erk.densities(shapes: shapes, sparsity: 0.8)
        // n = 200, 600, 1350; zeros = floor(0.8 n) = 160, 480, 1080; ones = 40, 120, 270 → rhs = 430.
        // raw = (10+20)/200 = 0.15, 50/600 = 1/12, 41/1350; divisor = 0.15·200 + 600/12 + 41 = 30 + 50 + 41 = 121.
        let eps = 430.0 / 121.0
        let expected = [eps * 0.15, eps / 12, eps * 41 / 1350]
        for (a, b) in zip(d, expected) { #expect(abs(a - b) < 1e-12) }
        // The kept counts add up to the budget.
        let kept = zip(shapes, d).reduce(0.0) { $0 + Double($1.0.reduce(1, *)) * $1.1 }
        #expect(abs(kept - 430) < 1e-9)
    }

    /// A layer whose ERK density would exceed 1 becomes dense; the others make up for it.
    @Test func erkSaturatedLayerBecomesDense() {
        let shapes = [[4, 3], [100, 100], [100, 100]]
        let d = SparsityDistribution.erk.densities(shapes: shapes, sparsity: 0.5)
        #expect(d[0] == 1)
        // Budget: ones 6 + 5000 + 5000 with the small layer's 6 zeros taken from the others:
        // eps·(200/10000)·10000·2 = 10000 − 6 → density (10000 − 6) / 20000 each.
        #expect(abs(d[1] - 9994.0 / 20000) < 1e-12 && abs(d[2] - d[1]) < 1e-15)
        // Uniform and dense layers.
        #expect(SparsityDistribution.uniform.densities(shapes: shapes, sparsity: 0.7, dense: [0]) == [1, 1 - 0.7, 1 - 0.7])
    }

    @Test func nmFixesTheSparsity() throws {
        #expect(try SparseConfiguration(method: .rigl, structure: "nm:2:4").effectiveSparsity() == 0.5)
        #expect(try SparseConfiguration(method: .rigl, sparsity: 0.5, structure: "nm:2:4").effectiveSparsity() == 0.5)
        #expect(throws: SparseSimError.self) { try SparseConfiguration(method: .rigl, sparsity: 0.9, structure: "nm:2:4").validate() }
        #expect(throws: SparseSimError.self) { try SparseConfiguration(method: .rigl, sparsity: 1).validate() }
        #expect(try SparseConfiguration(method: .rigl).effectiveSparsity() == 0.9)
    }

    @Test func topKThresholdKeepsTheLargestMagnitudes() {
        let v = Self.scores(1000, seed: 9).map { $0 - 0.5 }
        var scratch: [Float] = []
        for keep in [0, 1, 7, 500, 999, 1000] {
            let t = v.withUnsafeBufferPointer { TopK.threshold(magnitudes: $0, keep: keep, scratch: &scratch) }
            #expect(v.count { abs($0) >= t } == keep, "keep \(keep)")
        }
        // Ties are kept: the 2nd largest of |1 1 1 −2 2 3| is 2, and three values reach it.
        let tied: [Float] = [1, 1, 1, -2, 2, 3]
        let t2 = tied.withUnsafeBufferPointer { TopK.threshold(magnitudes: $0, keep: 2, scratch: &scratch) }
        #expect(t2 == 2 && tied.count { abs($0) >= t2 } == 3)
        // Quickselect agrees with sorting on inputs full of duplicates.
        var rng = RandomGenerator(seed: 10)
        for _ in 0..<50 {
            let v = (0..<200).map { _ in Float(rng.nextInt(below: 7)) }
            let keep = 1 + rng.nextInt(below: 200)
            let t = v.withUnsafeBufferPointer { TopK.threshold(magnitudes: $0, keep: keep, scratch: &scratch) }
            #expect(t == v.sorted(by: >)[keep - 1] || (keep == 200 && t == 0))
        }
        #expect(TopK.keptCount(density: 0.1, of: 25) == 3)
        #expect(TopK.keptCount(density: 0.2, of: 25) == 5)
        #expect(TopK.keptCount(density: 1, of: 25) == 25)
    }
}
