import Testing

@testable import Dataflow
@testable import SparseSimCore

@Suite struct CartesianProductComputeTests {
    /// Products are `Σ_c nnz(weights of channel c) · nnz(inputs of channel c)`, counted here
    /// straight from the masks; one PE with a 1×1 multiplier and one bank takes one cycle per
    /// product; every configuration takes at least products ÷ (PEs · F · I) cycles.
    @Test(arguments: TestMasks.layers)
    func productsAndBounds(layer l: LayerShape) {
        let weights = TestMasks.random(l.weightCount, density: 0.4, seed: 7)
        let inputs = TestMasks.random(l.C * l.H * l.W, density: 0.6, seed: 8)
        let rs = l.R * l.S, cg = l.channelsPerGroup, kPerGroup = l.K / l.groups
        var perChannelW = [Int](repeating: 0, count: l.C), perChannelX = [Int](repeating: 0, count: l.C)
        for i in 0..<l.weightCount where weights[i] {
            let k = i / (cg * rs), c = (k / kPerGroup) * cg + (i % (cg * rs)) / rs
            perChannelW[c] += 1
        }
        for i in 0..<inputs.count where inputs[i] { perChannelX[i / (l.H * l.W)] += 1 }
        let expected = zip(perChannelW, perChannelX).reduce(0) { $0 + $1.0 * $1.1 }

        let single = CartesianProductCompute(shape: l, weights: weights, inputs: inputs, rows: 1, cols: 1,
                                             weightVector: 1, inputVector: 1, banks: 1, channelGroup: 4)
        #expect(single.macs == expected)
        #expect(single.computeCycles == expected)
        #expect(single.loadImbalance == 1)

        for (rows, cols, f, i, a, kc) in [(2, 2, 2, 2, 8, 2), (8, 8, 4, 4, 32, 8), (3, 1, 4, 1, 2, 1)] {
            let c = CartesianProductCompute(shape: l, weights: weights, inputs: inputs, rows: rows, cols: cols,
                                            weightVector: f, inputVector: i, banks: a, channelGroup: kc)
            #expect(c.macs == expected)
            #expect(c.computeCycles * rows * cols * f * i >= c.macs)
            #expect(c.loadImbalance >= 1)
            // Skipping never costs more than computing every value.
            let dense = CartesianProductCompute(shape: l, weights: nil, inputs: nil, rows: rows, cols: cols,
                                                weightVector: f, inputVector: i, banks: a, channelGroup: kc)
            #expect(c.computeCycles <= dense.computeCycles)
            #expect(dense.macs == (0..<l.C).reduce(0) { $0 + kPerGroup * rs * l.H * l.W + 0 * $1 })
        }
    }

    /// A hand calculation of the halo: a 3×3 conv, padding 1, on a 4×4 input over 2×2 PEs. Each
    /// PE's 2×2 inputs touch a 3×3 block of outputs: 4 · 9 − 16 = 20 partial sums per channel
    /// cross to a neighbour.
    @Test func haloByHand() {
        let l = LayerShape.conv("c", K: 3, C: 1, R: 3, H: 4, stride: 1, padding: 1)
        let c = CartesianProductCompute(shape: l, weights: nil, inputs: nil, rows: 2, cols: 2,
                                        weightVector: 1, inputVector: 1, banks: 4, channelGroup: 3)
        #expect(c.haloValues == 3 * 20)
        // Each PE: 27 weights × 4 inputs, one product a cycle: 108 cycles, one group.
        #expect(c.computeCycles == 108 && c.groups == 1)
    }

    /// The expected most-loaded bank against a seeded Monte Carlo of products thrown on banks.
    @Test func bankLoadMatchesMonteCarlo() {
        var rng = RandomGenerator(seed: 3)
        for (n, a) in [(16, 32), (64, 32), (5, 4), (200, 8)] {
            var sum = 0
            let trials = 20000
            for _ in 0..<trials {
                var load = [Int](repeating: 0, count: a)
                for _ in 0..<n { load[rng.nextInt(below: a)] += 1 }
                sum += load.max()!
            }
            let mean = Double(sum) / Double(trials)
            let model = CartesianProductCompute.expectedMaxLoad(products: n, banks: a)
            // The model rounds the (Poisson-approximated) expectation up to whole cycles.
            #expect(Double(model) >= mean - 0.35 && Double(model) <= mean + 1.2, "n \(n) A \(a): model \(model), Monte Carlo \(mean)")
            #expect(model >= (n + a - 1) / a)
        }
        #expect(CartesianProductCompute.expectedMaxLoad(products: 0, banks: 32) == 0)
        #expect(CartesianProductCompute.expectedMaxLoad(products: 7, banks: 1) == 7)
    }
}

