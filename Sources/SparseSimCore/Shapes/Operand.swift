// MARK: - Operand

/// The three tensors of a layer that move through an accelerator, in the GEMM view of the
/// layer `out[E×K] = in[E×T] · w[T×K]` (`E = N·P·Q` output pixels, `T = C/g·R·S` the
/// reduction, `K` filters). Ordered weights, inputs, outputs everywhere SparseSim lists them.
public enum Operand: String, Codable, Sendable, CaseIterable, Comparable {
    /// Filter weights, indexed by (T, K).
    case weights
    /// Input activations (the ifmap; its im2col view is indexed by (E, T)).
    case inputs
    /// Output activations and partial sums (the ofmap), indexed by (E, K).
    case outputs

    /// The GEMM dimensions the operand is indexed by.
    public var dimensions: Set<GEMMDimension> {
        switch self {
        case .weights: [.t, .k]
        case .inputs: [.e, .t]
        case .outputs: [.e, .k]
        }
    }

    /// Orders operands weights, inputs, outputs.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
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
