import Testing

@testable import Dataflow
@testable import SparseSimCore

/// The basis-first dataflow against its formulas and a brute-force assignment of every MAC.
@Suite struct BasisFirstComputeTests {
    static func mask(_ count: Int, density: Double, seed: UInt64) -> Bitmask {
        var g = RandomGenerator(seed: seed)
        return Bitmask((0..<count).map { _ in g.nextDouble() < density })
    }

    static let shapes: [LayerShape] = [
        .conv("a", K: 16, C: 8, R: 3, H: 10, padding: 1),
        .conv("b", K: 5, C: 3, R: 3, H: 9, stride: 2, padding: 1),
        .conv("c", K: 40, C: 6, R: 5, H: 8),
        .conv("d", K: 2, C: 12, R: 3, H: 6, padding: 1),
    ]

    /// Stage MACs equal `P·Q·C·M·R·S` and `P·Q·nnz(α)` whatever the tiles.
    @Test func stageMacsEqualTheFormulas() {
        for (i, l) in Self.shapes.enumerated() {
            for m in [1, 3, l.R * l.S] {
                let mask = Self.mask(l.K * l.C * m, density: 0.3, seed: UInt64(i * 10 + m))
                for (rows, channels) in [(1, 1), (3, 2), (100, 100)] {
                    let f = BasisFirstCompute(shape: l, bases: m, coefficients: mask, stages: .both, rows: 4, cols: 8, macsPerPE: 1,
                                              basisEngine: nil, outputRows: rows, channelTile: channels)
                    #expect(f.basisMacs == l.P * l.Q * l.C * m * l.R * l.S, "\(l.name) M \(m)")
                    #expect(f.coefficientMacs == l.P * l.Q * mask.popcount, "\(l.name) M \(m)")
                    #expect(f.intermediateValues == l.C * m * l.P * l.Q)
                    #expect(f.coefficientLoads == f.spatialTiles * mask.popcount)
                }
            }
        }
    }

    /// Cycles from an explicit walk over every kept `(k, c, m, p, q)`, each MAC given to the PE
    /// owning its filter and position chunk, and every intermediate value to the basis stage.
    @Test func cyclesMatchABruteForceAssignment() {
        for (i, l) in Self.shapes.enumerated() {
            for (rows, cols, lanes) in [(2, 4, 1), (4, 8, 2), (1, 3, 1)] {
                for (tileRows, tileChannels) in [(2, 3), (1, 1), (50, 50)] {
                    for engine in [nil, 7] as [Int?] {
                        let m = 3
                        let mask = Self.mask(l.K * l.C * m, density: 0.4, seed: UInt64(i + 17 * rows))
                        let f = BasisFirstCompute(shape: l, bases: m, coefficients: mask, stages: .both, rows: rows, cols: cols,
                                                  macsPerPE: lanes, basisEngine: engine, outputRows: tileRows, channelTile: tileChannels)
                        let expected = Self.bruteForce(l, m: m, mask: mask, pes: rows * cols, lanes: lanes, engine: engine,
                                                       tileRows: min(tileRows, l.P), tileChannels: min(tileChannels, l.C))
                        #expect(f.basisCycles == expected.basis, "\(l.name) \(rows)x\(cols) tiles \(tileRows)/\(tileChannels)")
                        #expect(f.coefficientCycles == expected.coefficient, "\(l.name) \(rows)x\(cols) tiles \(tileRows)/\(tileChannels)")
                        #expect(f.computeCycles == expected.total, "\(l.name) \(rows)x\(cols) engine \(String(describing: engine))")
                    }
                }
            }
        }
    }

