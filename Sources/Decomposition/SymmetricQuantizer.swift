import SparseSimCore

// MARK: - SymmetricQuantizer

/// A symmetric uniform quantizer: `q = clamp(round(v / scale), −L, L)` with `L = 2^(bits−1) − 1`
/// and `scale = max|v| / L`, one scale for the whole tensor or one per channel (the leading
/// axis). Zero maps to zero exactly, and every value within the fitted range comes back within
/// half a step (`scale / 2`).
public struct SymmetricQuantizer: Equatable, Sendable {
    /// Bits per quantized value, sign included.
    public let bits: Int
    /// One scale per channel (one in all for per-tensor scaling).
    public let scales: [Float]

    /// The largest level, `2^(bits−1) − 1`.
    public var levels: Int { (1 << (bits - 1)) - 1 }
    /// Bits of the stored scales (32-bit floats).
    public var scaleBits: Int { scales.count * 32 }

    /// Whether `bits` is a width the quantizer supports (2…16).
    public static func supports(bits: Int) -> Bool { bits >= 2 && bits <= 16 }

    /// A quantizer fitted to `values`: per tensor (`channels == 1`) or per channel, the values
    /// split into `channels` equal consecutive runs.
    /// - Precondition: `bits` in 2…16; `channels ≥ 1` divides `values.count` (or no values).
    public init(fitting values: UnsafeBufferPointer<Float>, bits: Int, channels: Int = 1) {
        precondition(Self.supports(bits: bits), "bits must be 2…16")
        precondition(channels >= 1 && (values.isEmpty || values.count % channels == 0), "channels must divide the values")
        self.bits = bits
        let l = Float((1 << (bits - 1)) - 1)
        let run = values.isEmpty ? 0 : values.count / channels
        var scales = [Float](repeating: 0, count: channels)
        for ch in 0..<channels where run > 0 {
            var largest: Float = 0
            for i in (ch &* run)..<((ch &+ 1) &* run) { largest = max(largest, abs(values[i])) }
            scales[ch] = largest / l
        }
        self.scales = scales
    }

    /// A quantizer with given scales (calibrated elsewhere), one per channel.
    /// - Precondition: `bits` in 2…16; at least one scale, none negative.
    public init(bits: Int, scales: [Float]) {
        precondition(Self.supports(bits: bits) && !scales.isEmpty && scales.allSatisfy { $0 >= 0 }, "bad quantizer")
        self.bits = bits
        self.scales = scales
    }

    /// A quantizer fitted to `values` (see `init(fitting:bits:channels:)`).
    public init(fitting values: [Float], bits: Int, channels: Int = 1) {
        self = values.withUnsafeBufferPointer { Self(fitting: $0, bits: bits, channels: channels) }
    }

    /// The integer level of `value` in `channel`.
    @inline(__always)
    public func level(_ value: Float, channel: Int = 0) -> Int {
        let scale = scales[channel]
        guard scale > 0, value.isFinite else { return 0 }
        let l = Float(levels)
        return Int(max(-l, min(l, (value / scale).rounded())))
    }

    /// Every value's integer level.
    /// - Precondition: `values.count` is a multiple of the channel count.
    public func quantize(_ values: [Float]) -> [Int] {
        let run = values.count / scales.count
        return values.indices.map { level(values[$0], channel: run > 0 ? $0 / run : 0) }
    }

    /// Values back from their levels.
    /// - Precondition: `levels.count` is a multiple of the channel count.
    public func dequantize(_ levels: [Int]) -> [Float] {
        let run = levels.count / scales.count
        return levels.indices.map { Float(levels[$0]) * scales[run > 0 ? $0 / run : 0] }
    }

    /// Replaces every value by its quantized value (quantize, then dequantize).
    /// - Precondition: `values.count` is a multiple of the channel count.
    /// - Complexity: O(n).
    public func fakeQuantize(_ values: UnsafeMutableBufferPointer<Float>) {
        let run = values.count / scales.count
        guard run > 0 else { return }
        for ch in 0..<scales.count {
            let scale = scales[ch]
            for i in (ch &* run)..<((ch &+ 1) &* run) {
                values[i] = Float(level(values[i], channel: ch)) * scale
            }
        }
    }

    /// Every value quantized (see `fakeQuantize(_:)` on a buffer).
    public func fakeQuantized(_ values: [Float]) -> [Float] {
        var out = values
        out.withUnsafeMutableBufferPointer { fakeQuantize($0) }
        return out
    }
}

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
