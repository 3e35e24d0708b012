// MARK: - MaxPool2d

/// Max pooling over `size × size` windows with stride `size` (no padding; a partial last
/// window is dropped, as PyTorch does). The first maximum wins ties; backward routes the
/// gradient to it.
public final class MaxPool2d: Layer, ThreadedLayer {
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

    /// Threads the planes are split between.
    public var threads = 1

    /// - Complexity: O(N·C·H·W); `2×2` windows take an unrolled path.
    public func forward(_ x: Tensor, phase: Phase) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (p, q) = (h / size, w / size)
        output.resize([n, c, p, q])
        if argmax.count < output.count { argmax = [Int32](repeating: 0, count: output.count) }
        let xs = x.readBuffer, y = output.buffer, size = self.size
        argmax.withUnsafeMutableBufferPointer { arg in
            Parallel.chunks(n &* c, threads: threads, minimum: x.count >= 32_768 ? 2 : Int.max) { planes in
                for plane in planes {
                    let base = plane &* h &* w
                    var o = plane &* p &* q
                    for pp in 0..<p {
                        for qq in 0..<q {
                            let first = base &+ pp &* size &* w &+ qq &* size
                            var best = xs[first], at = first
                            if size == 2 {
                                // Same order as the general loop: (0,0), (0,1), (1,0), (1,1); first maximum wins.
                                let v1 = xs[first &+ 1], v2 = xs[first &+ w], v3 = xs[first &+ w &+ 1]
                                if v1 > best { best = v1; at = first &+ 1 }
                                if v2 > best { best = v2; at = first &+ w }
                                if v3 > best { best = v3; at = first &+ w &+ 1 }
                            } else {
                                for r in 0..<size {
                                    let row = first &+ r &* w
                                    for s in 0..<size where xs[row &+ s] > best {
                                        best = xs[row &+ s]
                                        at = row &+ s
                                    }
                                }
                            }
                            y[o] = best
                            arg[o] = Int32(truncatingIfNeeded: at)
                            o &+= 1
                        }
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
        let (h, w) = (inputShape[2], inputShape[3])
        let (p, q) = (dy.shape[2], dy.shape[3])
        let g = dy.readBuffer, dx = inputGrad.buffer
        let planeCount = inputShape[0] &* inputShape[1]
        argmax.withUnsafeBufferPointer { arg in
            Parallel.chunks(planeCount, threads: threads, minimum: dx.count >= 32_768 ? 2 : Int.max) { planes in
                let lo = planes.lowerBound &* h &* w, hi = planes.upperBound &* h &* w
                for e in lo..<hi { dx[e] = 0 }
                for o in (planes.lowerBound &* p &* q)..<(planes.upperBound &* p &* q) { dx[Int(arg[o])] += g[o] }
            }
        }
        return inputGrad
    }
}
