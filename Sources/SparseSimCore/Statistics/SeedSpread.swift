// MARK: - SeedSpread

/// One figure (a test accuracy) of runs that differ only in their seed: the values in seed
/// order, their mean and their sample standard deviation.
///
/// Two spreads are *within each other's spread* when their means differ by at most
/// `√(σ₁² + σ₂²)`, the standard deviation of the difference of one run of each: a ranking
/// between them is not supported by the seeds.
public struct SeedSpread: Codable, Equatable, Sendable {
    /// The seeds, in the order the runs were given.
    public var seeds: [UInt64]
    /// One value per seed.
    public var values: [Double]
    /// The mean of `values`, summed in seed order.
    public var mean: Double
    /// The sample standard deviation (divisor `n − 1`; 0 for one run).
    public var standardDeviation: Double

    enum CodingKeys: String, CodingKey {
        case seeds, values, mean
        case standardDeviation = "std"
    }

    /// The spread of `values`, one per seed.
    /// - Precondition: `seeds` and `values` have the same non-zero count.
    /// - Complexity: O(n).
    public init(seeds: [UInt64], values: [Double]) {
        precondition(!values.isEmpty && seeds.count == values.count, "one value per seed")
        self.seeds = seeds
        self.values = values
        var sum = 0.0
        for v in values { sum += v }
        let mean = sum / Double(values.count)
        var squares = 0.0
        for v in values { squares += (v - mean) * (v - mean) }
        self.mean = mean
        standardDeviation = values.count > 1 ? (squares / Double(values.count - 1)).squareRoot() : 0
    }

    /// `√(σ₁² + σ₂²)`: the spread of the difference between one run of each.
    public func combinedDeviation(_ other: SeedSpread) -> Double {
        (standardDeviation * standardDeviation + other.standardDeviation * other.standardDeviation).squareRoot()
    }

    /// Whether the two means differ by at most `combinedDeviation(other)`.
    public func overlaps(_ other: SeedSpread) -> Bool { abs(mean - other.mean) <= combinedDeviation(other) }

    /// `mean ± std` scaled by `scale` (100 for percent) with `digits` decimals: `87.95 ± 0.41`.
    public func text(scale: Double = 1, digits: Int = 2) -> String {
        "\(formatted(mean * scale, digits: digits)) ± \(formatted(standardDeviation * scale, digits: digits))"
    }
}
