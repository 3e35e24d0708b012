import ArgumentParser
import Foundation
import SparseSimCore
import Training

// MARK: - IterativePruningOptions

/// `prune --method imp`'s options: the rounds and the training of every round.
struct IterativePruningOptions: ParsableArguments {
    @Option(help: "IMP: pruning rounds after the dense training (round R keeps (1 - rate)^R).")
    var rounds: Int = 3

    @Option(help: "IMP: fraction of the kept weights removed per round, in (0, 1).")
    var rate: Double = 0.2

    @Option(help: "IMP: rank weights over the whole network (global) or in each layer (layer).")
    var scope: String = "global"

    @Option(name: .customLong("rewind-step"), help: "IMP: rewind the kept weights to their values at this step of round 0 (0: the initialization).")
    var rewindStep: Int = 0

    @Option(help: "IMP: epochs of every round.")
    var epochs: Int?

    @Option(help: "IMP: base learning rate of every round.")
    var lr: Float = 0.05

    @Option(name: .customLong("train-samples"), help: "IMP: train on only the first N training samples.")
    var trainSamples: Int?

    @Option(name: .customLong("test-samples"), help: "IMP and one-shot: evaluate on only the first N test samples.")
    var testSamples: Int?

    @Option(name: .customLong("trace-samples"), help: "IMP: test samples whose activations each round's trace records.")
    var traceSamples: Int = 16

    @Option(help: "IMP: the directory of the rounds (created; a re-run continues it).")
    var out: String?

    /// The search these options describe, for `model` and the prune command's shared settings.
    /// - Throws: `SparseSimError` naming the flag for bad values.
    func search(model: String, dataset: String, dataDirectory: String?, batchSize: Int?, seed: UInt64,
                threads: Int) throws -> IterativePruning {
        func bad(_ flag: String, _ message: String) -> SparseSimError {
            SparseSimError(.usage, file: "<command line>", location: flag, message: message)
        }
        guard let out else { throw bad("--out", "prune --method imp needs --out DIR for its rounds") }
        guard let epochs else { throw bad("--epochs", "prune --method imp needs --epochs (of every round)") }
        guard let scope = IterativePruning.Scope(rawValue: scope) else {
            throw bad("--scope", "unknown scope '\(self.scope)' (known: global, layer)")
        }
        let training = TrainingConfiguration(model: model, dataset: dataset, dataDirectory: dataDirectory, epochs: epochs,
                                             batchSize: batchSize ?? 128, learningRate: lr, seed: seed, threads: threads,
                                             trainSamples: trainSamples, testSamples: testSamples)
        let settings = IterativePruning.Settings(training: training, rounds: rounds, rate: rate, scope: scope,
                                                 rewindStep: rewindStep, traceSamples: traceSamples)
        return try IterativePruning(settings: settings, directory: out)
    }
}
