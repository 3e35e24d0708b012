import Foundation

// MARK: - Gem-Miner's search

extension SparseTraining {
    /// One step of Gem-Miner's search (`GemMinerSettings`): every live score `s` moves by SGD
    /// with momentum 0.9 at the step's learning rate along `∂L/∂(W⊙m)·w + 2·λ·s` (the
    /// straight-through gradient of the rounded score and the L2 regularizer) and is clipped to
    /// [0, 1]; at a thresholding step the lowest live scores over all sparse layers are pruned
    /// for good (score −1) down to the scheduled count, and the last step keeps exactly the
    /// target count, with its kept scores set to 1. The mask is then `s > 0.5`.
    /// - Complexity: O(weights), plus a sort of the live scores on thresholding steps.
    func searchStep(step: Int, totalSteps: Int) {
        let settings = configuration.gemMiner
        let lambda = Float(settings.lambda), lr = learningRate
        let sparseLayers = layers.indices.filter { isSparse[$0] }
        for i in sparseLayers {
            let g = layers[i].weight.grad.readBuffer, w = layers[i].weight.value.readBuffer
            let s = scores[i].buffer, v = scoreMomenta[i].buffer
            for j in 0..<s.count where s[j] >= 0 {
                let gradient = g[j] * w[j] + 2 * lambda * s[j]
                let velocity = 0.9 * v[j] + gradient
                v[j] = velocity
                s[j] = min(1, max(0, s[j] - lr * velocity))
            }
        }
        // Thresholding steps: the k-th keeps d^(k/periods) of the sparse layers' weights.
        let total = sparseLayers.reduce(0) { $0 + layers[$1].weightCount }
        let target = sparseLayers.reduce(0) { $0 + TopK.keptCount(density: densities[$1], of: layers[$1].weightCount) }
        let last = step == totalSteps - 1
        if let k = last ? settings.periods : (1...settings.periods).last(where: { settings.thresholdingStep($0, totalSteps: totalSteps) == step }) {
            let fraction = Double(target) / Double(max(total, 1))
            let keep = k == settings.periods ? target
                : max(target, Int((Double(total) * Foundation.pow(fraction, Double(k) / Double(settings.periods))).rounded()))
            var live: [(score: Float, layer: Int, index: Int)] = []
            for i in sparseLayers {
                let s = scores[i].readBuffer
                for j in 0..<s.count where s[j] >= 0 { live.append((s[j], i, j)) }
            }
            if live.count > keep {
                live.sort { $0.score != $1.score ? $0.score > $1.score : ($0.layer, $0.index) < ($1.layer, $1.index) }
                for e in live[keep...] {
                    scores[e.layer][e.index] = -1
                    scoreMomenta[e.layer][e.index] = 0
                }
            }
            if k == settings.periods {
                for e in live.prefix(keep) { scores[e.layer][e.index] = 1 }
            }
            updateSteps.append(step)
        }
        for i in sparseLayers {
            let s = scores[i].readBuffer, m = layers[i].weightMask!.buffer
            for j in 0..<s.count { m[j] = s[j] > 0.5 ? 1 : 0 }
        }
    }
}
