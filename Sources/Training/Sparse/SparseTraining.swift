import SparseSimCore
import Trace

// MARK: - SparseTraining

/// Keeps a model's weight layers sparse during training: masks for static, SET, RigL, SNFS
/// and GMP; TopK weight masks and sparse backward inputs for SWAT.
///
/// The trainer calls `prepareForward(step:)` before each forward pass, then
/// `afterBackward(step:totalSteps:rng:)` (which may update masks and says whether to skip the
/// optimizer step) and `afterOptimizerStep()`. Every decision is a function of the weights,
/// gradients, momenta, step and the trainer's generator, so runs are reproducible.
package final class SparseTraining {
    /// The flags.
    package let configuration: SparseConfiguration
    /// The parsed structure and the sparsity in effect.
    package let structure: SparsityStructure, sparsity: Double
    /// The model's weight layers.
    let layers: [any WeightLayer]
    /// Whether each layer is sparse (the others stay dense).
    package let isSparse: [Bool]
    /// Each layer's target density (1 for dense layers).
    package internal(set) var densities: [Double]
    let groups: [WeightGroups]
    /// The optimizer's momentum of each layer's weight.
    let momenta: [Tensor]
    /// SWAT: each sparse layer's threshold on group scores (unstructured: on `|w|`).
    var weightThresholds: [Float]
    /// Scratch for TopK thresholds of weights (reused from step to step).
    var thresholdScratch: [Float] = []
    /// Steps at which masks changed (mask updates), for tests and metrics.
    package internal(set) var updateSteps: [Int] = []
    /// Gem-Miner: each sparse layer's scores (−1: pruned for good) and their momenta.
    var scores: [Tensor] = [], scoreMomenta: [Tensor] = []
    /// The learning rate of the current step (the trainer sets it; Gem-Miner's scores use it).
    package var learningRate: Float = 0

    var method: SparseMethod { configuration.method }

    /// Sets up masks on `model`'s weight layers (mask methods: random masks of each layer's
    /// density — or, with `magnitudeMasks`, the largest-magnitude weights (groups), for a model
    /// that starts from trained weights — weights off the mask zeroed).
    /// - Throws: `SparseSimError` for bad flags.
    package init(configuration: SparseConfiguration, model: Model, optimizer: SGD, rng: inout RandomGenerator,
                magnitudeMasks: Bool = false) throws {
        try configuration.validate()
        precondition(configuration.method.isSparse, "SparseTraining is for sparse methods")
        self.configuration = configuration
        let structure = try configuration.parsedStructure()
        self.structure = structure
        sparsity = try configuration.effectiveSparsity()
        let layers = model.weightLayers
        self.layers = layers
        let n = layers.count
        let dense = configuration.denseLayers(layers)
        isSparse = (0..<n).map { !dense.contains($0) }
        let shapes = layers.map { $0.weight.value.shape }
        densities = configuration.effectiveDistribution.densities(shapes: shapes, sparsity: sparsity, dense: dense)
        groups = layers.map {
            let d = $0.weightDimensions
            return WeightGroups(structure, k: d.k, c: d.c, r: d.r, s: d.s)
        }
        momenta = layers.map { layer in
            let i = optimizer.parameters.firstIndex { $0 === layer.weight }!
            return optimizer.momenta[i]
        }
        weightThresholds = [Float](repeating: -.infinity, count: n)
        if configuration.method.searchesMask {
            scores = layers.map { _ in Tensor(shape: [0]) }
            scoreMomenta = layers.map { _ in Tensor(shape: [0]) }
        }
        for (i, layer) in layers.enumerated() where isSparse[i] {
            layer.sparsity.kernelMode = configuration.kernels
            let mask = Tensor(shape: layer.weight.value.shape)
            layer.weightMask = mask
            if method.prunesGradually {
                // GMP starts dense; its pruning steps shrink the mask.
                mask.fill(1)
            } else if method.searchesMask {
                // Gem-Miner: uniform scores in [0, 1); the mask keeps the scores above 0.5.
                let s = Tensor(shape: layer.weight.value.shape)
                let b = s.buffer, m = mask.buffer
                for j in 0..<b.count {
                    b[j] = rng.nextUniform()
                    m[j] = b[j] > 0.5 ? 1 : 0
                }
                scores[i] = s
                scoreMomenta[i] = Tensor(shape: layer.weight.value.shape)
            } else if method.isMaskBased {
                let g = groups[i]
                var scores = [Float](repeating: 0, count: g.count)
                if magnitudeMasks {
                    scores = g.sums(layer.weight.value.readBuffer, magnitude: true)
                } else {
                    for j in 0..<g.count { scores[j] = rng.nextUniform() }
                }
                g.expand(g.select(scores: scores, keep: g.keptGroups(density: densities[i])), into: mask.buffer)
                Masking.apply(layer.weight.value.readBuffer, mask.readBuffer, into: layer.weight.value.buffer)
            } else {
                mask.fill(1)
            }
        }
    }

    // MARK: Steps

    /// SWAT: reallocates densities (SWAT-M), refreshes thresholds on schedule (every step for
    /// linear layers, every `--topk-period` steps for convolutions) and sets each layer's mask
    /// to the TopK of its current weights. Idempotent for a given state and step.
    package func prepareForward(step: Int) {
        if method.isMaskBased {
            // The weight gradient is needed only at the mask's non-zeros, except for SNFS (its
            // growth follows the momentum of dense gradients) and on RigL's update steps (it
            // grows by the dense gradient).
            let update = method == .rigl && step > 0 && step % configuration.updateInterval == 0
            // Gem-Miner's scores follow the gradient at every position.
            let samples = method != .snfs && !update && !method.searchesMask
            for (i, layer) in layers.enumerated() where isSparse[i] { layer.sparsity.samplesWeightGradient = samples }
        }
        guard method.isSWAT else { return }
        if method == .swatM { reallocateByMomentum() }
        for (i, layer) in layers.enumerated() where isSparse[i] {
            let refresh = layer is Linear || step % configuration.topkPeriod == 0 || !weightThresholds[i].isFinite
            layer.activationDensity = densities[i]
            layer.refreshActivationThreshold = refresh
            let g = groups[i], w = layer.weight.value.readBuffer, mask = layer.weightMask!.buffer
            if g.isNM {
                if refresh {
                    g.expand(g.select(scores: g.sums(w, magnitude: true), keep: 0), into: mask)
                    weightThresholds[i] = 0
                }
                continue
            }
            if structure == .unstructured {
                if refresh {
                    weightThresholds[i] = TopK.threshold(magnitudes: w, keep: TopK.keptCount(density: densities[i], of: w.count),
                                                         scratch: &thresholdScratch)
                }
                let t = weightThresholds[i]
                for j in 0..<w.count { mask[j] = abs(w[j]) >= t ? 1 : 0 }
            } else {
                let scores = g.sums(w, magnitude: true)
                if refresh { weightThresholds[i] = TopK.threshold(scores: scores, keep: g.keptGroups(density: densities[i])) }
                let t = weightThresholds[i]
                g.expand(scores.map { $0 >= t }, into: mask)
            }
        }
    }

    /// Mask methods: on update steps, drops and grows (RigL, SET, SNFS); then zeroes the
    /// gradients off the mask.
    /// - Returns: whether the optimizer step should be skipped (an update step without
    ///   `--step-on-update`).
    package func afterBackward(step: Int, totalSteps: Int, rng: inout RandomGenerator) -> Bool {
        guard method.isMaskBased else { return false }
        if method.searchesMask {
            searchStep(step: step, totalSteps: totalSteps)
            return true  // the weights stay frozen: no optimizer step
        }
        var updated = false
        if method.prunesGradually && configuration.pruning.prunes(at: step, totalSteps: totalSteps) {
            pruneGradually(step: step, totalSteps: totalSteps)
            updateSteps.append(step)
        }
        if method.updatesMask && step > 0 && step % configuration.updateInterval == 0 {
            let fraction = configuration.dropFraction(step: step, total: totalSteps)
            if fraction > 0 {
                updateMasks(fraction: fraction, rng: &rng)
                updateSteps.append(step)
                updated = true
            }
        }
        // SNFS keeps dense gradients (its momentum of inactive weights drives growth, as in
        // Dettmers & Zettlemoyer's code, which masks only the weights).
        if method != .snfs {
            for (i, layer) in layers.enumerated() where isSparse[i] {
                let mask = layer.weightMask!.readBuffer, g = layer.weight.grad.buffer
                for j in 0..<g.count { g[j] *= mask[j] }
            }
        }
        return updated && !configuration.stepOnUpdate
    }

    /// Mask methods: weights off the mask are zero, and so are their momenta (except SNFS,
    /// which grows by the momentum of inactive weights).
    package func afterOptimizerStep() {
        guard method.isMaskBased, !method.searchesMask else { return }
        let keepsMomentum = method == .snfs
        for (i, layer) in layers.enumerated() where isSparse[i] {
            let mask = layer.weightMask!.readBuffer, w = layer.weight.value.buffer, v = momenta[i].buffer
            for j in 0..<w.count { w[j] *= mask[j] }
            if !keepsMomentum { for j in 0..<w.count { v[j] *= mask[j] } }
        }
    }

    // MARK: Initial masks

    /// Replaces every layer's mask with a trace's (`--init-mask`): the weights become
    /// `unmaskedWeights ⊙ mask` (the initialization before the method's own random mask).
    /// - Returns: whether the trace's kept weights equal the initialization there.
    /// - Throws: `SparseSimError` naming the trace when its layers are not the model's.
    func replaceMasks(_ initial: InitialMasks, unmaskedWeights: [[Float]]) throws -> Bool {
        let file = initial.path + "/" + TraceManifest.fileName
        guard initial.names == layers.map(\.name) else {
            throw SparseSimError(file: file, location: "model.layers",
                                 message: "the trace's layers (\(initial.names.joined(separator: ", "))) are not this model's (\(layers.map(\.name).joined(separator: ", ")))")
        }
        var match = true
        for (i, layer) in layers.enumerated() {
            let bits = initial.masks[i]
            guard isSparse[i], let mask = layer.weightMask, bits.count == layer.weightCount,
                  initial.weights[i].count == layer.weightCount else {
                throw SparseSimError(file: file, location: "model.layers[\(i)]",
                                     message: "layer '\(layer.name)' has \(layer.weightCount) weights here and \(bits.count) in the trace")
            }
            let m = mask.buffer, w = layer.weight.value.buffer
            initial.weights[i].withUnsafeBufferPointer { traced in
                unmaskedWeights[i].withUnsafeBufferPointer { w0 in
                    for j in 0..<m.count {
                        let keep = bits[j]
                        m[j] = keep ? 1 : 0
                        w[j] = keep ? w0[j] : 0
                        if keep && traced[j] != w0[j] { match = false }
                    }
                }
            }
            densities[i] = bits.density
        }
        return match
    }

    /// Sets every layer's mask to `keep` (one flag per weight) and zeroes the weights and
    /// momenta off it (iterative pruning's next round).
    /// - Precondition: one flag per weight of every layer.
    func fixMasks(_ keep: [[Bool]]) {
        precondition(keep.count == layers.count, "one mask per layer")
        for (i, layer) in layers.enumerated() {
            guard let mask = layer.weightMask else { continue }
            precondition(keep[i].count == mask.count, "one flag per weight")
            let m = mask.buffer, w = layer.weight.value.buffer, v = momenta[i].buffer
            for j in 0..<m.count where !keep[i][j] {
                m[j] = 0
                w[j] = 0
                v[j] = 0
            }
            for j in 0..<m.count where keep[i][j] { m[j] = 1 }
        }
    }

    // MARK: Inspection    // MARK: Inspection

    /// Non-zeros of each layer's mask.
    package var maskCounts: [Int] {
        layers.map { layer in
            guard let m = layer.weightMask else { return layer.weightCount }
            var n = 0
            for v in m.readBuffer where v != 0 { n &+= 1 }
            return n
        }
    }

    /// The mask forward uses for layer `i` (all ones for a dense layer).
    package func mask(of i: Int) -> Bitmask {
        guard let m = layers[i].weightMask else { return Bitmask(repeating: true, count: layers[i].weightCount) }
        return Bitmask(nonZerosOf: m.readBuffer)
    }
}
