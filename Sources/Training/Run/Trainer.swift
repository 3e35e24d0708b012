import Foundation
import SparseSimCore
import Trace

// MARK: - Trainer

/// Trains a model: seeded shuffling, SGD with a schedule, evaluation after every epoch,
/// atomic safetensors checkpoints, resumption that ends bit-identical to an uninterrupted run.
public final class Trainer {
    /// The configuration.
    public let configuration: TrainingConfiguration
    /// The model.
    package let model: Model
    /// Training and test data.
    package let train: Dataset, test: Dataset
    /// The optimizer.
    package let optimizer: SGD
    /// The sparse method's state; nil for dense and small-dense runs.
    package let sparse: SparseTraining?
    let schedule: LearningRateSchedule
    /// The generator for shuffling, dropout and augmentation (after initialization drew from it).
    public internal(set) var rng: RandomGenerator
    /// Steps taken, and epochs completed.
    public internal(set) var step = 0, epoch = 0
    /// Mean training loss of the last completed epoch (restored on resume).
    public internal(set) var lastTrainLoss = Double.nan
    /// Steps taken in the current epoch (0 at an epoch boundary): a checkpoint taken inside an
    /// epoch resumes at this position of the epoch's data order.
    public internal(set) var stepInEpoch = 0
    /// Inside an epoch: the generator's state before the epoch's shuffle (the order is drawn
    /// again from it on resume) and the epoch's running loss sum, correct answers and samples.
    var epochPosition: EpochPosition?

    /// Where an epoch in progress stands, as much as a resumed run needs to continue it.
    struct EpochPosition: Equatable {
        var shuffleState: [UInt64]
        var lossSum = 0.0, correct = 0, seen = 0
    }

    /// With `--init-mask`: whether the trace's kept weights equal this run's initial weights (the
    /// same model and seed as the pruning run), so training starts from the weights that were
    /// scored; nil without an initial mask.
    public private(set) var initialMaskWeightsMatch: Bool?

    /// Whether the weights are quantized right now (inside `withQuantizedWeights`).
    public internal(set) var quantizedWeights = false
    /// During a quantization-aware step, the float weights the fake-quantized ones replaced.
    var floatWeights: [(Parameter, [Float])] = []

    let input = Tensor(shape: [0])
    let evaluationInput = Tensor(shape: [0])
    var batchLabels: [Int32] = []

    /// Events reported while training (the CLI prints them; the library never does).
    public enum Event: Sendable {
        /// A step finished: epoch, step within the epoch, steps per epoch, loss, samples/s so far.
        case step(epoch: Int, step: Int, of: Int, loss: Double, samplesPerSecond: Double)
        /// An epoch finished.
        case epoch(EpochMetrics)
    }

    /// One epoch's figures (a line of the metrics file).
    public struct EpochMetrics: Codable, Sendable {
        /// Epoch number, from 1.
        public var epoch: Int
        /// Steps taken so far.
        public var step: Int
        /// Mean training loss and accuracy over the epoch.
        public var trainLoss: Double, trainAccuracy: Double
        /// Test loss and accuracy after the epoch.
        public var testLoss: Double, testAccuracy: Double
        /// Learning rate of the epoch's last step.
        public var learningRate: Double
        /// Training samples per second (steps only, evaluation excluded).
        public var samplesPerSecond: Double
        /// Wall seconds of the epoch, evaluation included.
        public var seconds: Double

        enum CodingKeys: String, CodingKey {
            case epoch, step
            case trainLoss = "train_loss"
            case trainAccuracy = "train_accuracy"
            case testLoss = "test_loss"
            case testAccuracy = "test_accuracy"
            case learningRate = "lr"
            case samplesPerSecond = "samples_per_second"
            case seconds
        }
    }

