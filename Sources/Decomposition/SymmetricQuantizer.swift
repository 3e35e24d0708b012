import SparseSimCore

// MARK: - SymmetricQuantizer

/// A symmetric uniform quantizer: `q = clamp(round(v / scale), −L, L)` with `L = 2^(bits−1) − 1`
/// and `scale = max|v| / L`, one scale for the whole tensor or one per channel (the leading
/// axis). Zero maps to zero exactly, and every value within the fitted range comes back within
/// half a step (`scale / 2`).
package struct SymmetricQuantizer: Equatable, Sendable {
    /// Bits per quantized value, sign included.
    package let bits: Int
    /// One scale per channel (one in all for per-tensor scaling).
    package let scales: [Float]

    /// The largest level, `2^(bits−1) − 1`.
    package var levels: Int { (1 << (bits - 1)) - 1 }
    /// Bits of the stored scales (32-bit floats).
    package var scaleBits: Int { scales.count * 32 }

    /// Whether `bits` is a width the quantizer supports (2…16).
    package static func supports(bits: Int) -> Bool { bits >= 2 && bits <= 16 }

    /// A quantizer fitted to `values`: per tensor (`channels == 1`) or per channel, the values
    /// split into `channels` equal consecutive runs.
    /// - Precondition: `bits` in 2…16; `channels ≥ 1` divides `values.count` (or no values).
    package init(fitting values: UnsafeBufferPointer<Float>, bits: Int, channels: Int = 1) {
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
    package init(bits: Int, scales: [Float]) {
        precondition(Self.supports(bits: bits) && !scales.isEmpty && scales.allSatisfy { $0 >= 0 }, "bad quantizer")
        self.bits = bits
        self.scales = scales
    }

    /// A quantizer fitted to `values` (see `init(fitting:bits:channels:)`).
    package init(fitting values: [Float], bits: Int, channels: Int = 1) {
        self = values.withUnsafeBufferPointer { Self(fitting: $0, bits: bits, channels: channels) }
    }

    /// The integer level of `value` in `channel`.
    @inline(__always)
    package func level(_ value: Float, channel: Int = 0) -> Int {
        let scale = scales[channel]
        guard scale > 0, value.isFinite else { return 0 }
        let l = Float(levels)
        return Int(max(-l, min(l, (value / scale).rounded())))
    }

    /// Every value's integer level.
    /// - Precondition: `values.count` is a multiple of the channel count.
    package func quantize(_ values: [Float]) -> [Int] {
        let run = values.count / scales.count
        return values.indices.map { level(values[$0], channel: run > 0 ? $0 / run : 0) }
    }

    /// Values back from their levels.
    /// - Precondition: `levels.count` is a multiple of the channel count.
    func dequantize(_ levels: [Int]) -> [Float] {
        let run = levels.count / scales.count
        return levels.indices.map { Float(levels[$0]) * scales[run > 0 ? $0 / run : 0] }
    }

    /// Replaces every value by its quantized value (quantize, then dequantize).
    /// - Precondition: `values.count` is a multiple of the channel count.
    /// - Complexity: O(n).
    package func fakeQuantize(_ values: UnsafeMutableBufferPointer<Float>) {
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
    func fakeQuantized(_ values: [Float]) -> [Float] {
        var out = values
        out.withUnsafeMutableBufferPointer { fakeQuantize($0) }
        return out
    }
}
