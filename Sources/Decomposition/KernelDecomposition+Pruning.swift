import SparseSimCore

// MARK: - Coefficient pruning

/// Where a magnitude threshold is drawn.
package enum PruningScope: String, Codable, Sendable, CaseIterable {
    /// Each layer keeps the same fraction of its coefficients.
    case layer
    /// One threshold over every layer's coefficients.
    case global
}

extension KernelDecomposition {
    /// Prunes the coefficients of `layers` by magnitude to `sparsity` (the fraction set to
    /// zero): exactly `round((1 − sparsity) · n)` kept per layer (`.layer`) or over all layers
    /// (`.global`), larger `|α|` first, ties to the lower index (layer order, then row-major).
    /// Already pruned coefficients count as zeros. The kept coefficients are refit by least
    /// squares to each layer's `weights` when given (pruned ones stay zero), else left as they are.
    /// - Precondition: `sparsity` in `0...1`; `weights`, when given, one per layer.
    /// - Complexity: `O(n log n)` for the `n` coefficients ranked together.
    package static func prune(_ layers: inout [KernelDecomposition], sparsity: Double, scope: PruningScope,
                             refitTo weights: [[Float]]? = nil) {
        precondition(sparsity >= 0 && sparsity <= 1, "sparsity must be in 0...1")
        precondition(weights == nil || weights!.count == layers.count, "one weight array per layer")
        func keep(_ magnitudes: [(Float, Int)], total: Int) -> Set<Int> {
            let count = Int((Double(total) * (1 - sparsity)).rounded())
            let ranked = magnitudes.sorted { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
            return Set(ranked.prefix(count).map(\.1))
        }
        var offsets: [Int] = []
        var all: [(Float, Int)] = []
        var offset = 0
        for layer in layers {
            offsets.append(offset)
            let mask = layer.coefficientPattern
            for i in 0..<layer.coefficientCount {
                all.append((mask[i] ? abs(layer.coefficients[i]) : 0, offset + i))
            }
            offset += layer.coefficientCount
        }
        var kept: Set<Int> = []
        switch scope {
        case .global:
            kept = keep(all, total: all.count)
        case .layer:
            for (l, layer) in layers.enumerated() {
                let slice = Array(all[offsets[l]..<(offsets[l] + layer.coefficientCount)])
                kept.formUnion(keep(slice, total: slice.count))
            }
        }
        for l in layers.indices {
            let n = layers[l].coefficientCount
            let mask = Bitmask((0..<n).lazy.map { kept.contains(offsets[l] + $0) })
            layers[l].coefficientMask = mask
            for i in 0..<n where !mask[i] { layers[l].coefficients[i] = 0 }
            if let w = weights?[l] { layers[l].refitCoefficients(to: w) }
        }
    }
}
