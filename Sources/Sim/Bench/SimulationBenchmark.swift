import Glibc
import SparseSimCore

// MARK: - SimulationBenchmark

/// The wall time of a whole-network simulation per spec, spec loading included: one untimed
/// run to warm up, then `repetitions` timed ones (`sparsesim bench simulate`, Docs/performance.md).
package enum SimulationBenchmark {
    /// One spec's timings.
    package struct Result: Sendable {
        /// The spec's name.
        package var spec: String
        /// Layers simulated.
        package var layers: Int
        /// The median and the fastest run, milliseconds.
        package var medianMilliseconds: Double, bestMilliseconds: Double
        /// The network's cycles (what the timed runs computed).
        package var totalCycles: Int
    }

    /// Times `workload` on the spec in each of `files`.
    /// - Precondition: `repetitions >= 1`.
    /// - Throws: `SpecErrors` for a spec with problems, `SparseSimError` when the workload does
    ///   not fit a spec.
    package static func measure(specFiles files: [String], workload: Workload, repetitions: Int) throws -> [Result] {
        precondition(repetitions >= 1, "at least one repetition")
        var results: [Result] = []
        for file in files {
            func once() throws -> SimulationResult {
                try Simulator(spec: try SpecLoader.load(path: file), file: file).run(workload)
            }
            let result = try once()
            var times: [Double] = []
            for _ in 0..<repetitions {
                var start = timespec(), end = timespec()
                clock_gettime(CLOCK_MONOTONIC, &start)
                _ = try once()
                clock_gettime(CLOCK_MONOTONIC, &end)
                times.append(Double(end.tv_sec - start.tv_sec) * 1e3 + Double(end.tv_nsec - start.tv_nsec) * 1e-6)
            }
            times.sort()
            results.append(Result(spec: result.spec.name, layers: result.layers.count, medianMilliseconds: times[times.count / 2],
                                  bestMilliseconds: times[0], totalCycles: result.total.cycles))
        }
        return results
    }
}
