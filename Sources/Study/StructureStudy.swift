import Foundation
import Sim
import SparseSimCore
import Trace
import Training

// MARK: - StructureStudy

/// Structured against unstructured sparsity on real hardware models, in one job
/// (`sparsesim study structure`): trains the network dense and with every sparse method in
/// every mask structure, records each run's trace, simulates every trace on every spec, and
/// answers across all specs which (run, spec) pair is fastest and which uses the least energy,
/// at what accuracy, against one baseline pair (`Comparison.rank`).
///
/// Every run lives in `DIR/runs/NAME*`: its checkpoint directory, trace, metrics and, once it
/// has finished, `NAME.json` with its configuration and summary. A later study into the same
/// directory reuses a finished run whose configuration is the same, resumes an unfinished one
/// from its checkpoint, and refuses a directory whose runs were trained otherwise.
public struct StructureStudy: Sendable {
    /// What to train.
    public struct Settings: Codable, Equatable, Sendable {
        /// The model (`Model.names`).
        public var model: String
        /// The dataset.
        public var dataset = "fashion-mnist"
        /// The dataset's directory (nil: the default for the dataset).
        public var dataDirectory: String?
        /// Sparsity of the unstructured, channel, filter and block runs; N:M runs have `1 − N/M`.
        public var sparsity = 0.9
        /// Sparse methods (`rigl`, `swat-u`, ...).
        public var methods: [String]
        /// Mask structures (`unstructured`, `channel`, `filter`, `block:BxB`, `nm:N:M`).
        public var structures: [String]
        /// Epochs of every run.
        public var epochs: Int
        /// Base learning rate.
        public var learningRate: Float = 0.05
        /// Samples per step.
        public var batchSize = 128
        /// The seed of every run.
        public var seed: UInt64 = 0
        /// Train every run once per seed (nil: `seed` only); the first seed's runs are simulated,
        /// and the answer ranks and reports the accuracy's mean ± standard deviation over all.
        public var seeds: [UInt64]?
        /// Threads of every run.
        public var threads = 1
        /// Train on only the first this many samples (nil: all).
        public var trainSamples: Int?
        /// Evaluate on only the first this many test samples (nil: all).
        public var testSamples: Int?
        /// Test samples whose activations each trace records.
        public var traceSamples = 16
        /// Train a dense baseline too.
        public var includeDense = true

        /// Settings with the defaults of `sparsesim study structure`.
        public init(model: String, methods: [String], structures: [String], epochs: Int) {
            self.model = model
            self.methods = methods
            self.structures = structures
            self.epochs = epochs
        }

        /// The seeds the runs are trained with: `seeds`, or `[seed]`.
        public var effectiveSeeds: [UInt64] { seeds ?? [seed] }
    }

    /// One training run of the study.
    public struct Run: Sendable {
        /// File-name stem: `dense`, `rigl-unstructured`, `rigl-nm2-4`, `swat-u-block4x4`.
        public var name: String
        /// The method.
        public var method: String
        /// The structure (`-` for the dense run).
        public var structure: String
        /// What it trains.
        public var configuration: TrainingConfiguration
        /// Whether it is the run of the first seed: the one simulated (the others add their
        /// accuracy to its spread; they are named `NAME-seedS`).
        public var isPrimary = true

        /// How people read it: `dense`, `rigl unstructured`, `rigl nm:2:4` (the same for every seed).
        public var label: String { method == "dense" ? "dense" : "\(method) \(structure)" }
        /// The seed.
        public var seed: UInt64 { configuration.seed }
    }

    /// A finished run: what `DIR/runs/NAME.json` holds.
    public struct Record: Codable, Sendable {
        /// The run's name.
        public var name: String
        /// Its configuration.
        public var configuration: TrainingConfiguration
        /// Its training summary.
        public var summary: Trainer.Summary
    }

