import Decomposition
import Foundation
import SparseSimCore
import Trace

// MARK: - TraceRecorder

/// Records a training run as a trace: at the start, every `every` steps and at the end, each
/// conv/linear layer's weights, the mask its forward pass uses, and its input activations for
/// a fixed batch of test samples (the first `samples` test images, the same every time).
///
/// Recording runs the model in evaluation mode on the fixed batch and touches nothing the
/// training reads (no generator draws, no statistics updates), so the final weights are the
/// same with and without a trace.
public final class TraceRecorder {
    /// Steps between snapshots (nil: only the start and the end).
    public let every: Int?
    /// Which activations each snapshot records.
    public let activations: TraceActivations
    /// Attention probabilities below this are effectively zero (recorded as each `pv` layer's
    /// `input_threshold`); 0: only exact zeros.
    public let attentionThreshold: Double
    /// The trace being written.
    public private(set) var writer: TraceWriter
    let samples = Tensor(shape: [0])

    /// Starts a trace at `path` for `trainer`'s model and method, or reopens it when resuming.
    /// - Parameters:
    ///   - every: steps between snapshots; nil or 0 for only the start and the end.
    ///   - sampleCount: test samples whose activations are recorded (at most the test set).
    ///   - commandLine: the command line for the provenance record.
    /// - Throws: `SparseSimError` for a bad count, an existing non-empty `path` (new trace), or a
    ///   trace that does not match the run (resuming).
    public init(path: String, trainer: Trainer, every: Int?, sampleCount: Int, resuming: Bool,
                activations: TraceActivations = .inputs, attentionThreshold: Double = 0,
                commandLine: [String] = CommandLine.arguments) throws {
        self.activations = activations
        self.attentionThreshold = attentionThreshold
        func bad(_ field: String, _ message: String) -> SparseSimError { .setting(field, message) }
        if let every, every < 0 { throw bad("traceEvery", "must not be negative (0: only the start and the end)") }
        guard attentionThreshold >= 0 && attentionThreshold < 1 else {
            throw bad("attentionThreshold", "must be in [0, 1) (a probability below which attention counts as zero), got \(attentionThreshold)")
        }
        guard sampleCount >= 1 else { throw bad("traceSamples", "must be at least 1") }
        self.every = every.flatMap { $0 > 0 ? $0 : nil }
        let test = trainer.test
        let n = min(sampleCount, test.count)
        samples.resize([n] + test.sampleShape)
        let buf = samples.buffer
        test.images.withUnsafeBufferPointer { images in
            for j in 0..<buf.count { buf[j] = images[j] }
        }
        let model = NetworkShape(name: trainer.model.name, inputShape: trainer.model.inputShape,
                               layers: trainer.model.layerShapes(batch: n))
        // A run killed before the trace's first manifest was written left at most an empty
        // directory: resuming then starts the trace afresh.
        if resuming && FileManager.default.fileExists(atPath: path + "/" + TraceManifest.fileName) {
            writer = try TraceWriter(resuming: path)
            guard writer.manifest.model == model else {
                throw SparseSimError(file: path + "/" + TraceManifest.fileName, location: "model",
                                     message: "the trace was recorded for a different model or sample count")
            }
        } else {
            let config = trainer.configuration
            var parameters = config.sparse.method.usesSparsity
                ? try config.sparse.parameters() : [:]
            parameters["seed"] = .string(String(config.seed))
            parameters["epochs"] = .int(config.epochs)
            parameters["batch_size"] = .int(config.batchSize)
            // The Float's shortest decimal (0.05, not 0.05000000074505806, its exact binary value).
            parameters["lr"] = .double(Trainer.decimal(config.learningRate))
            parameters["schedule"] = .string(config.schedule)
            parameters["trace_samples"] = .int(n)
            if let mask = config.initialMask { parameters["init_mask"] = .string(mask) }
            if let w = config.initialWeights { parameters["init_weights"] = .string(w) }
            if let d = config.decomposition {
                parameters["decompose_bases"] = .int(d.bases)
                parameters["basis_sharing"] = .string(d.sharing.rawValue)
            }
            if let q = config.quantization { parameters["quantization"] = .string(q.description) }
            if let every = self.every { parameters["trace_every"] = .int(every) }
            if !trainer.model.attentionLayers.isEmpty { parameters["attention_threshold"] = .double(attentionThreshold) }
            let provenance = Provenance.current(
                seed: config.seed, threads: config.threads,
                dataset: DatasetInfo(name: trainer.train.name, checksum: Self.checksum(trainer.train, trainer.test)),
                blasCore: BLAS.coreName, convolutions: trainer.convolutionsProvenance, commandLine: commandLine)
            writer = try TraceWriter(path: path, model: model,
                                     method: TraceMethod(name: config.sparse.method.rawValue, parameters: parameters),
                                     provenance: provenance)
        }
    }

