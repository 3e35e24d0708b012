import SparseSimCore
import Testing

@testable import Training

/// BatchNorm against a Double reference written from the definition, and the fused ReLU against
/// BatchNorm followed by a separate ReLU.
@Suite struct BatchNorm2dTests {
    // MARK: - Reference

    /// Forward (training mode) and backward of `y = γ·(x − μ)/√(σ² + ε) + β` per channel in
    /// Double: `dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂))`, `dγ = Σ dy·x̂`, `dβ = Σ dy`.
    static func reference(x: [Float], dy: [Float], n: Int, c: Int, hw: Int, gamma: [Float], beta: [Float],
                          epsilon: Double = 1e-5) -> (y: [Double], dx: [Double], dgamma: [Double], dbeta: [Double],
                                                      mean: [Double], unbiased: [Double]) {
        var y = [Double](repeating: 0, count: x.count), dx = y
        var dgamma = [Double](repeating: 0, count: c), dbeta = dgamma, means = dgamma, unbiased = dgamma
        let m = Double(n * hw)
        for ch in 0..<c {
            var idx: [Int] = []
            for i in 0..<n { idx += Array(((i * c + ch) * hw)..<((i * c + ch + 1) * hw)) }
            var sum = 0.0
            for j in idx { sum += Double(x[j]) }
            let mean = sum / m
            var squares = 0.0
            for j in idx { squares += (Double(x[j]) - mean) * (Double(x[j]) - mean) }
            let variance = squares / m
            let sigma = (variance + epsilon).squareRoot()
            means[ch] = mean
            unbiased[ch] = variance * m / (m - 1)
            var sdy = 0.0, sdyx = 0.0
            for j in idx {
                let xh = (Double(x[j]) - mean) / sigma
                y[j] = Double(gamma[ch]) * xh + Double(beta[ch])
                sdy += Double(dy[j])
                sdyx += Double(dy[j]) * xh
            }
            dgamma[ch] = sdyx
            dbeta[ch] = sdy
            for j in idx {
                let xh = (Double(x[j]) - mean) / sigma
                dx[j] = Double(gamma[ch]) / sigma * (Double(dy[j]) - sdy / m - xh * sdyx / m)
            }
        }
        return (y, dx, dgamma, dbeta, means, unbiased)
    }

    static func maxRelativeError(_ a: [Float], _ b: [Double]) -> Double {
        let scale = max(b.map(abs).max() ?? 1, 1e-12)
        return zip(a, b).map { abs(Double($0) - $1) }.max().map { $0 / scale } ?? 0
    }

    // MARK: - Tests

    /// Shapes with a row length below, at and above the 16-lane vector width, and odd ones.
    @Test(arguments: [[3, 2, 1, 1], [4, 3, 5, 5], [2, 5, 4, 4], [8, 4, 9, 7], [128, 2, 28, 28]])
    func matchesTheDefinition(shape: [Int]) {
        var rng = RandomGenerator(seed: 21)
        let (n, c, hw) = (shape[0], shape[1], shape[2] * shape[3])
        let layer = BatchNorm2d("bn", channels: c)
        for i in 0..<c { layer.gamma.value[i] = 1 + rng.nextNormal() * 0.3; layer.beta.value[i] = rng.nextNormal() }
        let x = GradientCheck.randomTensor(shape, &rng, scale: 2)
        for i in 0..<x.count { x[i] += 3 }  // an offset mean, as a convolution's output has
        let dy = GradientCheck.randomTensor(shape, &rng)
        let ref = Self.reference(x: x.array, dy: dy.array, n: n, c: c, hw: hw, gamma: layer.gamma.value.array,
                                 beta: layer.beta.value.array)
        let y = layer.forward(x, phase: .training).array
        let dx = layer.backward(dy).array
        #expect(Self.maxRelativeError(y, ref.y) < 1e-5, "forward \(shape)")
        #expect(Self.maxRelativeError(dx, ref.dx) < 1e-4, "input gradient \(shape)")
        #expect(Self.maxRelativeError(layer.gamma.grad.array, ref.dgamma) < 1e-5, "dγ \(shape)")
        #expect(Self.maxRelativeError(layer.beta.grad.array, ref.dbeta) < 1e-5, "dβ \(shape)")
        // Running statistics: one step of momentum 0.1 from (0, 1).
        for ch in 0..<c {
            #expect(abs(Double(layer.runningMean[ch]) - 0.1 * ref.mean[ch]) < 1e-5 * max(1, abs(ref.mean[ch])))
            #expect(abs(Double(layer.runningVar[ch]) - (0.9 + 0.1 * ref.unbiased[ch])) < 1e-5 * max(1, ref.unbiased[ch]))
        }
    }

