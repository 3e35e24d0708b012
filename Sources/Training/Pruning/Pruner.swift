import Foundation
import SparseSimCore
import Trace

// MARK: - Pruner

/// Prunes a model at initialization: scores every conv and linear weight with a method of
/// `PruningMethod`, keeps the globally largest scores over one or more rounds with a density
/// schedule, and reports what each layer kept.
///
/// Each round sets the weights to `θ₀ ⊙ mask` (SynFlow: `|θ₀| ⊙ mask`, every other parameter
/// and buffer `|·|` too), scores, and keeps exactly the round's count among the weights still
/// alive (pruned weights never return; ties at the threshold go to the lower index). After the
/// last round every parameter and buffer is restored and the weights are `θ₀ ⊙ mask`. Scoring
/// runs the model in evaluation mode (BatchNorm on its running statistics), as the SynFlow
/// authors' code does for every method. Scores and the threshold are `Double`.
package final class Pruner {
    /// The model being pruned.
    package let model: Model
    /// The prunable layers: every conv and linear layer.
    let layers: [any WeightLayer]
    /// Where each layer's weights start in the flat (global) weight numbering.
    let offsets: [Int]
    /// Prunable weights in all.
    package let totalWeights: Int
    /// `θ₀`: every parameter and buffer as given, restored before and after each run.
    let savedParameters: [[Float]], savedBuffers: [[Float]]
    /// Whether each of `model.parameters` is a prunable layer's weight.
    let isPrunableWeight: [Bool]
    /// The live weights' global indices, increasing (the first `liveCount` entries), with their
    /// scores and selection flags at the same positions: each round touches only live weights,
    /// so the work shrinks with the density (owned storage: the loops index no class-held array).
    let live: UnsafeMutableBufferPointer<Int32>
    let scores: UnsafeMutableBufferPointer<Double>
    let selected: UnsafeMutableBufferPointer<Bool>
    var liveCount = 0
    /// Each layer's range of positions in `live`.
    var liveRanges: [Range<Int>] = []
    /// Scratch: SynFlow's rescaled activations per top-level layer.
    var rescaled: [Tensor] = []
    let lossInput = Tensor(shape: [0]), lossGradient = Tensor(shape: [0])
    /// Where the last `prune` spent its time.
    package struct Timing: Sendable {
        /// Seconds scoring (the network passes and the score products), and selecting (the
        /// global threshold, compaction, zeroing dropped weights), over all rounds.
        package var scoring = 0.0, selecting = 0.0
    }
    /// Where the last `prune` spent its time.
    package private(set) var timing = Timing()
    /// GraSP's relative step: `‖ε·g‖ = graspStep · ‖θ‖` for the finite differences of gradients.
    static let graspStep = 1e-2

    /// A pruner for `model`, remembering its current parameters as `θ₀`.
    /// - Precondition: fewer than 2³¹ prunable weights.
    package init(model: Model) {
        self.model = model
        layers = model.weightLayers
        var offsets: [Int] = [], total = 0
        for layer in layers {
            offsets.append(total)
            total += layer.weightCount
        }
        precondition(total < Int(Int32.max), "too many weights to prune")
        self.offsets = offsets
        totalWeights = total
        savedParameters = model.parameters.map { $0.value.array }
        savedBuffers = model.buffers.map { $0.tensor.array }
        let weights = layers.map { ObjectIdentifier($0.weight) }
        isPrunableWeight = model.parameters.map { weights.contains(ObjectIdentifier($0)) }
        live = .allocate(capacity: max(total, 1))
        scores = .allocate(capacity: max(total, 1))
        selected = .allocate(capacity: max(total, 1))
        scores.initialize(repeating: 0)
        selected.initialize(repeating: false)
        resetLive()
    }

    deinit {
        live.deallocate()
        scores.deallocate()
        selected.deallocate()
    }

    // MARK: Running

    /// Prunes to `configuration.density` of the prunable weights.
    /// - Parameters:
    ///   - batch: the labelled batch SNIP and GraSP need (ignored by the others).
    ///   - rng: random scores draw from it.
    /// - Throws: `SparseSimError` for bad settings, a missing batch, or scores that are not
    ///   finite.
    package func prune(_ configuration: PruningConfiguration, batch: PruningBatch?,
                      rng: inout RandomGenerator) throws -> PruningResult {
        try configuration.validate()
        let method = configuration.method
        if method.needsData {
            guard let batch else {
                throw SparseSimError.setting("method", "\(method.rawValue) needs a labelled batch")
            }
            guard batch.input.shape.dropFirst().elementsEqual(model.inputShape) else {
                throw SparseSimError.setting("model", "the batch's samples are \(Array(batch.input.shape.dropFirst())), the model takes \(model.inputShape)")
            }
        }
        resetLive()
        restore(magnitudes: method == .synflow)
        var logR: [Double?] = [], logRescale: Double?
        timing = Timing()
        for k in 1...configuration.iterations {
            let target = configuration.keptCount(iteration: k, total: totalWeights)
            let start = DispatchTime.now().uptimeNanoseconds
            if let flow = try scoreLive(method, batch: batch, temperature: configuration.temperature, rng: &rng) {
                if k == 1 || k == configuration.iterations { logR.append(flow.log10R.isFinite ? flow.log10R : nil) }
                logRescale = Double(flow.log2Rescale) * Foundation.log10(2.0)
            }
            let scored = DispatchTime.now().uptimeNanoseconds
            try keepLive(target)
            timing.scoring += Double(scored - start) * 1e-9
            timing.selecting += Double(DispatchTime.now().uptimeNanoseconds - scored) * 1e-9
        }
        restore(magnitudes: false)
        zeroPruned()
        return result(configuration, data: method.needsData ? batch!.description : "none (data-free)",
                      logRescale: logRescale, logR: method == .synflow ? logR : nil)
    }

    /// Each prunable layer's scores by `method` for the weights as given (`θ₀`, nothing pruned):
    /// one round's scores, the ones the first round of `prune` ranks (SynFlow's multiplied back
    /// by its rescaling factor). The model is left as given.
    /// - Throws: `SparseSimError` for a missing batch or non-finite activations.
    package func scores(_ method: PruningMethod, batch: PruningBatch?, temperature: Double = 200,
                       rng: inout RandomGenerator) throws -> [[Double]] {
        if method.needsData && batch == nil {
            throw SparseSimError.setting("method", "\(method.rawValue) needs a labelled batch")
        }
        resetLive()
        restore(magnitudes: method == .synflow)
        defer { restore(magnitudes: false) }
        let flow = try scoreLive(method, batch: batch, temperature: temperature, rng: &rng)
        let factor = Double(sign: .plus, exponent: flow?.log2Rescale ?? 0, significand: 1)
        return layers.indices.map { l in liveRanges[l].map { scores[$0] * factor } }
    }

    /// Scores the live weights into `scores` with the current parameters.
    /// - Returns: SynFlow's log10 R and rescaling exponent; nil for the other methods.
    func scoreLive(_ method: PruningMethod, batch: PruningBatch?, temperature: Double,
                   rng: inout RandomGenerator) throws -> (log10R: Double, log2Rescale: Int)? {
        switch method {
        case .synflow:
            return try synflowScores()
        case .snip:
            gradient(batch!, temperature: 1)
            productScores(absolute: true)
        case .grasp:
            graspScores(batch!, temperature: temperature)
        case .magnitude:
            magnitudeScores()
        case .random:
            let scores = self.scores
            for p in 0..<liveCount { scores[p] = rng.nextDouble() }
        }
        return nil
    }

    /// Each prunable layer's mask after the last run (all ones before any).
    package var masks: [Bitmask] {
        layers.indices.map { l in
            var bits = [Bool](repeating: false, count: layers[l].weightCount)
            for p in liveRanges[l] { bits[Int(live[p]) - offsets[l]] = true }
            return Bitmask(bits)
        }
    }

    /// The prunable layers' names, in order.
    package var layerNames: [String] { layers.map(\.name) }

    // MARK: Rounds

    /// Every weight live again.
    func resetLive() {
        let live = self.live
        for i in 0..<totalWeights { live[i] = Int32(truncatingIfNeeded: i) }
        liveCount = totalWeights
        liveRanges = layers.indices.map { offsets[$0]..<(offsets[$0] + layers[$0].weightCount) }
    }

    /// Sets every parameter and buffer back to `θ₀` (or `|θ₀|`).
    func restore(magnitudes: Bool) {
        for (p, saved) in zip(model.parameters, savedParameters) { Self.copy(saved, into: p.value, magnitudes: magnitudes) }
        for (b, saved) in zip(model.buffers, savedBuffers) { Self.copy(saved, into: b.tensor, magnitudes: magnitudes) }
    }

    /// Sets every parameter other than the prunable weights, and every buffer, back to `|θ₀|`
    /// (SynFlow's rescaling changes biases and running means).
    func restoreOffsetMagnitudes() {
        for (i, p) in model.parameters.enumerated() where !isPrunableWeight[i] {
            Self.copy(savedParameters[i], into: p.value, magnitudes: true)
        }
        for (b, saved) in zip(model.buffers, savedBuffers) { Self.copy(saved, into: b.tensor, magnitudes: true) }
    }

    static func copy(_ values: [Float], into tensor: Tensor, magnitudes: Bool) {
        let t = tensor.buffer
        values.withUnsafeBufferPointer { v in
            if magnitudes {
                for i in 0..<v.count { t[i] = abs(v[i]) }
            } else {
                for i in 0..<v.count { t[i] = v[i] }
            }
        }
    }

    /// Zeroes every weight that is not live.
    func zeroPruned() {
        let live = self.live
        for (l, layer) in layers.enumerated() {
            let w = layer.weight.value.buffer, base = offsets[l]
            var next = 0
            for p in liveRanges[l] {
                let i = Int(live[p]) &- base
                while next < i { w[next] = 0; next &+= 1 }
                next = i &+ 1
            }
            while next < w.count { w[next] = 0; next &+= 1 }
        }
    }

    /// Keeps the `target` largest scores among the live weights; zeroes the weights dropped.
    func keepLive(_ target: Int) throws {
        let live = self.live, scores = self.scores, selected = self.selected
        for (l, layer) in layers.enumerated() {
            for p in liveRanges[l] where !scores[p].isFinite {
                throw SparseSimError(file: "<model>", location: layer.name,
                                     message: "pruning score of weight \(Int(live[p]) - offsets[l]) is \(scores[p]) (not finite)")
            }
        }
        let n = liveCount
        ScoreSelection.keepLargest(UnsafeBufferPointer(rebasing: scores[0..<n]), keep: target,
                                   into: UnsafeMutableBufferPointer(rebasing: selected[0..<n]))
        var q = 0
        for (l, layer) in layers.enumerated() {
            let w = layer.weight.value.buffer, base = offsets[l], start = q
            for p in liveRanges[l] {
                if selected[p] {
                    live[q] = live[p]
                    q &+= 1
                } else {
                    w[Int(live[p]) &- base] = 0
                }
            }
            liveRanges[l] = start..<q
        }
        liveCount = q
    }

    /// `scores = |θ · g|` (or `θ · g`) of the live weights, from the current weights and gradients.
    func productScores(absolute: Bool) {
        let live = self.live, scores = self.scores
        for (l, layer) in layers.enumerated() {
            let w = layer.weight.value.readBuffer, g = layer.weight.grad.readBuffer, base = offsets[l]
            for p in liveRanges[l] {
                let i = Int(live[p]) &- base
                let s = Double(w[i]) * Double(g[i])
                scores[p] = absolute ? abs(s) : s
            }
        }
    }

    // MARK: Scores

    func magnitudeScores() {
        let live = self.live, scores = self.scores
        for (l, layer) in layers.enumerated() {
            let w = layer.weight.value.readBuffer, base = offsets[l]
            for p in liveRanges[l] { scores[p] = Double(abs(w[Int(live[p]) &- base])) }
        }
    }

    /// Runs the batch forward and backward, leaving `∂L/∂θ` of the mean cross-entropy of
    /// `logits / temperature` in the parameters' gradients (SNIP: temperature 1).
    func gradient(_ batch: PruningBatch, temperature: Double) {
        let logits = model.forward(batch.input, phase: .evaluation)
        let scale = Float(1 / temperature)
        lossInput.resize(logits.shape)
        let z = logits.readBuffer, zs = lossInput.buffer
        for i in 0..<z.count { zs[i] = z[i] * scale }
        _ = batch.labels.withUnsafeBufferPointer { model.loss.forward(lossInput, labels: $0) }
        let dz = model.loss.backward().readBuffer
        lossGradient.resize(logits.shape)
        let g = lossGradient.buffer
        for i in 0..<dz.count { g[i] = dz[i] * scale }
        model.backward(lossGradient)
    }

    /// GraSP: `θ ⊙ Hg` with `g = ∂L/∂θ` at temperature T, restricted to the live weights, and
    /// `Hg` by central differences of gradients, `(∇L(θ + εg) − ∇L(θ − εg)) / 2ε`, with
    /// `‖εg‖ = graspStep · ‖θ‖`.
    func graspScores(_ batch: PruningBatch, temperature: Double) {
        gradient(batch, temperature: temperature)
        let n = liveCount, live = self.live, scores = self.scores
        var theta = [Float](repeating: 0, count: n), g = [Double](repeating: 0, count: n)
        var thetaNorm = 0.0, gNorm = 0.0
        for (l, layer) in layers.enumerated() {
            let w = layer.weight.value.readBuffer, dw = layer.weight.grad.readBuffer, base = offsets[l]
            for p in liveRanges[l] {
                let i = Int(live[p]) &- base
                theta[p] = w[i]
                g[p] = Double(dw[i])
                thetaNorm += Double(w[i]) * Double(w[i])
                gNorm += Double(dw[i]) * Double(dw[i])
            }
        }
        guard gNorm > 0 else {
            for p in 0..<n { scores[p] = 0 }
            return
        }
        let epsilon = Self.graspStep * thetaNorm.squareRoot() / gNorm.squareRoot()
        var plus = [Double](repeating: 0, count: n)
        for sign in [1.0, -1.0] {
            for (l, layer) in layers.enumerated() {
                let w = layer.weight.value.buffer, base = offsets[l]
                for p in liveRanges[l] { w[Int(live[p]) &- base] = Float(Double(theta[p]) + sign * epsilon * g[p]) }
            }
            gradient(batch, temperature: temperature)
            for (l, layer) in layers.enumerated() {
                let dw = layer.weight.grad.readBuffer, base = offsets[l]
                for p in liveRanges[l] {
                    let d = Double(dw[Int(live[p]) &- base])
                    if sign > 0 {
                        plus[p] = d
                    } else {
                        scores[p] = Double(theta[p]) * (plus[p] - d) / (2 * epsilon)
                    }
                }
            }
        }
        for (l, layer) in layers.enumerated() {
            let w = layer.weight.value.buffer, base = offsets[l]
            for p in liveRanges[l] { w[Int(live[p]) &- base] = theta[p] }
        }
    }

    // MARK: Result

    func result(_ configuration: PruningConfiguration, data: String, logRescale: Double?, logR: [Double?]?) -> PruningResult {
        var rows: [PruningResult.Layer] = [], remaining = 0
        for (l, layer) in layers.enumerated() {
            let total = layer.weightCount, n = liveRanges[l].count
            remaining += n
            rows.append(PruningResult.Layer(name: layer.name, total: total, remaining: n,
                                            density: total == 0 ? 0 : Double(n) / Double(total)))
        }
        return PruningResult(model: model.name, method: configuration.method,
                             compression: 0 - Foundation.log10(configuration.density), density: configuration.density,
                             iterations: configuration.iterations, schedule: configuration.schedule,
                             totalWeights: totalWeights, remainingWeights: remaining, layers: rows,
                             collapsed: rows.filter { $0.remaining == 0 }.map(\.name), data: data,
                             temperature: configuration.method == .grasp ? configuration.temperature : nil,
                             synflowLog10Rescale: logRescale, synflowLog10R: logR)
    }
}
