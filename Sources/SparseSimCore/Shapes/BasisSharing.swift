// MARK: - BasisSharing

/// How a decomposed convolution (ESCALATE) shares its basis kernels: `W[k,c] ≈ Σ_m α[k,c,m]·B[g(c),m]`.
public enum BasisSharing: String, Codable, Sendable, CaseIterable {
    /// One basis set for the whole layer: `g(c) = 0`.
    case layer
    /// One basis set per input channel: `g(c) = c`.
    case channel

    /// Basis sets of a layer with `channels` input channels.
    public func groups(channels: Int) -> Int { self == .layer ? 1 : channels }

    /// Decodes `layer` or `channel`, naming the value otherwise.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let value = Self(rawValue: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be layer or channel, got '\(text)'")
        }
        self = value
    }
}
