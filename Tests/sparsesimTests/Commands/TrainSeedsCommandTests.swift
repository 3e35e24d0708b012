import Foundation
import Testing

/// `sparsesim train --seeds`.
@Suite struct TrainSeedsCommandTests {
    /// `train --seeds`: one run per seed, each the same as `train --seed S` alone, its outputs
    /// named after the seed, and the accuracy's mean ± std over them; a GMP run among them.
    @Test func trainSeedsRunsEachSeedAndReportsTheSpread() throws {
        let dir = NSTemporaryDirectory() + "seeds-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let common = ["train", "--model", "mlp", "--method", "gmp", "--sparsity", "0.8", "--train-samples", "256",
                      "--test-samples", "100", "--epochs", "2", "--batch-size", "64"]
        let r = try CLITests.run(common + ["--seeds", "4,9", "--checkpoint-dir", dir + "/ck", "--trace", dir + "/t.sstrace",
                                       "--metrics", dir + "/m.jsonl", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let runs = try #require(object["runs"] as? [[String: Any]])
        let spread = try #require(object["test_accuracy"] as? [String: Any])
        let accuracies = runs.compactMap { $0["test_accuracy"] as? Double }
        #expect(accuracies.count == 2 && spread["seeds"] as? [Int] == [4, 9] && spread["values"] as? [Double] == accuracies)
        #expect(abs((spread["mean"] as? Double ?? -1) - (accuracies[0] + accuracies[1]) / 2) < 1e-12)
        for seed in [4, 9] {
            for path in ["/ck/seed-\(seed)/checkpoint.safetensors", "/t-seed\(seed).sstrace/manifest.json", "/m-seed\(seed).jsonl"] {
                #expect(FileManager.default.fileExists(atPath: dir + path), "\(path)")
            }
        }
        let alone = try CLITests.run(common + ["--seed", "9", "--format", "json"])
        let single = try #require(try JSONSerialization.jsonObject(with: Data(alone.stdout.utf8)) as? [String: Any])
        #expect(single["test_accuracy"] as? Double == accuracies[1])
        let table = try CLITests.run(common + ["--seeds", "4,9"])
        #expect(table.status == 0 && table.stdout.contains("mean ± std"), "\(table.stdout)")
        let bad = try CLITests.run(common + ["--seeds", "1,x"])
        #expect(bad.status == 64 && bad.stderr.contains("--seeds 1,x: expected seeds like 0,1,2"), "\(bad.stderr)")
    }
}
