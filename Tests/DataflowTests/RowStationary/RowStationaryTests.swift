import Testing

@testable import Dataflow
@testable import SparseSimCore

@Suite struct RowStationaryTests {
    static let layers: [LayerShape] = [
        .conv("c3", N: 1, K: 6, C: 5, R: 3, H: 9, stride: 1, padding: 1),
        .conv("c5s2", N: 2, K: 7, C: 3, R: 5, H: 13, stride: 2, padding: 0),
        .conv("c1s2", N: 1, K: 9, C: 10, R: 1, H: 10, stride: 2, padding: 0),
        .conv("tall", N: 1, K: 3, C: 2, R: 7, H: 12, stride: 1, padding: 3),
        .conv("dw", N: 1, K: 8, C: 8, R: 3, H: 8, stride: 1, padding: 1, groups: 8),
        .linear("fc", N: 3, K: 11, C: 17),
    ]

    static func candidates(_ layer: LayerShape, rows: Int, cols: Int, limit: Int = 40) -> [RowStationaryMapping] {
        RowStationaryMapping.candidates(layer: layer, rows: rows, cols: cols) { p, q in p * q <= limit }
    }

    // MARK: Compute

    /// A hand calculation: a 3×3 conv, 2→2 channels, 6×6 input, no padding (4×4 output) on a 3×4
    /// array: one set of 3×4 PEs, each PE runs 2 filters × 2 channels × 4 outputs × 3 taps.
    @Test func handCalculatedSingleSet() {
        let layer = LayerShape.conv("c", N: 1, K: 2, C: 2, R: 3, H: 6, stride: 1, padding: 0)
        let all = Self.candidates(layer, rows: 3, cols: 4)
        #expect(!all.isEmpty)
        for m in all {
            #expect(m.setHeight == 3 && m.setWidth == 4 && m.replicas == 1)
            #expect(m.computeCycles == 2 * 2 * 4 * 3)
            #expect(m.mappingEfficiency == 1)
        }
    }

    /// Brute force: assign every MAC of the layer to its pass and PE (filters and channels of a
    /// chunk round-robin over the sets, filter row and output row to the PE inside its set) and
    /// sum the busiest PE of every pass. Equals the closed form for every candidate mapping.
    @Test(arguments: layers)
    func computeCyclesEqualBruteForce(layer: LayerShape) {
        for (rows, cols) in [(4, 5), (12, 14), (3, 3)] {
            for m in Self.candidates(layer, rows: rows, cols: cols) {
                #expect(m.groupSets * m.filterSets * m.channelSets <= m.replicas)
                #expect(m.setHeight * (m.replicas > 0 ? 1 : 0) <= rows && m.setWidth <= cols)
                let (cycles, macs, maxPE) = Self.bruteForceCompute(layer, m)
                #expect(macs == layer.macs)
                #expect(maxPE < rows * cols)
                #expect(cycles == m.computeCycles, "\(layer.name) on \(rows)x\(cols): \(m.summary)")
            }
        }
    }

    static func bruteForceCompute(_ l: LayerShape, _ m: RowStationaryMapping) -> (cycles: Int, macs: Int, maxPE: Int) {
        let kg = l.K / l.groups, cg = l.channelsPerGroup
        let kChunk = m.filtersPerPE * m.filterSets, cChunk = m.channelsPerPE * m.channelSets
        struct Pass: Hashable { var n, strip, g, k, c, r: Int }
        var work: [Pass: [Int: Int]] = [:]
        var macs = 0, maxPE = 0
        for n in 0..<l.N {
            for g in 0..<l.groups {
                for k in 0..<kg {
                    for c in 0..<cg {
                        for r in 0..<l.R {
                            for p in 0..<l.P {
                                let pass = Pass(n: n, strip: p / m.setWidth, g: g / m.groupSets, k: k / kChunk,
                                                c: c / cChunk, r: r / m.setHeight)
                                let set = ((g % m.groupSets) * m.filterSets + (k % kChunk) % m.filterSets) * m.channelSets
                                    + (c % cChunk) % m.channelSets
                                let pe = set * m.setHeight * m.setWidth + (r % m.setHeight) * m.setWidth + p % m.setWidth
                                maxPE = max(maxPE, pe)
                                work[pass, default: [:]][pe, default: 0] += l.Q * l.S
                                macs += l.Q * l.S
                            }
                        }
                    }
                }
            }
        }
        // Sets are laid out in the array: the number of sets must fit the replicas.
        maxPE = maxPE / (m.setHeight * m.setWidth) < m.replicas ? maxPE % (m.setHeight * m.setWidth) : Int.max
        return (work.values.reduce(0) { $0 + $1.values.max()! }, macs, maxPE)
    }

