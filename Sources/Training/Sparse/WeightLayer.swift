import SparseSimCore
import Trace

// MARK: - WeightLayer

/// A convolution or linear layer: the layers sparse training masks and traces record.
///
/// The weight is viewed as a `K × C × R × S` array (linear layers: `R = S = 1`). When
/// `weightMask` is set, forward and the input gradient use `W ⊙ mask`; the weight gradient
/// stays dense (methods that need it sparse mask it themselves). When `activationDensity` is
/// set (SWAT), only the inputs with `|x| ≥ activationThreshold` are kept for the weight
/// gradient; the forward pass stays dense.
package protocol WeightLayer: Layer {
    /// The weight.
    var weight: Parameter { get }
    /// `(K, C, R, S)` of the weight.
    var weightDimensions: (k: Int, c: Int, r: Int, s: Int) { get }
    /// The layer's sparse-training state.
    var sparsity: LayerSparsity { get }
    /// The layer's input of the last forward pass.
    var lastInput: Tensor? { get }
    /// The layer's own output of the last forward pass (before BatchNorm or an activation).
    var lastOutput: Tensor? { get }
}

extension WeightLayer {
    /// Weights in the layer.
    package var weightCount: Int { weight.value.count }

    /// 1 where a weight is used, 0 where it is pruned; nil for a dense layer.
    package var weightMask: Tensor? {
        get { sparsity.weightMask }
        set { sparsity.weightMask = newValue }
    }

    /// SWAT: the fraction of input activations kept for the weight gradient; nil keeps all.
    package var activationDensity: Double? {
        get { sparsity.activationDensity }
        set { sparsity.activationDensity = newValue }
    }

    /// SWAT: recompute the activation threshold on the next training forward pass.
    package var refreshActivationThreshold: Bool {
        get { sparsity.refreshActivationThreshold }
        set { sparsity.refreshActivationThreshold = newValue }
    }

    /// SWAT: the current activation threshold (`-infinity` until first computed).
    package var activationThreshold: Float { sparsity.activationThreshold }

    /// SWAT: the fraction of the inputs kept when the threshold was last computed.
    package var keptActivationFraction: Double { sparsity.keptActivationFraction }
}

// MARK: - LayerSparsity

/// One weight layer's sparse-training state and scratch: its mask, the masked weights of the
/// last forward pass, and SWAT's activation threshold and sparse inputs.
package final class LayerSparsity {
    /// 1 where a weight is used, 0 where it is pruned; nil for a dense layer.
    package var weightMask: Tensor?
    /// SWAT: the fraction of input activations kept for the weight gradient; nil keeps all.
    package var activationDensity: Double?
    /// SWAT: recompute the activation threshold on the next training forward pass.
    package var refreshActivationThreshold = true
    /// SWAT: the current activation threshold (`-infinity` until first computed).
    package internal(set) var activationThreshold: Float = -.infinity
    /// SWAT: the fraction of the inputs kept when the threshold was last computed.
    package internal(set) var keptActivationFraction = 1.0

    /// `W ⊙ mask` of the last forward pass.
    let maskedWeight = Tensor(shape: [0])
    /// SWAT: the sparse input `x_s` (linear and pointwise layers), kept for the weight gradient.
    let sparseInput = Tensor(shape: [0])
    var thresholdScratch: [Float] = []
    /// Whether the last forward pass used `maskedWeight`, and whether it kept sparse inputs.
    var forwardUsedMask = false, forwardSparseInputs = false

    /// Which kernels the layer uses: `auto` picks sparse ones below the measured crossover.
    package var kernelMode = SparseKernelMode.auto
    /// Whether the weight gradient is needed only at the mask's non-zeros this step (set by
    /// `SparseTraining`: static, SET, and RigL between mask updates).
    package var samplesWeightGradient = false
    /// The kernels of the last training forward pass and its backward pass.
    package internal(set) var plan = KernelPlan()
    /// The fraction of non-zeros in the mask at the last forward pass (1 without a mask).
    package internal(set) var maskDensity = 1.0
    /// The non-zero weights of the last forward pass arranged for the forward kernel and the
    /// sampled weight gradient, and transposed for the input gradient.
    let forwardRows = SparseRows(), inputRows = SparseRows()
    /// Whether `inputRows` was built from the current `forwardRows`.
    var inputRowsReady = false
    /// A plan imposed on every pass (the kernel benchmark times one pass at a time).
    var planOverride: KernelPlan?

    /// The state of a dense layer.
    package init() {}

    /// Decides the kernels of this pass (call after `beginForward`, which sets SWAT's kept
    /// fraction): sparse ones only where `supported` (the layer's geometry has them) and the
    /// layer is masked.
    func planKernels(policy: SparseKernelPolicy, supported: Bool, phase: Phase) {
        plan = KernelPlan()
        inputRowsReady = false
        guard let mask = weightMask else { maskDensity = 1; return }
        if let forced = planOverride, supported {
            plan = forced
            if !forwardSparseInputs && plan.weightGradient == .sparseInput { plan.weightGradient = .dense }
            plan.denseWeight = !(plan.forward && plan.inputGradient)
            return
        }
        let m = mask.readBuffer
        var nnz = 0
        for i in 0..<m.count where m[i] != 0 { nnz &+= 1 }
        maskDensity = m.isEmpty ? 1 : Double(nnz) / Double(m.count)
        guard supported, kernelMode != .dense else { return }
        let always = kernelMode == .sparse
        plan.forward = always || maskDensity < policy.forward
        plan.denseWeight = !plan.forward
        guard phase == .training else { return }
        plan.inputGradient = always || maskDensity < policy.inputGradient
        plan.denseWeight = !(plan.forward && plan.inputGradient)
        if forwardSparseInputs {
            if always || keptActivationFraction < policy.sparseInputWeightGradient { plan.weightGradient = .sparseInput }
        } else if samplesWeightGradient && (always || maskDensity < policy.sampledWeightGradient) {
            plan.weightGradient = .sampled
        }
    }

    /// Builds `maskedWeight` when a dense pass needs it (`W ⊙ mask`), or marks the plain weight
    /// as the one to use.
    /// - Complexity: O(weights) when masked.
    func prepareDenseWeight(_ weight: Tensor) -> UnsafeBufferPointer<Float> {
        forwardUsedMask = weightMask != nil && plan.denseWeight
        guard forwardUsedMask, let mask = weightMask else { return weight.readBuffer }
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
