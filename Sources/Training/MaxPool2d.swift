// MARK: - MaxPool2d

/// Max pooling over `size × size` windows with stride `size` (no padding; a partial last
/// window is dropped, as PyTorch does). The first maximum wins ties; backward routes the
/// gradient to it.
public final class MaxPool2d: Layer {
    public let name: String
    /// Window size and stride.
    public let size: Int
    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    var argmax: [Int32] = []

    /// A pool of `size × size`.
    /// - Precondition: `size >= 1`.
    public init(_ name: String, size: Int = 2) {
        precondition(size >= 1, "pool size must be positive")
        self.name = name
        self.size = size
    }

    public func outputShape(_ shape: [Int]) throws -> [Int] {
        guard shape.count == 4, shape[2] >= size, shape[3] >= size else {
            throw shapeError(name, "expects [N, C, H, W] input of at least \(size)x\(size), got \(shape)")
        }
        return [shape[0], shape[1], shape[2] / size, shape[3] / size]
    }

    public func forward(_ x: Tensor, phase: Phase) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (p, q) = (h / size, w / size)
        output.resize([n, c, p, q])
        if argmax.count < output.count { argmax = [Int32](repeating: 0, count: output.count) }
        let xs = x.readBuffer, y = output.buffer
        argmax.withUnsafeMutableBufferPointer { arg in
            var o = 0
            for plane in 0..<(n &* c) {
                let base = plane &* h &* w
                for pp in 0..<p {
                    for qq in 0..<q {
                        let first = base &+ pp &* size &* w &+ qq &* size
                        var best = xs[first], at = first
                        for r in 0..<size {
                            let row = first &+ r &* w
                            for s in 0..<size where xs[row &+ s] > best {
                                best = xs[row &+ s]
                                at = row &+ s
                            }
                        }
                        y[o] = best
                        arg[o] = Int32(truncatingIfNeeded: at)
                        o &+= 1
                    }
                }
            }
        }
        inputShape = x.shape
        return output
    }

    var inputShape: [Int] = []

    public func backward(_ dy: Tensor) -> Tensor {
        inputGrad.resize(inputShape)
        inputGrad.fill(0)
        let g = dy.readBuffer, dx = inputGrad.buffer
        argmax.withUnsafeBufferPointer { arg in
            for o in 0..<g.count { dx[Int(arg[o])] += g[o] }
        }
        return inputGrad
    }
}
