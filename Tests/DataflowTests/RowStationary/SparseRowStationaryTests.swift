import Testing

@testable import Dataflow
@testable import SparseSimCore

@Suite struct SparseRowStationaryTests {
    static func candidates(_ l: LayerShape, rows: Int, cols: Int) -> [RowStationaryMapping] {
        // A few mappings per layer: every (p, q) the search keeps, first loop order only.
        var seen = Set<[Int]>()
        return RowStationaryMapping.candidates(layer: l, rows: rows, cols: cols) { p, q in p * q <= 12 }.filter {
            seen.insert([$0.filtersPerPE, $0.channelsPerPE, $0.groupSets, $0.filterSets, $0.channelSets]).inserted
        }
    }

    /// Cycles by brute force: every MAC assigned to the PE and pass that hold its filter,
    /// channel, filter row and output row; every used input value to the PEs reading its row.
    static func bruteForce(_ m: RowStationaryMapping, _ l: LayerShape, weights: Bitmask?, inputs: Bitmask?, simd: Int)
        -> (cycles: Int, macs: Int)
    {
        let kg = l.K / l.groups, cg = l.channelsPerGroup, rs = l.R * l.S
        let kPerSet = (kg + m.filterSets - 1) / m.filterSets, cPerSet = (cg + m.channelSets - 1) / m.channelSets
        // A PE in a pass: (strip, group chunk, filter chunk, channel chunk, fold) and (tg, tk, tc, i, j).
        func key(g: Int, kk: Int, cc: Int, r: Int, p: Int) -> [Int] {
            let tk = kk / kPerSet, kc = (kk - tk * kPerSet) / m.filtersPerPE
            let tc = cc / cPerSet, ccChunk = (cc - tc * cPerSet) / m.channelsPerPE
            return [p / m.setWidth, g / m.groupSets, kc, ccChunk, r / m.setHeight,
                    g % m.groupSets, tk, tc, r % m.setHeight, p % m.setWidth]
        }
        var work: [[Int]: Int] = [:], reads: [[Int]: Int] = [:]
        var macs = 0
        TestMasks.forEachMAC(l) { k, c, r, s, p, _, input in
            let g = k / kg
            let k0 = key(g: g, kk: k - g * kg, cc: c, r: r, p: p)
            work[k0, default: 0] += 0
            if let weights, !weights[k * cg * rs + c * rs + r * l.S + s] { return }
            if let inputs { guard let i = input, inputs[i] else { return } }
            work[k0, default: 0] += 1
            macs += 1
        }
        // Input reads: a PE reads each used column of its row once per channel.
        for g in 0..<l.groups {
            for k in stride(from: 0, to: kg, by: 1) {
                for c in 0..<cg {
                    for r in 0..<l.R {
                        for p in 0..<l.P {
                            let k0 = key(g: g, kk: k, cc: c, r: r, p: p)
                            guard k == 0 || key(g: g, kk: k - 1, cc: c, r: r, p: p) != k0 else { continue }
                            let y = p * l.stride + r - l.padding
                            guard y >= 0 && y < l.H else { continue }
                            var used = Set<Int>()
                            for q in 0..<l.Q { for s in 0..<l.S { let x = q * l.stride + s - l.padding; if x >= 0 && x < l.W { used.insert(x) } } }
                            let absolute = g * cg + c
                            reads[k0, default: 0] += used.filter { inputs == nil || inputs![(absolute * l.H + y) * l.W + $0] }.count
                        }
                    }
                }
            }
        }
        var passes: [[Int]: Int] = [:]
        for (k0, w) in work {
            let c = max((w + simd - 1) / simd, reads[k0] ?? 0)
            let pass = Array(k0[0..<5])
            passes[pass] = max(passes[pass] ?? 0, c)
        }
        return (passes.values.reduce(0, +), macs)
    }

    /// Dense masks at one MAC per cycle give the dense mapping's cycles exactly.
    @Test(arguments: TestMasks.layers)
    func denseEqualsTheMapping(layer l: LayerShape) {
        for (rows, cols) in [(3, 4), (6, 8), (2, 3)] {
            for m in Self.candidates(l, rows: rows, cols: cols) {
                let s = SparseRowStationary(mapping: m, work: SparseWork(shape: l, inputs: nil), weights: nil, simd: 1)
                #expect(s.computeCycles == m.computeCycles, "\(l.name) \(rows)x\(cols) \(m.summary)")
                #expect(s.macs == m.macs)
            }
        }
    }

    /// Cycles and performed MACs equal a brute-force assignment of every MAC and input read to
    /// its PE and pass, for skipped weights, inputs or both, at SIMD 1 and 2.
    @Test(arguments: TestMasks.layers)
    func cyclesEqualBruteForce(layer l: LayerShape) {
        let weights = TestMasks.random(l.weightCount, density: 0.35, seed: 21)
        let inputs = TestMasks.random(l.C * l.H * l.W, density: 0.55, seed: 22)
        for (rows, cols) in [(3, 4), (6, 2)] {
            for m in Self.candidates(l, rows: rows, cols: cols).prefix(4) {
                for (w, x) in [(weights, inputs), (weights, nil), (nil, inputs), (nil, nil)] as [(Bitmask?, Bitmask?)] {
                    for simd in [1, 2] {
                        let s = SparseRowStationary(mapping: m, work: SparseWork(shape: l, inputs: x), weights: w, simd: simd)
                        let b = Self.bruteForce(m, l, weights: w, inputs: x, simd: simd)
                        #expect(s.computeCycles == b.cycles, "\(l.name) \(m.summary) w \(w != nil) x \(x != nil) simd \(simd)")
                        #expect(s.macs == b.macs)
                        #expect(s.loadImbalance >= 1)
                    }
                }
            }
        }
    }

    /// Skipping never costs more than computing every value, and a skewed mask (one dense filter
    /// among empty ones) shows as load imbalance.
    @Test func skewShowsAsImbalance() {
        let l = LayerShape.conv("skew", K: 8, C: 4, R: 3, H: 8, stride: 1, padding: 1)
        let row = l.channelsPerGroup * l.R * l.S
        let skewed = Bitmask((0..<l.weightCount).map { $0 / row == 0 })
        for m in Self.candidates(l, rows: 3, cols: 8) where m.filtersPerPE == 1 && m.filterSets > 1 {
            let s = SparseRowStationary(mapping: m, work: SparseWork(shape: l, inputs: nil), weights: skewed, simd: 1)
            let dense = SparseRowStationary(mapping: m, work: SparseWork(shape: l, inputs: nil), weights: nil, simd: 1)
            #expect(s.computeCycles <= dense.computeCycles)
            #expect(s.loadImbalance > 1.5, "\(m.summary)")
        }
    }
}
