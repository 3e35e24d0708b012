// MARK: - SGD

/// Stochastic gradient descent with momentum, PyTorch's formulation:
/// `g ← ∇ + λ·w` (λ only where the parameter decays), `v ← μ·v + g`, and
/// `w ← w − η·v`, or with Nesterov `w ← w − η·(g + μ·v)`.
package final class SGD {
    /// The parameters, in model order.
    package let parameters: [Parameter]
    /// One momentum buffer per parameter.
    package let momenta: [Tensor]
    /// Momentum μ and weight decay λ.
    package var momentum: Float, weightDecay: Float
    /// Nesterov momentum.
    package var nesterov: Bool

    /// An optimizer for `parameters`.
    package init(parameters: [Parameter], momentum: Float, weightDecay: Float, nesterov: Bool) {
        self.parameters = parameters
        momenta = parameters.map { Tensor(shape: $0.value.shape) }
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    /// One step at learning rate `lr`.
    /// - Complexity: O(parameters).
    package func step(lr: Float) {
        for (p, m) in zip(parameters, momenta) {
            let w = p.value.buffer, g = p.grad.readBuffer, v = m.buffer
            let decay = p.decays ? weightDecay : 0
            let mu = momentum
            for i in 0..<w.count {
                let grad = g[i] + decay * w[i]
                let vel = mu * v[i] + grad
                v[i] = vel
                w[i] -= lr * (nesterov ? grad + mu * vel : vel)
            }
        }
    }
}

// MARK: - LearningRateSchedule

/// How the learning rate changes over training (per step), after an optional linear warm-up.
package enum LearningRateSchedule: String, CaseIterable, Sendable {
    /// The base rate throughout.
    case constant
    /// ×0.1 at 50 % and again at 75 % of training.
    case step
    /// `η/2 · (1 + cos(π·t/T))`.
    case cosine

    /// The rate at `step` of `total`, warming up linearly over the first `warmup` steps.
    package func rate(base: Float, step: Int, total: Int, warmup: Int) -> Float {
        if warmup > 0 && step < warmup { return base * Float(step + 1) / Float(warmup) }
        let t = Double(step - warmup), span = Double(max(total - warmup, 1))
        switch self {
        case .constant: return base
        case .step:
            let f = t / span
            return base * (f >= 0.75 ? 0.01 : f >= 0.5 ? 0.1 : 1)
        case .cosine: return Float(Double(base) * 0.5 * (1 + cos(Double.pi * min(t / span, 1))))
        }
    }
}

import Foundation