    @Test func fastestSplitPrefersFewestPasses() {
        // 1×1 conv, 7×7 output on 12×14: sets 1×7, 24 replicas → 64 filters over 24 sets would
        // leave a remainder; the search finds a split with ⌈K/tK⌉·⌈C/tC⌉ minimal.
        let layer = LayerShape.conv("pw", N: 1, K: 64, C: 32, R: 1, H: 7, stride: 1, padding: 0)
        let splits = RowStationaryMapping.fastestSplits(layer: layer, replicas: 24)
        var best = Int.max
        for tk in 1...24 { for tc in 1...(24 / tk) { best = min(best, (64 + tk - 1) / tk * ((32 + tc - 1) / tc)) } }
        #expect(!splits.isEmpty)
        for (tg, tk, tc) in splits {
            #expect(tg == 1 && tk * tc <= 24)
            #expect((64 + tk - 1) / tk * ((32 + tc - 1) / tc) == best)
        }
    }

    @Test func chunkSizesAreTheSmallestPerChunkCount() {
        for extent in 1...40 {
            let sizes = RowStationaryMapping.chunkSizes(extent: extent, limit: extent)
            var expected: [Int: Int] = [:]
            for x in 1...extent where expected[(extent + x - 1) / x] == nil { expected[(extent + x - 1) / x] = x }
            #expect(sizes == expected.values.sorted(), "\(extent)")
        }
    }

    // MARK: Traffic

    /// Brute force: walk the passes in the mapping's loop order; a buffer holds the operand's
    /// current tile and fetches a tile's exact words whenever the tile changes; outputs revisited
    /// spill and reload partial sums. Equals the closed form at every tile position.
    @Test(arguments: layers)
    func bufferTrafficEqualsLoopWalk(layer: LayerShape) {
        for (rows, cols) in [(4, 5), (12, 14)] {
            for m in Self.candidates(layer, rows: rows, cols: cols) {
                let traffic = RowStationaryTraffic(mapping: m, operandBits: 8, accumulatorBits: 24)
                for operand in Operand.allCases {
                    for j in 0...m.order.count {
                        let walked = Self.walk(layer, m, operand, tileAt: j)
                        let t = traffic.transfer(operand, at: j)
                        if operand == .outputs {
                            #expect(t.inwardBits == walked.spilledWords * 24, "\(layer.name) \(m.summary) j=\(j)")
                            #expect(t.outwardBits == walked.spilledWords * 24 + layer.outputCount * 8)
                        } else {
                            #expect(t.inwardBits == walked.fetchedWords * 8, "\(layer.name) \(operand) \(m.summary) j=\(j)")
                        }
                    }
                    // Into the array: weights follow the pass-level rule; inputs and outputs move every pass.
                    let a = traffic.arrayTransfer(operand)
                    let perPass = Self.walk(layer, m, operand, tileAt: m.order.count, everyPass: operand != .weights)
                    if operand == .outputs {
                        #expect(a.inwardBits == perPass.spilledWords * 24)
                    } else {
                        #expect(a.inwardBits == perPass.fetchedWords * 8, "\(layer.name) \(operand) \(m.summary)")
                    }
                }
            }
        }
    }

    /// A shared buffer places its operands' tiles together: with room for everything it keeps
    /// whole tensors (position 0, each crosses once); with no room it keeps nothing and every
    /// pass streams through it (`arrayTransfer`: partial sums spill between channel chunks); in
    /// between, the tiles it keeps fit together and no fitting pair moves fewer bits.
    @Test(arguments: layers)
    func sharedBufferPlacesTilesTogether(layer: LayerShape) {
        for m in Self.candidates(layer, rows: 12, cols: 14).prefix(6) {
            let t = RowStationaryTraffic(mapping: m, operandBits: 16, accumulatorBits: 16)
            let held = 0b110  // inputs and outputs
            let none = m.order.count + 1
            let all = t.sharedTilePositions(held: held, capacityBits: Int.max / 4)
            #expect(all[1] == 0 && all[2] == 0, "\(m.summary)")
            let nothing = t.sharedTilePositions(held: held, capacityBits: 0)
            #expect(nothing[1] == none && nothing[2] == none)
            for operand in [Operand.inputs, .outputs] {
                #expect(t.bufferTransfer(operand, position: none) == t.arrayTransfer(operand))
            }
            let capacity = 16 * 2048
            let p = t.sharedTilePositions(held: held, capacityBits: capacity)
            func bits(_ o: Operand, _ j: Int) -> Int { j == none ? 0 : t.footprint(o, at: j) * 16 }
            func cost(_ o: Operand, _ j: Int) -> Int { let x = t.bufferTransfer(o, position: j); return x.inwardBits + x.outwardBits }
            #expect(bits(.inputs, p[1]) + bits(.outputs, p[2]) <= capacity)
            for a in 0...none { for b in 0...none where bits(.inputs, a) + bits(.outputs, b) <= capacity {
                #expect(cost(.inputs, a) + cost(.outputs, b) >= cost(.inputs, p[1]) + cost(.outputs, p[2]))
            } }
        }
    }

