import Trace

// MARK: - Conv2d

/// A 2-D convolution over NCHW input with `[K, C/groups, R, S]` weights and a bias.
///
/// The general path lowers each channel group with im2col into a `[C/g·R·S, N·P·Q]` matrix
/// and runs one sgemm for the whole batch (large matrices keep OpenBLAS's threads busy); the
/// `1×1`, stride-1, unpadded case multiplies each image's `[C, H·W]` block directly, with no
/// copy.
public final class Conv2d: Layer {
    public let name: String
    /// Input channels, filters, kernel size, stride, padding, groups.
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, groups: Int
    /// `[K, C/groups, R, S]`.
    public let weight: Parameter
    /// `[K]`, or nil for a layer without bias (before BatchNorm).
    public let bias: Parameter?
    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    let output = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])
    let columns = Tensor(shape: [0])
    let gemmOut = Tensor(shape: [0])
    var input: Tensor?

    /// A convolution; Kaiming-normal weights (fan-in `C/g·R·S`, ReLU gain), zero bias.
    /// - Precondition: channels divisible by `groups`; `kernel, stride >= 1`; `padding >= 0`.
    public init(_ name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                groups: Int = 1, bias: Bool = true, rng: inout RandomGenerator) {
        precondition(groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0, "channels must divide into groups")
        precondition(kernel >= 1 && stride >= 1 && padding >= 0, "bad convolution geometry")
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.groups = groups
        weight = Parameter(name: "\(name).weight", shape: [outChannels, inChannels / groups, kernel, kernel], decays: true)
        self.bias = bias ? Parameter(name: "\(name).bias", shape: [outChannels], decays: false) : nil
        let fanIn = inChannels / groups * kernel * kernel
        let std = (2 / Float(fanIn)).squareRoot()
        let w = weight.value.buffer
        for i in 0..<w.count { w[i] = rng.nextNormal() * std }
    }

    public func outputShape(_ shape: [Int]) throws -> [Int] {
        guard shape.count == 4, shape[1] == inChannels else {
            throw shapeError(name, "expects [N, \(inChannels), H, W] input, got \(shape)")
        }
        let p = LayerShape.outputSize(input: shape[2], kernel: kernel, stride: stride, padding: padding)
        let q = LayerShape.outputSize(input: shape[3], kernel: kernel, stride: stride, padding: padding)
        guard p >= 1, q >= 1 else {
            throw shapeError(name, "a \(kernel)x\(kernel) kernel does not fit a \(shape[2])x\(shape[3]) input with padding \(padding)")
        }
        return [shape[0], outChannels, p, q]
    }

    var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 && groups == 1 }

    /// - Complexity: `2·N·K·(C/g)·R·S·P·Q` flops.
    public func forward(_ x: Tensor, phase: Phase) -> Tensor {
        input = x
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let p = LayerShape.outputSize(input: h, kernel: kernel, stride: stride, padding: padding)
        let q = LayerShape.outputSize(input: w, kernel: kernel, stride: stride, padding: padding)
        output.resize([n, outChannels, p, q])
        let y = output.buffer
        let pq = p &* q, k = outChannels
        if isPointwise {
            let xs = x.readBuffer
            for i in 0..<n {
                BLAS.sgemm(m: k, n: pq, k: inChannels, a: weight.value.readBuffer, lda: inChannels,
                           b: UnsafeBufferPointer(rebasing: xs[(i &* inChannels &* pq)...]), ldb: pq,
                           c: UnsafeMutableBufferPointer(rebasing: y[(i &* k &* pq)...]), ldc: pq)
            }
        } else {
            let cg = inChannels / groups, kg = outChannels / groups
            let rows = cg &* kernel &* kernel, cols = n &* pq
            columns.resize([groups, rows, cols])
            gemmOut.resize([kg, cols])
            let col = columns.buffer, tmp = gemmOut.buffer
            for g in 0..<groups {
                let colG = UnsafeMutableBufferPointer(rebasing: col[(g &* rows &* cols)...])
                Self.im2col(x.readBuffer, n: n, channels: inChannels, h: h, w: w, firstChannel: g &* cg, groupChannels: cg,
                            kernel: kernel, stride: stride, padding: padding, p: p, q: q, into: colG)
                BLAS.sgemm(m: kg, n: cols, k: rows,
                           a: UnsafeBufferPointer(rebasing: weight.value.readBuffer[(g &* kg &* rows)...]), lda: rows,
                           b: UnsafeBufferPointer(colG), ldb: cols, c: tmp, ldc: cols)
                // [kg, N·PQ] → y[n, g·kg + k, PQ]
                for kk in 0..<kg {
                    for i in 0..<n {
                        let src = kk &* cols &+ i &* pq, dst = (i &* k &+ g &* kg &+ kk) &* pq
                        for j in 0..<pq { y[dst &+ j] = tmp[src &+ j] }
                    }
                }
            }
        }
        if let b = bias?.value.readBuffer {
            for i in 0..<n {
                for kk in 0..<k {
                    let base = (i &* k &+ kk) &* pq, v = b[kk]
                    for j in 0..<pq { y[base &+ j] += v }
                }
            }
        }
        return output
    }

    /// - Complexity: `4·N·K·(C/g)·R·S·P·Q` flops.
    public func backward(_ dy: Tensor) -> Tensor {
        let x = input!
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let (p, q) = (dy.shape[2], dy.shape[3])
        let pq = p &* q, k = outChannels
        let g = dy.readBuffer
        if let db = bias?.grad.buffer {
            for kk in 0..<k { db[kk] = 0 }
            for i in 0..<n {
                for kk in 0..<k {
                    let base = (i &* k &+ kk) &* pq
                    var s: Float = 0
                    for j in 0..<pq { s += g[base &+ j] }
                    db[kk] += s
                }
            }
        }
        inputGrad.resize(x.shape)
        let dx = inputGrad.buffer
        if isPointwise {
            let xs = x.readBuffer
            for i in 0..<n {
                let dyI = UnsafeBufferPointer(rebasing: g[(i &* k &* pq)...])
                // dW += dy_i · x_iᵀ
                BLAS.sgemm(transB: true, m: k, n: inChannels, k: pq, a: dyI, lda: pq,
                           b: UnsafeBufferPointer(rebasing: xs[(i &* inChannels &* pq)...]), ldb: pq,
                           beta: i == 0 ? 0 : 1, c: weight.grad.buffer, ldc: inChannels)
                // dx_i = Wᵀ · dy_i
                BLAS.sgemm(transA: true, m: inChannels, n: pq, k: k, a: weight.value.readBuffer, lda: inChannels,
                           b: dyI, ldb: pq, c: UnsafeMutableBufferPointer(rebasing: dx[(i &* inChannels &* pq)...]), ldc: pq)
            }
            return inputGrad
        }
        let cg = inChannels / groups, kg = outChannels / groups
        let rows = cg &* kernel &* kernel, cols = n &* pq
        let col = columns.buffer, tmp = gemmOut.buffer
        for i in 0..<dx.count { dx[i] = 0 }
        for gi in 0..<groups {
            // dy[n, g·kg + k, PQ] → [kg, N·PQ]
            for kk in 0..<kg {
                for i in 0..<n {
                    let dst = kk &* cols &+ i &* pq, src = (i &* k &+ gi &* kg &+ kk) &* pq
                    for j in 0..<pq { tmp[dst &+ j] = g[src &+ j] }
                }
            }
            let colG = UnsafeMutableBufferPointer(rebasing: col[(gi &* rows &* cols)...])
            // dW_g = dY · colᵀ
            BLAS.sgemm(transB: true, m: kg, n: rows, k: cols, a: UnsafeBufferPointer(tmp), lda: cols,
                       b: UnsafeBufferPointer(colG), ldb: cols,
                       c: UnsafeMutableBufferPointer(rebasing: weight.grad.buffer[(gi &* kg &* rows)...]), ldc: rows)
            // dcol = W_gᵀ · dY (reusing the column buffer), then scatter-add into dx.
            BLAS.sgemm(transA: true, m: rows, n: cols, k: kg,
                       a: UnsafeBufferPointer(rebasing: weight.value.readBuffer[(gi &* kg &* rows)...]), lda: rows,
                       b: UnsafeBufferPointer(tmp), ldb: cols, c: colG, ldc: cols)
            Self.col2im(UnsafeBufferPointer(colG), n: n, channels: inChannels, h: h, w: w, firstChannel: gi &* cg,
                        groupChannels: cg, kernel: kernel, stride: stride, padding: padding, p: p, q: q, into: dx)
        }
        return inputGrad
    }

    public func layerShapes(input shape: [Int]) -> [LayerShape] {
        [.conv(name, N: shape[0], K: outChannels, C: inChannels, R: kernel, H: shape[2], W: shape[3], stride: stride,
               padding: padding, groups: groups)]
    }

    // MARK: Lowering

    /// Writes the `[groupChannels·R·S, N·P·Q]` im2col matrix of channels
    /// `firstChannel..<firstChannel+groupChannels` (zeros where the window covers padding).
    /// - Complexity: O(groupChannels·R·S·N·P·Q).
    static func im2col(_ x: UnsafeBufferPointer<Float>, n: Int, channels: Int, h: Int, w: Int, firstChannel: Int,
                       groupChannels: Int, kernel: Int, stride: Int, padding: Int, p: Int, q: Int,
                       into col: UnsafeMutableBufferPointer<Float>) {
        let cols = n &* p &* q
        for c in 0..<groupChannels {
            for r in 0..<kernel {
                for s in 0..<kernel {
                    let row = ((c &* kernel) &+ r) &* kernel &+ s
                    var out = row &* cols
                    for i in 0..<n {
                        let plane = (i &* channels &+ firstChannel &+ c) &* h &* w
                        for pp in 0..<p {
                            let ih = pp &* stride &+ r &- padding
                            if ih < 0 || ih >= h {
                                for j in 0..<q { col[out &+ j] = 0 }
                            } else {
                                let rowBase = plane &+ ih &* w
                                for qq in 0..<q {
                                    let iw = qq &* stride &+ s &- padding
                                    col[out &+ qq] = (iw >= 0 && iw < w) ? x[rowBase &+ iw] : 0
                                }
                            }
                            out &+= q
                        }
                    }
                }
            }
        }
    }

    /// Adds the im2col-shaped gradient `col` back into `dx` (the adjoint of `im2col`).
    static func col2im(_ col: UnsafeBufferPointer<Float>, n: Int, channels: Int, h: Int, w: Int, firstChannel: Int,
                       groupChannels: Int, kernel: Int, stride: Int, padding: Int, p: Int, q: Int,
                       into dx: UnsafeMutableBufferPointer<Float>) {
        let cols = n &* p &* q
        for c in 0..<groupChannels {
            for r in 0..<kernel {
                for s in 0..<kernel {
                    let row = ((c &* kernel) &+ r) &* kernel &+ s
                    var src = row &* cols
                    for i in 0..<n {
                        let plane = (i &* channels &+ firstChannel &+ c) &* h &* w
                        for pp in 0..<p {
                            let ih = pp &* stride &+ r &- padding
                            if ih >= 0 && ih < h {
                                let rowBase = plane &+ ih &* w
                                for qq in 0..<q {
                                    let iw = qq &* stride &+ s &- padding
                                    if iw >= 0 && iw < w { dx[rowBase &+ iw] += col[src &+ qq] }
                                }
                            }
                            src &+= q
                        }
                    }
                }
            }
        }
    }
}
