import SparseSimCore
import Trace

// MARK: - DensityModel

/// What the simulator takes the operands' zeros to be.
public enum DensityModel: String, CaseIterable, Sendable {
    /// The real masks and recorded activations.
    case actual
    /// Each mask replaced by a seeded uniform-random one with the same number of set bits (per
    /// layer for weights, per sample for inputs): the hypergeometric model Sparseloop assumes.
    case uniform
    /// Each mask replaced by a balanced one with the same number of set bits: every filter (and
    /// every input channel) gets the same count, ±1, at random positions.
    case structured
}

extension Workload {
    /// The workload with its masks replaced as `model` says (`actual`: unchanged).
    ///
    /// Layer `i` draws from `RandomGenerator(seed: seed ⊕ i·φ)`, so one layer's masks do not
    /// depend on the others'.
    public func applying(_ model: DensityModel, seed: UInt64) -> Workload {
        guard model != .actual else { return self }
        var out = self
        for (i, layer) in layers.enumerated() {
            guard var masks = layer.masks else { continue }
            var rng = RandomGenerator(seed: seed ^ (UInt64(i) &* 0x9E37_79B9_7F4A_7C15))
            let l = layer.shape
            if let w = masks.weights {
                masks.weights = model == .uniform
                    ? Self.randomMask(count: w.count, ones: w.popcount, using: &rng)
                    : Self.balancedMask(rows: l.K, columns: w.count / max(l.K, 1), ones: w.popcount, using: &rng)
            }
            masks.inputs = masks.inputs.map { x in
                model == .uniform
                    ? Self.randomMask(count: x.count, ones: x.popcount, using: &rng)
                    : Self.balancedMask(rows: l.C, columns: x.count / max(l.C, 1), ones: x.popcount, using: &rng)
            }
            out.layers[i].masks = masks
        }
        return out
    }

    /// The workload with statistical input patterns of `density` (`samples` of them per layer)
    /// wherever no activations were recorded; weight masks are kept.
    /// - Precondition: `0 <= density <= 1`, `samples >= 1`.
    public func withActivationDensity(_ density: Double, samples: Int, seed: UInt64) -> Workload {
        precondition(density >= 0 && density <= 1 && samples >= 1, "density in [0, 1], at least one sample")
        return withActivationDensities({ _ in density }, samples: samples, seed: seed)
    }

    /// The workload with statistical input patterns at each listed layer's density from
    /// `table` (`samples` per layer) where no activations were recorded; other layers unchanged.
    /// - Precondition: `samples >= 1`.
    public func withActivationDensities(_ table: LayerDensityTable, samples: Int, seed: UInt64) -> Workload {
        withActivationDensities({ table.densities[$0] }, samples: samples, seed: seed)
    }

    func withActivationDensities(_ densityOf: (String) -> Double?, samples: Int, seed: UInt64) -> Workload {
        precondition(samples >= 1, "at least one sample")
        var out = self
        for (i, layer) in layers.enumerated() {
            guard let density = densityOf(layer.shape.name) else { continue }
            var masks = layer.masks ?? LayerMasks(weights: nil, inputs: [], inputSource: .dense)
            guard masks.inputSource != .recorded else { continue }
            var rng = RandomGenerator(seed: seed ^ 0x5EED ^ (UInt64(i) &* 0x9E37_79B9_7F4A_7C15))
            let count = layer.shape.C * layer.shape.H * layer.shape.W
            let ones = Int((density * Double(count)).rounded())
            masks.inputs = (0..<samples).map { _ in Self.randomMask(count: count, ones: ones, using: &rng) }
            masks.inputSource = .statistical(density)
            out.layers[i].masks = masks
        }
        return out
    }

    /// The workload with seeded uniform-random weight masks of `density` wherever a layer has
    /// no weight mask and declares no N:M structure (statistical, noted per layer); real masks
    /// are kept, and a matmul layer's second operand (an activation) is left alone.
    /// - Precondition: `0 < density <= 1`.
    public func withWeightDensity(_ density: Double, seed: UInt64) -> Workload {
        precondition(density > 0 && density <= 1, "density in (0, 1]")
        var out = self
        for (i, layer) in layers.enumerated() where layer.masks?.weights == nil && layer.structure == nil && layer.shape.kind.hasWeights {
            var masks = layer.masks ?? LayerMasks(weights: nil, inputs: [], inputSource: .dense)
            var rng = RandomGenerator(seed: seed ^ 0x3E16_47 ^ (UInt64(i) &* 0x9E37_79B9_7F4A_7C15))
            let count = layer.shape.weightCount
            masks.weights = Self.randomMask(count: count, ones: Int((density * Double(count)).rounded()), using: &rng)
            masks.statisticalWeightDensity = density
            out.layers[i].masks = masks
        }
        return out
    }

    // MARK: Drawing masks

    /// `ones` set bits out of `count`, uniformly at random (the minority drawn by rejection).
    /// - Complexity: O(count/64 + min(ones, count − ones)) expected.
    static func randomMask(count: Int, ones: Int, using rng: inout RandomGenerator) -> Bitmask {
        precondition(ones >= 0 && ones <= count, "ones out of range")
        let flip = ones > count / 2
        let draw = flip ? count - ones : ones
        var words = [UInt64](repeating: flip ? ~0 : 0, count: Bitmask.wordCount(for: count))
        var placed = 0
        while placed < draw {
            let i = rng.nextInt(below: count)
            let bit: UInt64 = 1 << UInt64(i & 63)
            let set = words[i >> 6] & bit != 0
            if set == flip {
                words[i >> 6] ^= bit
                placed += 1
            }
        }
        if count & 63 != 0 { words[words.count - 1] &= (1 << UInt64(count & 63)) - 1 }
        return Bitmask(words: words, count: count)
    }

    /// `ones` set bits over `rows` rows of `columns`, as evenly as possible per row (the first
    /// `ones mod rows` rows get one more), at random positions in each row.
    static func balancedMask(rows: Int, columns: Int, ones: Int, using rng: inout RandomGenerator) -> Bitmask {
        precondition(rows >= 1 && ones <= rows * columns, "ones out of range")
        var bits = [Bool](repeating: false, count: rows * columns)
        for r in 0..<rows {
            let n = ones / rows + (r < ones % rows ? 1 : 0)
            let row = randomMask(count: columns, ones: n, using: &rng)
            row.forEachSetBit { bits[r * columns + $0] = true }
        }
        return Bitmask(bits)
    }
}
