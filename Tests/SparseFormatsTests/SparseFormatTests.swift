import Testing

@testable import SparseFormats
@testable import SparseSimCore
@testable import Trace

/// Every format round-trips exactly, and its cost counted from what it stores equals its
/// formula and hand calculations, on random and adversarial masks.
@Suite struct SparseFormatTests {
    /// A small deterministic generator (the tests must not depend on Training).
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        mutating func uniform() -> Double { Double(next() % (1 << 40)) / Double(1 << 40) }
    }

    /// A matrix keeping `mask`, with non-zero values (value formats read zeros as pruned).
    static func matrix(_ rows: Int, _ columns: Int, _ mask: [Bool], _ g: inout Generator) -> SparseMatrix {
        let values = mask.map { $0 ? Float(1 + g.next() % 1000) * (g.next() % 2 == 0 ? 1 : -1) / 16 : 0 }
        return SparseMatrix(rows: rows, columns: columns, mask: Bitmask(mask), values: values)
    }

    static func cases() -> [(String, SparseMatrix)] {
        var g = Generator(state: 42)
        var out: [(String, SparseMatrix)] = []
        for (rows, columns) in [(1, 1), (7, 13), (16, 64), (3, 100)] {
            let n = rows * columns
            for density in [0.05, 0.3, 0.9] {
                out.append(("random \(density) \(rows)x\(columns)", matrix(rows, columns, (0..<n).map { _ in g.uniform() < density }, &g)))
            }
            out.append(("all zeros \(rows)x\(columns)", matrix(rows, columns, [Bool](repeating: false, count: n), &g)))
            out.append(("all ones \(rows)x\(columns)", matrix(rows, columns, [Bool](repeating: true, count: n), &g)))
            out.append(("one long run \(rows)x\(columns)", matrix(rows, columns, (0..<n).map { $0 == n - 1 }, &g)))
            out.append(("alternating \(rows)x\(columns)", matrix(rows, columns, (0..<n).map { $0 % 2 == 1 }, &g)))
        }
        return out
    }

    static let formats: [SparseFormat] = [.dense, .bitmap, .rle(runBits: 4), .rle(runBits: 2), .rle(runBits: 1),
                                          .csr(indexBits: 8, pointerBits: 16), .csc(indexBits: 8, pointerBits: 16),
                                          .coo(rowBits: 8, columnBits: 8), .block(size: 2), .block(size: 4), .nm(NMPattern(n: 4, m: 4))]

    @Test func roundTripsAndCostsAgree() throws {
        for (name, m) in Self.cases() {
            for format in Self.formats {
                let encoded = try format.encode(m)
                #expect(encoded.decode() == m, "\(format) \(name)")
                #expect(encoded.fieldsFit, "\(format) \(name): a metadata entry overflows its width")
                for bits in [8, 16] {
                    #expect(encoded.cost(valueBits: bits) == (try format.cost(of: m, valueBits: bits)), "\(format) \(name)")
                }
            }
        }
    }

    /// 2:4 (and 1:4, 2:8) on conforming matrices, with short last groups and padding slots.
    @Test func nmRoundTripsOnConformingMatrices() throws {
        var g = Generator(state: 7)
        for (n, m) in [(2, 4), (1, 4), (2, 8), (1, 1)] {
            for (rows, columns) in [(4, 16), (3, 10), (5, 3)] {
                var mask = [Bool](repeating: false, count: rows * columns)
                for r in 0..<rows {
                    for start in stride(from: 0, to: columns, by: m) {
                        let length = min(m, columns - start)
                        for _ in 0..<Int(g.next() % UInt64(min(n, length) + 1)) {
                            mask[r * columns + start + Int(g.next() % UInt64(length))] = true
                        }
                    }
                }
                let matrix = Self.matrix(rows, columns, mask, &g)
                #expect(NMPattern(n: n, m: m).conforms(matrix))
                let format = SparseFormat.nm(NMPattern(n: n, m: m))
                let encoded = try format.encode(matrix)
                #expect(encoded.decode() == matrix, "\(n):\(m) \(rows)x\(columns)")
                #expect(encoded.values.count == rows * ((columns + m - 1) / m) * n)
                #expect(encoded.cost(valueBits: 16) == (try format.cost(of: matrix, valueBits: 16)))
                #expect(encoded.fieldsFit)
            }
        }
    }

    /// Costs by hand.
    @Test func costsEqualHandCalculations() throws {
        // One row: five zeros, then a value; then 20 zeros and a value; 3 trailing zeros.
        var mask = [Bool](repeating: false, count: 30)
        mask[5] = true
        mask[26] = true
        var g = Generator(state: 1)
        let row = Self.matrix(1, 30, mask, &g)
        // rle 2-bit runs (span 4): gap 5 → 1 padding + run 1; gap 20 → 5 paddings + run 0. 8 entries.
        #expect(try SparseFormat.rle(runBits: 2).cost(of: row, valueBits: 16) == StorageCost(dataBits: 8 * 16, metadataBits: 8 * 2))
        // rle 4-bit runs (span 16): gap 5 → run 5; gap 20 → 1 padding + run 4. 3 entries.
        #expect(try SparseFormat.rle(runBits: 4).cost(of: row, valueBits: 16) == StorageCost(dataBits: 3 * 16, metadataBits: 3 * 4))
        #expect(try SparseFormat.bitmap.cost(of: row, valueBits: 8) == StorageCost(dataBits: 16, metadataBits: 30))
        #expect(try SparseFormat.dense.cost(of: row, valueBits: 8) == StorageCost(dataBits: 240, metadataBits: 0))
        // CSR: 2 values, 2 column indices of 5 bits, 2 row pointers of 2 bits.
        #expect(try SparseFormat.csr(indexBits: 5, pointerBits: 2).cost(of: row, valueBits: 8) == StorageCost(dataBits: 16, metadataBits: 14))
        // CSC: 2 values, 2 row indices of 1 bit, 31 column pointers of 2 bits.
        #expect(try SparseFormat.csc(indexBits: 1, pointerBits: 2).cost(of: row, valueBits: 8) == StorageCost(dataBits: 16, metadataBits: 64))
        #expect(try SparseFormat.coo(rowBits: 1, columnBits: 5).cost(of: row, valueBits: 8) == StorageCost(dataBits: 16, metadataBits: 12))
        // 2:4 over 30 columns: 8 groups × 2 slots × (16 + 2) bits.
        #expect(try SparseFormat.nm(NMPattern(n: 2, m: 4)).cost(of: row, valueBits: 16) == StorageCost(dataBits: 256, metadataBits: 32))
        // 4×4 blocks over 1×30: 8 tiles, 2 kept (columns 4–7 and 24–27), each 16 values.
        #expect(try SparseFormat.block(size: 4).cost(of: row, valueBits: 8) == StorageCost(dataBits: 2 * 16 * 8, metadataBits: 8))
        #expect(SparseFormat.ceilLog2(4) == 2 && SparseFormat.ceilLog2(1) == 0 && SparseFormat.ceilLog2(5) == 3)
    }

    @Test func nonConformingAndNarrowWidthsAreRefused() throws {
        var g = Generator(state: 3)
        var mask = [Bool](repeating: false, count: 2 * 8)
        for c in [0, 1, 4, 5, 6] { mask[8 + c] = true }  // row 1, group 1 keeps 3 of 4
        let m = Self.matrix(2, 8, mask, &g)
        #expect(NMPattern(n: 2, m: 4).firstViolation(m) == NMPattern.Violation(row: 1, group: 1, kept: 3))
        #expect(NMPattern(n: 3, m: 4).conforms(m))
        #expect(throws: SparseSimError.self) { try SparseFormat.nm(NMPattern(n: 2, m: 4)).encode(m) }
        do {
            _ = try SparseFormat.nm(NMPattern(n: 2, m: 4)).cost(of: m, valueBits: 16)
            Issue.record("accepted")
        } catch let e as SparseSimError {
            #expect(e.message.contains("row 1, group 1") && e.message.contains("keeps 3 of 4"))
        }
        #expect(throws: SparseSimError.self) { try SparseFormat.csr(indexBits: 2, pointerBits: 8).encode(m) }  // column 7 needs 3 bits
        #expect(throws: SparseSimError.self) { try SparseFormat.csr(indexBits: 3, pointerBits: 2).encode(m) }  // 5 kept needs 3 bits
        #expect(throws: SparseSimError.self) { try SparseFormat.rle(runBits: 0).validate() }
        #expect(throws: SparseSimError.self) { try SparseFormat.nm(NMPattern(n: 1, m: 300)).validate() }
        #expect(throws: SparseSimError.self) { try SparseFormat.block(size: 0).validate() }
    }

    @Test func blockDensityMapCountsEveryTile() {
        var g = Generator(state: 9)
        let (rows, columns, size) = (7, 10, 3)
        let m = Self.matrix(rows, columns, (0..<70).map { _ in g.uniform() < 0.4 }, &g)
        let map = BlockDensityMap(m, size: size)
        #expect(map.tileRows == 3 && map.tileColumns == 4)
        for tr in 0..<3 {
            for tc in 0..<4 {
                var kept = 0, entries = 0
                for r in (tr * size)..<min(rows, tr * size + size) {
                    for c in (tc * size)..<min(columns, tc * size + size) {
                        entries += 1
                        if m.mask[r * columns + c] { kept += 1 }
                    }
                }
                #expect(map.kept[tr * 4 + tc] == kept && map.entries[tr * 4 + tc] == entries)
            }
        }
        #expect(map.kept.reduce(0, +) == m.nonzeros)
    }

    /// Value formats read a kept exact zero as pruned (documented); index formats keep it.
    @Test func keptZerosFollowTheFormatsKind() throws {
        let m = SparseMatrix(rows: 1, columns: 4, mask: Bitmask([true, true, false, false]), values: [0, 2, 0, 0])
        #expect(try SparseFormat.bitmap.encode(m).decode() == m)
        #expect(try SparseFormat.csr(indexBits: 2, pointerBits: 2).encode(m).decode() == m)
        #expect(try SparseFormat.rle(runBits: 2).encode(m).decode().mask == Bitmask([false, true, false, false]))
    }
}
