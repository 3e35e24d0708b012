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
    /// The layer's sparse-training state.
    var sparsity: LayerSparsity { get }
    /// The layer's input of the last forward pass.
    var lastInput: Tensor? { get }
}

extension WeightLayer {
    /// Weights in the layer.
    public var weightCount: Int { weight.value.count }

    /// 1 where a weight is used, 0 where it is pruned; nil for a dense layer.
    public var weightMask: Tensor? {
        get { sparsity.weightMask }
        set { sparsity.weightMask = newValue }
    }

    /// SWAT: the fraction of input activations kept for the weight gradient; nil keeps all.
    public var activationDensity: Double? {
        get { sparsity.activationDensity }
        set { sparsity.activationDensity = newValue }
    }

    /// SWAT: recompute the activation threshold on the next training forward pass.
    public var refreshActivationThreshold: Bool {
        get { sparsity.refreshActivationThreshold }
        set { sparsity.refreshActivationThreshold = newValue }
    }

    /// SWAT: the current activation threshold (`-infinity` until first computed).
    public var activationThreshold: Float { sparsity.activationThreshold }

    /// SWAT: the fraction of the inputs kept when the threshold was last computed.
    public var keptActivationFraction: Double { sparsity.keptActivationFraction }
}

// MARK: - LayerSparsity

/// One weight layer's sparse-training state and scratch: its mask, the masked weights of the
/// last forward pass, and SWAT's activation threshold and sparse inputs.
public final class LayerSparsity {
    /// 1 where a weight is used, 0 where it is pruned; nil for a dense layer.
    public var weightMask: Tensor?
    /// SWAT: the fraction of input activations kept for the weight gradient; nil keeps all.
    public var activationDensity: Double?
    /// SWAT: recompute the activation threshold on the next training forward pass.
    public var refreshActivationThreshold = true
    /// SWAT: the current activation threshold (`-infinity` until first computed).
    public internal(set) var activationThreshold: Float = -.infinity
    /// SWAT: the fraction of the inputs kept when the threshold was last computed.
    public internal(set) var keptActivationFraction = 1.0

    /// `W ⊙ mask` of the last forward pass.
    let maskedWeight = Tensor(shape: [0])
    /// SWAT: the sparse input `x_s` (linear and pointwise layers), kept for the weight gradient.
    let sparseInput = Tensor(shape: [0])
    var thresholdScratch: [Float] = []
    /// Whether the last forward pass used `maskedWeight`, and whether it kept sparse inputs.
    var forwardUsedMask = false, forwardSparseInputs = false

    /// The state of a dense layer.
    public init() {}

    /// The weights a forward pass uses (`W ⊙ mask` when masked), remembered for backward.
    /// - Complexity: O(weights) when masked.
    func forwardWeight(_ weight: Tensor) -> UnsafeBufferPointer<Float> {
        forwardUsedMask = weightMask != nil
        guard let mask = weightMask else { return weight.readBuffer }
        maskedWeight.resize(weight.shape)
        Masking.apply(weight.readBuffer, mask.readBuffer, into: maskedWeight.buffer)
        return maskedWeight.readBuffer
    }

    /// The weights the last forward pass used, for the input gradient.
    func backwardWeight(_ weight: Tensor) -> UnsafeBufferPointer<Float> {
        forwardUsedMask ? maskedWeight.readBuffer : weight.readBuffer
    }

    /// Starts a forward pass on `x`: whether SWAT keeps sparse inputs for backward (training
    /// with an activation density), recomputing the threshold when asked to.
    func beginForward(_ x: Tensor, phase: Phase) -> Bool {
        forwardSparseInputs = phase == .training && activationDensity != nil
        if forwardSparseInputs, let density = activationDensity, refreshActivationThreshold || !activationThreshold.isFinite {
            (activationThreshold, keptActivationFraction) = Masking.activationThreshold(x.readBuffer, density: density,
                                                                                       scratch: &thresholdScratch)
            refreshActivationThreshold = false
        }
        return forwardSparseInputs
    }

    /// Keeps `x_s = x ⊙ [|x| ≥ τ]` in `sparseInput`.
    func keepSparseInput(_ x: Tensor) {
        sparseInput.resize(x.shape)
        Masking.keepLarge(x.readBuffer, threshold: activationThreshold, into: sparseInput.buffer)
    }

    /// Sets the SWAT activation threshold and kept fraction (resuming from a checkpoint).
    func restoreActivationState(threshold: Float, keptFraction: Double) {
        activationThreshold = threshold
        keptActivationFraction = keptFraction
    }
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