    @Test func evaluationUsesRunningStatistics() {
        let layer = BatchNorm2d("bn", channels: 2)
        layer.runningMean[0] = 1; layer.runningMean[1] = -2
        layer.runningVar[0] = 4; layer.runningVar[1] = 0.25
        layer.gamma.value[1] = 3; layer.beta.value[1] = 0.5
        let x = Tensor(shape: [1, 2, 1, 3], values: [1, 3, 5, -2, -1, -3])
        let y = layer.forward(x, phase: .evaluation).array
        let expected: [Double] = [0, 1, 2].map { $0 / (4 + 1e-5).squareRoot() * 2 }
            + [0, 1, -1].map { 3 * $0 / (0.25 + 1e-5).squareRoot() + 0.5 }
        #expect(Self.maxRelativeError(y, expected) < 1e-6)
    }

    /// After an evaluation forward, backward differentiates the affine map of the running
    /// statistics (what SynFlow's scores need), checked against finite differences.
    @Test(arguments: [false, true])
    func evaluationGradient(relu: Bool) {
        var rng = RandomGenerator(seed: 25)
        let layer = BatchNorm2d("bn", channels: 3, relu: relu)
        for i in 0..<3 {
            layer.gamma.value[i] = 1 + rng.nextNormal() * 0.3; layer.beta.value[i] = rng.nextNormal()
            layer.runningMean[i] = rng.nextNormal(); layer.runningVar[i] = 0.5 + Float(i)
        }
        let x = GradientCheck.randomTensor([2, 3, 4, 4], &rng, scale: 2)
        let errors = GradientCheck.check(layer, input: x, phase: .evaluation, epsilon: 1e-2,
                                         pattern: { layer.output.array.map { $0 > 0 } }, rng: &rng)
        #expect(errors.count == 3)
        for (name, error) in errors { #expect(error < 1e-3, "\(name): \(error)") }
    }

    /// The fused ReLU gives the same bits as BatchNorm then ReLU, forward and backward.
    @Test func fusedReLUEqualsBatchNormThenReLU() {
        var rng = RandomGenerator(seed: 22)
        let shape = [6, 4, 7, 9]
        let x = GradientCheck.randomTensor(shape, &rng, scale: 2)
        let dy = GradientCheck.randomTensor(shape, &rng)
        let fused = BatchNorm2d("bn", channels: 4, relu: true)
        let plain = BatchNorm2d("bn", channels: 4), relu = ReLU("relu")
        for bn in [fused, plain] {
            for i in 0..<4 { bn.gamma.value[i] = Float(i) - 1.5; bn.beta.value[i] = 0.25 * Float(i) }
        }
        let yf = fused.forward(x, phase: .training).array
        let yp = relu.forward(plain.forward(x, phase: .training), phase: .training).array
        #expect(yf == yp)
        #expect(yf.contains(0) && yf.contains { $0 > 0 })
        #expect(fused.backward(dy).array == plain.backward(relu.backward(dy)).array)
        #expect(fused.gamma.grad.array == plain.gamma.grad.array)
        #expect(fused.beta.grad.array == plain.beta.grad.array)
    }

    @Test func fusedReLUGradient() {
        var rng = RandomGenerator(seed: 23)
        let layer = BatchNorm2d("bn", channels: 3, relu: true)
        for i in 0..<3 { layer.gamma.value[i] = 1 + rng.nextNormal() * 0.3; layer.beta.value[i] = rng.nextNormal() }
        let x = GradientCheck.randomTensor([4, 3, 5, 5], &rng, scale: 2)
        let errors = GradientCheck.check(layer, input: x, epsilon: 1e-3,
                                         pattern: { layer.output.array.map { $0 > 0 } }, rng: &rng)
        #expect(errors.count == 3)
        for (name, error) in errors { #expect(error < 1e-2, "\(name): \(error)") }
    }

    @Test func fusedReLUIsThreadIndependent() throws {
        try ThreadedLayerTests.compare({ BatchNorm2d("bn", channels: 32, relu: true) }, input: ThreadedLayerTests.shape,
                                       seed: 24)
    }
}
