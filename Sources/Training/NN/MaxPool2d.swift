// MARK: - MaxPool2d

/// Max pooling over `size × size` windows with a stride (default `size`) and an implicit
/// padding that never wins (as PyTorch's `-inf` padding); a partial last window is dropped,
/// as PyTorch does. The first maximum wins ties; backward routes the gradient to it.
package final class MaxPool2d: Layer, ThreadedLayer {
    package let name: String
    /// Window size, stride and padding.
    package let size: Int, stride: Int, padding: Int
    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    var argmax: [Int32] = []

    /// A pool of `size × size` windows, `stride` apart (default `size`), over the input padded
    /// by `padding` on every side.
    /// - Precondition: `size >= 1`, `stride >= 1`, `0 <= padding < size` (every window holds
    ///   an input element).
    package init(_ name: String, size: Int = 2, stride: Int? = nil, padding: Int = 0) {
        precondition(size >= 1 && (stride ?? size) >= 1, "pool size and stride must be positive")
        precondition(padding >= 0 && padding < size, "pool padding must be in 0..<size")
        self.name = name
        self.size = size
        self.stride = stride ?? size
        self.padding = padding
    }

    func outputSize(_ n: Int) -> Int { (n + 2 * padding - size) / stride + 1 }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        guard shape.count == 4, shape[2] + 2 * padding >= size, shape[3] + 2 * padding >= size else {
            throw shapeError(name, "expects [N, C, H, W] input of at least \(size)x\(size), got \(shape)")
        }
        return [shape[0], shape[1], outputSize(shape[2]), outputSize(shape[3])]
    }

    /// Threads the planes are split between.
    package var threads = 1

    /// - Complexity: O(N·C·H·W); `2×2` windows take an unrolled path.
    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (p, q) = (outputSize(h), outputSize(w))
        output.resize([n, c, p, q])
        if argmax.count < output.count { argmax = [Int32](repeating: 0, count: output.count) }
        let xs = x.readBuffer, y = output.buffer, size = self.size, stride = self.stride, padding = self.padding
        let simple = size == 2 && stride == 2 && padding == 0
        argmax.withUnsafeMutableBufferPointer { arg in
            Parallel.chunks(n &* c, threads: threads, minimum: x.count >= 32_768 ? 2 : Int.max) { planes in
                for plane in planes {
                    let base = plane &* h &* w
                    var o = plane &* p &* q
                    for pp in 0..<p {
                        for qq in 0..<q {
                            if !simple {
                                // Clip the window to the image: padding never wins.
                                let r0 = max(0, pp &* stride &- padding), r1 = min(h, pp &* stride &- padding &+ size)
                                let s0 = max(0, qq &* stride &- padding), s1 = min(w, qq &* stride &- padding &+ size)
                                var at = base &+ r0 &* w &+ s0
                                var best = xs[at]
                                for r in r0..<r1 {
                                    let row = base &+ r &* w
                                    for s in s0..<s1 where xs[row &+ s] > best {
                                        best = xs[row &+ s]
                                        at = row &+ s
                                    }
                                }
                                y[o] = best
                                arg[o] = Int32(truncatingIfNeeded: at)
                                o &+= 1
                                continue
                            }
                            let first = base &+ pp &* 2 &* w &+ qq &* 2
                            var best = xs[first], at = first
                            do {
                                // Same order as the general loop: (0,0), (0,1), (1,0), (1,1); first maximum wins.
                                let v1 = xs[first &+ 1], v2 = xs[first &+ w], v3 = xs[first &+ w &+ 1]
                                if v1 > best { best = v1; at = first &+ 1 }
                                if v2 > best { best = v2; at = first &+ w }
                                if v3 > best { best = v3; at = first &+ w &+ 1 }
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

    package func backward(_ dy: Tensor) -> Tensor {
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
