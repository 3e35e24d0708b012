// MARK: - Gradual magnitude pruning

extension SparseTraining {
    /// GMP's pruning step: every sparse layer keeps its largest-magnitude groups (L1 over the
    /// group) at the schedule's sparsity for `step`, scaled to the layer's final density. Pruned
    /// groups stay pruned (the kept set only shrinks). With N:M every bucket of `m` keeps
    /// `clamp(round(m · density), n, m)`, reaching `n` at the end of the schedule. The
    /// optimizer step that follows zeroes the pruned weights and their momenta.
    func pruneGradually(step: Int, totalSteps: Int) {
        let schedule = configuration.pruning
        for i in layers.indices where isSparse[i] {
            let g = groups[i], layer = layers[i]
            let final = 1 - densities[i]
            let density = 1 - schedule.sparsity(final: final, at: step, totalSteps: totalSteps)
            let mask = layer.weightMask!.buffer
            var scores = g.sums(layer.weight.value.readBuffer, magnitude: true)
            // Pruned groups rank below every kept one (a kept weight can be exactly zero).
            for j in 0..<g.count where !g.isKept(j, in: UnsafeBufferPointer(mask)) { scores[j] = -1 }
            let kept: [Bool]
            if g.isNM {
                let m = g.bucketSize
                let perBucket = min(m, max(g.perBucket, Int((Double(m) * density).rounded())))
                kept = g.select(scores: scores, keep: 0, perBucket: perBucket)
            } else {
                kept = g.select(scores: scores, keep: g.keptGroups(density: density))
            }
            g.expand(kept, into: mask)
        }
    }
}
