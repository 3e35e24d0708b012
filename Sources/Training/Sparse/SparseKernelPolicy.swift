import SparseSimCore
import Trace

// MARK: - SparseKernelMode

/// Which kernels a masked layer uses.
public enum SparseKernelMode: String, CaseIterable, Codable, Sendable {
    /// Per layer and pass, sparse below the measured crossover density, dense above it.
    case auto
    /// Always the dense kernels (sgemm on `W ⊙ mask`): masking only.
    case dense
    /// Always the sparse kernels where the layer's geometry has them.
    case sparse

    /// Parses a kernel choice given with `flag`.
    /// - Throws: `SparseSimError` naming the flag and the known choices.
    public init(parsing name: String, field: String = "kernels") throws {
        guard let mode = SparseKernelMode(rawValue: name) else {
            throw SparseSimError.setting(field, "unknown kernel choice '\(name)' (known: \(Self.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = mode
    }
}

// MARK: - SparseKernelPolicy

/// The densities below which a sparse kernel beats the dense one, per layer kind and pass.
///
/// Measured with `sparsesim bench kernels` (Docs/performance.md) on the stride-1 convolutions
/// and linear layers of vgg-small, lenet5 and mlp at batch 128, one thread, AVX-512 kernels:
/// for each pass the lowest crossover density over the layers of that kind, rounded down, so
/// that `auto` does not pick a sparse kernel that loses. Linear layers: sgemm at batch 128 beat
/// the sparse kernels at every density measured (down to 2 %), so `auto` keeps them dense.
/// The choice is a function of the mask (and SWAT's kept fraction) only, so a run is
/// reproducible.
public struct SparseKernelPolicy: Sendable, Equatable {
    /// Forward pass (`W ⊙ mask` times the input).
    public var forward: Double
    /// Input gradient (`(W ⊙ mask)ᵀ` times the output gradient).
    public var inputGradient: Double
    /// Weight gradient at the mask's non-zeros only (static, SET, RigL between updates).
    public var sampledWeightGradient: Double
    /// SWAT's dense weight gradient from the kept inputs (compared with the kept fraction).
    public var sparseInputWeightGradient: Double

    /// Stride-1 convolutions (direct sparse convolution on the zero-padded image). Measured
    /// crossovers: forward 0.42–1.0, input gradient 0.27–1.0, sampled weight gradient
    /// 0.22–0.44, sparse-input weight gradient 0.39–1.0.
    public static let convolution = SparseKernelPolicy(forward: 0.4, inputGradient: 0.25, sampledWeightGradient: 0.2,
                                                       sparseInputWeightGradient: 0.35)
    /// Linear layers (on `[features][batch]` transposes): never chosen by `auto`.
    public static let linear = SparseKernelPolicy(forward: 0, inputGradient: 0, sampledWeightGradient: 0,
                                                  sparseInputWeightGradient: 0)
}

// MARK: - KernelPlan

/// The kernels one training step of a layer uses, decided at its forward pass.
public struct KernelPlan: Sendable, Equatable {
    /// How the weight gradient is computed.
    public enum WeightGradient: String, Sendable {
        /// Dense sgemm (every weight's gradient).
        case dense
        /// Only at the mask's non-zeros (the others are left zero).
        case sampled
        /// Dense, from SWAT's kept inputs with work proportional to them.
        case sparseInput = "sparse-input"
    }

    /// Sparse forward kernel.
    public var forward = false
    /// Sparse input-gradient kernel.
    public var inputGradient = false
    /// The weight-gradient kernel.
    public var weightGradient = WeightGradient.dense

    /// Whether a dense pass needs `W ⊙ mask` materialized.
    var denseWeight = true

    /// All dense.
    public init() {}
    /// Whether any pass uses the sparse weight arrangement.
    var usesRows: Bool { forward || inputGradient || weightGradient == .sampled }
}
