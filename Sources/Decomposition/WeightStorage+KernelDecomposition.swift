import SparseFormats
import SparseSimCore

// MARK: - WeightStorage of a kernel decomposition

extension WeightStorage {
    /// A decomposed layer: `G·M·R·S` basis values at `basisBits`, the kept coefficients of the
    /// `K × C·M` coefficient matrix in `format` at `coefficientBits`, and `scales` scales.
    /// - Throws: `SparseSimError` when the format cannot hold the matrix (an index too narrow).
    package static func decomposed(_ d: KernelDecomposition, basisBits: Int, coefficientBits: Int, format: SparseFormat,
                                  scales: Int = 2) throws -> WeightStorage {
        try decomposed(k: d.k, c: d.c, kernelSize: d.kernelSize, bases: d.bases, groups: d.groups,
                       coefficients: d.coefficientPattern, basisBits: basisBits, coefficientBits: coefficientBits,
                       format: format, scales: scales)
    }
}
