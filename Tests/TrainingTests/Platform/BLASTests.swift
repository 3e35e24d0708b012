import Testing

@testable import Training

@Suite struct BLASTests {
    /// Row-major naive reference for op(A)·op(B) in Double.
    static func naive(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, a: [Float], lda: Int, b: [Float], ldb: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = transA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                    s += Double(av) * Double(bv)
                }
                c[i * n + j] = s
            }
        }
        return c
    }

    @Test(arguments: [false, true], [false, true])
    func sgemmMatchesNaiveReference(transA: Bool, transB: Bool) {
        var state: UInt64 = 12345
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1
            return Float(Int(state >> 40) % 2001 - 1000) / 1000
        }
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (17, 9, 33), (64, 65, 63)] {
            let lda = (transA ? m : k) + 2, ldb = (transB ? k : n) + 1, ldc = n + 3
            let a = (0..<(transA ? k : m) * lda).map { _ in next() }
            let b = (0..<(transB ? n : k) * ldb).map { _ in next() }
            var c = [Float](repeating: 7, count: m * ldc)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 2, a: pa, lda: lda,
                                   b: pb, ldb: ldb, beta: 0.5, c: pc, ldc: ldc)
                    }
                }
            }
            let ref = Self.naive(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb)
            for i in 0..<m {
                for j in 0..<n {
                    let expected = 2 * ref[i * n + j] + 0.5 * 7
                    #expect(abs(Double(c[i * ldc + j]) - expected) <= 1e-4 * Double(k), "m\(m) n\(n) k\(k) at \(i),\(j)")
                }
                for j in n..<ldc { #expect(c[i * ldc + j] == 7, "padding columns untouched") }
            }
        }
    }

    @Test func threadsCanBeSetAndRead() {
        let saved = BLAS.threads
        BLAS.setThreads(1)
        #expect(BLAS.threads == 1)
        BLAS.setThreads(saved)
        #expect(BLAS.threads == saved)
    }

    @Test func versionComesFromTheConfiguration() {
        #expect(BLAS.configuration.hasPrefix("OpenBLAS "))
        let parts = BLAS.version.split(separator: ".")
        #expect(parts.count == 3 && parts.allSatisfy { Int($0) != nil })
    }

    @Test func benchmarkReportsConsistentFigures() {
        let r = BLASBenchmark.measure(n: 64, threads: 1, repetitions: 3, minimumSeconds: 0.005)
        #expect(r.n == 64 && r.threads == 1 && r.repetitions == 3)
        #expect(r.bestSeconds <= r.medianSeconds && r.bestSeconds > 0)
        #expect(abs(r.gflops - 2 * 64 * 64 * 64 / r.medianSeconds / 1e9) < 1e-9 * r.gflops)
        // Calibration picks at least one call and stops at 2^20; timings under load vary, so
        // nothing is asserted about how long the calls took.
        #expect(r.callsPerRepetition >= 1 && r.callsPerRepetition <= 1 << 20)
    }
}
