import Foundation
import Testing

/// `sparsesim prune --init-weights`: one-shot pruning of a trained checkpoint from the command
/// line, its trace fine-tuned by `train --init-mask`, and its refusals.
@Suite struct PruneOneShotCommandTests {
    @Test func wandaPrunesATrainedCheckpointAndTheMaskFineTunes() throws {
        let dir = PruneCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ckpt = dir + "/mlp", trace = dir + "/wanda.sstrace"
        let train = try CLITests.run(["train", "--model", "mlp", "--train-samples", "512", "--test-samples", "128", "--epochs", "1",
                                      "--checkpoint-dir", ckpt])
        #expect(train.status == 0, "\(train.stderr)")
        let r = try CLITests.run(["prune", "--model", "mlp", "--init-weights", ckpt, "--method", "wanda", "--structure", "nm:2:4",
                                  "--calibration-samples", "64", "--test-samples", "128", "--trace", trace, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["criterion"] as? String == "wanda" && object["target"] as? String == "nm:2:4")
        #expect(object["calibration_samples"] as? Int == 64 && object["pruned_layers_density"] as? Double == 0.5)
        let layers = try #require(object["layers"] as? [[String: Any]])
        #expect(layers.map { $0["kept"] as? Int } == [235_200, 15_000, 500])
        let gptTrace = dir + "/gpt.sstrace", gptCheckpoint = dir + "/gpt"
        let gpt = try CLITests.run(["prune", "--model", "mlp", "--init-weights", ckpt, "--method", "sparsegpt", "--sparsity", "0.5",
                                    "--calibration-samples", "64", "--test-samples", "128", "--format", "json", "--trace", gptTrace,
                                    "--checkpoint-dir", gptCheckpoint])
        #expect(gpt.status == 0 && gpt.stdout.contains("\"criterion\" : \"sparsegpt\"") && gpt.stdout.contains("\"pruned_layers_density\" : 0.5"),
                "\(gpt.stderr)")
        // SparseGPT updates the kept weights: its checkpoint holds them, so fine-tuning from it
        // starts from the trace's weights (no mismatch warning); from the original it would not.
        let fromPruned = try CLITests.run(["train", "--model", "mlp", "--init-weights", gptCheckpoint, "--init-mask", gptTrace,
                                           "--train-samples", "128", "--test-samples", "64", "--max-steps", "1"])
        #expect(fromPruned.status == 0 && !fromPruned.stderr.contains("differ"), "\(fromPruned.stderr)")
        let fromOriginal = try CLITests.run(["train", "--model", "mlp", "--init-weights", ckpt, "--init-mask", gptTrace,
                                             "--train-samples", "128", "--test-samples", "64", "--max-steps", "1"])
        #expect(fromOriginal.status == 0 && fromOriginal.stderr.contains("differ"), "\(fromOriginal.stderr)")
        let table = try CLITests.run(["prune", "--model", "mlp", "--init-weights", ckpt, "--method", "magnitude", "--sparsity", "0.5",
                                      "--test-samples", "128"])
        #expect(table.status == 0 && table.stdout.contains("pruned in one shot by magnitude, sparsity 0.5, per output row"), "\(table.stderr)")
        #expect(table.stdout.contains("% before, ") && table.stdout.contains("pruned layers' density 50.000 %"))

        // The pruned model fine-tunes with its mask fixed, from the trained weights.
        let tune = try CLITests.run(["train", "--model", "mlp", "--init-weights", ckpt, "--init-mask", trace, "--train-samples", "256",
                                     "--test-samples", "128", "--max-steps", "2", "--format", "json"])
        #expect(tune.status == 0, "\(tune.stderr)")

        // Refusals: one line each, nothing written.
        let out = dir + "/bad.sstrace"
        let cases: [([String], Int32, String)] = [
            (["--method", "wanda", "--structure", "nm:2:2"], 64, "N must be below M"),
            (["--method", "wanda", "--sparsity", "1.5"], 64, "--sparsity"),
            (["--method", "synflow", "--sparsity", "0.5"], 64, "one-shot pruning (--init-weights) takes wanda, sparsegpt or magnitude"),
            (["--method", "wanda"], 64, "needs --sparsity"),
            (["--method", "wanda", "--structure", "channel", "--sparsity", "0.5"], 64, "unstructured or nm:N:M"),
            (["--method", "imp", "--sparsity", "0.5"], 64, "--init-weights prunes a trained model in one shot"),
        ]
        for (extra, status, text) in cases {
            let bad = try CLITests.run(["prune", "--model", "mlp", "--init-weights", ckpt, "--trace", out] + extra)
            #expect(bad.status == status && bad.stderr.contains(text), "\(extra): \(bad.status) \(bad.stderr)")
            if bad.stderr.hasPrefix("sparsesim: error:") { #expect(bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)") }
            #expect(!FileManager.default.fileExists(atPath: out))
        }
        let other = try CLITests.run(["prune", "--model", "lenet5", "--init-weights", ckpt, "--method", "wanda", "--sparsity", "0.5",
                                      "--trace", out])
        #expect(other.status == 1 && other.stderr.contains("conv1.weight") && other.stderr.contains("not of this model"), "\(other.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let again = try CLITests.run(["prune", "--model", "mlp", "--init-weights", ckpt, "--method", "wanda", "--sparsity", "0.5",
                                      "--trace", trace])
        #expect(again.status == 1 && again.stderr.contains("already exists"), "\(again.stderr)")
        let misplaced = try CLITests.run(["prune", "--model", "mlp", "--method", "magnitude", "--sparsity", "0.5", "--structure", "nm:2:4"])
        #expect(misplaced.status == 64 && misplaced.stderr.contains("one-shot pruning of a trained model (--init-weights)"), "\(misplaced.stderr)")
    }
}
