import Testing

@testable import SparseSimCore

@Suite struct SeedSpreadTests {
    /// Mean and sample standard deviation by hand: 0.80, 0.82, 0.87 → mean 0.83,
    /// deviations −0.03, −0.01, 0.04, squares 0.0026, std √(0.0026 / 2) = 0.036056.
    @Test func meanAndSampleDeviationByHand() {
        let s = SeedSpread(seeds: [0, 1, 2], values: [0.80, 0.82, 0.87])
        #expect(abs(s.mean - 0.83) < 1e-15)
        #expect(abs(s.standardDeviation - (0.0026 / 2).squareRoot()) < 1e-15)
        #expect(s.text(scale: 100) == "83.00 ± 3.61")
        let one = SeedSpread(seeds: [7], values: [0.5])
        #expect(one.mean == 0.5 && one.standardDeviation == 0)
    }

    /// Within the spread: |Δ mean| ≤ √(σ₁² + σ₂²), both ways, the boundary included.
    @Test func overlapRule() {
        let a = SeedSpread(seeds: [0, 1], values: [0.0, 0.6])  // mean 0.3, std 0.6/√2
        let b = SeedSpread(seeds: [0, 1], values: [0.9, 0.9])  // mean 0.9, std 0
        #expect(abs(a.combinedDeviation(b) - 0.6 / 2.0.squareRoot()) < 1e-15)
        #expect(!a.overlaps(b) && !b.overlaps(a))  // 0.6 > 0.424
        let c = SeedSpread(seeds: [0, 1], values: [0.5, 0.5])
        #expect(a.overlaps(c) && c.overlaps(a))  // 0.2 ≤ 0.424
        #expect(b.overlaps(b))
    }
}
