import SparseSimCore

// MARK: - Resize2d

/// Bilinear resizing of `[N, C, H, W]` feature maps by a constant ratio: the output is
/// `⌊H·ratio⌋ × ⌊W·ratio⌋` (at least 1×1), sampled as PyTorch's
/// `F.interpolate(x, size: (H', W'), mode: "bilinear", align_corners: False)` samples it —
/// output pixel `o` reads the input at `(o + ½)·(in / out) − ½`, clamped below at 0, from its
/// two neighbours per axis (the upper one clamped at the last row or column).
///
/// Backward scatters each output gradient to the same four input pixels with the same weights.
///
/// - Complexity: O(N·C·H'·W') per pass.
package final class Resize2d: Layer {
    package let name: String
    /// The resizing ratio (the Evenly Cascaded Network's scaling rate), in (0, 1].
    package let ratio: Double

    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    var inputShape: [Int] = []
    /// Per output row and column: the two source indices and the weight of the upper one.
    var rows = Taps(), columns = Taps()

    /// A resize by `ratio`.
    /// - Precondition: `0 < ratio ≤ 1`.
    package init(_ name: String, ratio: Double) {
        precondition(ratio > 0 && ratio <= 1, "resize ratio must be in (0, 1]")
        self.name = name
        self.ratio = ratio
    }

    /// The output side for an input side of `n`: `max(1, ⌊n·ratio⌋)`.
    package static func outputSize(_ n: Int, ratio: Double) -> Int { LayerShape.resizedSize(input: n, ratio: ratio) }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        guard shape.count == 4 else { throw shapeError(name, "expects [N, C, H, W] input, got \(shape)") }
        return [shape[0], shape[1], Self.outputSize(shape[2], ratio: ratio), Self.outputSize(shape[3], ratio: ratio)]
    }

    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        if x.shape != inputShape {
            inputShape = x.shape
            rows = Taps(input: x.shape[2], output: Self.outputSize(x.shape[2], ratio: ratio))
            columns = Taps(input: x.shape[3], output: Self.outputSize(x.shape[3], ratio: ratio))
        }
        output.resize([x.shape[0], x.shape[1], rows.count, columns.count])
        let xs = x.readBuffer, y = output.buffer
        forEachTap(planes: x.shape[0] &* x.shape[1]) { out, i00, i01, i10, i11, a, b in
            let upper = (1 - b) * xs[i00] + b * xs[i01]
            let lower = (1 - b) * xs[i10] + b * xs[i11]
            y[out] = (1 - a) * upper + a * lower
        }
        return output
    }

    package func backward(_ dy: Tensor) -> Tensor {
        inputGrad.resize(inputShape)
        inputGrad.fill(0)
        let g = dy.readBuffer, dx = inputGrad.buffer
        forEachTap(planes: inputShape[0] &* inputShape[1]) { out, i00, i01, i10, i11, a, b in
            let v = g[out]
            dx[i00] += (1 - a) * (1 - b) * v
            dx[i01] += (1 - a) * b * v
            dx[i10] += a * (1 - b) * v
            dx[i11] += a * b * v
        }
        return inputGrad
    }
}

extension Resize2d {
    /// Calls `body` for every output pixel of `planes` planes (input `inputShape`'s sides, output
    /// the taps' counts) with its flat index, its four input pixels' flat indices (top-left,
    /// top-right, bottom-left, bottom-right), and the weights `a` of the lower row and `b` of the
    /// right column.
    @inline(__always)
    func forEachTap(planes: Int, _ body: (Int, Int, Int, Int, Int, Float, Float) -> Void) {
        let (h, w) = (inputShape[2], inputShape[3])
        let (p, q) = (rows.count, columns.count)
        for plane in 0..<planes {
            let src = plane &* h &* w, dst = plane &* p &* q
            for i in 0..<p {
                let (r0, r1, a) = rows[i]
                let top = src &+ r0 &* w, bottom = src &+ r1 &* w
                for j in 0..<q {
                    let (c0, c1, b) = columns[j]
                    body(dst &+ i &* q &+ j, top &+ c0, top &+ c1, bottom &+ c0, bottom &+ c1, a, b)
                }
            }
        }
    }

    /// The bilinear taps along one axis.
    struct Taps {
        var first: [Int] = [], second: [Int] = [], weight: [Float] = []

        init() {}

        /// Taps from `input` samples to `output` samples (align_corners = false).
        init(input: Int, output: Int) {
            let scale = Double(input) / Double(output)
            for o in 0..<output {
                let source = max(0, (Double(o) + 0.5) * scale - 0.5)
                let lower = min(Int(source), input - 1)
                first.append(lower)
                second.append(min(lower + 1, input - 1))
                weight.append(Float(source - Double(lower)))
            }
        }

        var count: Int { first.count }
        subscript(i: Int) -> (Int, Int, Float) { (first[i], second[i], weight[i]) }
    }
}
