// MARK: - LayerKind

/// The kind of a layer whose weights and activations a trace records.
public enum LayerKind: String, Codable, Sendable, CaseIterable {
    /// A 2-D convolution (`groups` may be > 1).
    case conv
    /// A fully connected layer: `R = S = H = W = P = Q = 1`.
    case linear
    /// A depthwise convolution: `groups = C = K`.
    case depthwise
}