    /// The run's result.
    public struct Summary: Codable, Sendable {
        /// Final test accuracy and loss.
        public var testAccuracy: Double, testLoss: Double
        /// Mean training loss of the last epoch.
        public var trainLoss: Double
        /// Training samples per second over the run (this process).
        public var samplesPerSecond: Double
        /// Epochs completed and steps taken.
        public var epochs: Int, steps: Int
        /// Wall seconds (this process).
        public var wallSeconds: Double
        /// With `--quantize`: the test accuracy and loss with the weights (and intermediate values)
        /// quantized, and the widths.
        public var quantizedTestAccuracy: Double? = nil, quantizedTestLoss: Double? = nil
        public var quantization: String? = nil
        /// True when `shouldStop` stopped the run inside an epoch (its checkpoint is at that step).
        public var interrupted: Bool? = nil
        /// Who made the result: tool version, commit, command line, seed, threads, BLAS kernels,
        /// time. The dataset's checksum is in traces (`--trace`), not here.
        public var provenance: Provenance?

        enum CodingKeys: String, CodingKey {
            case provenance
            case testAccuracy = "test_accuracy"
            case testLoss = "test_loss"
            case trainLoss = "train_loss"
            case samplesPerSecond = "samples_per_second"
            case epochs, steps
            case wallSeconds = "wall_seconds"
            case quantizedTestAccuracy = "quantized_test_accuracy"
            case quantizedTestLoss = "quantized_test_loss"
            case quantization, interrupted
        }
    }