    /// The settings.
    public let settings: Settings
    /// The study's directory.
    public let directory: String
    /// The runs, dense first, then methods outer, structures inner, seeds innermost.
    public let runs: [Run]
    /// The runs that are simulated: the first seed's.
    public var primaryRuns: [Run] { runs.filter(\.isPrimary) }

    /// A study of `settings` in `directory`.
    /// - Throws: `SparseSimError` for an unknown model, method or structure, a combination the
    ///   training engine refuses, or a bad count.
    public init(settings: Settings, directory: String) throws {
        func bad(_ field: String, _ message: String) -> SparseSimError { .setting(field, message) }
        guard Model.names.contains(settings.model) else {
            throw bad("model", "unknown model '\(settings.model)' (known: \(Model.names.joined(separator: ", ")))")
        }
        guard settings.epochs >= 1 else { throw bad("epochs", "must be at least 1") }
        guard !settings.methods.isEmpty || settings.includeDense else { throw bad("methods", "give at least one method") }
        guard settings.methods.isEmpty || !settings.structures.isEmpty else { throw bad("structures", "give at least one structure") }
        let seeds = settings.effectiveSeeds
        guard !seeds.isEmpty else { throw bad("seeds", "give at least one seed") }
        guard Set(seeds).count == seeds.count else { throw bad("seeds", "give each seed once") }
        var runs: [Run] = []
        func configuration(_ sparse: SparseConfiguration, seed: UInt64) -> TrainingConfiguration {
            TrainingConfiguration(model: settings.model, dataset: settings.dataset, dataDirectory: settings.dataDirectory,
                                  epochs: settings.epochs, batchSize: settings.batchSize, learningRate: settings.learningRate,
                                  seed: seed, threads: settings.threads, trainSamples: settings.trainSamples,
                                  testSamples: settings.testSamples, sparse: sparse)
        }
        // One run per seed; the first keeps the plain name, so a one-seed study's runs are reused.
        func addRuns(name: String, method: String, structure: String, sparse: SparseConfiguration) {
            for (i, seed) in seeds.enumerated() {
                runs.append(Run(name: i == 0 ? name : "\(name)-seed\(seed)", method: method, structure: structure,
                                configuration: configuration(sparse, seed: seed), isPrimary: i == 0))
            }
        }
        if settings.includeDense {
            addRuns(name: "dense", method: "dense", structure: "-", sparse: SparseConfiguration())
        }
        for m in settings.methods {
            let method = try SparseMethod(parsing: m)
            guard method.usesSparsity else { throw bad("methods", "'\(m)' is not a sparse method (the dense baseline is always trained)") }
            for s in settings.structures {
                var sparse = SparseConfiguration(method: method, sparsity: settings.sparsity, structure: s)
                do {
                    // N:M fixes the sparsity at 1 - N/M.
                    if try sparse.parsedStructure().fixedDensity != nil { sparse.sparsity = nil }
                    try sparse.validate()
                } catch let error as SparseSimError {
                    throw bad("structures", "\(m) with \(s): \(error.message)")
                }
                addRuns(name: "\(m)-\(Self.slug(s))", method: m, structure: s, sparse: sparse)
            }
        }
        var names = Set<String>()
        for r in runs where !names.insert(r.name).inserted {
            throw bad("structures", "two runs would be named '\(r.name)': give each method and structure once")
        }
        self.settings = settings
        self.directory = directory
        self.runs = runs
    }

    /// A structure as a file-name part: `nm:2:4` → `nm2-4`, `block:4x4` → `block4x4`.
    static func slug(_ structure: String) -> String {
        let parts = structure.split(separator: ":").map(String.init)
        guard parts.count > 1 else { return structure }
        return parts[0] + parts.dropFirst().joined(separator: "-")
    }

    // MARK: Paths

    /// `DIR/runs/NAME` + `suffix`.
    public func path(_ run: Run, _ suffix: String = "") -> String { "\(directory)/runs/\(run.name)\(suffix)" }

    /// The run's trace.
    public func tracePath(_ run: Run) -> String { path(run, ".sstrace") }
}
