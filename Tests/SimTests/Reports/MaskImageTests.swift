import Testing

@testable import Sim
@testable import SparseSimCore
@testable import Trace

/// Mask images against hand counts: block shares of a weight matrix, and a linear layer's
/// pixel connectivity.
@Suite struct MaskImageTests {
    @Test func blocksOfTheWeightMatrix() {
        // 4 filters × (1 channel · 2×2 kernel) = 4×4, drawn on 2×2 cells of 2×2 weights each.
        let shape = LayerShape.conv("c", N: 1, K: 4, C: 1, R: 2, H: 4)
        let bits: [Bool] = [true, true, false, false,
                            true, false, false, false,
                            false, false, true, true,
                            false, false, true, true]
        let image = MaskImage(mask: Bitmask(bits), shape: shape, maxCells: 2)
        #expect(image.rows == 2 && image.cols == 2)
        #expect(image.values == [0.75, 0, 0, 1])
        // With room for every weight, the image is the mask.
        let full = MaskImage(mask: Bitmask(bits), shape: shape)
        #expect(full.rows == 4 && full.cols == 4 && full.values == bits.map { $0 ? 1 : 0 })
    }

    @Test func pixelConnectivityOfAnInputLayer() {
        // 3 units reading a 2×2 image: pixel p feeds the units whose mask bit (k, p) is set.
        let shape = LayerShape.linear("fc1", N: 1, K: 3, C: 4)
        let bits: [Bool] = [true, false, true, false,
                            true, false, false, false,
                            true, true, false, false]
        let image = MaskImage(mask: Bitmask(bits), shape: shape, inputImage: (channels: 1, height: 2, width: 2))
        #expect(image.rows == 2 && image.cols == 2)
        #expect(image.values == [1, 1.0 / 3, 1.0 / 3, 0])
        #expect(image.columnLabel.contains("2×2 pixels"))
        // Another input size: the weight-matrix view.
        let other = MaskImage(mask: Bitmask(bits), shape: shape, inputImage: (channels: 1, height: 3, width: 3))
        #expect(other.rows == 3 && other.cols == 4)
    }
}