    /// Whether a snapshot is due after `step` steps of `total` (always at 0 and at the end).
    public func isDue(step: Int, total: Int) -> Bool {
        if let last = writer.manifest.snapshots.last, last.step >= step { return false }
        if step == 0 || step >= total { return true }
        if let every { return step % every == 0 }
        return false
    }

    /// Appends a snapshot of `trainer`'s current state.
    /// - Throws: `SparseSimError` when the files cannot be written.
    public func record(_ trainer: Trainer, metrics: [String: Double] = [:]) throws {
        trainer.sparse?.prepareForward(step: trainer.step)
        _ = trainer.model.forward(samples, phase: .evaluation)
        var layers: [TraceWriter.LayerTensors] = []
        for (i, layer) in trainer.model.weightLayers.enumerated() {
            let mask = trainer.sparse?.mask(of: i) ?? Bitmask(repeating: true, count: layer.weightCount)
            let backward = trainer.sparse.flatMap { $0.method.isSWAT && $0.isSparse[i] ? layer.keptActivationFraction : nil }
            if let d = layer as? DecomposedConv2d {
                // The network's layer: its reconstructed kernels, with the bases and coefficients beside them.
                let kernels = d.reconstructedWeights()
                var coefficients = d.weight.value.array
                for j in 0..<coefficients.count where !mask[j] { coefficients[j] = 0 }
                let quantization = trainer.quantizedWeights ? trainer.configuration.quantization?.description : nil
                layers.append(TraceWriter.LayerTensors(
                    name: layer.name, weights: kernels, mask: Bitmask(nonZerosOf: kernels),
                    inputActivations: activations.recordsInputs ? layer.lastInput?.array : nil, backwardActivationDensity: backward,
                    decomposition: DecomposedTensors(bases: d.bases, sharing: d.sharing, basisValues: d.basis.value.array,
                                                     coefficients: coefficients, coefficientMask: mask, quantization: quantization),
                    outputActivations: activations.recordsOutputs ? layer.lastOutput?.array : nil))
                continue
            }
            layers.append(TraceWriter.LayerTensors(name: layer.name, weights: layer.weight.value.array, mask: mask,
                                                   inputActivations: activations.recordsInputs ? layer.lastInput?.array : nil,
                                                   backwardActivationDensity: backward,
                                                   outputActivations: activations.recordsOutputs ? layer.lastOutput?.array : nil))
        }
        for attention in trainer.model.attentionLayers {
            layers += attentionTensors(attention)
        }
        var values = metrics.filter { $0.value.isFinite }
        if trainer.lastTrainLoss.isFinite { values["train_loss"] = trainer.lastTrainLoss }
        try writer.append(step: trainer.step, epoch: trainer.epoch, metrics: values, layers: layers)
    }

    /// The two products of `attention` as matmul layers: `qk` with the queries as its input and
    /// the keys as its second operand, `pv` with the probabilities as its input (below
    /// `attentionThreshold` effectively zero, when it is positive) and the values as its second
    /// operand. Their masks are the operands' non-zeros.
    func attentionTensors(_ attention: SelfAttention) -> [TraceWriter.LayerTensors] {
        let operands = attention.productOperands()
        let names = attention.productNames
        let inputs = activations.recordsInputs
        return [
            TraceWriter.LayerTensors(name: names.scores, weights: operands.keys, mask: Bitmask(nonZerosOf: operands.keys),
                                     inputActivations: inputs ? operands.queries : nil),
            TraceWriter.LayerTensors(name: names.context, weights: operands.values, mask: Bitmask(nonZerosOf: operands.values),
                                     inputActivations: inputs ? operands.probabilities : nil,
                                     inputThreshold: attentionThreshold > 0 ? attentionThreshold : nil),
        ]
    }

    /// `fnv1a64:` and 16 hex digits over the images' and labels' bytes of both splits.
    static func checksum(_ datasets: Dataset...) -> String {
        var hash = FNV1a()
        for d in datasets {
            d.images.withUnsafeBytes { hash.mix($0) }
            d.labels.withUnsafeBytes { hash.mix($0) }
        }
        return hash.text
    }
}
