import Testing

@testable import SparseSimCore
@testable import Trace
@testable import Training

@Suite struct Conv2dTests {
    /// The forward pass against a naive 7-loop convolution (computed in Double).
    @Test(arguments: [1, 3, 5, 7])
    func forwardMatchesNaiveLoops(kernel: Int) {
        for stride in 1...2 {
            for padding in 0...2 {
                var rng = RandomGenerator(seed: UInt64(kernel * 31 + stride * 7 + padding))
                let (n, c, k, h, w) = (2, 3, 4, 9, 11)
                let conv = Conv2d("c", inChannels: c, outChannels: k, kernel: kernel, stride: stride, padding: padding, rng: &rng)
                for i in 0..<k { conv.bias!.value[i] = rng.nextNormal() }
                let x = GradientCheck.randomTensor([n, c, h, w], &rng)
                let y = conv.forward(x, phase: .training)
                let p = (h + 2 * padding - kernel) / stride + 1, q = (w + 2 * padding - kernel) / stride + 1
                #expect(y.shape == [n, k, p, q])
                var worst: Double = 0
                for ni in 0..<n {
                    for ki in 0..<k {
                        for pi in 0..<p {
                            for qi in 0..<q {
                                var s = Double(conv.bias!.value[ki])
                                for ci in 0..<c {
                                    for r in 0..<kernel {
                                        for t in 0..<kernel {
                                            let ih = pi * stride + r - padding, iw = qi * stride + t - padding
                                            guard ih >= 0, ih < h, iw >= 0, iw < w else { continue }
                                            s += Double(x[((ni * c + ci) * h + ih) * w + iw])
                                                * Double(conv.weight.value[((ki * c + ci) * kernel + r) * kernel + t])
                                        }
                                    }
                                }
                                worst = max(worst, abs(s - Double(y[((ni * k + ki) * p + pi) * q + qi])))
                            }
                        }
                    }
                }
                #expect(worst < 1e-4, "k\(kernel) s\(stride) p\(padding): \(worst)")
            }
        }
    }

    @Test func badInputShapeIsAnError() throws {
        var rng = RandomGenerator(seed: 1)
        let conv = Conv2d("conv9", inChannels: 3, outChannels: 4, kernel: 5, rng: &rng)
        #expect(throws: SparseSimError.self) { try conv.outputShape([1, 2, 8, 8]) }
        #expect(throws: SparseSimError.self) { try conv.outputShape([1, 3, 4, 4]) }
        #expect(try conv.outputShape([1, 3, 8, 8]) == [1, 4, 4, 4])
    }
}

extension Conv2dTests {
    /// im2col against a direct definition, including windows wider than the input (padding
    /// larger than the image on a side) and strides above 1.
    @Test func im2colEdgeCases() {
        for (h, w, kernel, stride, padding) in [(1, 1, 5, 2, 2), (2, 3, 5, 3, 2), (4, 4, 3, 2, 1), (5, 2, 3, 1, 2)] {
            let p = (h + 2 * padding - kernel) / stride + 1, q = (w + 2 * padding - kernel) / stride + 1
            let x = (0..<(2 * h * w)).map { Float($0 + 1) }
            var col = [Float](repeating: -1, count: 2 * kernel * kernel * p * q)
            x.withUnsafeBufferPointer { xs in
                col.withUnsafeMutableBufferPointer { c in
                    Conv2d.im2col(xs, n: 1, channels: 2, h: h, w: w, firstChannel: 0, groupChannels: 2, kernel: kernel,
                                  stride: stride, padding: padding, p: p, q: q, into: c)
                }
            }
            for c in 0..<2 {
                for r in 0..<kernel {
                    for s in 0..<kernel {
                        for pp in 0..<p {
                            for qq in 0..<q {
                                let ih = pp * stride + r - padding, iw = qq * stride + s - padding
                                let expected: Float = (ih >= 0 && ih < h && iw >= 0 && iw < w) ? x[(c * h + ih) * w + iw] : 0
                                #expect(col[(((c * kernel + r) * kernel + s) * p + pp) * q + qq] == expected)
                            }
                        }
                    }
                }
            }
        }
    }
}
