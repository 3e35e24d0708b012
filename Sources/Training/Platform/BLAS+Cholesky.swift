import CBLAS

// MARK: - Symmetric matrices (SparseGPT's Hessians)

extension BLAS {
    /// `C ← C + alpha · Aᵀ·A` for a row-major `rows × n` matrix `A` into the row-major `n × n`
    /// matrix `C` (both triangles written).
    /// - Precondition: `a.count == rows · n`, `c.count == n · n`, sizes fit a 32-bit BLAS integer.
    /// - Complexity: `rows · n²` multiply-adds.
    package static func addGram(_ a: UnsafeBufferPointer<Double>, rows: Int, n: Int, alpha: Double,
                                into c: UnsafeMutableBufferPointer<Double>) {
        precondition(a.count == rows * n && c.count == n * n, "addGram: sizes")
        precondition(max(rows, n) <= Int(Int32.max), "addGram: dimensions exceed 32-bit BLAS")
        guard rows > 0 && n > 0 else { return }
        // Row-major upper triangle of C: the Gram matrix AᵀA (A stored rows × n).
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, blasint(n), blasint(rows), alpha, a.baseAddress, blasint(n),
                    1, c.baseAddress, blasint(n))
        for i in 0..<n { for j in 0..<i { c[i &* n &+ j] = c[j &* n &+ i] } }
    }

    /// The upper Cholesky factor `U` of the row-major symmetric positive-definite `n × n`
    /// matrix `a` (`a = Uᵀ·U`), in place, its lower triangle zeroed; false when `a` is not
    /// positive definite (then `a` is undefined).
    /// - Complexity: `n³/3` multiply-adds.
    package static func choleskyUpper(_ a: UnsafeMutableBufferPointer<Double>, n: Int) -> Bool {
        guard lapack(dpotrf_, a, n: n) else { return false }
        for i in 0..<n { for j in 0..<i { a[i &* n &+ j] = 0 } }
        return true
    }

    /// The inverse of the row-major symmetric positive-definite `n × n` matrix `a`, in place
    /// (both triangles); false when `a` is not positive definite.
    /// - Complexity: `n³` multiply-adds.
    package static func invertSymmetricPositiveDefinite(_ a: UnsafeMutableBufferPointer<Double>, n: Int) -> Bool {
        guard lapack(dpotrf_, a, n: n), lapack(dpotri_, a, n: n) else { return false }
        // The inverse is in the column-major lower = row-major upper triangle.
        for i in 0..<n { for j in 0..<i { a[i &* n &+ j] = a[j &* n &+ i] } }
        return true
    }

    /// Runs the LAPACK routine `routine` (`dpotrf_` or `dpotri_`) on the lower triangle of the
    /// column-major `n × n` matrix — the upper triangle of the row-major `a`: row-major storage
    /// is the column-major transpose, so LAPACK's lower factor `L` (`A = L·Lᵀ`) reads row-major
    /// as `U = Lᵀ` with `A = Uᵀ·U`. True when it succeeded.
    private static func lapack(_ routine: (UnsafePointer<CChar>?, UnsafePointer<Int32>?, UnsafeMutablePointer<Double>?,
                                           UnsafePointer<Int32>?, UnsafeMutablePointer<Int32>?) -> Void,
                               _ a: UnsafeMutableBufferPointer<Double>, n: Int) -> Bool {
        precondition(a.count == n * n && n <= Int(Int32.max), "LAPACK: an n × n matrix")
        guard n > 0 else { return true }
        var uplo = CChar(UInt8(ascii: "L")), size = Int32(n), lda = Int32(n), info: Int32 = 0
        routine(&uplo, &size, a.baseAddress, &lda, &info)
        return info == 0
    }
}
