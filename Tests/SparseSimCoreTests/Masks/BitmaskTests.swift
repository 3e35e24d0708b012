import Testing
import TestSupport

@testable import SparseSimCore

@Suite struct BitmaskTests {
    static let sizes = [0, 1, 63, 64, 65, 1_000_000]

    static func randomBools(_ n: Int, density: Double, seed: UInt64) -> [Bool] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in Double(rng.next() >> 11) / Double(1 << 53) < density }
    }

    @Test(arguments: sizes, [0.0, 0.03, 0.5, 1.0])
    func matchesNaiveReference(size: Int, density: Double) {
        let bools = Self.randomBools(size, density: density, seed: UInt64(size) &* 31 &+ UInt64(density * 100))
        let mask = Bitmask(bools)
        #expect(mask.count == size)
        #expect(mask.words.count == (size + 63) / 64)
        #expect(mask.popcount == bools.filter { $0 }.count)
        #expect(Array(mask.setBitIndices) == bools.indices.filter { bools[$0] })
        var visited: [Int] = []
        mask.forEachSetBit { visited.append($0) }
        #expect(visited == bools.indices.filter { bools[$0] })
        if size <= 70_000 { #expect(mask.bools == bools) }
        // Bytes round trip (NumPy |b1 layout).
        let bytes = mask.boolBytes()
        #expect(bytes == bools.map { $0 ? 1 : 0 })
        #expect(bytes.withUnsafeBytes { Bitmask(boolBytes: $0) } == mask)
    }

    @Test(arguments: sizes)
    func rangeAndSliceCountsMatchReference(size: Int) {
        let bools = Self.randomBools(size, density: 0.37, seed: 99)
        let mask = Bitmask(bools)
        var rng = SplitMix64(seed: 5)
        for _ in 0..<200 {
            let a = size == 0 ? 0 : Int(rng.next() % UInt64(size + 1))
            let b = size == 0 ? 0 : Int(rng.next() % UInt64(size + 1))
            let range = min(a, b)..<max(a, b)
            #expect(mask.popcount(in: range) == bools[range].filter { $0 }.count)
        }
        for length in [1, 3, 8, 64, 100] where size > 0 && size % length == 0 {
            let expected = stride(from: 0, to: size, by: length).map { bools[$0..<$0 + length].filter { $0 }.count }
            #expect(mask.popcounts(sliceLength: length) == expected)
        }
    }

    @Test func subscriptSetAndTailStaysClear() {
        var mask = Bitmask(count: 65)
        mask[64] = true
        mask[0] = true
        #expect(mask.popcount == 2)
        mask[64] = false
        #expect(mask.popcount == 1)
        let full = Bitmask(repeating: true, count: 65)
        #expect(full.popcount == 65)
        #expect(full.words[1] == 1)
        let fromWords = Bitmask(words: [~0, ~0], count: 70)
        #expect(fromWords.popcount == 70)
        #expect(fromWords.density == 1)
        #expect(Bitmask(count: 0).density == 0)
    }
}
