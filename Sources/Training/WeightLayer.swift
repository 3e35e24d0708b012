import Trace

// MARK: - WeightLayer

/// A convolution or linear layer: the layers sparse training masks and traces record.
///
/// The weight is viewed as a `K × C × R × S` array (linear layers: `R = S = 1`). When
/// `weightMask` is set, forward and the input gradient use `W ⊙ mask`; the weight gradient
/// stays dense (methods that need it sparse mask it themselves). When `activationDensity` is
/// set (SWAT), only the inputs with `|x| ≥ activationThreshold` are kept for the weight
/// gradient; the forward pass stays dense.
public protocol WeightLayer: Layer {
    /// The weight.
    var weight: Parameter { get }
    /// `(K, C, R, S)` of the weight.
    var weightDimensions: (k: Int, c: Int, r: Int, s: Int) { get }
    /// 1 where a weight is used, 0 where it is pruned; nil for a dense layer.
    var weightMask: Tensor? { get set }
    /// SWAT: the fraction of input activations kept for the weight gradient; nil keeps all.
    var activationDensity: Double? { get set }
    /// SWAT: recompute the activation threshold on the next training forward pass.
    var refreshActivationThreshold: Bool { get set }
    /// SWAT: the current activation threshold (`-infinity` until first computed).
    var activationThreshold: Float { get set }
    /// SWAT: the fraction of the inputs kept when the threshold was last computed.
    var keptActivationFraction: Double { get }
    /// The layer's input of the last forward pass.
    var lastInput: Tensor? { get }
    /// Sets the SWAT activation threshold and kept fraction (resuming from a checkpoint).
    func restoreActivationState(threshold: Float, keptFraction: Double)
}

extension WeightLayer {
    /// Weights in the layer.
    public var weightCount: Int { weight.value.count }
}

// MARK: - Masked weights and sparse activations

/// Shared helpers of the masked layers.
enum Masking {
    /// `out = w ⊙ mask`.
    /// - Complexity: O(n).
    static func apply(_ w: UnsafeBufferPointer<Float>, _ mask: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<w.count { out[i] = w[i] * mask[i] }
    }

    /// Zeroes the elements with `|v| < threshold`.
    /// - Complexity: O(n).
    static func keepLarge(_ v: UnsafeMutableBufferPointer<Float>, threshold: Float) {
        for i in 0..<v.count {
            let x = v[i]
            v[i] = abs(x) >= threshold ? x : 0
        }
    }

    /// `out = v` where `|v| ≥ threshold`, else 0.
    static func keepLarge(_ v: UnsafeBufferPointer<Float>, threshold: Float, into out: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<v.count {
            let x = v[i]
            out[i] = abs(x) >= threshold ? x : 0
        }
    }

    /// The TopK threshold of `x` keeping `density` of its elements, and the fraction kept by it.
    static func activationThreshold(_ x: UnsafeBufferPointer<Float>, density: Double, scratch: inout [Float]) -> (Float, Double) {
        let keep = TopK.keptCount(density: density, of: x.count)
        let threshold = TopK.threshold(magnitudes: x, keep: keep, scratch: &scratch)
        var kept = 0
        for v in x where abs(v) >= threshold && v != 0 { kept &+= 1 }
        return (threshold, x.isEmpty ? 0 : Double(kept) / Double(x.count))
    }
}
