import Testing
import TestSupport

@testable import SparseSimCore

@Suite struct LayerShapeTests {
    @Test func convOutputSizeAndCounts() throws {
        // ResNet-18 conv1: 3->64, 7x7 stride 2 pad 3 on 224x224 -> 112x112.
        let s = LayerShape.conv("conv1", K: 64, C: 3, R: 7, H: 224, stride: 2, padding: 3)
        try s.validate()
        #expect(s.P == 112 && s.Q == 112)
        #expect(s.weightShape == [64, 3, 7, 7])
        #expect(s.weightCount == 9408)
        #expect(s.macs == 118_013_952)  // 112*112*64*3*7*7
        #expect(s.inputShape == [1, 3, 224, 224])
    }

    @Test func linearShape() throws {
        let s = LayerShape.linear("fc", N: 4, K: 10, C: 84)
        try s.validate()
        #expect(s.weightShape == [10, 84])
        #expect(s.inputShape == [4, 84])
        #expect(s.macs == 4 * 10 * 84)
    }

    @Test func depthwiseShape() throws {
        let s = LayerShape.conv("dw", K: 32, C: 32, R: 3, H: 112, padding: 1, groups: 32)
        #expect(s.kind == .depthwise)
        try s.validate()
        #expect(s.weightShape == [32, 1, 3, 3])
        #expect(s.macs == 112 * 112 * 32 * 9)
    }

    @Test func outputSizeMatchesBruteForceWindowCount() {
        for h in 1...12 {
            for r in 1...5 {
                for stride in 1...3 {
                    for pad in 0...2 {
                        var windows = 0
                        var start = -pad
                        while start + r <= h + pad {
                            windows += 1
                            start += stride
                        }
                        #expect(LayerShape.outputSize(input: h, kernel: r, stride: stride, padding: pad) == windows)
                    }
                }
            }
        }
    }

    static let broken: [(String, LayerShape)] = {
        let base = LayerShape.conv("c", K: 8, C: 4, R: 3, H: 8, padding: 1)
        func with(_ change: (inout LayerShape) -> Void) -> LayerShape {
            var s = base
            change(&s)
            return s
        }
        return [
            ("k", with { $0.K = 0 }),
            ("n", with { $0.N = -1 }),
            ("padding", with { $0.padding = -1 }),
            ("p", with { $0.P = 7 }),
            ("q", with { $0.Q = 9 }),
            ("groups", with { $0.groups = 3 }),
            ("name", with { $0.name = "../evil" }),
            ("name", with { $0.name = "" }),
            ("r", with { $0.R = 20; $0.S = 20 }),
            ("n*c*h*w", with { $0.N = 1 << 40; $0.H = 1 << 20 }),
        ]
    }()

    @Test(arguments: broken)
    func invalidShapesAreRejected(field: String, shape: LayerShape) {
        let error = expectSparseSimError { try shape.validate(file: "m.json", location: "model.layers[0]") }
        #expect(error?.file == "m.json")
        #expect(error?.location == "model.layers[0].\(field)", "\(error?.description ?? "")")
    }

    @Test func linearMustHaveUnitSpatialDims() {
        var s = LayerShape.linear("fc", K: 10, C: 20)
        s.R = 3
        let error = expectSparseSimError { try s.validate() }
        #expect(error?.location == "r")
    }

    @Test func jsonKeysAreLowerCase() throws {
        let s = LayerShape.conv("c1", K: 8, C: 4, R: 3, H: 8)
        let text = String(decoding: try JSONCoding.encode(s), as: UTF8.self)
        for key in ["\"n\"", "\"k\"", "\"c\"", "\"r\"", "\"s\"", "\"h\"", "\"w\"", "\"p\"", "\"q\"", "\"stride\"", "\"groups\""] {
            #expect(text.contains(key))
        }
        #expect(!text.contains("\"K\""))
    }

    @Test func checkedProductDetectsOverflow() {
        #expect(LayerShape.checkedProduct([1 << 31, 1 << 31]) == 1 << 62)
        #expect(LayerShape.checkedProduct([1 << 32, 1 << 32]) == nil)
        #expect(LayerShape.checkedProduct([3, -1]) == nil)
        #expect(LayerShape.checkedProduct([]) == 1)
    }
}

/// The matmul kind: two activations per sample, one GEMM per head.
@Suite struct MatmulShapeTests {
    @Test func countsAreThoseOfTheHeadsGEMMs() throws {
        let s = LayerShape.matmul("qk", N: 3, heads: 4, rows: 5, reduction: 6, columns: 7)
        try s.validate()
        #expect(s.macs == 3 * 4 * 5 * 6 * 7)
        #expect(s.weightCount == 3 * 4 * 7 * 6 && s.weightShape == [3, 4, 7, 6])
        #expect(s.inputCount == 3 * 4 * 5 * 6 && s.inputShape == [3, 4, 5, 6])
        #expect(s.outputCount == 3 * 4 * 5 * 7 && s.outputShape == [3, 4, 5, 7])
    }

    @Test func malformedMatmulsAreRefused() {
        var s = LayerShape.matmul("qk", N: 1, heads: 2, rows: 4, reduction: 3, columns: 4)
        s.P = 3
        #expect(throws: SparseSimError.self) { try s.validate() }
        s = .matmul("qk", N: 1, heads: 2, rows: 4, reduction: 3, columns: 4)
        s.R = 2
        #expect(throws: SparseSimError.self) { try s.validate() }
        s = .matmul("qk", N: 1, heads: 2, rows: 4, reduction: 3, columns: 4)
        s.C = 7
        #expect(throws: SparseSimError.self) { try s.validate() }
    }
}
