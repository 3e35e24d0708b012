// MARK: - SparsityDistribution

/// How a global sparsity is spread over the sparse layers.
public enum SparsityDistribution: String, CaseIterable, Codable, Sendable {
    /// The same sparsity in every sparse layer.
    case uniform
    /// Erdős–Rényi-kernel (Evci et al., 2020): density `ε · (K+C+R+S)/(K·C·R·S)`, with `ε`
    /// chosen so the sparse layers keep `(1 − s)` of their weights; a layer whose density
    /// would exceed 1 becomes dense and the others make up for it (RigL's `get_sparsities`).
    case erk

    /// Per-layer densities for weight shapes `shapes` (each `[K, C, R, S]` or `[K, C]`).
    /// - Parameters:
    ///   - sparsity: the fraction of zeros over the sparse layers.
    ///   - dense: indices of layers kept dense and left out of the budget (`--dense-first-layer`).
    /// - Returns: one density in `0...1` per layer (1 for dense layers).
    public func densities(shapes: [[Int]], sparsity: Double, dense: Set<Int> = []) -> [Double] {
        var out = [Double](repeating: 1, count: shapes.count)
        let sparse = shapes.indices.filter { !dense.contains($0) }
        switch self {
        case .uniform:
            for i in sparse { out[i] = 1 - sparsity }
        case .erk:
            var forcedDense = Set<Int>()
            while true {
                var rhs = 0.0, divisor = 0.0
                var raw: [Int: Double] = [:]
                for i in sparse {
                    let n = Double(shapes[i].reduce(1, *))
                    let zeros = (sparsity * n).rounded(.down)
                    if forcedDense.contains(i) {
                        rhs -= zeros
                    } else {
                        rhs += n - zeros
                        let p = Double(shapes[i].reduce(0, +)) / n
                        raw[i] = p
                        divisor += p * n
                    }
                }
                guard divisor > 0 else { break }
                let epsilon = rhs / divisor
                let maxRaw = raw.values.max() ?? 0
                if maxRaw * epsilon > 1 {
                    for (i, p) in raw where p == maxRaw { forcedDense.insert(i) }
                    continue
                }
                for (i, p) in raw { out[i] = epsilon * p }
                break
            }
        }
        return out
    }
}