@Suite struct FilterParallelComputeTests {
    /// Rounds of `cols` filters, each costing its slowest PE, summed — computed here from the
    /// brute-force per-filter work.
    @Test(arguments: TestMasks.layers)
    func roundsFromBruteForce(layer l: LayerShape) {
        let weights = TestMasks.random(l.weightCount, density: 0.3, seed: 11)
        let inputs = TestMasks.random(l.C * l.H * l.W, density: 0.5, seed: 12)
        let work = TestMasks.bruteForce(l, weights: weights, inputs: inputs)
        for cols in [1, 2, 3, 16] {
            let c = FilterParallelCompute(work: SparseWork(shape: l, inputs: inputs), weights: weights, rows: 1, cols: cols,
                                          macsPerPE: 1, chunkSize: nil, greedy: false)
            let expected = stride(from: 0, to: l.K, by: cols).reduce(0) { $0 + work[$1..<min($1 + cols, l.K)].max()! }
            #expect(c.computeCycles == expected)
            #expect(c.macs == work.reduce(0, +))
            #expect(c.computeCycles * cols >= c.macs)
        }
        // Output-row slices over two rows of PEs: each slice's work from the brute force.
        if l.P >= 2 {
            let c = FilterParallelCompute(work: SparseWork(shape: l, inputs: inputs), weights: weights, rows: 2, cols: 1,
                                          macsPerPE: 1, chunkSize: nil, greedy: false)
            let top = TestMasks.bruteForce(l, weights: weights, inputs: inputs, rows: 0..<(l.P / 2))
            let bottom = TestMasks.bruteForce(l, weights: weights, inputs: inputs, rows: (l.P / 2)..<l.P)
            #expect(c.computeCycles == zip(top, bottom).reduce(0) { $0 + max($1.0, $1.1) })
        }
    }

    /// Cambricon-X: dense inputs, 16 multipliers: a filter costs positions · ⌈nnz/16⌉.
    @Test func indexedWeightsByHand() {
        let l = LayerShape.conv("c", K: 2, C: 4, R: 3, H: 6, stride: 1, padding: 1)  // 36 weights per filter
        var bits = [Bool](repeating: false, count: l.weightCount)
        for j in 0..<20 { bits[j] = true }  // filter 0 keeps 20, filter 1 keeps 3
        for j in 36..<39 { bits[j] = true }
        let c = FilterParallelCompute(work: SparseWork(shape: l, inputs: nil), weights: Bitmask(bits), rows: 1, cols: 2,
                                      macsPerPE: 16, chunkSize: nil, greedy: false)
        #expect(c.computeCycles == 36 * 2)  // max(36·⌈20/16⌉, 36·⌈3/16⌉)
        #expect(c.macs == 36 * 23)
        #expect(abs(c.loadImbalance - 72.0 / 54.0) < 1e-12)
    }

    /// Greedy pairing puts the densest with the sparsest filter on one PE: filters with 8, 6,
    /// 2 and 1 kept weights on two PEs take max(8+1, 6+2) = 9 cycles per position, against
    /// max(8, 6) + max(2, 1) = 10 in order.
    @Test func greedyPairing() {
        let l = LayerShape.linear("fc", K: 4, C: 8)
        var bits = [Bool](repeating: false, count: 32)
        for (k, n) in [8, 6, 2, 1].enumerated() { for j in 0..<n { bits[k * 8 + j] = true } }
        let mask = Bitmask(bits)
        let plain = FilterParallelCompute(work: SparseWork(shape: l, inputs: nil), weights: mask, rows: 1, cols: 2,
                                          macsPerPE: 1, chunkSize: nil, greedy: false)
        let greedy = FilterParallelCompute(work: SparseWork(shape: l, inputs: nil), weights: mask, rows: 1, cols: 2,
                                           macsPerPE: 1, chunkSize: nil, greedy: true)
        #expect(plain.computeCycles == 10)
        #expect(greedy.computeCycles == 9)
        // Chunks: a 4-bit chunk costs a cycle even when nothing matches (8 weights: 2 chunks).
        let chunked = FilterParallelCompute(work: SparseWork(shape: l, inputs: Bitmask(repeating: true, count: 8)), weights: mask,
                                            rows: 1, cols: 4, macsPerPE: 1, chunkSize: 4, greedy: false)
        #expect(chunked.computeCycles == 8)
        let sparse = FilterParallelCompute(work: SparseWork(shape: l, inputs: Bitmask(repeating: false, count: 8)), weights: mask,
                                           rows: 1, cols: 4, macsPerPE: 1, chunkSize: 4, greedy: false)
        #expect(sparse.computeCycles == 2)
    }
}
