import SparseSimCore

// MARK: - Small-dense widths

extension Model {
    /// Conv and linear weights of model `name` at `width`.
    static func weightCount(_ name: String, inputShape: [Int], classes: Int, width: Double) throws -> Int {
        var rng = RandomGenerator(seed: 0)
        return try make(name, inputShape: inputShape, classes: classes, width: width, rng: &rng)
            .weightLayers.reduce(0) { $0 + $1.weightCount }
    }

    /// The width multiplier whose dense model has as many conv/linear weights as the sparse
    /// model `configuration` describes keeps (its per-layer densities applied to the full
    /// model), to within one width step; the smallest such width on ties.
    /// - Returns: `(width, target weights, weights at that width)`.
    /// - Throws: `SparseSimError` for bad flags or an unknown model.
    package static func smallDenseWidth(_ name: String, inputShape: [Int], classes: Int,
                                       configuration: SparseConfiguration) throws -> (width: Double, target: Int, actual: Int) {
        var rng = RandomGenerator(seed: 0)
        let full = try make(name, inputShape: inputShape, classes: classes, rng: &rng)
        let layers = full.weightLayers
        let dense = configuration.denseLayers(layers)
        let densities = configuration.distribution.densities(shapes: layers.map { $0.weight.value.shape },
                                                             sparsity: try configuration.effectiveSparsity(), dense: dense)
        let target = zip(layers, densities).reduce(0) { $0 + TopK.keptCount(density: $1.1, of: $1.0.weightCount) }
        // Weight count grows with the width: bisect on it.
        var lo = 0.0, hi = 1.0
        for _ in 0..<40 {
            let mid = (lo + hi) / 2
            if try weightCount(name, inputShape: inputShape, classes: classes, width: mid) < target { lo = mid } else { hi = mid }
        }
        let below = try weightCount(name, inputShape: inputShape, classes: classes, width: lo)
        let above = try weightCount(name, inputShape: inputShape, classes: classes, width: hi)
        return abs(below - target) <= abs(above - target) ? (lo, target, below) : (hi, target, above)
    }
}
