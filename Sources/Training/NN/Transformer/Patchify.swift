import SparseSimCore

// MARK: - Patchify

/// Cuts images into non-overlapping `p × p` patches, one token per patch:
/// `[N, C, H, W] → [N, (H/p)·(W/p), C·p·p]`. Patches are taken row by row; a token's features
/// are ordered `(c, i, j)`, the layout of a `Conv2d(C, D, kernel: p, stride: p)` weight, so
/// the token-wise linear layer after this one is a vision transformer's patch embedding.
package final class Patchify: Layer {
    package let name: String
    /// The patch side.
    package let patch: Int
    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    var inputShape: [Int] = []

    /// A patchify layer of `patch × patch` patches.
    /// - Precondition: `patch ≥ 1`.
    package init(_ name: String, patch: Int) {
        precondition(patch >= 1, "a patch needs a side")
        self.name = name
        self.patch = patch
    }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        guard shape.count == 4 else { throw shapeError(name, "expects [N, C, H, W] images, got \(shape)") }
        guard shape[2] % patch == 0, shape[3] % patch == 0 else {
            throw shapeError(name, "\(patch)×\(patch) patches do not tile \(shape[2])×\(shape[3]) images")
        }
        return [shape[0], (shape[2] / patch) * (shape[3] / patch), shape[1] * patch * patch]
    }

    /// Calls `body(imageIndex, tokenIndex)` for every element, in token order.
    private func forEachElement(_ shape: [Int], _ body: (Int, Int) -> Void) {
        let (n, c, h, w, p) = (shape[0], shape[1], shape[2], shape[3], patch)
        let (ph, pw) = (h / p, w / p)
        var t = 0
        for s in 0..<n {
            for py in 0..<ph {
                for px in 0..<pw {
                    for ch in 0..<c {
                        for i in 0..<p {
                            let row = ((s &* c &+ ch) &* h &+ py &* p &+ i) &* w &+ px &* p
                            for j in 0..<p { body(row &+ j, t); t &+= 1 }
                        }
                    }
                }
            }
        }
    }

    /// - Complexity: O(elements) (a permutation).
    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        inputShape = x.shape
        let (n, c, h, w, p) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], patch)
        output.resize([n, (h / p) * (w / p), c * p * p])
        let xs = x.readBuffer, y = output.buffer
        forEachElement(x.shape) { y[$1] = xs[$0] }
        return output
    }

    /// - Complexity: O(elements) (the inverse permutation).
    package func backward(_ dy: Tensor) -> Tensor {
        inputGrad.resize(inputShape)
        let g = dy.readBuffer, dx = inputGrad.buffer
        forEachElement(inputShape) { dx[$0] = g[$1] }
        return inputGrad
    }
}
