import SparseSimCore
import Trace

// MARK: - PruningBatch

/// The labelled batch SNIP and GraSP score on: real samples of a dataset, or — for the
/// shape-only ImageNet networks, which have no data here — a synthetic batch, labelled so.
package struct PruningBatch {
    /// `[N] + sampleShape`.
    package let input: Tensor
    /// One label per sample.
    package let labels: [Int32]
    /// What the batch is, for reports and provenance.
    package let description: String
    /// The source's dataset record, nil for a synthetic batch.
    package let dataset: DatasetInfo?

    /// `count` distinct samples of `dataset` drawn by `rng` (in the drawn order).
    /// - Precondition: `1 <= count`.
    package static func sample(_ dataset: Dataset, count: Int, rng: inout RandomGenerator) -> PruningBatch {
        precondition(count >= 1, "empty batch")
        let n = min(count, dataset.count)
        var order = Array(0..<dataset.count)
        // A partial Fisher–Yates shuffle: the first n positions are a uniform sample.
        for i in 0..<n {
            let j = i + rng.nextInt(below: dataset.count - i)
            order.swapAt(i, j)
        }
        let size = dataset.sampleSize
        let input = Tensor(shape: [n] + dataset.sampleShape)
        let x = input.buffer
        var labels: [Int32] = []
        dataset.images.withUnsafeBufferPointer { images in
            for (row, i) in order.prefix(n).enumerated() {
                for j in 0..<size { x[row * size + j] = images[i * size + j] }
                labels.append(dataset.labels[i])
            }
        }
        // Provenance names the dataset and checksums the samples actually used.
        let used = Dataset(name: dataset.name, sampleShape: dataset.sampleShape, images: input.array, labels: labels,
                           classes: dataset.classes)
        return PruningBatch(input: input, labels: labels,
                            description: "\(n) random samples of \(dataset.name)",
                            dataset: DatasetInfo(name: "\(dataset.name) (\(n) random samples)", checksum: TraceRecorder.checksum(used)))
    }

    /// `count` synthetic samples of `sampleShape`: every value `N(0, 1)` (what a normalized
    /// image's pixels are distributed as), labels uniform over `classes`.
    /// - Precondition: `count >= 1`, `classes >= 1`.
    package static func synthetic(sampleShape: [Int], classes: Int, count: Int, rng: inout RandomGenerator) -> PruningBatch {
        precondition(count >= 1 && classes >= 1, "empty batch")
        let input = Tensor(shape: [count] + sampleShape)
        let x = input.buffer
        for i in 0..<x.count { x[i] = rng.nextNormal() }
        let labels = (0..<count).map { _ in Int32(rng.nextInt(below: classes)) }
        return PruningBatch(input: input, labels: labels,
                            description: "synthetic: \(count) N(0,1) images \(sampleShape.map(String.init).joined(separator: "x")) with uniform random labels (no data for this shape)",
                            dataset: nil)
    }
}
