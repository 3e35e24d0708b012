import SparseSimCore

@testable import Training

/// Central finite differences against a layer's backward.
///
/// The scalar is `L = Σ cᵢ·yᵢ` (accumulated in Double) for fixed random `c`, so `∂L/∂y = c`.
/// Perturbing one input or parameter element by ±ε and re-running the forward gives the
/// numerical derivative; the check compares the vectors of checked elements:
/// `‖numeric − analytic‖ / max(‖numeric‖, ‖analytic‖)`.
///
/// Finite differences are wrong across a ReLU's kink: `pattern` (the on/off state of the
/// layer's ReLUs) lets the check skip perturbations that flip any of them; the derivative is
/// then compared where it exists.
enum GradientCheck {
    static func loss(_ y: Tensor, _ c: [Float]) -> Double {
        var s: Double = 0
        for i in 0..<y.count { s += Double(y[i]) * Double(c[i]) }
        return s
    }

    static func randomTensor(_ shape: [Int], _ rng: inout RandomGenerator, scale: Float = 1) -> Tensor {
        let t = Tensor(shape: shape)
        for i in 0..<t.count { t[i] = rng.nextNormal() * scale }
        return t
    }

    /// Relative errors of the input gradient and of every parameter's gradient.
    static func check(_ layer: any Layer, input: Tensor, phase: Phase = .training, epsilon: Float = 1e-2,
                      samples: Int = 60, pattern: (() -> [Bool])? = nil, rng: inout RandomGenerator) -> [String: Double] {
        let y = layer.forward(input, phase: phase)
        let basePattern = pattern?()
        let c = (0..<y.count).map { _ in rng.nextNormal() }
        let dy = Tensor(shape: y.shape, values: c)
        let dx = layer.backward(dy).array
        var analytic: [String: [Float]] = ["input": dx]
        for p in layer.parameters { analytic[p.name] = p.grad.array }

        var errors: [String: Double] = [:]
        var targets: [(String, Tensor)] = [("input", input)]
        for p in layer.parameters { targets.append((p.name, p.value)) }
        for (name, tensor) in targets {
            var num: [Double] = [], ana: [Double] = []
            let picks = tensor.count <= samples ? Array(0..<tensor.count) : (0..<samples).map { _ in rng.nextInt(below: tensor.count) }
            for i in picks {
                let saved = tensor[i]
                tensor[i] = saved + epsilon
                let plus = loss(layer.forward(input, phase: phase), c)
                let plusPattern = pattern?()
                tensor[i] = saved - epsilon
                let minus = loss(layer.forward(input, phase: phase), c)
                let minusPattern = pattern?()
                tensor[i] = saved
                if let basePattern, plusPattern != basePattern || minusPattern != basePattern { continue }
                num.append((plus - minus) / (2 * Double(epsilon)))
                ana.append(Double(analytic[name]![i]))
            }
            if num.isEmpty { continue }
            var diff: Double = 0, nn: Double = 0, na: Double = 0
            for (a, b) in zip(num, ana) { diff += (a - b) * (a - b); nn += a * a; na += b * b }
            errors[name] = diff.squareRoot() / max(nn.squareRoot(), na.squareRoot(), 1e-12)
        }
        return errors
    }
}
