import Foundation
import SparseSimCore
import Trace

// MARK: - Dataset

/// Normalized images and labels in memory.
package struct Dataset: Sendable {
    /// The dataset's name, e.g. `fashion-mnist/train`.
    package var name: String
    /// One sample's shape `[C, H, W]`.
    package var sampleShape: [Int]
    /// Images, sample after sample, normalized per channel.
    package var images: [Float]
    /// Labels in `0..<classes`.
    package var labels: [Int32]
    /// Number of classes.
    package var classes: Int

    /// Samples.
    package var count: Int { labels.count }
    /// Floats per sample.
    package var sampleSize: Int { sampleShape.reduce(1, *) }

    /// The first `n` samples (or all, when fewer).
    package func prefix(_ n: Int) -> Dataset {
        let m = min(n, count)
        return Dataset(name: name, sampleShape: sampleShape, images: Array(images[0..<(m * sampleSize)]),
                       labels: Array(labels[0..<m]), classes: classes)
    }
}

// MARK: - Loading

extension Dataset {
    /// The datasets `sparsesim train` reads.
    package enum Kind: String, CaseIterable, Sendable {
        /// Fashion-MNIST (Xiao et al., 2017), 28×28 grey, 10 classes.
        case fashionMNIST = "fashion-mnist"
        /// MNIST, same format.
        case mnist
        /// CIFAR-10 binary batches, 32×32 RGB, 10 classes.
        case cifar10

        /// Where Debian's `dataset-fashion-mnist` puts Fashion-MNIST.
        package static let fashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

        /// One sample's shape.
        package var sampleShape: [Int] { self == .cifar10 ? [3, 32, 32] : [1, 28, 28] }

        /// Per-channel mean and standard deviation of the training images (the values the
        /// community uses).
        package var normalization: (mean: [Float], std: [Float]) {
            switch self {
            case .fashionMNIST: ([0.2860], [0.3530])
            case .mnist: ([0.1307], [0.3081])
            case .cifar10: ([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616])
            }
        }
    }

    /// Loads the training (`train: true`) or test split of `kind` from `directory` (default
    /// for Fashion-MNIST: the Debian package's directory).
    /// - Throws: `SparseSimError` naming the file: missing, short, bad magic, mismatched counts,
    ///   label out of range.
    package static func load(_ kind: Kind, train: Bool, directory: String? = nil) throws -> Dataset {
        switch kind {
        case .fashionMNIST, .mnist:
            guard let dir = directory ?? (kind == .fashionMNIST ? Kind.fashionMNISTDirectory : nil) else {
                throw SparseSimError.setting("dataDirectory", "MNIST needs `dataDirectory` DIR holding train-images-idx3-ubyte(.gz) and the other IDX files")
            }
            let prefix = train ? "train" : "t10k"
            let imagesPath = try locate(dir, "\(prefix)-images-idx3-ubyte")
            let labelsPath = try locate(dir, "\(prefix)-labels-idx1-ubyte")
            let images = try IDXFile.read(imagesPath)
            let labels = try IDXFile.read(labelsPath)
            guard images.dimensions.count == 3, images.dimensions[1] == 28, images.dimensions[2] == 28 else {
                throw SparseSimError(file: imagesPath, location: "header", message: "expected [N, 28, 28] images, found \(images.dimensions)")
            }
            guard labels.dimensions.count == 1, labels.dimensions[0] == images.dimensions[0] else {
                throw SparseSimError(file: labelsPath, location: "header",
                                     message: "\(labels.dimensions.first ?? 0) labels for \(images.dimensions[0]) images")
            }
            let out = try makeLabels(labels.bytes, classes: 10, file: labelsPath)
            return Dataset(name: "\(kind.rawValue)/\(train ? "train" : "test")", sampleShape: kind.sampleShape,
                           images: normalize(images.bytes, kind: kind), labels: out, classes: 10)
        case .cifar10:
            guard let dir = directory else {
                throw SparseSimError.setting("dataDirectory", "CIFAR-10 needs `dataDirectory` DIR holding data_batch_1.bin ... test_batch.bin")
            }
            let files = train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
            var pixels: [UInt8] = [], labels: [Int32] = []
            for name in files {
                let path = try locate(dir, name)
                let bytes = try IDXFile.readMaybeGzip(path)
                let record = 1 + 3072
                guard bytes.count % record == 0, !bytes.isEmpty else {
                    throw SparseSimError(file: path, location: "data",
                                         message: "short read: \(bytes.count) bytes is not a whole number of \(record)-byte CIFAR-10 records")
                }
                for r in 0..<(bytes.count / record) {
                    let label = bytes[r * record]
                    guard label < 10 else {
                        throw SparseSimError(file: path, location: "record \(r)", message: "label \(label) out of range 0..<10")
                    }
                    labels.append(Int32(label))
                    pixels.append(contentsOf: bytes[(r * record + 1)..<((r + 1) * record)])
                }
            }
            return Dataset(name: "cifar10/\(train ? "train" : "test")", sampleShape: kind.sampleShape,
                           images: normalize(pixels, kind: kind), labels: labels, classes: 10)
        }
    }

    /// `dir/name.gz` or `dir/name`, whichever exists.
    static func locate(_ dir: String, _ name: String) throws -> String {
        for candidate in ["\(dir)/\(name).gz", "\(dir)/\(name)"] where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        throw SparseSimError(file: "\(dir)/\(name).gz", message: "no such file (nor \(name) uncompressed)")
    }

    static func makeLabels(_ bytes: [UInt8], classes: Int, file: String) throws -> [Int32] {
        var out = [Int32](repeating: 0, count: bytes.count)
        for (i, b) in bytes.enumerated() {
            guard Int(b) < classes else {
                throw SparseSimError(file: file, location: "label \(i)", message: "label \(b) out of range 0..<\(classes)")
            }
            out[i] = Int32(b)
        }
        return out
    }

    /// Bytes → `(x/255 − mean)/std` per channel (channel-planar input).
    static func normalize(_ bytes: [UInt8], kind: Kind) -> [Float] {
        let (mean, std) = kind.normalization
        let plane = kind.sampleShape[1] * kind.sampleShape[2]
        let channels = kind.sampleShape[0]
        var out = [Float](repeating: 0, count: bytes.count)
        let scale = std.map { 1 / (255 * $0) }, shift = zip(mean, std).map { -$0 / $1 }
        out.withUnsafeMutableBufferPointer { o in
            bytes.withUnsafeBufferPointer { b in
                var i = 0
                while i < b.count {
                    for c in 0..<channels {
                        let (a, z) = (scale[c], shift[c])
                        for j in i..<(i &+ plane) { o[j] = Float(b[j]) * a + z }
                        i &+= plane
                    }
                }
            }
        }
        return out
    }
}
