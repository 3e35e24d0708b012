import Foundation
import Testing

/// `sparsesim study structure` end to end: the answer first, the three files, a re-run that
/// reuses every run, and one-line errors.
@Suite struct StudyCommandTests {
    static let specs = ["systolic-ws", "stc-2to4"].flatMap { ["--hw", CLITests.repositoryRoot + "/HardwareSpecs/\($0).xml"] }
    static let small = ["study", "structure", "--model", "mlp", "--methods", "rigl", "--structures", "nm:2:4", "--epochs", "1",
                        "--train-samples", "256", "--test-samples", "128", "--batch-size", "64", "--trace-samples", "2"]

    @Test func studyWritesTheAnswerAndItsFiles() throws {
        let dir = NSTemporaryDirectory() + "sparsesim-study-cli-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLITests.run(Self.small + Self.specs + ["--out", dir])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("Which mask structure on which hardware is fastest") == true, "\(r.stdout)")
        #expect(lines.count > 5 && lines[1].hasPrefix("Baseline: dense on systolic-ws: ") && lines[2].hasPrefix("Fastest: ")
                && lines[3].hasPrefix("Least energy: ") && lines[4].hasPrefix("Pareto front, accuracy against latency: "), "\(r.stdout)")
        #expect(r.stdout.components(separatedBy: "Baseline: dense on systolic-ws").count == 2, "the answer is printed once")
        #expect(r.stderr.contains("study: rigl-nm2-4: done"))
        for file in ["report.html", "summary.json", "summary.csv", "runs/dense.sstrace/manifest.json", "runs/rigl-nm2-4.json"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + file), "\(file)")
        }
        let csv = try String(contentsOfFile: dir + "/summary.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 5)  // header + 2 runs x 2 specs
        let json = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json"))) as? [String: Any]
        let comparison = json?["comparison"] as? [String: Any], answer = comparison?["answer"] as? [String: Any]
        #expect(answer?["fastest"] != nil && (answer?["pareto_latency"] as? [Any])?.isEmpty == false && json?["provenance"] != nil)
        #expect((comparison?["baseline"] as? [String: Any])?["run"] as? String == "dense")

        let again = try CLITests.run(Self.small + Self.specs + ["--out", dir])
        #expect(again.status == 0 && again.stderr.contains("study: dense: reused") && !again.stderr.contains("epoch 1"), "\(again.stderr)")
        #expect(again.stdout == r.stdout)
    }

    @Test func errors() throws {
        let dir = NSTemporaryDirectory() + "sparsesim-study-cli-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let noSpec = try CLITests.run(Self.small + ["--out", dir])
        #expect(noSpec.status == 64 && noSpec.stderr.contains("--hw"), "\(noSpec.stderr)")
        let noEpochs = try CLITests.run(["study", "structure", "--model", "mlp", "--out", dir] + Self.specs)
        #expect(noEpochs.status == 64, "\(noEpochs.stderr)")
        let structure = try CLITests.run(["study", "structure", "--model", "mlp", "--structures", "diagonal", "--epochs", "1", "--out", dir] + Self.specs)
        #expect(structure.status == 64 && structure.stderr.hasPrefix("sparsesim: error: <command line>:--structures") && structure.stderr.contains("diagonal"), "\(structure.stderr)")
        let baseline = try CLITests.run(Self.small + Self.specs + ["--baseline", "dense", "--out", dir])
        #expect(baseline.status == 64 && baseline.stderr == "sparsesim: error: <command line>:--baseline: 'dense' is not RUN@SPEC (e.g. dense@systolic-ws)\n", "\(baseline.stderr)")
        let floor = try CLITests.run(Self.small + Self.specs + ["--min-accuracy", "120", "--out", dir])
        #expect(floor.status == 64 && floor.stderr.contains("--min-accuracy"), "\(floor.stderr)")
        let spec = try CLITests.run(Self.small + ["--hw", "/no/such.xml", "--out", dir])
        #expect(spec.status == 1 && spec.stderr.contains("/no/such.xml"), "\(spec.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir))
    }
}
