import CSparseKernels

// MARK: - BatchNorm2d

/// Batch normalization over `[N, C, H, W]` per channel (Ioffe & Szegedy, 2015), PyTorch's
/// conventions: biased batch variance to normalize, unbiased for the running estimate,
/// momentum 0.1, ε = 1e-5.
package final class BatchNorm2d: Layer, ThreadedLayer {
    package let name: String
    /// Channels.
    package let channels: Int
    /// Scale γ (starts at 1) and shift β (starts at 0); no weight decay.
    package let gamma: Parameter, beta: Parameter
    /// Running mean and variance, used in evaluation.
    package let runningMean: Tensor, runningVar: Tensor
    /// Running-statistics momentum and the variance epsilon.
    package let momentum: Float, epsilon: Float
    package var parameters: [Parameter] { [gamma, beta] }
    package var buffers: [(name: String, tensor: Tensor)] {
        [("\(name).running_mean", runningMean), ("\(name).running_var", runningVar)]
    }

    /// Whether a ReLU is fused into the output (`max(BN(x), 0)`): one pass over memory instead
    /// of two forward and backward.
    package let fusesReLU: Bool

    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    /// The forward pass's input, kept for backward: x̂ is recomputed from it (the same float
    /// operations as forward) rather than stored.
    var input = Tensor(shape: [0])
    var inputPhase = Phase.training
    let savedMean: Tensor
    let inverseStd: Tensor
    /// Threads the channels are split between (each channel's statistics are computed by one
    /// thread, so results do not depend on the thread count).
    package var threads = 1

    /// A layer for `channels` channels; `relu` fuses the ReLU that follows.
    package init(_ name: String, channels: Int, relu: Bool = false, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        self.name = name
        self.channels = channels
        self.fusesReLU = relu
        self.momentum = momentum
        self.epsilon = epsilon
        gamma = Parameter(name: "\(name).weight", shape: [channels], decays: false)
        beta = Parameter(name: "\(name).bias", shape: [channels], decays: false)
        gamma.value.fill(1)
        runningMean = Tensor(shape: [channels])
        runningVar = Tensor(shape: [channels])
        runningVar.fill(1)
        savedMean = Tensor(shape: [channels])
        inverseStd = Tensor(shape: [channels])
    }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        guard shape.count == 4, shape[1] == channels else {
            throw shapeError(name, "expects [N, \(channels), H, W] input, got \(shape)")
        }
        return shape
    }

    /// - Complexity: O(N·C·H·W); the statistics pass and the normalization of a channel read
    ///   the channel from L2, the input once from memory.
    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        let (n, c, hw) = (x.shape[0], x.shape[1], x.shape[2] &* x.shape[3])
        output.resize(x.shape)
        input = x
        inputPhase = phase
        let xs = x.readBuffer, y = output.buffer
        let g = gamma.value.readBuffer, b = beta.value.readBuffer
        let rm = runningMean.buffer, rv = runningVar.buffer, istd = inverseStd.buffer, sm = savedMean.buffer
        let (momentum, epsilon) = (self.momentum, self.epsilon)
        let relu: Int32 = fusesReLU ? 1 : 0
        let count = n &* hw
        let training = phase == .training
        Parallel.chunks(c, threads: threads, minimum: count >= 4096 ? 2 : Int.max) { channels in
            for ch in channels {
                var mean: Float = 0, variance: Float
                if training {
                    var sq: Double = 0
                    ss_bn_moments(xs.baseAddress, n, c, hw, ch, &mean, &sq)
                    variance = Float(sq / Double(count))
                    let unbiased = count > 1 ? Float(sq / Double(count - 1)) : variance
                    rm[ch] = (1 - momentum) * rm[ch] + momentum * mean
                    rv[ch] = (1 - momentum) * rv[ch] + momentum * unbiased
                } else {
                    mean = rm[ch]
                    variance = rv[ch]
                }
                let inv = 1 / (variance + epsilon).squareRoot()
                istd[ch] = inv
                sm[ch] = mean
                ss_bn_normalize(xs.baseAddress, y.baseAddress, n, c, hw, ch, mean, inv, g[ch], b[ch], relu)
            }
        }
        return output
    }

    /// The backward of the last forward: in training mode `dx = γ/σ · (g − mean(g) − x̂·mean(g·x̂))`
    /// (the batch statistics depend on x), in evaluation mode `dx = γ/σ · g` (fixed running
    /// statistics), where `g` is `dy` masked by the fused ReLU's output when there is one.
    /// - Complexity: O(N·C·H·W).
    package func backward(_ dy: Tensor) -> Tensor {
        let (n, c, hw) = (dy.shape[0], dy.shape[1], dy.shape[2] &* dy.shape[3])
        inputGrad.resize(dy.shape)
        let g = dy.readBuffer, xs = input.readBuffer, dx = inputGrad.buffer
        let y: UnsafePointer<Float>? = fusesReLU ? output.readBuffer.baseAddress : nil
        let dgamma = gamma.grad.buffer, dbeta = beta.grad.buffer, gv = gamma.value.readBuffer
        let istd = inverseStd.readBuffer, sm = savedMean.readBuffer
        let count = Double(n &* hw)
        let training = inputPhase == .training
        Parallel.chunks(c, threads: threads, minimum: n &* hw >= 4096 ? 2 : Int.max) { channels in
            for ch in channels {
                var sumDy: Double = 0, sumDyXh: Double = 0
                ss_bn_backward_sums(g.baseAddress, y, xs.baseAddress, n, c, hw, ch, sm[ch], istd[ch], &sumDy, &sumDyXh)
                dbeta[ch] = Float(sumDy)
                dgamma[ch] = Float(sumDyXh)
                let k = gv[ch] * istd[ch]
                ss_bn_backward_dx(g.baseAddress, y, xs.baseAddress, dx.baseAddress, n, c, hw, ch, sm[ch], istd[ch], k,
                                  training ? Float(sumDy / count) : 0, training ? Float(sumDyXh / count) : 0)
            }
        }
        return inputGrad
    }
}