    /// Loads the data and builds the model and optimizer.
    /// - Throws: `SparseSimError` for an unknown model, dataset or schedule, a bad setting, or
    ///   dataset files that are missing or corrupt.
    public init(_ config: TrainingConfiguration) throws {
        func bad(_ field: String, _ message: String) -> SparseSimError { .setting(field, message) }
        guard !Model.imageNetNames.contains(config.model) else {
            throw bad("model", "'\(config.model)' is a shape-only ImageNet network (for prune and simulate); train one of \(Model.names.joined(separator: ", "))")
        }
        guard let kind = Dataset.Kind(rawValue: config.dataset) else {
            throw bad("dataset", "unknown dataset '\(config.dataset)' (known: \(Dataset.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let schedule = LearningRateSchedule(rawValue: config.schedule) else {
            throw bad("schedule", "unknown schedule '\(config.schedule)' (known: constant, step, cosine)")
        }
        guard config.epochs >= 1 else { throw bad("epochs", "must be at least 1") }
        guard config.batchSize >= 1 else { throw bad("batchSize", "must be at least 1") }
        guard config.learningRate > 0, config.learningRate.isFinite else { throw bad("learningRate", "must be positive") }
        guard config.momentum >= 0, config.momentum < 1 else { throw bad("momentum", "must be in [0, 1)") }
        guard config.weightDecay >= 0 else { throw bad("weightDecay", "must be non-negative") }
        guard config.threads >= 1 else { throw bad("threads", "must be at least 1") }
        if let m = config.maxSteps, m < 1 { throw bad("maxSteps", "must be at least 1") }
        if let n = config.trainSamples, n < 1 { throw bad("trainSamples", "must be at least 1") }
        if let n = config.testSamples, n < 1 { throw bad("testSamples", "must be at least 1") }
        if let e = config.quantizeAwareFrom {
            guard config.quantization != nil else { throw bad("quantizeAwareFrom", "needs `quantization` (the widths to train at)") }
            guard e >= 1 else { throw bad("quantizeAwareFrom", "must be an epoch, at least 1") }
        }
        var config = config
        let initialMasks = try config.initialMask.map { try Self.loadInitialMasks($0, configuration: &config) }
        configuration = config
        self.schedule = schedule
        var train = try Dataset.load(kind, train: true, directory: config.dataDirectory)
        var test = try Dataset.load(kind, train: false, directory: config.dataDirectory)
        if let n = config.trainSamples { train = train.prefix(n) }
        if let n = config.testSamples { test = test.prefix(n) }
        self.train = train
        self.test = test
        try config.sparse.validate()
        var rng = RandomGenerator(seed: config.seed)
        var width = 1.0
        if config.sparse.method == .smallDense {
            width = try Model.smallDenseWidth(config.model, inputShape: kind.sampleShape, classes: train.classes,
                                              configuration: config.sparse).width
        }
        var built = try Model.make(config.model, inputShape: kind.sampleShape, classes: train.classes, width: width, rng: &rng)
        if let path = config.initialWeights { try Self.loadWeights(path, into: built) }
        if let d = config.decomposition {
            guard config.initialMask == nil else { throw bad("decomposition", "cannot be combined with `initialMask` (its masks are of the plain layers)") }
            guard d.bases >= 1 else { throw bad("decomposition", "M must be at least 1, got \(d.bases)") }
            built = try built.decomposed(bases: d.bases, sharing: d.sharing)
        }
        model = built
        optimizer = SGD(parameters: model.parameters, momentum: config.momentum, weightDecay: config.weightDecay,
                        nesterov: config.nesterov)
        // The static method's random mask zeroes weights; an initial mask replaces it from these.
        let unmasked = initialMasks == nil ? nil : model.weightLayers.map { $0.weight.value.array }
        let sparse = config.sparse.method.isSparse
            ? try SparseTraining(configuration: config.sparse, model: model, optimizer: optimizer, rng: &rng,
                                 magnitudeMasks: config.initialWeights != nil) : nil
        if let initialMasks, let sparse, let unmasked {
            initialMaskWeightsMatch = try sparse.replaceMasks(initialMasks, unmaskedWeights: unmasked)
        }
        self.sparse = sparse
        self.rng = rng
        // The layers split their own work between `threads` threads, each calling single-threaded
        // sgemm; OpenBLAS's own threads would only spin between calls.
        BLAS.setThreads(1)
        model.threads = config.threads
        model.convolutionKernels = try (config.convolutions ?? .auto).resolved()
    }

    /// What runs the dense convolutions, as provenance records it (nil for a model without any).
    public var convolutionsProvenance: String? {
        model.weightLayers.contains { $0 is Conv2d } ? model.convolutionKernels.provenanceName : nil
    }

    /// Steps in one epoch.
    public var stepsPerEpoch: Int { (train.count + configuration.batchSize - 1) / configuration.batchSize }

    /// Steps the whole run takes.
    public var totalSteps: Int { min(configuration.maxSteps ?? Int.max, configuration.epochs * stepsPerEpoch) }

    /// Whether the run is over.
    public var finished: Bool { step >= totalSteps }

    // MARK: Training

    /// Trains until the run is over (or `epochLimit` epochs are complete, or `shouldStop`
    /// answers true after a step: an interruption a later `resume` continues), checkpointing
    /// into `checkpointDirectory` after every epoch, every `checkpointEverySteps` steps, when
    /// stopped and at the end, appending one JSON line per epoch to `metricsPath`.
    /// - Parameter shouldStop: asked after every step (a signal handler's flag); when it
    ///   answers true the step's checkpoint is written and the summary says `interrupted`.
    /// - Throws: `SparseSimError` when the loss becomes NaN or infinite (the last checkpoint is
    ///   kept) or a file cannot be written.
    @discardableResult
    public func run(checkpointDirectory: String? = nil, metricsPath: String? = nil, epochLimit: Int? = nil,
                    checkpointEverySteps: Int? = nil, trace: TraceRecorder? = nil, shouldStop: () -> Bool = { false },
                    progress: (Event) -> Void = { _ in }) throws -> Summary {
        let started = Date()
        // Made before any work, so a directory that cannot exist fails now, not after an epoch
        // (and the metrics file may live in it).
        if let dir = checkpointDirectory { try Self.makeCheckpointDirectory(dir) }
        if let trace, trace.isDue(step: step, total: totalSteps) { try trace.record(self) }
        var trainedSamples = 0
        var trainingSeconds = 0.0
        var last: EpochMetrics?
        var interrupted = false
        // Asked after the epoch's last step: the epoch ends as usual (its checkpoint), then the run stops.
        var stopAsked = false
        while !finished && epoch < (epochLimit ?? Int.max) {
            let epochStart = Date()
            var order = Array(0..<train.count)
            var position: EpochPosition
            if let resumed = epochPosition, stepInEpoch > 0 {
                // The epoch's order, drawn again from the generator as it was before the shuffle.
                var replay = RandomGenerator(state: resumed.shuffleState)
                replay.shuffle(&order)
                position = resumed
            } else {
                position = EpochPosition(shuffleState: rng.stateWords)
                rng.shuffle(&order)
                stepInEpoch = 0
            }
            let seenBefore = position.seen, firstStep = stepInEpoch
            let endStep = min(stepsPerEpoch, stepInEpoch + totalSteps - step)
            var lr: Float = 0
            for s in firstStep..<endStep {
                let lo = s * configuration.batchSize, hi = min(lo + configuration.batchSize, train.count)
                loadBatch(order[lo..<hi])
                lr = schedule.rate(base: configuration.learningRate, step: step, total: totalSteps,
                                   warmup: configuration.warmupEpochs * stepsPerEpoch)
                let (loss, right) = forwardStep()
                guard loss.isFinite else {
                    throw SparseSimError(.run, file: checkpointDirectory.map { "\($0)/checkpoint.safetensors" } ?? "<training>",
                                         location: "step \(step + 1)",
                                         message: "the loss is \(loss) (diverged): stopped; the last checkpoint is kept — try a lower `learningRate`")
                }
                backwardStep(lr: lr)
                step += 1
                if let trace, step < totalSteps, trace.isDue(step: step, total: totalSteps) {
                    try trace.record(self, metrics: ["loss": loss, "lr": Self.decimal(lr)])
                }
                position.lossSum += loss * Double(hi - lo)
                position.correct += right
                position.seen += hi - lo
                stepInEpoch = s + 1
                epochPosition = position
                let elapsed = Date().timeIntervalSince(epochStart)
                progress(.step(epoch: epoch + 1, step: s + 1, of: endStep, loss: loss,
                               samplesPerSecond: Double(position.seen - seenBefore) / max(elapsed, 1e-9)))
                let inside = stepInEpoch < stepsPerEpoch && !finished
                stopAsked = !finished && shouldStop()
                if inside, let dir = checkpointDirectory, stopAsked || checkpointEverySteps.map({ $0 > 0 && step % $0 == 0 }) == true {
                    try saveCheckpoint(in: dir)
                }
                if inside && stopAsked {
                    interrupted = true
                    break
                }
            }
            let stepSeconds = Date().timeIntervalSince(epochStart)
            trainingSeconds += stepSeconds
            trainedSamples += position.seen - seenBefore
            if interrupted { break }
            // A run stopped by `maxSteps` inside an epoch reports it (metrics, trace, summary)
            // but its checkpoint stays inside the epoch: a resumed run continues the epoch's order.
            let complete = stepInEpoch == stepsPerEpoch
            if complete {
                epoch += 1
                stepInEpoch = 0
                epochPosition = nil
            }
            let (testLoss, testAccuracy) = evaluate(test)
            let metrics = EpochMetrics(
                epoch: complete ? epoch : epoch + 1, step: step, trainLoss: position.lossSum / Double(max(position.seen, 1)),
                trainAccuracy: Double(position.correct) / Double(max(position.seen, 1)), testLoss: testLoss, testAccuracy: testAccuracy,
                learningRate: Self.decimal(lr), samplesPerSecond: Double(position.seen - seenBefore) / max(stepSeconds, 1e-9),
                seconds: Date().timeIntervalSince(epochStart))
            last = metrics
            if complete { lastTrainLoss = metrics.trainLoss }
            if let trace, trace.isDue(step: step, total: totalSteps) {
                var values = ["test_accuracy": testAccuracy, "test_loss": testLoss, "train_accuracy": metrics.trainAccuracy,
                              "lr": Self.decimal(lr)]
                if finished, configuration.quantization != nil {
                    // The last snapshot records the deployed (quantized) weights.
                    try withQuantizedWeights {
                        let q = evaluate(test)
                        values["quantized_test_accuracy"] = q.accuracy
                        values["quantized_test_loss"] = q.loss
                        try trace.record(self, metrics: values)
                    }
                } else {
                    try trace.record(self, metrics: values)
                }
            }
            // The metrics line first: a run killed between the two leaves a line that `--resume`
            // drops (it keeps the lines of the epochs its checkpoint holds), never a lost one.
            if let metricsPath { try Self.appendLine(metrics, to: metricsPath) }
            if let dir = checkpointDirectory { try saveCheckpoint(in: dir) }
            progress(.epoch(metrics))
            if stopAsked && !finished {
                interrupted = true
                break
            }
        }
        let (testLoss, testAccuracy) = last.map { ($0.testLoss, $0.testAccuracy) } ?? evaluate(test)
        var summary = Summary(testAccuracy: testAccuracy, testLoss: testLoss, trainLoss: last?.trainLoss ?? lastTrainLoss,
                              samplesPerSecond: Double(trainedSamples) / max(trainingSeconds, 1e-9), epochs: epoch, steps: step,
                              wallSeconds: Date().timeIntervalSince(started),
                              provenance: Provenance.current(seed: configuration.seed, threads: configuration.threads, blasCore: BLAS.coreName,
                                                                      convolutions: convolutionsProvenance))
        if interrupted { summary.interrupted = true }
        if let q = configuration.quantization, !interrupted {
            let (loss, accuracy) = withQuantizedWeights { evaluate(test) }
            summary.quantizedTestAccuracy = accuracy
            summary.quantizedTestLoss = loss
            summary.quantization = q.description
        }
        return summary
    }

    /// The forward pass of one training step on the loaded batch (sparse masks prepared first).
    func forwardStep() -> (loss: Double, correct: Int) {
        sparse?.prepareForward(step: step)
        if quantizesAware { beginQuantizedStep() }
        return batchLabels.withUnsafeBufferPointer { labels in
            model.loss.forward(model.forward(input, phase: .training), labels: labels)
        }
    }

    /// Backward, mask updates and the optimizer step (skipped on mask-update steps unless
    /// `--step-on-update`).
    func backwardStep(lr: Float) {
        model.backward()
        endQuantizedStep()
        sparse?.learningRate = lr
        let skip = sparse?.afterBackward(step: step, totalSteps: totalSteps, rng: &rng) ?? false
        if !skip { optimizer.step(lr: lr) }
        sparse?.afterOptimizerStep()
    }

    /// Copies samples `indices` into the input tensor and labels (augmenting when configured).
    func loadBatch(_ indices: ArraySlice<Int>) {
        let size = train.sampleSize
        input.resize([indices.count] + train.sampleShape)
        batchLabels.removeAll(keepingCapacity: true)
        let x = input.buffer
        let augment = configuration.augment && configuration.dataset == Dataset.Kind.cifar10.rawValue
        train.images.withUnsafeBufferPointer { images in
            for (b, i) in indices.enumerated() {
                batchLabels.append(train.labels[i])
                if augment {
                    Augmentation.cropAndFlip(images, sample: i, shape: train.sampleShape, padding: 4,
                                             into: UnsafeMutableBufferPointer(rebasing: x[(b * size)..<((b + 1) * size)]), rng: &rng)
                } else {
                    for j in 0..<size { x[b &* size &+ j] = images[i &* size &+ j] }
                }
            }
        }
    }
}
