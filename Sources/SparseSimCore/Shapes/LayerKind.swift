// MARK: - LayerKind

/// The kind of a layer whose weights and activations a trace records.
public enum LayerKind: String, Codable, Sendable, CaseIterable {
    /// A 2-D convolution (`groups` may be > 1).
    case conv
    /// A fully connected layer: `R = S = H = W = P = Q = 1`.
    case linear
    /// A depthwise convolution: `groups = C = K`.
    case depthwise
    /// A product of two activations per sample (attention's `Q·Kᵀ` and `P·V`), one independent
    /// GEMM per group (head): `P` rows (`H = P`), `C/groups` reduction and `K/groups` columns;
    /// the "weights" are the second operand of every sample (`LayerShape.matmul`).
    case matmul

    /// Whether the layer has weights: every kind but `matmul`, whose recorded "weights" are its
    /// second operand, an activation of each sample. Weight densities, weight masks drawn or
    /// shown, and masks to train leave such layers out.
    public var hasWeights: Bool { self != .matmul }
}