    static func bruteForce(_ l: LayerShape, m: Int, mask: Bitmask, pes: Int, lanes: Int, engine: Int?,
                           tileRows: Int, tileChannels: Int) -> (basis: Int, coefficient: Int, total: Int) {
        var basis: [Int] = [], coefficient: [Int] = []
        for p0 in stride(from: 0, to: l.P, by: tileRows) {
            let p1 = min(l.P, p0 + tileRows)
            let points = (p1 - p0) * l.Q
            let chunks = max(1, min(pes / l.K, points))
            // Chunk of each position: the first points % chunks chunks hold one more.
            var chunkOf: [Int] = []
            for j in 0..<chunks { chunkOf += Array(repeating: j, count: points / chunks + (j < points % chunks ? 1 : 0)) }
            for c0 in stride(from: 0, to: l.C, by: tileChannels) {
                let c1 = min(l.C, c0 + tileChannels)
                var values = 0
                var work = [Int](repeating: 0, count: pes)
                for c in c0..<c1 {
                    for mm in 0..<m {
                        for p in p0..<p1 {
                            for q in 0..<l.Q {
                                values += 1
                                let point = (p - p0) * l.Q + q
                                for k in 0..<l.K where mask[(k * l.C + c) * m + mm] {
                                    work[(k * chunks + chunkOf[point]) % pes] += 1
                                }
                            }
                        }
                    }
                }
                let rs = l.R * l.S
                basis.append(engine.map { (values * rs + $0 - 1) / $0 } ?? (((values + pes - 1) / pes) * rs + lanes - 1) / lanes)
                coefficient.append((work.max()! + lanes - 1) / lanes)
            }
        }
        let b = basis.reduce(0, +), s = coefficient.reduce(0, +)
        guard engine != nil else { return (b, s, b + s) }
        var total = basis[0]
        for t in 1..<basis.count { total += max(basis[t], coefficient[t - 1]) }
        return (b, s, total + coefficient.last!)
    }

    /// Dense coefficients spread evenly when filters fill the array: no imbalance; the stage
    /// lasts `K·C·M·P·Q / PEs` cycles.
    @Test func denseCoefficientsAreBalanced() {
        let l = LayerShape.conv("e", K: 32, C: 4, R: 3, H: 6, padding: 1)
        let f = BasisFirstCompute(shape: l, bases: 2, coefficients: nil, stages: .both, rows: 4, cols: 8, macsPerPE: 1,
                                  basisEngine: nil, outputRows: 6, channelTile: 4)
        #expect(f.loadImbalance == 1)
        #expect(f.coefficientCycles == 32 * 4 * 2 * 36 / 32)
        #expect(f.basisCycles == (4 * 2 * 36 / 32) * 9)
    }

    /// A pointwise layer runs only the coefficient stage: with every weight kept, the dense MACs.
    @Test func pointwiseAndGroupedLayers() {
        let pw = LayerShape.conv("pw", K: 12, C: 10, R: 1, H: 7)
        let f = BasisFirstCompute(shape: pw, bases: 1, coefficients: nil, stages: .coefficientsOnly, rows: 2, cols: 2,
                                  macsPerPE: 1, basisEngine: nil, outputRows: 7, channelTile: 10)
        #expect(f.basisMacs == 0 && f.coefficientMacs == pw.macs && f.intermediateValues == 0)
        let dw = LayerShape.conv("dw", K: 8, C: 8, R: 3, H: 6, padding: 1, groups: 8)
        let g = BasisFirstCompute(shape: dw, bases: 1, coefficients: nil, stages: .basesOnly, rows: 2, cols: 2,
                                  macsPerPE: 1, basisEngine: nil, outputRows: 6, channelTile: 8)
        #expect(g.basisMacs == dw.macs && g.coefficientMacs == 0)
    }

    /// Pipelined stages take no longer than turns and no less than the longer stage.
    @Test func pipelineBounds() {
        let l = Self.shapes[0]
        let mask = Self.mask(l.K * l.C * 4, density: 0.2, seed: 3)
        let f = BasisFirstCompute(shape: l, bases: 4, coefficients: mask, stages: .both, rows: 4, cols: 4, macsPerPE: 1,
                                  basisEngine: 16, outputRows: 2, channelTile: 2)
        #expect(f.computeCycles <= f.basisCycles + f.coefficientCycles)
        #expect(f.computeCycles >= max(f.basisCycles, f.coefficientCycles))
    }
}
