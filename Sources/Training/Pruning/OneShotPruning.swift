import Foundation
import SparseSimCore
import Trace

// MARK: - OneShotPruning

/// One-shot pruning of a trained model (`sparsesim prune --init-weights CKPT --method
/// wanda|sparsegpt|magnitude`): every weight layer but the first is pruned once, in network
/// order. Wanda and magnitude rank each output row on its own — Wanda's comparison group (Sun, Liu, Bair, Kolter, "A Simple and
/// Effective Pruning Approach for Large Language Models", ICLR 2024).
///
/// A weight `W[k, j]` of row `k` (output channel or unit) and column `j` (input feature, or
/// `(c, r, s)` of a convolution's `C/g·R·S` row) scores
/// - `wanda`: `|W[k, j]| · ‖X_j‖₂`, where `X_j` is everything column `j` multiplies over the
///   calibration samples — a linear layer's input feature `j` over the samples, a convolution's
///   input channel `c` shifted by `(r, s)` over the samples and output positions, padding as
///   zeros (the im2col column's norm);
/// - `magnitude`: `|W[k, j]|`, the baseline at the same sparsity and pattern;
/// - `sparsegpt`: see `SparseGPT` (its own mask selection, and the kept weights updated).
///
/// Each row keeps its largest scores: `⌈(1 − s)·columns⌉` of them for a sparsity `s`, or the
/// top `N` of every group of `M` consecutive columns for N:M (a shorter last group keeps at most
/// `N`). The calibration inputs of a
/// layer come from the model with the layers before it already pruned (as Wanda's code feeds
/// each block the pruned blocks' outputs). The first weight layer stays dense, as in the
/// engine's sparse methods (a 1-channel 3×3 convolution has 9 weights per row).
public final class OneShotPruning {
    /// What a row keeps.
    public enum Target: Sendable, Equatable, CustomStringConvertible {
        /// A fraction of every row removed, in (0, 1).
        case sparsity(Double)
        /// At most N of every M consecutive weights of a row kept.
        case nm(NMPattern)

        public var description: String {
            switch self {
            case .sparsity(let s): "sparsity \(s)"
            case .nm(let p): "nm:\(p.n):\(p.m)"
            }
        }
    }

    /// The score a weight is ranked by.
    public enum Criterion: String, CaseIterable, Codable, Sendable {
        /// `|W| · ‖X_column‖₂` (Wanda).
        case wanda
        /// `|W|`.
        case magnitude
        /// SparseGPT's OBS saliency with the remaining weights updated to reconstruct the
        /// layer's output on the calibration inputs (`SparseGPT`).
        case sparsegpt
    }

    /// One layer's outcome.
    public struct Layer: Codable, Equatable, Sendable {
        /// The layer, its weights and the weights it kept.
        public var name: String, weights: Int, kept: Int
    }

    /// What pruning did.
    public struct Result: Codable, Sendable {
        /// The criterion and the target (`sparsity 0.5`, `nm:2:4`).
        public var criterion: Criterion, target: String
        /// Training samples the calibration inputs came from (the first ones).
        public var calibrationSamples: Int
        /// Test accuracy and loss of the trained model, and of the pruned one.
        public var accuracyBefore: Double, lossBefore: Double, accuracyAfter: Double, lossAfter: Double
        /// Every weight layer, the first (dense) included.
        public var layers: [Layer]
        /// Kept share of the pruned layers' weights.
        public var prunedLayersDensity: Double
        /// How the result was made.
        public var provenance: Provenance

        enum CodingKeys: String, CodingKey {
            case criterion, target, layers, provenance
            case calibrationSamples = "calibration_samples"
            case accuracyBefore = "accuracy_before", lossBefore = "loss_before"
            case accuracyAfter = "accuracy_after", lossAfter = "loss_after"
            case prunedLayersDensity = "pruned_layers_density"
        }
    }

    /// The trained model, its data and settings.
    package let trainer: Trainer
    let criterion: Criterion, target: Target, calibrationSamples: Int
    /// The masks, one per weight layer, after `run`.
    package private(set) var masks: [Bitmask] = []

    /// Loads the model `configuration` describes with its `initialWeights` (required).
    /// - Throws: `SparseSimError` for a missing checkpoint, one of another model, a sparsity
    ///   outside (0, 1), fewer than 1 calibration sample, or what `Trainer` refuses.
    public init(configuration: TrainingConfiguration, criterion: Criterion, target: Target, calibrationSamples: Int = 128) throws {
        func bad(_ field: String, _ message: String) -> SparseSimError { .setting(field, message) }
        guard configuration.initialWeights != nil else { throw bad("initialWeights", "one-shot pruning prunes a trained model: give its checkpoint") }
        guard configuration.sparse.method == .dense, configuration.decomposition == nil, configuration.initialMask == nil else {
            throw bad("method", "one-shot pruning starts from the dense checkpoint alone (no sparse method, mask or decomposition)")
        }
        if case .sparsity(let s) = target, !(s > 0 && s < 1) { throw bad("sparsity", "\(s) is not in (0, 1)") }
        if case .nm(let p) = target, p.n >= p.m { throw bad("structure", "nm:\(p.n):\(p.m) keeps every weight: N must be below M") }
        guard calibrationSamples >= 1 else { throw bad("calibrationSamples", "must be at least 1") }
        trainer = try Trainer(configuration)
        self.criterion = criterion
        self.target = target
        self.calibrationSamples = min(calibrationSamples, trainer.train.count)
    }

