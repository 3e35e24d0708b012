import Foundation
import SparseSimCore
import Training

// MARK: - train: the settings of the sparse methods and the trace

extension TrainCommand {
    /// The `--trace-activations` choice.
    func activationChoice() throws -> TraceActivations {
        guard let choice = TraceActivations(rawValue: traceActivations) else {
            throw SparseSimError(.usage, file: "<command line>", location: "--trace-activations",
                                 message: "unknown choice '\(traceActivations)' (known: inputs, outputs, both)")
        }
        return choice
    }

    /// Gem-Miner's settings from `--score-l2` and `--thresholding-periods`.
    /// - Throws: `SparseSimError` when one is given to another method.
    func gemMinerSettings(method: SparseMethod) throws -> GemMinerSettings {
        if !method.searchesMask && (scoreL2 != nil || thresholdingPeriods != nil) {
            throw SparseSimError(.usage, file: "<command line>", location: "--method",
                                 message: "--score-l2 and --thresholding-periods are for --method gem-miner")
        }
        let defaults = GemMinerSettings()
        return GemMinerSettings(lambda: scoreL2 ?? defaults.lambda, periods: thresholdingPeriods ?? defaults.periods)
    }

    /// GMP's schedule from `--prune-start`, `--prune-end` and `--prune-frequency` (the paper's
    /// scaled defaults where not given).
    /// - Throws: `SparseSimError` when one is given to a method that does not prune gradually.
    func gradualPruning(method: SparseMethod) throws -> GradualPruning {
        let defaults = GradualPruning()
        if !method.prunesGradually && (pruneStart != nil || pruneEnd != nil || pruneFrequency != nil) {
            throw SparseSimError(.usage, file: "<command line>", location: "--method",
                                 message: "--prune-start, --prune-end and --prune-frequency are for --method gmp")
        }
        return GradualPruning(start: pruneStart ?? defaults.start, end: pruneEnd ?? defaults.end, frequency: pruneFrequency)
    }
}
