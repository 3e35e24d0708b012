import Foundation
import SparseSimCore
import Training

// MARK: - train: the summary

extension TrainCommand {
    /// `train --seeds --format json`: every seed's summary and the test accuracy's spread.
    struct SeededSummary: Encodable {
        var runs: [Trainer.Summary]
        var testAccuracy: SeedSpread
        enum CodingKeys: String, CodingKey {
            case runs
            case testAccuracy = "test_accuracy"
        }
    }

    /// The summary table: one row per run (with its seed, and a mean ± std row, when there are
    /// several).
    func table(_ runs: [(UInt64?, Trainer.Summary)], method: String, spread: SeedSpread? = nil) -> TextTable {
        let seeded = runs.contains { $0.0 != nil }
        let bits = quantize == nil ? nil : runs.first?.1.quantization
        var header = ["model", "method", "dataset", "epochs", "steps", "test acc %", "test loss", "train loss", "samples/s", "wall s"]
        if let bits { header.append("quantized acc % (\(bits))") }
        if seeded { header.insert("seed", at: 2) }
        var table = TextTable(header)
        for (seed, summary) in runs {
            var row = [model, method, dataset, "\(summary.epochs)", "\(summary.steps)", formatted(summary.testAccuracy * 100, digits: 2),
                       formatted(summary.testLoss, digits: 4), formatted(summary.trainLoss, digits: 4),
                       formatted(summary.samplesPerSecond, digits: 0), formatted(summary.wallSeconds, digits: 1)]
            if bits != nil { row.append(summary.quantizedTestAccuracy.map { formatted($0 * 100, digits: 2) } ?? "-") }
            if seeded { row.insert(seed.map { "\($0)" } ?? "", at: 2) }
            table.add(row)
        }
        if let spread {
            var row = [String](repeating: "", count: header.count)
            row[0] = "mean ± std"
            row[header.firstIndex(of: "test acc %")!] = spread.text(scale: 100)
            table.add(row)
        }
        return table
    }
}
