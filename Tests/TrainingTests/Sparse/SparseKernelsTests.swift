import SparseSimCore
import Testing

@testable import Training

/// The sparse kernels equal the dense computation with masked weights: forward, input
/// gradient, sampled weight gradient (equal to the dense gradient on the mask, zero off it)
/// and SWAT's sparse-input weight gradient, on random shapes with empty and full rows.
@Suite struct SparseKernelsTests {
    /// A mask of `density` over `[rows, cols]` with row 0 empty and row 1 full (when there
    /// are enough rows), the rest random.
    static func mask(rows: Int, cols: Int, density: Double, rng: inout RandomGenerator) -> Tensor {
        let m = Tensor(shape: [rows * cols])
        let b = m.buffer
        for r in 0..<rows {
            for c in 0..<cols {
                let keep: Bool
                switch r {
                case 0 where rows > 2: keep = false
                case 1 where rows > 2: keep = true
                default: keep = Double(rng.nextUniform()) < density
                }
                b[r * cols + c] = keep ? 1 : 0
            }
        }
        return m
    }

    /// max |a − b| ÷ max |b|.
    static func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        let scale = b.map(abs).max() ?? 0
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        return scale == 0 ? worst : worst / scale
    }

    struct Result { var y: [Float], dx: [Float], dw: [Float], plan: KernelPlan }

    /// Forward and backward of `layer` with `mode`, masked by `mask`.
    static func run(_ layer: any WeightLayer, mode: SparseKernelMode, mask: Tensor, x: Tensor, dy: Tensor,
                    samples: Bool, activationDensity: Double?) -> Result {
        layer.weightMask = Tensor(shape: layer.weight.value.shape, values: mask.array)
        layer.sparsity.kernelMode = mode
        layer.sparsity.samplesWeightGradient = samples
        layer.activationDensity = activationDensity
        let y = layer.forward(x, phase: .training).array
        let dx = layer.backward(dy).array
        return Result(y: y, dx: dx, dw: layer.weight.grad.array, plan: layer.sparsity.plan)
    }

    /// Runs a fresh layer dense and sparse on the same inputs and compares every pass.
    static func compare(_ make: () -> any WeightLayer, input shape: [Int], density: Double, seed: UInt64,
                        threads: Int = 1) throws {
        var rng = RandomGenerator(seed: seed)
        let probe = make()
        let d = probe.weightDimensions
        let mask = Self.mask(rows: d.k, cols: d.c * d.r * d.s, density: density, rng: &rng)
        let x = GradientCheck.randomTensor(shape, &rng)
        let dy = GradientCheck.randomTensor(try probe.outputShape(shape), &rng)
        let cases: [(samples: Bool, swat: Double?)] = [(false, nil), (true, nil), (false, 0.1)]
        for (samples, swat) in cases {
            let dense = make(), sparse = make()
            (dense as? ThreadedLayer)?.threads = threads
            (sparse as? ThreadedLayer)?.threads = threads
            let a = run(dense, mode: .dense, mask: mask, x: x, dy: dy, samples: samples, activationDensity: swat)
            let b = run(sparse, mode: .sparse, mask: mask, x: x, dy: dy, samples: samples, activationDensity: swat)
            #expect(a.plan == KernelPlan())
            #expect(b.plan.forward && b.plan.inputGradient)
            let expected: KernelPlan.WeightGradient = swat != nil ? .sparseInput : samples ? .sampled : .dense
            #expect(b.plan.weightGradient == expected)
            let label = "\(probe.name) density \(density) samples \(samples) swat \(swat.map { "\($0)" } ?? "-")"
            #expect(relativeError(b.y, a.y) < 1e-5, "forward: \(label)")
            #expect(relativeError(b.dx, a.dx) < 1e-5, "input gradient: \(label)")
            // The sampled gradient is the dense one on the mask and zero off it.
            let m = mask.array
            let reference = samples ? zip(a.dw, m).map { $0 * $1 } : a.dw
            #expect(relativeError(b.dw, reference) < 1e-5, "weight gradient: \(label)")
            if samples { #expect(zip(b.dw, m).allSatisfy { $1 != 0 || $0 == 0 }, "sampled gradient off the mask: \(label)") }
        }
    }

    @Test(arguments: [0.0, 0.1, 0.5, 1.0])
    func convolutionMatchesDense(density: Double) throws {
        try Self.compare({
            var rng = RandomGenerator(seed: 3)
            return Conv2d("conv", inChannels: 5, outChannels: 7, kernel: 3, padding: 1, bias: true, rng: &rng)
        }, input: [3, 5, 9, 11], density: density, seed: 21)
    }

    @Test func convolutionGeometries() throws {
        // Unpadded, 5×5, pointwise, wide padding, one output row.
        let cases: [(Int, Int, Int, Int, [Int])] = [(4, 6, 5, 0, [2, 4, 12, 10]), (6, 3, 1, 0, [2, 6, 7, 5]),
                                                    (3, 4, 3, 2, [2, 3, 6, 6]), (2, 5, 3, 0, [1, 2, 3, 8])]
        for (i, (c, k, r, pad, shape)) in cases.enumerated() {
            try Self.compare({
                var rng = RandomGenerator(seed: 7)
                return Conv2d("conv\(i)", inChannels: c, outChannels: k, kernel: r, padding: pad, bias: i % 2 == 0, rng: &rng)
            }, input: shape, density: 0.3, seed: UInt64(40 + i))
        }
    }

    @Test func convolutionOnTwoThreads() throws {
        try Self.compare({
            var rng = RandomGenerator(seed: 4)
            return Conv2d("conv", inChannels: 8, outChannels: 6, kernel: 3, padding: 1, bias: false, rng: &rng)
        }, input: [5, 8, 7, 7], density: 0.2, seed: 22, threads: 2)
    }

    @Test(arguments: [0.0, 0.05, 0.5, 1.0])
    func linearMatchesDense(density: Double) throws {
        try Self.compare({
            var rng = RandomGenerator(seed: 5)
            return Linear("fc", inputs: 37, outputs: 13, rng: &rng)
        }, input: [9, 37], density: density, seed: 23)
    }

    @Test func linearOnTwoThreads() throws {
        try Self.compare({
            var rng = RandomGenerator(seed: 6)
            return Linear("fc", inputs: 64, outputs: 33, rng: &rng)
        }, input: [17, 64], density: 0.1, seed: 24, threads: 2)
    }

    /// A weight grown at zero (RigL) is on the mask, so its sampled gradient is computed.
    @Test func zeroWeightOnTheMaskGetsItsGradient() throws {
        var rng = RandomGenerator(seed: 8)
        let layer = Linear("fc", inputs: 6, outputs: 4, rng: &rng)
        layer.weight.value.buffer[5] = 0
        let x = GradientCheck.randomTensor([3, 6], &rng), dy = GradientCheck.randomTensor([3, 4], &rng)
        let r = Self.run(layer, mode: .sparse, mask: Tensor(shape: [24], values: .init(repeating: 1, count: 24)),
                         x: x, dy: dy, samples: true, activationDensity: nil)
        var expected: Float = 0
        for n in 0..<3 { expected += dy.array[n * 4] * x.array[n * 6 + 5] }
        #expect(abs(r.dw[5] - expected) < 1e-6)
        #expect(expected != 0)
    }

    /// `auto` picks the sparse kernels below the policy's crossover and dense above it.
    @Test func autoFollowsThePolicy() {
        var rng = RandomGenerator(seed: 9)
        let layer = Conv2d("conv", inChannels: 4, outChannels: 4, kernel: 3, padding: 1, bias: false, rng: &rng)
        let x = GradientCheck.randomTensor([1, 4, 5, 5], &rng)
        let policy = SparseKernelPolicy.convolution
        for density in [0.02, 0.9] {
            let n = layer.weightCount, kept = Int(density * Double(n))
            layer.weightMask = Tensor(shape: layer.weight.value.shape, values: (0..<n).map { $0 < kept ? 1 : 0 })
            _ = layer.forward(x, phase: .training)
            let d = Double(kept) / Double(n)
            #expect(layer.sparsity.plan.forward == (d < policy.forward))
            #expect(layer.sparsity.plan.inputGradient == (d < policy.inputGradient))
        }
        // A strided convolution has no sparse kernels.
        let strided = Conv2d("s", inChannels: 4, outChannels: 4, kernel: 3, stride: 2, padding: 1, bias: false, rng: &rng)
        strided.weightMask = Tensor(shape: strided.weight.value.shape)
        strided.sparsity.kernelMode = .sparse
        _ = strided.forward(x, phase: .training)
        #expect(strided.sparsity.plan == KernelPlan())
    }

    @Test func dotProductMatchesDoubleSum() {
        var rng = RandomGenerator(seed: 10)
        for n in [0, 1, 15, 16, 17, 100, 1000] {
            let a = (0..<n).map { _ in rng.nextNormal() }, b = (0..<n).map { _ in rng.nextNormal() }
            var exact = 0.0
            for i in 0..<n { exact += Double(a[i]) * Double(b[i]) }
            let got = a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in SparseKernels.dot(pa.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                                                    pb.baseAddress ?? UnsafePointer(bitPattern: 8)!, n) }
            }
            #expect(abs(Double(got) - exact) <= 1e-5 * max(1, Double(n).squareRoot()))
        }
    }
}
