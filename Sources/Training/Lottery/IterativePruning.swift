import Foundation
import SparseSimCore

// MARK: - IterativePruning

/// Lottery tickets by iterative magnitude pruning (Frankle & Carbin 2019; rewinding: Frankle et
/// al. 2020): train, remove the fraction `rate` of the weights still kept with the smallest
/// magnitudes (over all layers, or in each layer), rewind the kept weights to their values at
/// step `rewindStep` (0: the initialization) and train again from that step, for `rounds`
/// rounds (`rounds + 1` trainings; round `r` keeps `(1 − rate)^r` of the weights).
///
/// Every round is a `TrainingRun` of the same configuration — method `static` on every conv
/// and linear layer, masks all ones in round 0 — in `DIR/round-R` (checkpoints), with its trace
/// `DIR/round-R.sstrace`, metrics `DIR/round-R.jsonl` and, once finished, its record
/// `DIR/round-R.json`. Round `r ≥ 1` starts from a checkpoint made before it: the rewind state
/// (`DIR/rewind`, saved when round 0 passes `rewindStep`; the fresh model for step 0) with the
/// pruned masks applied to weights and momenta. A later call reuses finished rounds, resumes an
/// unfinished one from its checkpoint and refuses a directory made with other settings.
public struct IterativePruning: Sendable {
    /// Which weights compete for removal.
    public enum Scope: String, Codable, CaseIterable, Sendable {
        /// All masked weights of the network ranked together.
        case global
        /// Every layer loses `rate` of its own kept weights.
        case layer
    }

    /// What to prune and how.
    public struct Settings: Codable, Equatable, Sendable {
        /// The training of every round (its sparse settings are replaced: see `roundConfiguration`).
        public var training: TrainingConfiguration
        /// Pruning rounds (`rounds + 1` trainings).
        public var rounds: Int
        /// Fraction of the kept weights removed per round, in (0, 1).
        public var rate: Double
        /// Global or per-layer ranking.
        public var scope: Scope
        /// The step whose weights the kept weights are rewound to (0: the initialization).
        public var rewindStep: Int
        /// Test samples whose activations each round's trace records.
        public var traceSamples: Int

        /// Settings with the usual defaults: 3 rounds of 20 %, global, rewinding to initialization.
        public init(training: TrainingConfiguration, rounds: Int = 3, rate: Double = 0.2, scope: Scope = .global,
                    rewindStep: Int = 0, traceSamples: Int = 16) {
            self.training = training
            self.rounds = rounds
            self.rate = rate
            self.scope = scope
            self.rewindStep = rewindStep
            self.traceSamples = traceSamples
        }
    }

    /// A finished round: `DIR/round-R.json`.
    public struct Round: Codable, Sendable {
        /// The round (0: dense).
        public var round: Int
        /// Kept ÷ all conv and linear weights.
        public var density: Double
        /// `(1 − rate)^round`.
        public var expectedDensity: Double
        /// Kept weights per layer.
        public var keptPerLayer: [Int]
        /// The training summary (the final test accuracy).
        public var summary: Trainer.Summary
        /// The round's trace.
        public var trace: String

        enum CodingKeys: String, CodingKey {
            case round, density, summary, trace
            case expectedDensity = "expected_density"
            case keptPerLayer = "kept_per_layer"
        }
    }

    /// What happened.
    public enum Event: Sendable {
        /// A finished round was found and reused.
        case reused(Round)
        /// A round starts at `step` (0, the rewind step, or a checkpoint's).
        case started(round: Int, step: Int, density: Double)
        /// Round 0 passed the rewind step: its state is saved for the later rounds.
        case savedRewind(step: Int)
        /// A round finished an epoch.
        case epoch(round: Int, Trainer.EpochMetrics)
        /// A round finished.
        case finished(Round)
    }

    /// The settings.
    public let settings: Settings
    /// The directory.
    public let directory: String

    /// A search of `settings` in `directory`.
    /// - Throws: `SparseSimError` for settings out of range (naming the setting).
    public init(settings: Settings, directory: String) throws {
        func bad(_ field: String, _ message: String) -> SparseSimError { .setting(field, message) }
        guard settings.rounds >= 1 else { throw bad("rounds", "must be at least 1, got \(settings.rounds)") }
        guard settings.rate > 0 && settings.rate < 1 else { throw bad("rate", "\(settings.rate) is not in (0, 1)") }
        guard settings.rewindStep >= 0 else { throw bad("rewindStep", "must not be negative, got \(settings.rewindStep)") }
        guard settings.traceSamples >= 1 else { throw bad("traceSamples", "must be at least 1") }
        guard settings.training.initialMask == nil, settings.training.decomposition == nil else {
            throw bad("training", "iterative pruning makes its own masks: no `initialMask` or `decomposition`")
        }
        guard settings.training.sparse.method == .dense else {
            throw bad("method", "iterative pruning trains with its own masks; leave `method` dense")
        }
        self.settings = settings
        self.directory = directory
    }

    /// The configuration every round trains: method `static` at sparsity 0 on every conv and
    /// linear layer (the masks are the rounds'; static keeps them fixed).
    public var roundConfiguration: TrainingConfiguration {
        var c = settings.training
        c.sparse = SparseConfiguration(method: .static, sparsity: 0, distribution: .uniform, denseFirstLayer: false,
                                       denseLastLayer: false, kernels: settings.training.sparse.kernels)
        return c
    }

    // MARK: Paths

    /// `DIR/round-R` + `suffix`.
    public func path(round r: Int, _ suffix: String = "") -> String { "\(directory)/round-\(r)\(suffix)" }
    /// The rewind state's checkpoint directory.
    var rewindDirectory: String { directory + "/rewind" }
    /// The settings the directory was made with.
    var settingsPath: String { directory + "/settings.json" }
    /// The summary of all rounds.
    public var summaryPath: String { directory + "/summary.json" }
}
