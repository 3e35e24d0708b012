// MARK: - GEMMOperand

/// The three operands of a layer in its GEMM form `out[E×K] = in[E×T] · w[T×K]`.
public enum GEMMOperand: String, Codable, Sendable, CaseIterable {
    /// Weights, indexed by (T, K).
    case weights
    /// Input activations, indexed by (E, T) (im2col view of the ifmap).
    case inputs
    /// Outputs and partial sums, indexed by (E, K).
    case outputs

    /// The GEMM dimensions the operand is indexed by.
    public var dimensions: Set<GEMMDimension> {
        switch self {
        case .weights: [.t, .k]
        case .inputs: [.e, .t]
        case .outputs: [.e, .k]
        }
    }
}

/// A GEMM dimension: output pixels `E = N·P·Q`, reduction `T = C/g·R·S`, filters `K`.
public enum GEMMDimension: String, Codable, Sendable, CaseIterable {
    /// Output pixels.
    case e = "E"
    /// The reduction (one window).
    case t = "T"
    /// Filters.
    case k = "K"
}
