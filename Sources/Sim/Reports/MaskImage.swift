import SparseSimCore
import Trace

// MARK: - MaskImage

/// A weight mask as an image: the share of kept weights in each cell of a grid laid over the
/// layer's `K × (C/groups·R·S)` weight matrix (at most `maxCells` cells a side), or, for a
/// linear layer that reads a flattened `H × W` image, the input pixels' connectivity (the
/// share of output units each pixel still feeds: RigL's MNIST figure).
struct MaskImage: Equatable, Sendable {
    /// Grid rows.
    package var rows: Int
    /// Grid columns.
    package var cols: Int
    /// Row-major kept shares, 0…1.
    package var values: [Double]
    /// What the rows and the columns are.
    var rowLabel: String, columnLabel: String

    /// The image of `mask`, the weights of `shape`. `inputImage` is the network's input
    /// `(channels, height, width)`: a linear layer with `C == height·width·channels` is drawn as
    /// pixel connectivity.
    /// - Precondition: `mask.count == shape.weightCount`; `maxCells ≥ 1`.
    /// - Complexity: O(mask.count).
    package init(mask: Bitmask, shape: LayerShape, inputImage: (channels: Int, height: Int, width: Int)? = nil, maxCells: Int = 48) {
        precondition(mask.count == shape.weightCount && maxCells >= 1, "the mask must be the layer's")
        let k = shape.K, c = shape.weightCount / max(shape.K, 1)
        if shape.kind == .linear, let img = inputImage, img.channels * img.height * img.width == shape.C {
            // Pixel connectivity: share of the K units each pixel (summed over channels) feeds.
            var kept = [Int](repeating: 0, count: img.height * img.width)
            for i in mask.setBitIndices { kept[(i % shape.C) % (img.height * img.width)] += 1 }
            rows = img.height
            cols = img.width
            values = kept.map { Double($0) / Double(k * img.channels) }
            rowLabel = "input row"
            columnLabel = "input column (\(img.height)×\(img.width) pixels)"
            return
        }
        rows = min(k, maxCells)
        cols = min(c, maxCells)
        var kept = [Int](repeating: 0, count: rows * cols), size = [Int](repeating: 0, count: rows * cols)
        for r in 0..<k {
            let gr = r * rows / k
            for j in 0..<c {
                let cell = gr * cols + j * cols / c
                size[cell] += 1
                if mask[r * c + j] { kept[cell] += 1 }
            }
        }
        values = zip(kept, size).map { $1 == 0 ? 0 : Double($0) / Double($1) }
        rowLabel = k > rows ? "filters (\(k), \(rows) bands)" : "filters (\(k))"
        columnLabel = c > cols ? "inputs × kernel (\(c), \(cols) bands)" : "inputs × kernel (\(c))"
    }
}
