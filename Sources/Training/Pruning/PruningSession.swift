import Foundation
import SparseSimCore
import Trace

// MARK: - PruningSession

/// What `sparsesim prune` does, as a library: builds the model exactly as training would (same
/// seed, same draws, so `train --init-mask` starts from the weights that were scored), draws the
/// batch SNIP and GraSP need, prunes, sweeps compressions, and writes the pruned model as a
/// trace.
public final class PruningSession {
    /// The model, its pruner and the settings it was built from.
    package let model: Model
    package let pruner: Pruner
    /// The seed and thread count.
    public let seed: UInt64, threads: Int
    /// The labelled batch (nil until a data method needs one).
    package private(set) var batch: PruningBatch?
    /// Where the batch comes from.
    let dataset: Dataset.Kind, dataDirectory: String?, batchSize: Int?
    /// Output classes of the model.
    let classes: Int
    var rng: RandomGenerator

    /// Builds `modelName`. The small models take the dataset's sample shape and 10 classes; the
    /// ImageNet networks take `inputShape` and `classes` (default `[3, 224, 224]`, 1000).
    /// - Parameter batchSize: samples for SNIP and GraSP (default 100 dataset samples, or 16
    ///   synthetic ones for the ImageNet networks).
    /// - Throws: `SparseSimError` for an unknown model or dataset, or bad sizes.
    public init(model modelName: String, dataset: String = "fashion-mnist", dataDirectory: String? = nil,
                inputShape: [Int]? = nil, classes: Int? = nil, batchSize: Int? = nil,
                seed: UInt64 = 0, threads: Int = 1) throws {
        func bad(_ field: String, _ message: String) -> SparseSimError { .setting(field, message) }
        guard let kind = Dataset.Kind(rawValue: dataset) else {
            throw bad("dataset", "unknown dataset '\(dataset)' (known: \(Dataset.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard threads >= 1 else { throw bad("threads", "must be at least 1") }
        if let batchSize, batchSize < 1 { throw bad("batchSize", "must be at least 1") }
        let imageNet = Model.imageNetNames.contains(modelName)
        if let inputShape {
            guard imageNet else { throw bad("inputShape", "only the ImageNet networks take another input shape; \(modelName) takes the dataset's") }
            guard inputShape.count == 3, inputShape.allSatisfy({ $0 >= 1 }) else {
                throw bad("inputShape", "must be C,H,W with positive sizes, got \(inputShape)")
            }
        }
        if let classes {
            guard imageNet else { throw bad("classes", "only the ImageNet networks take a class count; \(modelName) has the dataset's 10") }
            guard classes >= 1 else { throw bad("classes", "must be at least 1") }
        }
        self.dataset = kind
        self.dataDirectory = dataDirectory
        self.batchSize = batchSize
        self.seed = seed
        self.threads = threads
        var rng = RandomGenerator(seed: seed)
        self.classes = imageNet ? classes ?? 1000 : 10
        model = try Model.make(modelName, inputShape: imageNet ? inputShape : kind.sampleShape,
                               classes: self.classes, rng: &rng)
        self.rng = rng
        BLAS.setThreads(threads)
        model.threads = threads
        pruner = Pruner(model: model)
    }

    /// Whether the model is a shape-only ImageNet network (SNIP and GraSP score on synthetic data).
    public var isImageNet: Bool { Model.imageNetNames.contains(model.name) }

    /// Draws the batch the first time a data method needs it: dataset samples for the small
    /// models, a synthetic batch for the ImageNet networks.
    /// - Throws: `SparseSimError` when the dataset cannot be read.
    func ensureBatch() throws -> PruningBatch {
        if let batch { return batch }
        let b: PruningBatch
        if isImageNet {
            b = PruningBatch.synthetic(sampleShape: model.inputShape, classes: classes,
                                       count: batchSize ?? 16, rng: &rng)
        } else {
            let data = try Dataset.load(dataset, train: true, directory: dataDirectory)
            b = PruningBatch.sample(data, count: batchSize ?? 100, rng: &rng)
        }
        batch = b
        return b
    }

    /// Prunes from the initial weights with `configuration`.
    /// - Throws: `SparseSimError` for bad settings, unreadable data or non-finite scores.
    public func prune(_ configuration: PruningConfiguration) throws -> PruningResult {
        let batch = configuration.method.needsData ? try ensureBatch() : nil
        var result = try pruner.prune(configuration, batch: batch, rng: &rng)
        result.provenance = Provenance.current(seed: seed, threads: threads, dataset: batch?.dataset, blasCore: BLAS.coreName)
        return result
    }

    // MARK: Sweep

    /// One method's sweep: compressions tried in increasing order until a layer collapses.
    public struct SweepRow: Codable, Equatable, Sendable {
        /// One compression tried.
        public struct Point: Codable, Equatable, Sendable {
            /// log10 of total ÷ kept.
            public var compression: Double
            /// Weights kept, and the layers that kept none.
            public var remaining: Int, collapsed: [String]
        }
        /// The method.
        public var method: PruningMethod
        /// The largest compression tried before the first collapse (nil: it collapsed at the first).
        public var largestWithoutCollapse: Double?
        /// The first compression at which a layer collapsed (nil: none did in the range).
        public var firstCollapse: Double?
        /// The points tried, up to and including the first collapse.
        public var points: [Point]
    }

    /// For each method, prunes at each compression of `compressions` (in increasing order) from
    /// the same initial weights, stopping at the first that collapses a layer.
    /// - Parameters:
    ///   - iterations: rounds per prune (nil: each method's default).
    ///   - progress: called after each point.
    /// - Throws: `SparseSimError` as `prune`.
    public func sweep(methods: [PruningMethod], compressions: [Double], iterations: Int?, schedule: PruningSchedule,
                      temperature: Double = 200, progress: (PruningMethod, SweepRow.Point) -> Void = { _, _ in }) throws -> [SweepRow] {
        var rows: [SweepRow] = []
        for method in methods {
            var row = SweepRow(method: method, largestWithoutCollapse: nil, firstCollapse: nil, points: [])
            for x in compressions.sorted() {
                let config = PruningConfiguration(method: method, density: PruningConfiguration.density(compression: x),
                                                  iterations: iterations, schedule: schedule, temperature: temperature)
                let result = try prune(config)
                let point = SweepRow.Point(compression: x, remaining: result.remainingWeights, collapsed: result.collapsed)
                row.points.append(point)
                progress(method, point)
                if result.collapsed.isEmpty {
                    row.largestWithoutCollapse = x
                } else {
                    row.firstCollapse = x
                    break
                }
            }
            rows.append(row)
        }
        return rows
    }

    // MARK: Trace

    /// Writes the pruned model — each prunable layer's weights `θ₀ ⊙ mask` and mask, no
    /// activations — as a one-snapshot trace at `path`, built under a temporary name and renamed.
    /// The method's parameters say activations are absent so the simulator uses a stated
    /// activation density.
    /// - Throws: `SparseSimError` when `path` exists or cannot be written.
    public func writeTrace(to path: String, result: PruningResult, commandLine: [String] = CommandLine.arguments) throws {
        var parameters: [String: ParameterValue] = [
            "compression": .double(result.compression), "density": .double(result.density),
            "iterations": .int(result.iterations), "schedule": .string(result.schedule.rawValue),
            "seed": .string(String(seed)), "data": .string(result.data),
            "activations": .string("absent: pruned at initialization without recording activations; simulate with a stated activation density"),
            "initialization": .string(isImageNet ? "torchvision" : "kaiming-normal-fan-in"),
        ]
        if let r = result.synflowLog10Rescale { parameters["synflow_log10_rescale"] = .double(r) }
        if let t = result.temperature { parameters["temperature"] = .double(t) }
        let provenance = Provenance.current(seed: seed, threads: threads, dataset: result.method.needsData ? batch?.dataset : nil,
                                            blasCore: BLAS.coreName, commandLine: commandLine)
        try model.writeSnapshotTrace(to: path, method: TraceMethod(name: "prune-\(result.method.rawValue)", parameters: parameters),
                                     provenance: provenance, masks: pruner.masks, metrics: ["compression": result.compression])
    }
}