    /// The tile a pass belongs to at position `j`: the indices of the loops outside `j` that the
    /// operand depends on (an irrelevant loop's index does not change the data).
    static func walk(_ l: LayerShape, _ m: RowStationaryMapping, _ operand: Operand, tileAt j: Int,
                     everyPass: Bool = false) -> (fetchedWords: Int, spilledWords: Int) {
        let relevant = RowStationaryLoop.relevant(to: operand)
        let loops = m.order
        var index = [Int](repeating: 0, count: loops.count)
        var current: [Int]? = nil
        var visits: [[Int]: Int] = [:]
        var fetched = 0
        while true {
            let key = (0..<j).map { relevant.contains(loops[$0]) ? index[$0] : -1 }
            if key != current || everyPass {
                current = key
                visits[key, default: 0] += 1
                fetched += tileWords(l, m, operand, fixed: Dictionary(uniqueKeysWithValues: (0..<j).map { (loops[$0], index[$0]) }),
                                     passIndex: everyPass ? Dictionary(uniqueKeysWithValues: loops.indices.map { (loops[$0], index[$0]) }) : nil)
            }
            // Next pass (odometer, innermost fastest).
            var i = loops.count - 1
            while i >= 0 {
                index[i] += 1
                if index[i] < m.trips(loops[i]) { break }
                index[i] = 0
                i -= 1
            }
            if i < 0 { break }
        }
        let spilled = everyPass ? (m.trips(.channel) * m.trips(.filterRow) - 1) * l.outputCount
            : visits.keys.reduce(0) { $0 + (visits[$1]! - 1) * tileWords(l, m, .outputs, fixedKey: $1, loops: loops) }
        return (fetched, spilled)
    }

    static func tileWords(_ l: LayerShape, _ m: RowStationaryMapping, _ operand: Operand, fixedKey: [Int],
                          loops: [RowStationaryLoop]) -> Int {
        var fixed: [RowStationaryLoop: Int] = [:]
        for (i, v) in fixedKey.enumerated() where v >= 0 { fixed[loops[i]] = v }
        return tileWords(l, m, operand, fixed: fixed, passIndex: nil)
    }

    /// Exact words of the tile whose loops in `fixed` are at the given chunk (others in full),
    /// counted element by element.
    static func tileWords(_ l: LayerShape, _ m: RowStationaryMapping, _ operand: Operand,
                          fixed: [RowStationaryLoop: Int], passIndex: [RowStationaryLoop: Int]?) -> Int {
        let fixed = passIndex ?? fixed
        let kg = l.K / l.groups, cg = l.channelsPerGroup
        func range(_ loop: RowStationaryLoop, _ extent: Int, _ chunk: Int) -> Range<Int> {
            guard let i = fixed[loop] else { return 0..<extent }
            return (i * chunk)..<min(extent, (i + 1) * chunk)
        }
        let ns = range(.batch, l.N, 1), ps = range(.strip, l.P, m.setWidth), gs = range(.group, l.groups, m.groupSets)
        let ks = range(.filter, kg, m.filtersPerPE * m.filterSets), cs = range(.channel, cg, m.channelsPerPE * m.channelSets)
        let rs = range(.filterRow, l.R, m.setHeight)
        switch operand {
        case .weights: return gs.count * ks.count * cs.count * rs.count * l.S
        case .outputs: return ns.count * gs.count * ks.count * ps.count * l.Q
        case .inputs:
            // Rows and columns touched by the tile's windows (padding rows excluded).
            var rowsTouched = Set<Int>()
            for p in ps { for r in rs { rowsTouched.insert(p * l.stride + r - l.padding) } }
            var colsTouched = Set<Int>()
            for q in 0..<l.Q { for s in 0..<l.S { colsTouched.insert(q * l.stride + s - l.padding) } }
            let rows = rowsTouched.filter { $0 >= 0 && $0 < l.H }.count
            let cols = colsTouched.filter { $0 >= 0 && $0 < l.W }.count
            return ns.count * gs.count * cs.count * rows * cols
        }
    }
}
