import Testing

@testable import Decomposition
@testable import SparseFormats
@testable import SparseSimCore
@testable import Trace

/// Compression ratios against hand calculations.
@Suite struct WeightStorageTests {
    /// K = 4, C = 2, 3×3, M = 2 per layer, 5 of 16 coefficients kept, bitmap, 8-bit bases,
    /// 4-bit coefficients: dense 32·72 = 2304 bits; bases 2·9·8 = 144; values 5·4 = 20;
    /// bitmap 16; scales 64 → 244 bits, ratio 2304/244.
    @Test func decomposedHandCase() throws {
        var g = RandomGenerator(seed: 9)
        let w = (0..<72).map { _ in g.nextNormal() }
        var d = try KernelDecomposition(weights: w, k: 4, c: 2, r: 3, s: 3, bases: 2, sharing: .layer)
        d.coefficientMask = Bitmask((0..<16).map { [0, 3, 7, 8, 15].contains($0) })
        let s = try WeightStorage.decomposed(d, basisBits: 8, coefficientBits: 4, format: .bitmap)
        #expect(s == WeightStorage(denseBits: 2304, basisBits: 144, valueBits: 20, metadataBits: 16, scaleBits: 64))
        #expect(s.storedBits == 244)
        #expect(abs(s.compressionRatio - 2304.0 / 244) < 1e-12)
        // Per channel: C = 2 basis sets.
        let c = try KernelDecomposition(weights: w, k: 4, c: 2, r: 3, s: 3, bases: 2, sharing: .channel)
        #expect(try WeightStorage.decomposed(c, basisBits: 8, coefficientBits: 4, format: .dense).basisBits == 288)
    }

    /// A plain 10×20 layer, 30 kept, CSR with 5-bit indices and 5-bit pointers at 8 bits:
    /// values 240, metadata 30·5 indices + 11·5 row pointers = 205, one scale.
    @Test func plainHandCase() throws {
        let m = Bitmask((0..<200).map { $0 < 30 })
        let s = try WeightStorage.plain(mask: m, rows: 10, columns: 20, valueBits: 8, format: .csr(indexBits: 5, pointerBits: 5))
        #expect(s == WeightStorage(denseBits: 6400, basisBits: 0, valueBits: 240, metadataBits: 205, scaleBits: 32))
        let sum = s + s
        #expect(sum.denseBits == 12800 && sum.storedBits == 2 * s.storedBits)
    }

    @Test func parsesFormats() throws {
        let m = SparseMatrix(pattern: Bitmask((0..<100).map { $0 % 3 == 0 }), rows: 10, columns: 10)
        #expect(try SparseFormat(parsing: "bitmap", for: m, field: "f") == .bitmap)
        #expect(try SparseFormat(parsing: "rle:4", for: m, field: "f") == .rle(runBits: 4))
        #expect(try SparseFormat(parsing: "csr:4", for: m, field: "f") == .csr(indexBits: 4, pointerBits: 6))
        for bad in ["bitmap:3", "rle", "rle:0", "csr:x", "zip"] {
            #expect(throws: SparseSimError.self, "\(bad)") { try SparseFormat(parsing: bad, for: m, field: "f") }
        }
    }
}