    /// Prunes every weight layer but the first, in order, and evaluates before and after. With
    /// N:M a row whose length is not a multiple of M ends in a shorter group, which keeps
    /// `min(N, its length)` (`NMPattern`'s convention).
    public func run() throws -> Result {
        let model = trainer.model
        let (lossBefore, accuracyBefore) = trainer.evaluate(trainer.test)
        let layers = model.weightLayers
        let calibration = trainer.train.prefix(calibrationSamples)
        let x = Tensor(shape: [calibration.count] + calibration.sampleShape)
        _ = x.buffer.update(fromContentsOf: calibration.images)
        masks = layers.map { Bitmask(repeating: true, count: $0.weightCount) }
        for (i, layer) in layers.enumerated().dropFirst() {
            if criterion == .sparsegpt {
                if let conv = layer as? Conv2d, conv.groups != 1 {
                    throw SparseSimError.setting("method", "SparseGPT does not prune grouped convolutions (layer \(conv.name))")
                }
                _ = model.forward(x, phase: .evaluation)
                guard let input = layer.lastInput else { continue }
                var weights = layer.weight.value.array.map(Double.init)
                let keep = try SparseGPT.prune(weights: &weights, rows: layer.weightDimensions.k, columns: Self.columns(of: layer),
                                               hessian: SparseGPT.hessian(layer, input: input), target: target, layer: layer.name)
                _ = layer.weight.value.buffer.update(fromContentsOf: weights.map(Float.init))
                masks[i] = Bitmask(keep)
                continue
            }
            var norms = [Double](repeating: 1, count: Self.columns(of: layer) * max(1, (layer as? Conv2d)?.groups ?? 1))
            if criterion == .wanda {
                _ = model.forward(x, phase: .evaluation)
                guard let input = layer.lastInput else { continue }
                norms = Self.columnNorms(layer, input: input)
            }
            let scores = Self.scores(layer, norms: norms)
            let keep = Self.rowMask(scores: scores, rows: layer.weightDimensions.k, target: target)
            let w = layer.weight.value.buffer
            for e in 0..<w.count where !keep[e] { w[e] = 0 }
            masks[i] = Bitmask(keep)
        }
        let (lossAfter, accuracyAfter) = trainer.evaluate(trainer.test)
        let outcome = zip(layers, masks).map { Layer(name: $0.name, weights: $0.weightCount, kept: $1.popcount) }
        let pruned = outcome.dropFirst()
        let config = trainer.configuration
        return Result(criterion: criterion, target: target.description, calibrationSamples: calibration.count,
                      accuracyBefore: accuracyBefore, lossBefore: lossBefore, accuracyAfter: accuracyAfter, lossAfter: lossAfter,
                      layers: outcome,
                      prunedLayersDensity: Double(pruned.reduce(0) { $0 + $1.kept }) / Double(max(1, pruned.reduce(0) { $0 + $1.weights })),
                      provenance: .current(seed: config.seed, threads: config.threads,
                                           dataset: DatasetInfo(name: "\(calibration.name) (first \(calibration.count) training samples)",
                                                                checksum: TraceRecorder.checksum(calibration)),
                                           blasCore: BLAS.coreName))
    }

    /// Writes the pruned model (weights and masks of every weight layer, no activations) as a
    /// one-snapshot trace at `path`, for `simulate` and for `train --init-weights CKPT
    /// --init-mask path`, which fine-tunes it with the mask fixed.
    /// - Precondition: `run` has returned `result`.
    /// - Throws: `SparseSimError` when `path` exists or cannot be written.
    public func writeTrace(to path: String, result: Result, commandLine: [String] = CommandLine.arguments) throws {
        precondition(!masks.isEmpty, "run() first")
        let config = trainer.configuration
        let parameters: [String: ParameterValue] = [
            "criterion": .string(criterion.rawValue), "target": .string(target.description),
            "calibration_samples": .int(result.calibrationSamples), "init_weights": .string(config.initialWeights ?? ""),
            "activations": .string("absent: pruned one-shot without recording activations; simulate with a stated activation density"),
        ]
        var provenance = result.provenance
        provenance.commandLine = commandLine
        try trainer.model.writeSnapshotTrace(to: path, method: TraceMethod(name: "oneshot-\(criterion.rawValue)", parameters: parameters),
                                             provenance: provenance, masks: masks,
                                             metrics: ["test_accuracy": result.accuracyAfter, "test_loss": result.lossAfter,
                                                       "test_accuracy_before": result.accuracyBefore])
    }

