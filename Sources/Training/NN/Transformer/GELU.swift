import Foundation

// MARK: - GELU

/// The Gaussian error linear unit (Hendrycks and Gimpel 2016), exact form as PyTorch's
/// `nn.GELU()`: `x·Φ(x) = x/2·(1 + erf(x/√2))`, elementwise.
package final class GELU: Layer, ThreadedLayer {
    package let name: String
    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    var input: Tensor?
    /// Threads the elements are split between (large tensors only).
    package var threads = 1

    /// A GELU.
    package init(_ name: String) { self.name = name }

    package func outputShape(_ shape: [Int]) throws -> [Int] { shape }

    /// - Complexity: O(elements).
    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        input = x
        output.resize(x.shape)
        let xs = x.readBuffer, y = output.buffer
        Parallel.chunks(xs.count, threads: threads) { range in
            for i in range {
                let v = xs[i]
                y[i] = 0.5 * v * (1 + erf(v * Float(0.5.squareRoot())))
            }
        }
        return output
    }

    /// `dy · (Φ(x) + x·φ(x))`.
    /// - Complexity: O(elements).
    package func backward(_ dy: Tensor) -> Tensor {
        inputGrad.resize(dy.shape)
        let g = dy.readBuffer, xs = input!.readBuffer, dx = inputGrad.buffer
        let invSqrt2 = Float(0.5.squareRoot()), invSqrt2Pi = Float(1 / (2 * Double.pi).squareRoot())
        Parallel.chunks(g.count, threads: threads) { range in
            for i in range {
                let v = xs[i]
                let cdf = 0.5 * (1 + erf(v * invSqrt2))
                dx[i] = g[i] * (cdf + v * invSqrt2Pi * exp(-0.5 * v * v))
            }
        }
        return inputGrad
    }
}
