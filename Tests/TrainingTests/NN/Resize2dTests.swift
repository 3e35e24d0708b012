import Foundation
import Testing
import TestSupport

@testable import SparseSimCore
@testable import Training

/// Bilinear resizing against independent computations: exactness on linear images, a numpy
/// reference built from 1-D interpolation matrices, PyTorch's `F.interpolate` where torch
/// imports, and finite differences.
@Suite struct Resize2dTests {
    /// Output sides are ⌊n·ratio⌋ (at least 1): ECN's 28 → 21 → 15 → 11 → 8 → 6 → 4.
    @Test func outputSides() throws {
        var sides = [28]
        for _ in 0..<6 { sides.append(Resize2d.outputSize(sides.last!, ratio: 0.75)) }
        #expect(sides == [28, 21, 15, 11, 8, 6, 4])
        #expect(Resize2d.outputSize(1, ratio: 0.5) == 1)
        #expect(try Resize2d("r", ratio: 0.5).outputShape([2, 3, 9, 7]) == [2, 3, 4, 3])
        #expect(throws: SparseSimError.self) { try Resize2d("r", ratio: 0.5).outputShape([2, 9]) }
    }

    /// A linear image `a·row + b·col + c` is interpolated exactly: each output pixel equals the
    /// image at its source coordinate `(o + ½)·in/out − ½` (clamped at 0).
    @Test(arguments: [(28, 21), (21, 15), (9, 4), (5, 5)])
    func linearImagesAreExact(input: Int, output: Int) {
        let ratio = min(1, Double(output) / Double(input) + 1e-9)
        let layer = Resize2d("r", ratio: ratio)
        let x = Tensor(shape: [1, 2, input, input])
        for c in 0..<2 {
            for i in 0..<input {
                for j in 0..<input { x[(c * input + i) * input + j] = Float(c + 1) * (0.5 * Float(i) - 0.25 * Float(j)) + 3 }
            }
        }
        let y = layer.forward(x, phase: .training)
        #expect(y.shape == [1, 2, output, output])
        func source(_ o: Int) -> Double { max(0, (Double(o) + 0.5) * Double(input) / Double(output) - 0.5) }
        for c in 0..<2 {
            for i in 0..<output {
                for j in 0..<output {
                    let expected = Double(c + 1) * (0.5 * source(i) - 0.25 * source(j)) + 3
                    #expect(abs(Double(y[(c * output + i) * output + j]) - expected) < 1e-4)
                }
            }
        }
    }

    /// Random maps against numpy (`A_h · X · A_wᵀ` with 1-D interpolation matrices), and against
    /// PyTorch's `F.interpolate(size=…, mode="bilinear", align_corners=False)` where torch imports.
    @Test func numpyAndTorchReferences() throws {
        try #require(Python.hasNumpy, "numpy does not import with \(Python.executable)")
        var rng = RandomGenerator(seed: 11)
        let x = GradientCheck.randomTensor([2, 3, 11, 9], &rng)
        let layer = Resize2d("r", ratio: 0.75)
        let y = layer.forward(x, phase: .training).array
        #expect(layer.output.shape == [2, 3, 8, 6])
        let script = """
        import json, sys
        import numpy as np
        x = np.array(json.loads(sys.stdin.read()), dtype=np.float64).reshape(2, 3, 11, 9)
        def matrix(n, m):
            a = np.zeros((m, n))
            for o in range(m):
                s = max(0.0, (o + 0.5) * n / m - 0.5)
                lo = min(int(np.floor(s)), n - 1)
                hi = min(lo + 1, n - 1)
                a[o, lo] += 1 - (s - lo)
                a[o, hi] += s - lo
            return a
        out = {"numpy": np.einsum("ph,nchw,qw->ncpq", matrix(11, 8), x, matrix(9, 6)).ravel().tolist()}
        try:
            import torch
            t = torch.nn.functional.interpolate(torch.tensor(x), size=(8, 6), mode="bilinear", align_corners=False)
            out["torch"] = t.numpy().ravel().tolist()
        except ImportError:
            pass
        print(json.dumps(out))
        """
        let input = "[" + x.array.map { "\($0)" }.joined(separator: ",") + "]"
        try PythonReference.expectMatches(y, script: script, input: Data(input.utf8), tolerance: 1e-5)
    }

    @Test(arguments: [0.75, 0.5, 1.0])
    func gradientAgainstFiniteDifferences(ratio: Double) {
        var rng = RandomGenerator(seed: 12)
        let x = GradientCheck.randomTensor([2, 2, 7, 6], &rng)
        LayerGradientTests.expectSmall(GradientCheck.check(Resize2d("r", ratio: ratio), input: x, rng: &rng), "resize \(ratio)")
    }
}