    /// Writes the pruned model as a checkpoint (`directory/checkpoint.safetensors`): what
    /// `train --init-weights directory --init-mask trace` fine-tunes, SparseGPT's updated kept
    /// weights included (the original checkpoint has the weights before the update).
    /// - Precondition: `run` has returned.
    /// - Throws: `SparseSimError` when the directory cannot be created or written.
    public func saveCheckpoint(in directory: String) throws {
        precondition(!masks.isEmpty, "run() first")
        try trainer.saveCheckpoint(in: directory)
    }

    // MARK: Scores

    /// Columns of a layer's weight rows: `C/g·R·S`.
    static func columns(of layer: any WeightLayer) -> Int {
        let d = layer.weightDimensions
        return d.c * d.r * d.s
    }

    /// `‖X_j‖₂` for every column of every group (`groups · C/g·R·S` values; one group for linear
    /// layers): the norm of what the column multiplies over the batch and output positions (a
    /// token-wise layer's tokens).
    /// - Complexity: O(N · C · R · S · P · Q) for a convolution, O(N · C) for a linear layer.
    package static func columnNorms(_ layer: any WeightLayer, input x: Tensor) -> [Double] {
        let xs = x.readBuffer
        guard let conv = layer as? Conv2d else {
            // Rows of the product: samples, or every token of every sample (token-wise layers).
            let c = Self.columns(of: layer), n = x.count / max(1, c)
            var sums = [Double](repeating: 0, count: c)
            for i in 0..<n { for j in 0..<c { let v = Double(xs[i &* c &+ j]); sums[j] += v * v } }
            return sums.map { $0.squareRoot() }
        }
        // Each group's im2col rows, one sample at a time: row j of group g is column j of the
        // group's weight rows.
        let columns = Self.columns(of: conv), groups = conv.groups
        var sums = [Double](repeating: 0, count: groups * columns)
        Self.forEachIm2col(conv, x) { g, col, points in
            for j in 0..<columns {
                var acc = 0.0
                for t in 0..<points { let v = Double(col[j &* points &+ t]); acc += v * v }
                sums[g &* columns &+ j] += acc
            }
        }
        return sums.map { $0.squareRoot() }
    }

    /// Calls `body(group, im2col, points)` for every sample of `x` and every group of `conv`, with
    /// the group's `[C/g·R·S, P·Q]` im2col matrix of that sample (`Conv2d.im2col`: zeros where the
    /// window covers padding).
    static func forEachIm2col(_ conv: Conv2d, _ x: Tensor, _ body: (Int, UnsafeBufferPointer<Float>, Int) -> Void) {
        let (n, channels, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let p = LayerShape.outputSize(input: h, kernel: conv.kernel, stride: conv.stride, padding: conv.padding)
        let q = LayerShape.outputSize(input: w, kernel: conv.kernel, stride: conv.stride, padding: conv.padding)
        let groupChannels = channels / conv.groups
        var col = [Float](repeating: 0, count: groupChannels * conv.kernel * conv.kernel * p * q)
        let xs = x.readBuffer
        for i in 0..<n {
            let sample = UnsafeBufferPointer(rebasing: xs[(i &* channels &* h &* w)...])
            for g in 0..<conv.groups {
                col.withUnsafeMutableBufferPointer {
                    Conv2d.im2col(sample, n: 1, channels: channels, h: h, w: w, firstChannel: g &* groupChannels,
                                  groupChannels: groupChannels, kernel: conv.kernel, stride: conv.stride, padding: conv.padding,
                                  p: p, q: q, into: $0)
                }
                col.withUnsafeBufferPointer { body(g, $0, p &* q) }
            }
        }
    }

    /// Every weight's score `|W[k, j]| · norm` with the norm of its row's group's column.
    static func scores(_ layer: any WeightLayer, norms: [Double]) -> [Double] {
        let columns = Self.columns(of: layer), rows = layer.weightDimensions.k
        let groups = max(1, norms.count / columns), rowsPerGroup = max(1, rows / groups)
        let w = layer.weight.value.readBuffer
        var out = [Double](repeating: 0, count: w.count)
        for row in 0..<rows {
            let base = (row / rowsPerGroup) * columns
            for j in 0..<columns { out[row * columns + j] = abs(Double(w[row * columns + j])) * norms[base + j] }
        }
        return out
    }

    /// Per row, the kept weights: the largest scores (ties to the lower column), `⌈(1 − s)·columns⌉`
    /// of them, or the top N of every group of M consecutive columns.
    /// - Precondition: `scores.count` is a multiple of `rows`; with N:M, the row length of M.
    package static func rowMask(scores: [Double], rows: Int, target: Target) -> [Bool] {
        precondition(rows > 0 && scores.count % rows == 0, "one score per weight")
        let columns = scores.count / rows
        var keep = [Bool](repeating: false, count: scores.count)
        func keepTop(_ range: Range<Int>, _ count: Int) {
            let order = range.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            for e in order.prefix(count) { keep[e] = true }
        }
        for row in 0..<rows {
            let start = row * columns
            switch target {
            case .sparsity(let s):
                keepTop(start..<(start + columns), TopK.keptCount(density: 1 - s, of: columns))
            case .nm(let p):
                for g in stride(from: start, to: start + columns, by: p.m) { keepTop(g..<min(g + p.m, start + columns), p.n) }
            }
        }
        return keep
    }
}
