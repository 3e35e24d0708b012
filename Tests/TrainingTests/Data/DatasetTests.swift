import Foundation
import Testing

@testable import SparseSimCore
@testable import Trace
@testable import Training

@Suite struct DatasetTests {
    static func idx(_ dims: [Int], _ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0, 0, 8, UInt8(dims.count)]
        for d in dims { out += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
        return out + data
    }

    @Test func fashionMNISTLoads() throws {
        let test = try Dataset.load(.fashionMNIST, train: false)
        #expect(test.count == 10_000 && test.sampleShape == [1, 28, 28] && test.images.count == 10_000 * 784)
        var histogram = [Int](repeating: 0, count: 10)
        for l in test.labels { histogram[Int(l)] += 1 }
        #expect(histogram == [Int](repeating: 1000, count: 10))
        // Normalized with the training set's statistics: the test set's mean is near 0, std near 1.
        let mean = test.images.reduce(0.0) { $0 + Double($1) } / Double(test.images.count)
        let variance = test.images.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(test.images.count)
        #expect(abs(mean) < 0.05 && abs(variance.squareRoot() - 1) < 0.05, "mean \(mean), std \(variance.squareRoot())")
    }

    @Test func idxErrorsNameTheFile() throws {
        #expect(throws: Never.self) { try IDXFile(bytes: Self.idx([2, 2], [1, 2, 3, 4]), file: "ok") }
        for (bytes, message) in [
            ([0, 0, 8], "short read"),
            ([1, 2, 8, 1, 0, 0, 0, 0], "bad magic"),
            ([0, 0, 9, 1, 0, 0, 0, 1, 5], "not unsigned byte"),
            (Self.idx([2, 2], [1, 2, 3]), "short read"),
            (Self.idx([2], [1, 2, 3]), "bytes after"),
        ] as [([UInt8], String)] {
            do {
                _ = try IDXFile(bytes: bytes, file: "f.idx")
                Issue.record("accepted \(bytes)")
            } catch let e as SparseSimError {
                #expect(e.file == "f.idx" && e.message.contains(message), "\(e)")
            }
        }
        #expect(throws: SparseSimError.self) { try IDXFile.read("/no/such/file.gz") }
    }

    @Test func labelsOutOfRangeAndMissingFiles() throws {
        let dir = NSTemporaryDirectory() + "mnist-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            _ = try Dataset.load(.mnist, train: true, directory: dir)
            Issue.record("accepted an empty directory")
        } catch let e as SparseSimError {
            #expect(e.file == "\(dir)/train-images-idx3-ubyte.gz" && e.message.contains("no such file"))
        }
        try Data(Self.idx([2, 28, 28], [UInt8](repeating: 7, count: 2 * 784))).write(to: URL(fileURLWithPath: "\(dir)/train-images-idx3-ubyte"))
        try Data(Self.idx([2], [3, 12])).write(to: URL(fileURLWithPath: "\(dir)/train-labels-idx1-ubyte"))
        do {
            _ = try Dataset.load(.mnist, train: true, directory: dir)
            Issue.record("accepted label 12")
        } catch let e as SparseSimError {
            #expect(e.file == "\(dir)/train-labels-idx1-ubyte" && e.location == "label 1" && e.message.contains("out of range"), "\(e)")
        }
        try Data(Self.idx([2], [3, 9])).write(to: URL(fileURLWithPath: "\(dir)/train-labels-idx1-ubyte"))
        let ok = try Dataset.load(.mnist, train: true, directory: dir)
        let expected: Float = (Float(7) / 255 - 0.1307) / 0.3081
        let error = abs(ok.images[0] - expected)
        #expect(ok.labels == [3, 9])
        #expect(error < 1e-6)
    }

    @Test func cifar10BinaryBatchesAndAugmentation() throws {
        let dir = NSTemporaryDirectory() + "cifar-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func record(_ label: UInt8, _ value: UInt8) -> [UInt8] { [label] + [UInt8](repeating: value, count: 3072) }
        for i in 1...5 { try Data(record(UInt8(i), 10) + record(0, 20)).write(to: URL(fileURLWithPath: "\(dir)/data_batch_\(i).bin")) }
        try Data(record(9, 255)).write(to: URL(fileURLWithPath: "\(dir)/test_batch.bin"))
        let train = try Dataset.load(.cifar10, train: true, directory: dir)
        #expect(train.count == 10 && train.labels == [1, 0, 2, 0, 3, 0, 4, 0, 5, 0] && train.sampleShape == [3, 32, 32])
        // Channel-wise normalization: channel 2's first pixel of sample 0.
        let expected: Float = (Float(10) / 255 - 0.4465) / 0.2616
        let error = abs(train.images[2 * 1024] - expected)
        #expect(error < 1e-6)
        try Data(record(10, 0)).write(to: URL(fileURLWithPath: "\(dir)/test_batch.bin"))
        #expect(throws: SparseSimError.self) { try Dataset.load(.cifar10, train: false, directory: dir) }
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: "\(dir)/test_batch.bin"))
        #expect(throws: SparseSimError.self) { try Dataset.load(.cifar10, train: false, directory: dir) }

        // Augmentation: with padding 0 only the flip remains; a flipped row is reversed.
        let image = (0..<(3 * 4 * 4)).map { Float($0) }
        var out = [Float](repeating: -1, count: image.count)
        var rng = RandomGenerator(seed: 3)
        var flips = 0
        for _ in 0..<20 {
            image.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    Augmentation.cropAndFlip(src, sample: 0, shape: [3, 4, 4], padding: 0, into: dst, rng: &rng)
                }
            }
            if out == image { continue }
            flips += 1
            #expect(Array(out[0..<4]) == [3, 2, 1, 0])
        }
        #expect(flips > 3 && flips < 17)
        // With padding, shifted pixels come from the image or are zero.
        image.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                Augmentation.cropAndFlip(src, sample: 0, shape: [3, 4, 4], padding: 2, into: dst, rng: &rng)
            }
        }
        #expect(out.allSatisfy { $0 == 0 || image.contains($0) })
    }
}
