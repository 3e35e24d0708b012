import Testing

@testable import Dataflow
@testable import SparseSimCore

/// Masks for the sparse-dataflow tests: seeded, any density.
enum TestMasks {
    static func random(_ count: Int, density: Double, seed: UInt64) -> Bitmask {
        var rng = RandomGenerator(seed: seed)
        return Bitmask((0..<count).map { _ in rng.nextDouble() < density })
    }

    /// Every MAC `(k, c, r, s, p, q)` of one sample, by brute force: `body(k, c, r, s, p, q, input index or nil)`.
    static func forEachMAC(_ l: LayerShape, _ body: (Int, Int, Int, Int, Int, Int, Int?) -> Void) {
        let cg = l.channelsPerGroup, kPerGroup = l.K / l.groups
        for k in 0..<l.K {
            for cl in 0..<cg {
                let c = (k / kPerGroup) * cg + cl
                for r in 0..<l.R {
                    for s in 0..<l.S {
                        for p in 0..<l.P {
                            for q in 0..<l.Q {
                                let y = p * l.stride + r - l.padding, x = q * l.stride + s - l.padding
                                let inside = y >= 0 && y < l.H && x >= 0 && x < l.W
                                body(k, cl, r, s, p, q, inside ? (c * l.H + y) * l.W + x : nil)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Brute-force MACs per filter over output rows `rows`, counting the masks given.
    static func bruteForce(_ l: LayerShape, weights: Bitmask?, inputs: Bitmask?, rows: Range<Int>? = nil) -> [Int] {
        var work = [Int](repeating: 0, count: l.K)
        let rs = l.R * l.S, row = l.channelsPerGroup * rs
        forEachMAC(l) { k, c, r, s, p, _, input in
            if let rows, !rows.contains(p) { return }
            if let weights, !weights[k * row + c * rs + r * l.S + s] { return }
            if let inputs { guard let i = input, inputs[i] else { return } }
            work[k] += 1
        }
        return work
    }

    static let layers: [LayerShape] = [
        .conv("c3p1", K: 6, C: 5, R: 3, H: 9, stride: 1, padding: 1),
        .conv("c5s2", K: 7, C: 3, R: 5, H: 13, stride: 2, padding: 2),
        .conv("c1s2", K: 9, C: 10, R: 1, H: 10, stride: 2, padding: 0),
        .conv("rect", K: 4, C: 3, R: 3, S: 2, H: 7, W: 11, stride: 1, padding: 1),
        .conv("dw", K: 8, C: 8, R: 3, H: 8, stride: 1, padding: 1, groups: 8),
        .conv("g2", K: 6, C: 4, R: 3, H: 6, stride: 2, padding: 1, groups: 2),
        .linear("fc", K: 11, C: 17),
    ]
}

@Suite struct SparseWorkTests {
    /// Per-filter MACs from the separable count equal a brute-force walk over every MAC, for
    /// each combination of counted operands, on whole layers and on slices of output rows.
    @Test(arguments: TestMasks.layers)
    func filterWorkEqualsBruteForce(layer: LayerShape) {
        for (seed, (wd, xd)) in [(0.3, 0.5), (1.0, 0.2), (0.05, 1.0), (0.0, 0.5)].enumerated() {
            let weights = TestMasks.random(layer.weightCount, density: wd, seed: UInt64(seed))
            let inputs = TestMasks.random(layer.C * layer.H * layer.W, density: xd, seed: UInt64(100 + seed))
            for (w, x) in [(weights, inputs), (nil, inputs), (weights, nil), (nil, nil)] as [(Bitmask?, Bitmask?)] {
                let work = SparseWork(shape: layer, inputs: x)
                #expect(work.filterWork(weights: w) == TestMasks.bruteForce(layer, weights: w, inputs: x), "\(layer.name) \(wd)/\(xd)")
                let cut = layer.P / 2
                for rows in [0..<cut, cut..<layer.P] {
                    #expect(work.filterWork(weights: w, windows: work.windows(outputRows: rows))
                        == TestMasks.bruteForce(layer, weights: w, inputs: x, rows: rows))
                }
            }
        }
    }

    /// The per-row windows equal one-row `windows(outputRows:)` for every row.
    @Test(arguments: TestMasks.layers)
    func rowWindowsEqualSingleRows(layer l: LayerShape) {
        for x in [TestMasks.random(l.C * l.H * l.W, density: 0.4, seed: 9), nil] {
            let work = SparseWork(shape: l, inputs: x)
            let all = work.rowWindows()
            for p in 0..<l.P {
                let one = work.windows(outputRows: p..<(p + 1))
                #expect(one.indices.allSatisfy { all[$0 * l.P + p] == one[$0] }, "\(l.name) row \(p)")
            }
        }
    }

    /// With no masks the count is the dense MAC count; with all-zero inputs it is zero.
    @Test func denseAndEmpty() {
        let l = LayerShape.conv("c", K: 5, C: 3, R: 3, H: 10, stride: 1, padding: 1)
        #expect(SparseWork(shape: l, inputs: nil).filterWork(weights: nil).reduce(0, +) == l.macs)
        let none = Bitmask(repeating: false, count: l.C * l.H * l.W)
        #expect(SparseWork(shape: l, inputs: none).filterWork(weights: nil).reduce(0, +) == 0)
        #expect(SparseWork.nonzerosPerFilter(l, weights: nil) == [Int](repeating: 27, count: 5))
    }
}
