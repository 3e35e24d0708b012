// MARK: - ReLU

/// `max(x, 0)`, elementwise.
package final class ReLU: Layer, ThreadedLayer {
    package let name: String
    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    /// Threads the elements are split between (large tensors only).
    package var threads = 1

    /// A ReLU.
    package init(_ name: String) { self.name = name }

    package func outputShape(_ shape: [Int]) throws -> [Int] { shape }

    /// - Complexity: O(elements), vectorized.
    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        output.resize(x.shape)
        let xs = x.readBuffer, y = output.buffer
        Parallel.chunks(xs.count, threads: threads) { range in
            for i in range {
                let v = xs[i]
                y[i] = v < 0 ? 0 : v  // NaN passes through, so divergence still shows in the loss
            }
        }
        return output
    }

    /// The gradient passes where the output is positive.
    /// - Complexity: O(elements), vectorized (both operands are loaded unconditionally so the
    ///   select compiles to a masked blend, not a branch).
    package func backward(_ dy: Tensor) -> Tensor {
        inputGrad.resize(dy.shape)
        let g = dy.readBuffer, y = output.readBuffer, dx = inputGrad.buffer
        Parallel.chunks(g.count, threads: threads) { range in
            for i in range {
                let gv = g[i], yv = y[i]
                dx[i] = yv > 0 ? gv : 0
            }
        }
        return inputGrad
    }
}
