// MARK: - BatchNorm2d

/// Batch normalization over `[N, C, H, W]` per channel (Ioffe & Szegedy, 2015), PyTorch's
/// conventions: biased batch variance to normalize, unbiased for the running estimate,
/// momentum 0.1, ε = 1e-5.
public final class BatchNorm2d: Layer, ThreadedLayer {
    public let name: String
    /// Channels.
    public let channels: Int
    /// Scale γ (starts at 1) and shift β (starts at 0); no weight decay.
    public let gamma: Parameter, beta: Parameter
    /// Running mean and variance, used in evaluation.
    public let runningMean: Tensor, runningVar: Tensor
    /// Running-statistics momentum and the variance epsilon.
    public let momentum: Float, epsilon: Float
    public var parameters: [Parameter] { [gamma, beta] }
    public var buffers: [(name: String, tensor: Tensor)] {
        [("\(name).running_mean", runningMean), ("\(name).running_var", runningVar)]
    }

    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    let normalized = Tensor(shape: [0])
    let inverseStd: Tensor
    /// Threads the channels are split between (each channel's statistics are computed by one
    /// thread, so results do not depend on the thread count).
    public var threads = 1

    /// A layer for `channels` channels.
    public init(_ name: String, channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        self.name = name
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        gamma = Parameter(name: "\(name).weight", shape: [channels], decays: false)
        beta = Parameter(name: "\(name).bias", shape: [channels], decays: false)
        gamma.value.fill(1)
        runningMean = Tensor(shape: [channels])
        runningVar = Tensor(shape: [channels])
        runningVar.fill(1)
        inverseStd = Tensor(shape: [channels])
    }

    public func outputShape(_ shape: [Int]) throws -> [Int] {
        guard shape.count == 4, shape[1] == channels else {
            throw shapeError(name, "expects [N, \(channels), H, W] input, got \(shape)")
        }
        return shape
    }

    /// - Complexity: O(N·C·H·W).
    public func forward(_ x: Tensor, phase: Phase) -> Tensor {
        let (n, c, hw) = (x.shape[0], x.shape[1], x.shape[2] &* x.shape[3])
        output.resize(x.shape)
        normalized.resize(x.shape)
        let xs = x.readBuffer, y = output.buffer, xh = normalized.buffer
        let g = gamma.value.readBuffer, b = beta.value.readBuffer
        let rm = runningMean.buffer, rv = runningVar.buffer, istd = inverseStd.buffer
        let (momentum, epsilon) = (self.momentum, self.epsilon)
        let count = n &* hw
        let training = phase == .training
        Parallel.chunks(c, threads: threads, minimum: count >= 4096 ? 2 : Int.max) { channels in
            for ch in channels {
                var mean: Float, variance: Float
                if training {
                    var sum: Double = 0
                    for i in 0..<n { sum += Double(Reductions.sum(xs, (i &* c &+ ch) &* hw, hw)) }
                    mean = Float(sum / Double(count))
                    var sq: Double = 0
                    for i in 0..<n { sq += Double(Reductions.squaredDeviation(xs, (i &* c &+ ch) &* hw, hw, mean: mean)) }
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
                let scale = g[ch], shift = b[ch]
                for i in 0..<n {
                    let base = (i &* c &+ ch) &* hw
                    for j in base..<(base &+ hw) {
                        let v = (xs[j] - mean) * inv
                        xh[j] = v
                        y[j] = v * scale + shift
                    }
                }
            }
        }
        return output
    }

    /// The training-mode backward: `dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂))`.
    /// - Complexity: O(N·C·H·W).
    public func backward(_ dy: Tensor) -> Tensor {
        let (n, c, hw) = (dy.shape[0], dy.shape[1], dy.shape[2] &* dy.shape[3])
        inputGrad.resize(dy.shape)
        let g = dy.readBuffer, xh = normalized.readBuffer, dx = inputGrad.buffer
        let dgamma = gamma.grad.buffer, dbeta = beta.grad.buffer, gv = gamma.value.readBuffer
        let istd = inverseStd.readBuffer
        let count = Float(n &* hw)
        Parallel.chunks(c, threads: threads, minimum: n &* hw >= 4096 ? 2 : Int.max) { channels in
            for ch in channels {
                var sumDy: Float = 0, sumDyXh: Float = 0
                for i in 0..<n {
                    let base = (i &* c &+ ch) &* hw
                    sumDy += Reductions.sum(g, base, hw)
                    sumDyXh += Reductions.dot(g, xh, base, hw)
                }
                dbeta[ch] = sumDy
                dgamma[ch] = sumDyXh
                let k = gv[ch] * istd[ch]
                let meanDy = sumDy / count, meanDyXh = sumDyXh / count
                for i in 0..<n {
                    let base = (i &* c &+ ch) &* hw
                    for j in base..<(base &+ hw) { dx[j] = k * (g[j] - meanDy - xh[j] * meanDyXh) }
                }
            }
        }
        return inputGrad
    }
}
