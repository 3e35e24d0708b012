import SparseSimCore
import Trace

// MARK: - Evaluation

/// Traces × hardware specs: every trace's snapshot simulated on every spec with its real masks
/// (`DensityModel.actual`). What `sparsesim compare`, `sparsesim report` and the structure
/// study evaluate; `comparison()` is their one matrix, `Report` renders it.
public struct Evaluation: Sendable {
    /// One trained network and its simulations.
    public struct Run: Sendable {
        /// The label (the trace's path, or the study's run name).
        public var label: String
        /// The trace's manifest (model, method, snapshots with per-layer densities, provenance).
        public var manifest: TraceManifest
        /// The simulated snapshot's layers with their masks.
        public var workload: Workload
        /// The simulated snapshot's metrics.
        public var metrics: [String: Double]
        /// One result per spec, in the order of `Evaluation.specs`.
        public var results: [SimulationResult]

        /// A run.
        public init(label: String, manifest: TraceManifest, workload: Workload, metrics: [String: Double], results: [SimulationResult]) {
            self.label = label
            self.manifest = manifest
            self.workload = workload
            self.metrics = metrics
            self.results = results
        }

        /// Test accuracy the trace recorded (the quantized one when the run quantized).
        public var accuracy: Double? { metrics["quantized_test_accuracy"] ?? metrics["test_accuracy"] ?? metrics["accuracy"] }
    }

    /// The specs, with the files they came from.
    public var specs: [SpecLoader.Loaded]
    /// The runs, in the order given.
    public var runs: [Run]

    /// An evaluation of runs already simulated.
    /// - Precondition: every run has one result per spec.
    public init(specs: [SpecLoader.Loaded], runs: [Run]) {
        precondition(runs.allSatisfy { $0.results.count == specs.count }, "one result per spec")
        self.specs = specs
        self.runs = runs
    }

    /// Reads snapshot `snapshot` of each trace at `paths` and simulates it on every spec.
    /// - Parameter labels: one label per trace (nil: the paths).
    /// - Precondition: `labels`, when given, has one entry per path.
    /// - Throws: `SparseSimError` when a trace cannot be read or a workload does not fit a spec.
    public init(tracePaths paths: [String], labels: [String]? = nil, snapshot: String = "last", specs: [SpecLoader.Loaded]) throws {
        precondition(labels == nil || labels!.count == paths.count, "one label per trace")
        let simulators = try specs.map { try Simulator(spec: $0.spec, file: $0.file) }
        var runs: [Run] = []
        for (i, path) in paths.enumerated() {
            let (workload, metrics, manifest) = try Workload.fromTrace(at: path, snapshot: snapshot)
            let results = try simulators.map { try $0.run(workload, densityModel: .actual) }
            runs.append(Run(label: labels?[i] ?? path, manifest: manifest, workload: workload, metrics: metrics, results: results))
        }
        self.init(specs: specs, runs: runs)
    }

    /// The runs × specs matrix, runs outer, specs inner, measured against `baseline` and ranked
    /// (`Comparison.rank`); `spreads` gives a run (by label) its accuracy over several seeds,
    /// which the answer then ranks by (the mean) and reports.
    /// - Throws: `SparseSimError` (the setting `baseline`) when the baseline names no pair.
    public func comparison(provenance: Provenance? = nil, baseline: Comparison.Baseline? = nil, minAccuracy: Double? = nil,
                           spreads: [String: SeedSpread] = [:]) throws -> Comparison {
        var entries: [Comparison.Entry] = []
        for run in runs {
            for (s, result) in zip(specs, run.results) {
                var entry = Comparison.Entry(label: run.label, workload: run.workload, metrics: run.metrics, specFile: s.file, result: result)
                entry.accuracySpread = spreads[run.label]
                entries.append(entry)
            }
        }
        var comparison = Comparison(entries: entries, provenance: provenance)
        try comparison.rank(baseline: baseline, minAccuracy: minAccuracy)
        return comparison
    }
}
