import Foundation
import SparseSimCore

// MARK: - PruningBenchmark

/// SynFlow's wall time on a network (`sparsesim bench prune`), against its floor: the same
/// number of bare network passes (forward + backward of one all-ones sample, evaluation mode).
package enum PruningBenchmark {
    /// One measurement.
    package struct Result: Codable, Sendable {
        /// Model, input shape, threads.
        package var model: String, inputShape: [Int], threads: Int
        /// Rounds, and the target compression (log10 of total ÷ kept).
        package var iterations: Int, compression: Double
        /// Prunable weights.
        package var weights: Int
        /// Wall seconds of the whole prune, and of its scoring and selecting parts.
        package var seconds: Double, scoringSeconds: Double, selectingSeconds: Double
        /// Median seconds of one bare forward + backward pass, and `iterations` of them: the floor.
        package var passSeconds: Double, floorSeconds: Double
        /// `seconds / floorSeconds`.
        package var ratioToFloor: Double
        /// The OpenBLAS kernel family in use.
        package var blasCore: String
    }

    /// Prunes `model` with SynFlow once and times `passes` bare passes (median).
    /// - Throws: `SparseSimError` for an unknown model or a bad setting.
    package static func run(model: String, inputShape: [Int]? = nil, threads: Int, iterations: Int = 100,
                           compression: Double = 2, passes: Int = 5) throws -> Result {
        let session = try PruningSession(model: model, inputShape: inputShape, seed: 0, threads: threads)
        let m = session.model
        let ones = Tensor(shape: [1] + m.inputShape)
        ones.fill(1)
        var times: [Double] = []
        for _ in 0..<(passes + 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            let out = m.forward(ones, phase: .evaluation)
            let dy = Tensor(shape: out.shape)
            dy.fill(1)
            m.backward(dy)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        let pass = times.dropFirst().sorted()[passes / 2]
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try session.prune(PruningConfiguration(method: .synflow, density: PruningConfiguration.density(compression: compression),
                                                   iterations: iterations))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        let timing = session.pruner.timing
        return Result(model: model, inputShape: m.inputShape, threads: threads, iterations: iterations, compression: compression,
                      weights: session.pruner.totalWeights, seconds: seconds, scoringSeconds: timing.scoring,
                      selectingSeconds: timing.selecting, passSeconds: pass, floorSeconds: pass * Double(iterations),
                      ratioToFloor: seconds / (pass * Double(iterations)), blasCore: BLAS.coreName)
    }
}
