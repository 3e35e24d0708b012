import Glibc

// MARK: - BLASBenchmark

/// Measures square single-precision GEMM throughput of the BLAS in use.
package enum BLASBenchmark {
    /// One measurement: `n×n×n` sgemm at a thread count.
    package struct Result: Codable, Equatable, Sendable {
        /// Matrix size.
        package var n: Int
        /// Threads per call.
        package var threads: Int
        /// Timed repetitions (each of `callsPerRepetition` calls).
        package var repetitions: Int
        /// sgemm calls per timed repetition (so each lasts long enough to time).
        package var callsPerRepetition: Int
        /// Median seconds per call.
        package var medianSeconds: Double
        /// Fastest seconds per call.
        package var bestSeconds: Double
        /// `2n³` / median seconds, in GFLOP/s.
        package var gflops: Double
        /// `2n³` / best seconds, in GFLOP/s.
        package var bestGflops: Double
    }

    /// Times `C = A·B` for `n×n` matrices on `threads` threads: one warm-up repetition, then
    /// `repetitions` timed ones, each of enough calls to last at least `minimumSeconds`.
    /// The thread count is restored afterwards.
    /// - Precondition: `n >= 1`, `threads >= 1`, `repetitions >= 1`.
    package static func measure(n: Int, threads: Int, repetitions: Int = 5, minimumSeconds: Double = 0.1) -> Result {
        precondition(n >= 1 && threads >= 1 && repetitions >= 1)
        let saved = BLAS.threads
        BLAS.setThreads(threads)
        defer { BLAS.setThreads(saved) }

        let count = n * n
        // Deterministic operands in [-1, 1): a 64-bit LCG (Knuth's MMIX constants).
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func fill() -> [Float] {
            (0..<count).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float(Int64(bitPattern: state >> 11) - (1 << 52)) / Float(1 << 52)
            }
        }
        let a = fill(), b = fill()
        var c = [Float](repeating: 0, count: count)

        func call() {
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        BLAS.sgemm(m: n, n: n, k: n, a: pa, lda: n, b: pb, ldb: n, c: pc, ldc: n)
                    }
                }
            }
        }

        // Warm-up, and calibrate how many calls make one repetition.
        var calls = 1
        while true {
            let t = time { for _ in 0..<calls { call() } }
            if t >= minimumSeconds || calls >= 1 << 20 { break }
            calls = t <= 0 ? calls * 16 : max(calls * 2, Int((minimumSeconds / t * Double(calls)).rounded(.up)))
        }
        var perCall: [Double] = []
        for _ in 0..<repetitions {
            let t = time { for _ in 0..<calls { call() } }
            perCall.append(t / Double(calls))
        }
        perCall.sort()
        let median = perCall.count % 2 == 1
            ? perCall[perCall.count / 2] : (perCall[perCall.count / 2 - 1] + perCall[perCall.count / 2]) / 2
        let flops = 2 * Double(n) * Double(n) * Double(n)
        return Result(
            n: n, threads: threads, repetitions: repetitions, callsPerRepetition: calls,
            medianSeconds: median, bestSeconds: perCall[0], gflops: flops / median / 1e9,
            bestGflops: flops / perCall[0] / 1e9)
    }

    /// Seconds `body` takes on the monotonic clock.
    static func time(_ body: () -> Void) -> Double {
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        body()
        clock_gettime(CLOCK_MONOTONIC, &end)
        return Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) * 1e-9
    }
}
