// MARK: - ParetoFront

/// The Pareto-optimal members of a set of cost vectors, every coordinate to be minimized (a
/// coordinate to maximize goes in negated): the sweep's (cycles, energy, area proxy) and the
/// comparison's (−accuracy, latency or energy).
enum ParetoFront {
    /// The positions in `costs` of the vectors no other vector dominates — none is lower or
    /// equal on every coordinate and strictly lower on one — ascending. Equal vectors dominate
    /// neither other, so all of them are kept.
    /// - Precondition: every vector has the same length.
    /// - Complexity: O(n² · d) for n vectors of d coordinates.
    static func indices(_ costs: [[Double]]) -> [Int] {
        costs.indices.filter { i in
            !costs.contains { other in
                var strictly = false
                for (b, a) in zip(other, costs[i]) {
                    if b > a { return false }
                    if b < a { strictly = true }
                }
                return strictly
            }
        }
    }
}
