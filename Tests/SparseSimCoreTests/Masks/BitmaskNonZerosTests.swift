import Testing

@testable import SparseSimCore

/// `Bitmask(nonZerosOf:)` packs 64 values a word; it must equal the element-by-element mask on
/// every length (word boundaries and tails), with -0 a zero and NaN a non-zero.
@Suite struct BitmaskNonZerosTests {
    @Test(arguments: [0, 1, 63, 64, 65, 127, 128, 1000])
    func equalsTheElementwiseMask(count: Int) {
        var rng = RandomGenerator(seed: UInt64(count) + 1)
        var values = (0..<count).map { _ in rng.nextDouble() < 0.4 ? Float(rng.nextDouble() - 0.5) : 0 }
        if count > 3 {
            values[1] = -0.0
            values[2] = .nan
        }
        let mask = Bitmask(nonZerosOf: values)
        #expect(mask == Bitmask(values.map { $0 != 0 }))
        #expect(mask.count == count)
        if count > 3 { #expect(!mask[1] && mask[2]) }
    }
}
