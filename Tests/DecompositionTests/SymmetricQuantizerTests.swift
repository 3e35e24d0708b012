import Testing

@testable import Decomposition
@testable import SparseSimCore
@testable import Trace

/// The quantizer round-trips within half a step, keeps zero exact, clamps, and scales per
/// channel; hybrid widths parse and refuse bad entries.
@Suite struct SymmetricQuantizerTests {
    @Test(arguments: [8, 4, 2, 16])
    func roundTripWithinHalfAStep(bits: Int) {
        var g = RandomGenerator(seed: UInt64(bits))
        let values = (0..<1000).map { _ in g.nextNormal() * 3 } + [0]
        let q = SymmetricQuantizer(fitting: values, bits: bits)
        let levels = (1 << (bits - 1)) - 1
        #expect(q.levels == levels)
        let largest = values.map(abs).max()!
        #expect(abs(q.scales[0] - largest / Float(levels)) <= 1e-7 * largest)
        let back = q.dequantize(q.quantize(values))
        for (v, b) in zip(values, back) { #expect(abs(v - b) <= q.scales[0] / 2 * (1 + 1e-5)) }
        #expect(q.fakeQuantized([0])[0] == 0)
        #expect(q.quantize(values).allSatisfy { abs($0) <= levels })
        #expect(back == q.fakeQuantized(values))
    }

    /// Hand case: 8 bits, max 127 → scale 1, values round to the nearest integer.
    @Test func handCase() {
        let q = SymmetricQuantizer(fitting: [127, -3.4, 0.5, 2.6], bits: 8)
        #expect(q.scales == [1])
        #expect(q.quantize([127, -3.4, 0.5, 2.6, 500]) == [127, -3, 1, 3, 127])
        let four = SymmetricQuantizer(fitting: [7, -1], bits: 4)
        #expect(four.quantize([7, -1, 3.49, -8]) == [7, -1, 3, -7])
    }

    @Test func perChannelScales() {
        let values: [Float] = [1, -2, 0.5, 100, -50, 25]
        let q = SymmetricQuantizer(fitting: values, bits: 8, channels: 2)
        #expect(q.scales.count == 2)
        #expect(abs(q.scales[0] - 2 / 127) < 1e-7 && abs(q.scales[1] - 100 / 127) < 1e-6)
        #expect(q.scaleBits == 64)
        let back = q.fakeQuantized(values)
        for i in 0..<3 { #expect(abs(back[i] - values[i]) <= q.scales[0] / 2 * 1.0001) }
        for i in 3..<6 { #expect(abs(back[i] - values[i]) <= q.scales[1] / 2 * 1.0001) }
        // All-zero channel: scale 0, values stay zero.
        let zero = SymmetricQuantizer(fitting: [0, 0, 1, 2], bits: 4, channels: 2)
        #expect(zero.scales[0] == 0 && zero.fakeQuantized([0, 0, 1, 2])[0] == 0)
    }

    @Test func parsesHybridWidths() throws {
        let b = try QuantizationBits(parsing: "bases=8,coef=4,inter=8")
        #expect(b == QuantizationBits(bases: 8, coefficients: 4, intermediates: 8))
        #expect(b.plainWeights == 4)
        #expect(b.description == "bases=8,coef=4,inter=8")
        let c = try QuantizationBits(parsing: "coef=3,weights=8,scale=channel")
        #expect(c.weights == 8 && c.perChannel && c.plainWeights == 8)
        for bad in ["bases=1", "coef=17", "x=4", "bases", "bases=8,", "scale=row", "coef=four"] {
            #expect(throws: SparseSimError.self, "\(bad)") { try QuantizationBits(parsing: bad) }
        }
    }
}
