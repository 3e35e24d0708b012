import ArgumentParser
import SparseSimCore
import Training

// MARK: - OneShotPruningOptions

/// `sparsesim prune --init-weights CKPT --method wanda|magnitude`: one-shot pruning of a
/// trained model.
struct OneShotPruningOptions: ParsableArguments {
    @Option(name: .customLong("init-weights"), help: ArgumentHelp("One-shot: prune this trained checkpoint (a train --checkpoint-dir or its checkpoint.safetensors) with --method wanda, sparsegpt or magnitude.", valueName: "ckpt"))
    var initWeights: String?

    @Option(help: "One-shot: unstructured (with --sparsity) or nm:N:M (N of every M consecutive weights of a row).")
    var structure: String = "unstructured"

    @Option(name: .customLong("calibration-samples"), help: "One-shot: training samples (the first ones) whose inputs calibrate Wanda and SparseGPT (default 128).")
    var calibrationSamples: Int?

    @Option(name: .customLong("checkpoint-dir"), help: ArgumentHelp("One-shot: also write the pruned model's checkpoint into DIR (what train --init-weights DIR --init-mask TRACE fine-tunes; SparseGPT's updated weights are only there).", valueName: "dir"))
    var checkpointDirectory: String?

    /// The pruning these options describe.
    /// - Throws: `SparseSimError` naming the flag for bad values, or what `OneShotPruning` refuses.
    func pruning(model: String, method: String?, sparsity: Double?, dataset: String, dataDirectory: String?, testSamples: Int?,
                 seed: UInt64, threads: Int) throws -> OneShotPruning {
        func bad(_ flag: String, _ message: String) -> SparseSimError {
            SparseSimError(.usage, file: "<command line>", location: flag, message: message)
        }
        guard let criterion = method.flatMap(OneShotPruning.Criterion.init(rawValue:)) else {
            throw bad("--method", "one-shot pruning (--init-weights) takes wanda, sparsegpt or magnitude, got '\(method ?? "")'")
        }
        let target: OneShotPruning.Target
        switch try SparsityStructure(parsing: structure) {
        case .unstructured:
            guard let sparsity else { throw bad("--sparsity", "one-shot pruning needs --sparsity S (or --structure nm:N:M)") }
            target = .sparsity(sparsity)
        case .nm(let p):
            guard sparsity == nil else { throw bad("--sparsity", "comes from --structure \(structure) (\(p.n) of every \(p.m) kept); leave it out") }
            target = .nm(p)
        default:
            throw bad("--structure", "one-shot pruning ranks weights within rows: unstructured or nm:N:M, not \(structure)")
        }
        let config = TrainingConfiguration(model: model, dataset: dataset, dataDirectory: dataDirectory, epochs: 1, seed: seed,
                                           threads: threads, testSamples: testSamples, initialWeights: initWeights)
        return try OneShotPruning(configuration: config, criterion: criterion, target: target, calibrationSamples: calibrationSamples ?? 128)
    }
}
