import Foundation
import SparseSimCore

// MARK: - Evaluation and metrics

extension Trainer {
    /// `value` as the Double of its shortest decimal (0.025, not 0.02500000037252903, the
    /// Float's exact binary value), for files people read.
    static func decimal(_ value: Float) -> Double { Double("\(value)") ?? Double(value) }

    /// Mean loss and accuracy of the model (evaluation mode) on `data`.
    package func evaluate(_ data: Dataset) -> (loss: Double, accuracy: Double) {
        let batch = max(configuration.batchSize, 256)
        let x = evaluationInput
        var lossSum = 0.0, correct = 0
        var lo = 0
        while lo < data.count {
            let hi = min(lo + batch, data.count)
            x.resize([hi - lo] + data.sampleShape)
            let buf = x.buffer
            data.images.withUnsafeBufferPointer { images in
                for j in 0..<buf.count { buf[j] = images[lo * data.sampleSize + j] }
            }
            let (loss, right) = data.labels[lo..<hi].withUnsafeBufferPointer { labels in
                model.loss.forward(model.forward(x, phase: .evaluation), labels: labels)
            }
            lossSum += loss * Double(hi - lo)
            correct += right
            lo = hi
        }
        return (lossSum / Double(max(data.count, 1)), Double(correct) / Double(max(data.count, 1)))
    }

    /// Keeps the metrics file's lines for epochs `1...epoch` (what a checkpoint at `epoch`
    /// holds) and drops the rest, a torn last line included: a resumed run then appends the
    /// lines of the epochs it runs, once each. Rewritten atomically; a missing file is left missing.
    /// - Throws: `SparseSimError` naming the file when it cannot be read or rewritten.
    public static func trimMetrics(at path: String, throughEpoch epoch: Int) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SparseSimError(file: path, message: "cannot read the metrics file")
        }
        var kept: [UInt8] = []
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            guard let m = try? JSONDecoder().decode(EpochMetrics.self, from: Data(line)), m.epoch <= epoch else { continue }
            kept += line + [0x0A]
        }
        guard kept.count != data.count else { return }
        try AtomicFile.write(kept, to: path)
    }

    static func appendLine(_ metrics: EpochMetrics, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let line = String(decoding: try encoder.encode(metrics), as: UTF8.self) + "\n"
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw SparseSimError(.run, file: path, message: "cannot create the metrics file")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw SparseSimError(file: path, message: "cannot open the metrics file for writing")
        }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data(line.utf8))
    }
}
