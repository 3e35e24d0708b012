import CBLAS

// MARK: - BLAS

/// OpenBLAS behind a Swift interface: single-precision GEMM and the library's run-time state.
package enum BLAS {
    /// `C ← alpha · op(A) · op(B) + beta · C` in row-major order, where `op(A)` is `m×k`,
    /// `op(B)` is `k×n` and `C` is `m×n`.
    ///
    /// - Parameters:
    ///   - transA: use `Aᵀ` (`A` is stored `k×m`).
    ///   - transB: use `Bᵀ` (`B` is stored `n×k`).
    ///   - lda, ldb, ldc: row strides of the stored matrices.
    /// - Precondition: `m, n, k >= 0`; the buffers hold the matrices their strides describe;
    ///   dimensions fit in a 32-bit BLAS integer.
    /// - Complexity: `2·m·n·k` floating-point operations.
    package static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafeBufferPointer<Float>, lda: Int,
        b: UnsafeBufferPointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutableBufferPointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm dimensions must be non-negative")
        precondition(max(m, n, k, lda, ldb, ldc) <= Int(Int32.max), "sgemm dimensions exceed 32-bit BLAS")
        precondition(c.count >= (m == 0 ? 0 : (m - 1) * ldc + n), "sgemm: C is too small")
        precondition(a.count >= (transA ? (k == 0 ? 0 : (k - 1) * lda + m) : (m == 0 ? 0 : (m - 1) * lda + k)), "sgemm: A is too small")
        precondition(b.count >= (transB ? (n == 0 ? 0 : (n - 1) * ldb + k) : (k == 0 ? 0 : (k - 1) * ldb + n)), "sgemm: B is too small")
        guard m > 0 && n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a.baseAddress, blasint(lda),
            b.baseAddress, blasint(ldb), beta, c.baseAddress, blasint(ldc))
    }

    // MARK: Run-time state

    /// The kernel family OpenBLAS selected at load time, e.g. `Haswell`, `SkylakeX`, `Cooperlake`.
    package static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS's build configuration, e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64`.
    package static var configuration: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config)
    }

    /// OpenBLAS's version number from its configuration, e.g. `0.3.21`.
    package static var version: String {
        let words = configuration.split(separator: " ")
        guard words.count >= 2, words[0] == "OpenBLAS" else { return "unknown" }
        return String(words[1])
    }

    /// Threads OpenBLAS uses for one call.
    package static var threads: Int { Int(openblas_get_num_threads()) }

    /// Sets the threads OpenBLAS uses for each call.
    /// - Precondition: `count >= 1`.
    package static func setThreads(_ count: Int) {
        precondition(count >= 1, "thread count must be at least 1")
        openblas_set_num_threads(Int32(min(count, Int(Int32.max))))
    }
}
