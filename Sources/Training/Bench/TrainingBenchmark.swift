import Foundation
import SparseSimCore

// MARK: - TrainingBenchmark

/// Training throughput: forward, backward and SGD steps at a fixed batch on real data, after
/// warm-up (`sparsesim bench train`).
package enum TrainingBenchmark {
    /// One measurement.
    package struct Result: Codable, Sendable {
        /// Model, threads, batch size.
        package var model: String, threads: Int, batchSize: Int
        /// The training method and its sparsity (0 for dense).
        package var method: String, sparsity: Double
        /// The kernel choice of the sparse layers (`auto`, `dense`, `sparse`).
        package var kernels: String
        /// What ran the dense convolutions (`onednn`, `im2col`; resolved from `auto`).
        package var convolutions: String
        /// Median samples per second over the repetitions, and the best.
        package var samplesPerSecond: Double, bestSamplesPerSecond: Double
        /// Achieved GFLOP/s at the median: 3 × forward flops (forward, input and weight
        /// gradients) × samples/s.
        package var gflops: Double
        /// Forward flops per sample (2 × MACs of conv and linear layers).
        package var forwardFlopsPerSample: Int
        /// The OpenBLAS kernel family in use.
        package var blasCore: String
    }

    /// Measures `model` with `threads` threads under each of `configurations` and each choice of
    /// `convolutions`: `warmup` steps each, then `repetitions` rounds in which every pair times
    /// `steps` steps in turn (interleaved, so that a busy machine slows all of them alike), on
    /// the first `batchSize · steps` Fashion-MNIST training samples. One result per pair, the
    /// configurations outermost.
    /// - Throws: `SparseSimError` for an unknown model, a bad configuration, oneDNN asked for and
    ///   missing, or a missing dataset.
    package static func run(model: String, threads: Int, batchSize: Int = 128, steps: Int = 20, warmup: Int = 5,
                           repetitions: Int = 5, dataDirectory: String? = nil,
                           configurations: [SparseConfiguration],
                           convolutions: [ConvolutionKernels] = [.auto]) throws -> [Result] {
        let pairs = configurations.flatMap { sparse in convolutions.map { (sparse, $0) } }
        let trainers = try pairs.map { sparse, kernels in
            try Trainer(TrainingConfiguration(model: model, dataDirectory: dataDirectory, epochs: 1000, batchSize: batchSize,
                                              seed: 1, threads: threads, trainSamples: batchSize * steps, testSamples: 1,
                                              sparse: sparse, convolutions: kernels))
        }
        for trainer in trainers { _ = trainer.timeSteps(warmup) }
        var rates = [[Double]](repeating: [], count: trainers.count)
        for _ in 0..<repetitions {
            for (i, trainer) in trainers.enumerated() {
                rates[i].append(Double(steps * batchSize) / trainer.timeSteps(steps))
            }
        }
        return try zip(pairs, trainers).enumerated().map { i, pair in
            let ((sparse, _), trainer) = pair
            let sorted = rates[i].sorted()
            let median = sorted[sorted.count / 2]
            let flops = trainer.model.forwardFlopsPerSample
            let sparsity = sparse.method.usesSparsity ? try sparse.effectiveSparsity() : 0
            return Result(model: model, threads: threads, batchSize: batchSize, method: sparse.method.rawValue,
                          sparsity: sparsity, kernels: sparse.kernels.rawValue,
                          convolutions: trainer.model.convolutionKernels.rawValue, samplesPerSecond: median,
                          bestSamplesPerSecond: sorted.last!, gflops: 3 * Double(flops) * median / 1e9,
                          forwardFlopsPerSample: flops, blasCore: BLAS.coreName)
        }
    }

    /// Measures one configuration (see `run(model:threads:configurations:)`).
    package static func run(model: String, threads: Int, batchSize: Int = 128, steps: Int = 20, warmup: Int = 5,
                           repetitions: Int = 5, dataDirectory: String? = nil,
                           sparse: SparseConfiguration = SparseConfiguration()) throws -> Result {
        try run(model: model, threads: threads, batchSize: batchSize, steps: steps, warmup: warmup,
                repetitions: repetitions, dataDirectory: dataDirectory, configurations: [sparse])[0]
    }
}

extension Trainer {
    /// Runs `count` training steps over the training set's batches in order (no shuffling, no
    /// evaluation, the learning rate fixed) and returns the wall seconds.
    func timeSteps(_ count: Int) -> Double {
        let batches = stepsPerEpoch
        let order = Array(0..<train.count)
        let start = Date()
        for s in 0..<count {
            let b = s % batches
            let lo = b * configuration.batchSize, hi = min(lo + configuration.batchSize, train.count)
            loadBatch(order[lo..<hi])
            _ = forwardStep()
            backwardStep(lr: 0.01)
            step += 1
        }
        return Date().timeIntervalSince(start)
    }
}
