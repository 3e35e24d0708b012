import SparseSimCore

// MARK: - Drop and grow

extension SparseTraining {
    /// One mask update: in every sparse layer drop `round(fraction · active)` active groups of
    /// smallest weight magnitude (L1 over the group), then grow as many among the groups
    /// inactive after the drop: by dense-gradient magnitude (RigL), at random (SET) or by
    /// momentum magnitude (SNFS, whose growth is redistributed over layers by their mean
    /// momentum). Grown weights and their momenta start at zero. With N:M each bucket regrows
    /// what it lost, so every bucket keeps exactly N.
    func updateMasks(fraction: Double, rng: inout RandomGenerator) {
        let sparseLayers = layers.indices.filter { isSparse[$0] }
        var afterDrop: [Int: [Bool]] = [:]
        var dropped: [Int: Int] = [:]
        var capacity: [Int: Int] = [:]
        var meanMomentum: [Int: Double] = [:]
        for i in sparseLayers {
            let g = groups[i], layer = layers[i]
            let mask = layer.weightMask!.readBuffer
            var active = (0..<g.count).map { g.isKept($0, in: mask) }
            let activeIndices = active.indices.filter { active[$0] }
            let d = Int((fraction * Double(activeIndices.count)).rounded())
            let magnitude = g.sums(layer.weight.value.readBuffer, magnitude: true)
            let dropOrder = activeIndices.sorted { magnitude[$0] != magnitude[$1] ? magnitude[$0] < magnitude[$1] : $0 < $1 }
            for j in dropOrder.prefix(d) { active[j] = false }
            afterDrop[i] = active
            dropped[i] = d
            capacity[i] = active.count { !$0 }
            if method == .snfs {
                let v = momenta[i].readBuffer, m = layer.weightMask!.readBuffer
                var sum = 0.0, n = 0
                for j in 0..<v.count where m[j] != 0 { sum += Double(abs(v[j])); n += 1 }
                meanMomentum[i] = n > 0 ? sum / Double(n) : 0
            }
        }
        // How many groups each layer grows.
        var grow = dropped
        if method == .snfs && structure.fixedDensity == nil {
            grow = Self.redistribute(total: dropped.values.reduce(0, +), weights: meanMomentum, capacity: capacity,
                                     fallback: dropped)
        }
        for i in sparseLayers {
            let g = groups[i], layer = layers[i]
            let kept = afterDrop[i]!
            var scores: [Float]
            switch method {
            case .rigl: scores = g.sums(layer.weight.grad.readBuffer, magnitude: true)
            case .snfs: scores = g.sums(momenta[i].readBuffer, magnitude: true)
            default: scores = (0..<g.count).map { _ in rng.nextUniform() }
            }
            // The groups kept after the drop rank first, so `select` keeps them and grows the
            // best-scoring others: `grow` of them, or with N:M what each bucket lost.
            for j in 0..<g.count where kept[j] { scores[j] = .infinity }
            let active = g.select(scores: scores, keep: kept.count { $0 } + (grow[i] ?? 0))
            let mask = layer.weightMask!.buffer
            g.expand(active, into: mask)
            // Grown weights (active now, not after the drop) and their momenta start at zero.
            let w = layer.weight.value.buffer, v = momenta[i].buffer
            g.members.withUnsafeBufferPointer { mem in
                for j in 0..<g.count where active[j] && !kept[j] {
                    for e in g.offsets[j]..<g.offsets[j + 1] {
                        w[Int(mem[e])] = 0
                        v[Int(mem[e])] = 0
                    }
                }
            }
        }
    }

    /// Splits `total` units over layers in proportion to `weights`, no layer above its
    /// `capacity`; what a full layer cannot take goes to the others (largest remainders first,
    /// then lower index). With all weights zero, `fallback` is used.
    static func redistribute(total: Int, weights: [Int: Double], capacity: [Int: Int], fallback: [Int: Int]) -> [Int: Int] {
        var out = [Int: Int]()
        for k in capacity.keys { out[k] = 0 }
        var left = total
        var open = Set(capacity.keys.filter { capacity[$0]! > 0 })
        while left > 0 && !open.isEmpty {
            let sum = open.reduce(0.0) { $0 + (weights[$1] ?? 0) }
            if sum <= 0 {
                // No momentum signal: keep each layer's own count where it fits.
                for k in open.sorted() {
                    let take = min(left, (fallback[k] ?? 0) - out[k]!, capacity[k]! - out[k]!)
                    if take > 0 { out[k]! += take; left -= take }
                }
                if left > 0 {
                    for k in open.sorted() where left > 0 {
                        let take = min(left, capacity[k]! - out[k]!)
                        out[k]! += take
                        left -= take
                    }
                }
                break
            }
            var shares: [(Int, Double)] = []
            var given = 0
            for k in open.sorted() {
                let exact = Double(left) * (weights[k] ?? 0) / sum
                let room = capacity[k]! - out[k]!
                let whole = min(room, Int(exact.rounded(.down)))
                out[k]! += whole
                given += whole
                shares.append((k, exact - Double(whole)))
            }
            left -= given
            for (k, _) in shares.sorted(by: { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }) where left > 0 && out[k]! < capacity[k]! {
                out[k]! += 1
                left -= 1
            }
            open = open.filter { out[$0]! < capacity[$0]! }
            if given == 0 && left > 0 && shares.allSatisfy({ $0.1 == 0 }) { break }
        }
        return out
    }

    /// SWAT-M: the sparse layers' kept-weight budget split in proportion to each layer's mean
    /// |momentum|, no layer above 0.99 density (the excess goes to the others).
    func reallocateByMomentum() {
        let sparseLayers = layers.indices.filter { isSparse[$0] }
        let counts = Dictionary(uniqueKeysWithValues: sparseLayers.map { ($0, layers[$0].weightCount) })
        let budget = sparseLayers.reduce(0) { $0 + TopK.keptCount(density: 1 - sparsity, of: counts[$1]!) }
        var weights: [Int: Double] = [:]
        for i in sparseLayers {
            let v = momenta[i].readBuffer
            var sum = 0.0
            for x in v { sum += Double(abs(x)) }
            weights[i] = v.isEmpty ? 0 : sum / Double(v.count)
        }
        guard weights.values.contains(where: { $0 > 0 }) else { return }
        let capacity = counts.mapValues { Int(0.99 * Double($0)) }
        let fallback = Dictionary(uniqueKeysWithValues: sparseLayers.map { ($0, TopK.keptCount(density: 1 - sparsity, of: counts[$0]!)) })
        let kept = Self.redistribute(total: budget, weights: weights, capacity: capacity, fallback: fallback)
        for i in sparseLayers { densities[i] = Double(kept[i]!) / Double(counts[i]!) }
    }
}
