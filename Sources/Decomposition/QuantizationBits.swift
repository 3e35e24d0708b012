import SparseSimCore

// MARK: - QuantizationBits

/// Hybrid quantization's widths (ESCALATE): bases, coefficients and intermediate values each
/// with their own bits; `weights` for the layers that are not decomposed. nil: kept in float.
public struct QuantizationBits: Equatable, Codable, Sendable {
    /// Bits of basis values.
    public var bases: Int?
    /// Bits of coefficients.
    public var coefficients: Int?
    /// Bits of intermediate (basis-convolved) values.
    public var intermediates: Int?
    /// Bits of the weights of layers that are not decomposed (1×1, linear); nil: `coefficients`.
    public var weights: Int?
    /// Per-channel scales (per output channel, or per basis set for bases) instead of one per tensor.
    public var perChannel: Bool

    enum CodingKeys: String, CodingKey {
        case bases
        case coefficients = "coef"
        case intermediates = "inter"
        case weights
        case perChannel = "per_channel"
    }

    /// Widths.
    public init(bases: Int? = nil, coefficients: Int? = nil, intermediates: Int? = nil, weights: Int? = nil,
                perChannel: Bool = false) {
        self.bases = bases
        self.coefficients = coefficients
        self.intermediates = intermediates
        self.weights = weights
        self.perChannel = perChannel
    }

    /// Parses `bases=8,coef=4,inter=8[,weights=8][,scale=channel|tensor]`.
    /// - Throws: `SparseSimError` against the setting `field`, naming the bad entry.
    public init(parsing text: String, field: String = "quantization") throws {
        self.init()
        func bad(_ message: String) -> SparseSimError { .setting(field, message) }
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw bad("expected key=value entries (bases=8,coef=4,inter=8), got '\(item)'")
            }
            let key = String(parts[0]), value = String(parts[1])
            if key == "scale" {
                guard value == "channel" || value == "tensor" else { throw bad("scale must be channel or tensor, got '\(value)'") }
                perChannel = value == "channel"
                continue
            }
            guard let bits = Int(value), SymmetricQuantizer.supports(bits: bits) else {
                throw bad("\(key) must be 2…16 bits, got '\(value)'")
            }
            switch key {
            case "bases": bases = bits
            case "coef", "coefficients": coefficients = bits
            case "inter", "intermediates": intermediates = bits
            case "weights": weights = bits
            default: throw bad("unknown key '\(key)' (known: bases, coef, inter, weights, scale)")
            }
        }
    }

    /// `bases=8,coef=4,inter=8` (only the set widths).
    public var description: String {
        var parts: [String] = []
        if let bases { parts.append("bases=\(bases)") }
        if let coefficients { parts.append("coef=\(coefficients)") }
        if let intermediates { parts.append("inter=\(intermediates)") }
        if let weights { parts.append("weights=\(weights)") }
        if perChannel { parts.append("scale=channel") }
        return parts.joined(separator: ",")
    }

    /// Bits of the weights of a layer that is not decomposed.
    public var plainWeights: Int? { weights ?? coefficients }
}
