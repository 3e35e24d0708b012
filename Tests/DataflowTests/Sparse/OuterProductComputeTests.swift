import Testing

@testable import Dataflow
@testable import SparseSimCore

/// The outer-product tensor core's cycles, counted here the long way: every MAC of the layer
/// visited once (`TestMasks.forEachMAC`), the non-zero A pixels and B filters of each pixel
/// tile, filter tile and reduction index collected, and every (pixel tile, filter tile) pair of
/// every index charged `⌈nnzA/rows⌉ · ⌈nnzB/cols⌉` on its own — not through the product of
/// sums the model uses.
@Suite struct OuterProductComputeTests {
    struct Key: Hashable { var group: Int, c: Int, r: Int, s: Int, tile: Int }

    static func bruteForce(_ l: LayerShape, weights: Bitmask?, inputs: Bitmask?, rows: Int, cols: Int, tileA: Int, tileB: Int)
        -> (cycles: Int, macs: Int) {
        let kPerGroup = l.K / l.groups
        var aSets: [Key: Set<Int>] = [:], bSets: [Key: Set<Int>] = [:]
        var macs = 0
        TestMasks.forEachMAC(l) { k, c, r, s, p, q, index in
            let g = k / kPerGroup, m = p * l.Q + q
            let aOn = inputs == nil || (index.map { inputs![$0] } ?? false)
            let bOn = weights == nil || weights![((k * l.channelsPerGroup + c) * l.R + r) * l.S + s]
            if aOn { aSets[Key(group: g, c: c, r: r, s: s, tile: m / tileA), default: []].insert(m) }
            if bOn { bSets[Key(group: g, c: c, r: r, s: s, tile: (k % kPerGroup) / tileB), default: []].insert(k) }
            if aOn && bOn && index != nil { macs += 1 }
            if aOn && bOn && index == nil && inputs == nil { macs += 1 }  // dense A sends padding zeros too
        }
        let mTiles = (l.P * l.Q + tileA - 1) / tileA, nTiles = (kPerGroup + tileB - 1) / tileB
        var cycles = 0
        for g in 0..<l.groups {
            for c in 0..<l.channelsPerGroup {
                for r in 0..<l.R {
                    for s in 0..<l.S {
                        for t in 0..<mTiles {
                            for u in 0..<nTiles {
                                let a = aSets[Key(group: g, c: c, r: r, s: s, tile: t)]?.count ?? 0
                                let b = bSets[Key(group: g, c: c, r: r, s: s, tile: u)]?.count ?? 0
                                cycles += ((a + rows - 1) / rows) * ((b + cols - 1) / cols)
                            }
                        }
                    }
                }
            }
        }
        return (cycles, macs)
    }

    static let layers: [LayerShape] = [
        .conv("pad-stride", K: 20, C: 3, R: 3, H: 9, stride: 2, padding: 1),
        LayerShape(name: "grouped", kind: .conv, N: 1, K: 12, C: 8, R: 3, S: 2, H: 6, W: 7, P: 6, Q: 6, stride: 1, padding: 1, groups: 2),
        .gemm("gemm", M: 70, N: 40, K: 9),
    ]

    @Test(arguments: layers)
    func cyclesAndProductsEqualTheLongCount(layer l: LayerShape) {
        let weights = TestMasks.random(l.weightCount, density: 0.45, seed: 3)
        let inputs = TestMasks.random(l.C * l.H * l.W, density: 0.3, seed: 4)
        for (rows, cols, tileA, tileB) in [(8, 16, 32, 32), (2, 3, 5, 7), (1, 1, 1, 1), (4, 4, 4, 4)] {
            for (w, x) in [(weights, inputs), (nil, inputs), (weights, nil), (nil, nil)] as [(Bitmask?, Bitmask?)] {
                let model = OuterProductCompute(shape: l, weights: w, inputs: x, rows: rows, cols: cols, tileA: tileA, tileB: tileB)
                let brute = Self.bruteForce(l, weights: w, inputs: x, rows: rows, cols: cols, tileA: tileA, tileB: tileB)
                #expect(model.computeCycles == brute.cycles, "\(l.name) \(rows)x\(cols) tiles \(tileA)/\(tileB) w:\(w != nil) x:\(x != nil)")
                #expect(model.macs == brute.macs, "\(l.name) \(rows)x\(cols) w:\(w != nil) x:\(x != nil)")
            }
        }
    }

    /// Dense, every reduction index costs `⌈tileA/rows⌉ · ⌈tileB/cols⌉` per tile pair, and the
    /// array is full when the tiles are multiples of it.
    @Test func denseIsTheTileSteps() {
        let l = LayerShape.gemm("gemm", M: 64, N: 64, K: 10)
        let c = OuterProductCompute(shape: l, weights: nil, inputs: nil, rows: 8, cols: 16, tileA: 32, tileB: 32)
        #expect(c.computeCycles == 10 * (2 * 4) * (2 * 2))
        #expect(c.macs == l.macs && c.mappingEfficiency == 1 && c.tiles == 4)
    }
}
