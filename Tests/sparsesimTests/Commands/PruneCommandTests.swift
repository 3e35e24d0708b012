import Foundation
import Testing
import Training

/// `sparsesim prune` end to end: the JSON report, the sweep table, the trace, and errors.
@Suite struct PruneCommandTests {
    static func temporaryDirectory() -> String {
        let dir = NSTemporaryDirectory() + "sparsesim-prune-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func jsonReportHasTheLayerCollapseFields() throws {
        let r = try CLITests.run(["prune", "--model", "lenet5", "--method", "magnitude", "--compression", "2.5", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["method"] as? String == "magnitude")
        #expect(object["compression"] as? Double == 2.5)
        let layers = try #require(object["layers"] as? [[String: Any]])
        #expect(layers.map { $0["name"] as? String } == ["conv1", "conv2", "fc1", "fc2", "fc3"])
        let total = layers.reduce(0) { $0 + ($1["total"] as! Int) }, kept = layers.reduce(0) { $0 + ($1["remaining"] as! Int) }
        #expect(total == 61_470 && kept == Int((Double(total) * pow(10, -2.5)).rounded()))
        let collapsed = try #require(object["collapsed"] as? [String])
        #expect(collapsed == layers.filter { $0["remaining"] as! Int == 0 }.map { $0["name"] as! String })
        #expect(object["data"] as? String == "none (data-free)")
    }

    @Test func sameCommandSameBytes() throws {
        let args = ["prune", "--model", "mlp", "--method", "random", "--sparsity", "0.8", "--iterations", "3", "--seed", "4", "--format", "json"]
        let fixed = ["SOURCE_DATE_EPOCH": "1790000000"]
        let a = try CLITests.run(args, environment: fixed), b = try CLITests.run(args, environment: fixed)
        #expect(a.status == 0 && a.stdout == b.stdout)
        #expect(a.stdout.contains("\"created_at\" : \"2026-09-21T14:13:20Z") && a.stdout.contains("\"seed\" : 4"))
        let c = try CLITests.run(args.map { $0 == "4" ? "5" : $0 }, environment: fixed)
        #expect(c.stdout != a.stdout, "the seed drives random scores")
    }

    @Test func sweepPrintsTheLargestCompressionBeforeCollapse() throws {
        let r = try CLITests.run(["prune", "--model", "lenet5", "--method", "magnitude,synflow", "--iterations", "5",
                                  "--sweep-compression", "1:3:1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("largest compression without collapse"))
        #expect(r.stdout.contains("magnitude") && r.stdout.contains("synflow"))
        #expect(r.stderr.contains("magnitude at 10^1"))
        let json = try CLITests.run(["prune", "--model", "lenet5", "--method", "magnitude", "--sweep-compression", "1:3:1", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let rows = try #require(object["methods"] as? [[String: Any]])
        #expect(rows.count == 1 && rows[0]["method"] as? String == "magnitude" && object["provenance"] != nil)
        #expect(object["compressions"] as? [Double] == [1, 2, 3])
    }

    @Test func traceIsWrittenOnceAndTrainable() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trace = dir + "/snip.sstrace"
        let r = try CLITests.run(["prune", "--model", "mlp", "--method", "snip", "--sparsity", "0.9", "--batch-size", "32",
                                  "--trace", trace])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("32 random samples of fashion-mnist"))
        let again = try CLITests.run(["prune", "--model", "mlp", "--method", "snip", "--sparsity", "0.9", "--trace", trace])
        #expect(again.status == 1 && again.stderr.contains("already exists"))
        let inspect = try CLITests.run(["trace", "inspect", trace])
        #expect(inspect.status == 0 && inspect.stdout.contains("prune-snip"))
        let train = try CLITests.run(["train", "--model", "mlp", "--init-mask", trace, "--max-steps", "2", "--train-samples", "256",
                                      "--test-samples", "64"])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("static (init-mask)") && !train.stderr.contains("warning"))
    }

    @Test func benchPruneReportsTheRatioToBarePasses() throws {
        let r = try CLITests.run(["bench", "prune", "--models", "lenet5", "--threads", "1", "--iterations", "3", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        let row = try #require(rows.first)
        #expect(row["model"] as? String == "lenet5" && row["iterations"] as? Int == 3 && row["weights"] as? Int == 61_470)
        let seconds = try #require(row["seconds"] as? Double), floor = try #require(row["floor_seconds"] as? Double)
        let ratio = try #require(row["ratio_to_floor"] as? Double)
        #expect(seconds > 0 && floor > 0 && abs(ratio - seconds / floor) < 1e-9 * ratio)
        #expect(try CLITests.run(["bench", "prune", "--iterations", "0"]).status == 64)
    }

    @Test func badInputIsOneLineWithTheRightStatus() throws {
        let usage: [[String]] = [
            ["prune", "--model", "mlp"],
            ["prune", "--model", "mlp", "--compression", "1"],
            ["prune", "--model", "mlp", "--method", "synflow", "--compression", "1", "--sparsity", "0.9"],
            ["prune", "--model", "mlp", "--sweep-compression", "1:2:1", "--trace", "/tmp/x.sstrace"],
            ["prune", "--model", "mlp", "--method", "synflow", "--compression", "abc"],
            ["prune", "--model", "mlp", "--method", "synflow", "--compression", "1", "--format", "xml"],
        ]
        for args in usage { #expect(try CLITests.run(args).status == 64, "\(args)") }
        // A flag value the library refuses is bad usage (64); a file that is missing or wrong is bad input (1).
        let input: [([String], String)] = [
            (["prune", "--model", "nope", "--method", "synflow", "--compression", "1"], "<command line>:--model"),
            (["prune", "--model", "mlp", "--method", "obd", "--compression", "1"], "--method: unknown pruning method"),
            (["prune", "--model", "mlp", "--method", "synflow", "--compression=-1"], "--compression"),
            (["prune", "--model", "mlp", "--method", "synflow", "--sparsity", "1"], "--sparsity"),
            (["prune", "--model", "mlp", "--method", "synflow", "--compression", "1", "--iterations", "0"], "--iterations"),
            (["prune", "--model", "mlp", "--method", "synflow", "--compression", "1", "--schedule", "cubic"], "--schedule"),
            (["prune", "--model", "mlp", "--sweep-compression", "3:1:1"], "--sweep-compression"),
            (["prune", "--model", "mlp", "--sweep-compression", "1:2:0"], "--sweep-compression"),
            (["prune", "--model", "vgg16", "--method", "synflow", "--compression", "1", "--input-shape", "3,32"], "--input-shape"),
            (["prune", "--model", "mlp", "--method", "synflow", "--compression", "1", "--input-shape", "3,32,32"], "--input-shape"),
            (["prune", "--model", "mlp", "--method", "snip", "--compression", "1", "--data-dir", "/nonexistent"], "/nonexistent"),
            (["train", "--model", "mlp", "--init-mask", "/nonexistent.sstrace", "--max-steps", "1"], "/nonexistent.sstrace"),
        ]
        for (args, place) in input {
            let r = try CLITests.run(args)
            #expect(r.status == (place.hasPrefix("/") ? 1 : 64), "\(args): \(r.stderr)")
            #expect(r.stderr.hasPrefix("sparsesim: error: ") && r.stderr.contains(place), "\(args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(args): one line")
            #expect(r.stdout.isEmpty)
        }
    }

    /// `prune --method imp`: one row per round, densities (1 − p)^r up to rounding, a trace per
    /// round, and a re-run that reuses them.
    @Test func pruneIMPWritesEveryRound() throws {
        let dir = NSTemporaryDirectory() + "imp-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["prune", "--model", "mlp", "--method", "imp", "--rounds", "2", "--rate", "0.5", "--epochs", "1",
                    "--train-samples", "256", "--test-samples", "100", "--batch-size", "64", "--out", dir, "--format", "json"]
        let r = try CLITests.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let rounds = try #require(object["rounds"] as? [[String: Any]])
        #expect(rounds.compactMap { $0["round"] as? Int } == [0, 1, 2])
        for round in rounds {
            let d = round["density"] as? Double ?? -1, e = round["expected_density"] as? Double ?? -2
            #expect(abs(d - e) < 1e-5, "\(d) vs \(e)")
            #expect(FileManager.default.fileExists(atPath: (round["trace"] as? String ?? "") + "/manifest.json"))
        }
        let again = try CLITests.run(args.dropLast(2) + ["--format", "table"])
        #expect(again.status == 0 && again.stderr.contains("round 2: reused"), "\(again.stderr)")
        #expect(again.stdout.contains("(1 - rate)^round %"))
        let wrong = try CLITests.run(["prune", "--model", "mlp", "--method", "synflow", "--sparsity", "0.9", "--epochs", "3"])
        #expect(wrong.status == 64 && wrong.stderr.contains("--out and --epochs are for --method imp"), "\(wrong.stderr)")
    }
}
