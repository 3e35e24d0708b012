import Foundation
import SparseSimCore

// MARK: - KernelBenchmark

/// The crossover densities of the sparse kernels (`sparsesim bench kernels`): for every weight
/// layer of a model at its real shape and batch, each pass timed with the dense and the sparse
/// kernel over a grid of densities (random masks; for SWAT's weight gradient, the kept fraction
/// of the inputs). `SparseKernelPolicy`'s constants come from these measurements.
package enum KernelBenchmark {
    /// The four passes a policy decides.
    package enum Pass: String, CaseIterable, Codable, Sendable {
        case forward
        case inputGradient = "input-gradient"
        case sampledWeightGradient = "sampled-weight-gradient"
        case sparseInputWeightGradient = "sparse-input-weight-gradient"
    }

    /// One layer and pass.
    package struct Row: Codable, Sendable {
        /// Layer name, `conv` or `linear`, and the pass.
        package var layer: String, kind: String, pass: Pass
        /// The densities measured, and dense time ÷ sparse time at each (above 1: sparse wins).
        package var densities: [Double], speedups: [Double]
        /// The density below which sparse wins (interpolated; 0 when it never wins, 1 when it
        /// always does).
        package var crossover: Double
    }

    /// Measures every stride-1 convolution and linear layer of `model` (the first layer only
    /// when `includeFirst`: it is dense by default in sparse training).
    /// - Throws: `SparseSimError` for an unknown model.
    package static func run(model name: String, batch: Int = 128, densities: [Double], repetitions: Int = 5,
                           threads: Int = 1, includeFirst: Bool = false, seed: UInt64 = 1) throws -> [Row] {
        var rng = RandomGenerator(seed: seed)
        let model = try Model.make(name, rng: &rng)
        model.threads = threads
        BLAS.setThreads(threads)
        // Every layer's real input: one forward pass of a random batch.
        let x = Tensor(shape: [batch] + model.inputShape)
        let xb = x.buffer
        for i in 0..<xb.count { xb[i] = rng.nextNormal() }
        _ = model.forward(x, phase: .training)
        var rows: [Row] = []
        for (index, layer) in model.weightLayers.enumerated() where includeFirst || index > 0 {
            if let conv = layer as? Conv2d, !conv.supportsSparseKernels { continue }
            guard let input = layer.lastInput else { continue }
            let inputCopy = Tensor(shape: input.shape)
            inputCopy.copy(from: input)
            if let conv = layer as? Conv2d { conv.computesInputGradient = true }
            if let linear = layer as? Linear { linear.computesInputGradient = true }
            let outShape = try layer.outputShape(input.shape)
            let dy = Tensor(shape: outShape)
            let dyb = dy.buffer
            for i in 0..<dyb.count { dyb[i] = rng.nextNormal() }
            let kind = layer is Conv2d ? "conv" : "linear"
            for pass in Pass.allCases {
                var speedups: [Double] = []
                for d in densities {
                    setMask(layer, density: pass == .sparseInputWeightGradient ? 1 : d, rng: &rng)
                    layer.activationDensity = pass == .sparseInputWeightGradient ? d : nil
                    let dense = time(layer, plan: KernelPlan(), pass: pass, x: inputCopy, dy: dy, repetitions: repetitions)
                    var plan = KernelPlan()
                    switch pass {
                    case .forward: plan.forward = true
                    case .inputGradient: plan.inputGradient = true
                    case .sampledWeightGradient: plan.weightGradient = .sampled
                    case .sparseInputWeightGradient: plan.weightGradient = .sparseInput
                    }
                    let sparse = time(layer, plan: plan, pass: pass, x: inputCopy, dy: dy, repetitions: repetitions)
                    speedups.append(dense / sparse)
                }
                rows.append(Row(layer: layer.name, kind: kind, pass: pass, densities: densities, speedups: speedups,
                                crossover: crossover(densities, speedups)))
            }
            layer.sparsity.planOverride = nil
            layer.activationDensity = nil
            layer.weightMask = nil
        }
        return rows
    }

    /// The density where the speedup crosses 1, interpolated linearly between grid points.
    static func crossover(_ densities: [Double], _ speedups: [Double]) -> Double {
        guard let first = speedups.firstIndex(where: { $0 < 1 }) else { return 1 }
        if first == 0 { return 0 }
        let (d0, d1, s0, s1) = (densities[first - 1], densities[first], speedups[first - 1], speedups[first])
        return d0 + (d1 - d0) * (s0 - 1) / (s0 - s1)
    }

    static func setMask(_ layer: any WeightLayer, density: Double, rng: inout RandomGenerator) {
        let mask = Tensor(shape: layer.weight.value.shape)
        let m = mask.buffer
        for i in 0..<m.count { m[i] = Double(rng.nextUniform()) < density ? 1 : 0 }
        layer.weightMask = mask
    }

    /// The fastest of `repetitions` runs: forward alone for the forward pass, forward and
    /// backward for the others (the forward part is the same dense one in both timings).
    static func time(_ layer: any WeightLayer, plan: KernelPlan, pass: Pass, x: Tensor, dy: Tensor, repetitions: Int) -> Double {
        layer.sparsity.planOverride = plan
        var best = Double.infinity
        for r in 0...repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = layer.forward(x, phase: .training)
            if pass != .forward { _ = layer.backward(dy) }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if r > 0 { best = min(best, seconds) }
        }
        return best
    }
}
