import Foundation
import TestSupport
import Testing

/// `sparsesim trace export --timeloop`: files PyYAML reads as Timeloop problems whose numbers
/// are the manifest's, and one-line errors.
@Suite struct TraceExportCommandTests {
    static let hasYAML = Python.hasYAML

    @Test func exportParsesAsTimeloopProblems() throws {
        let dir = NSTemporaryDirectory() + "sparsesim-timeloop-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLITests.run(["trace", "export", CLITests.fixture, "--timeloop", dir])
        #expect(r.status == 0 && r.stdout == "wrote 3 problem files to \(dir)\n", "\(r.stderr)")
        guard Self.hasYAML else {
            Issue.record("PyYAML is missing (scripts/bootstrap installs it): the YAML check did not run")
            return
        }
        // PyYAML reads every file; its numbers are checked against the manifest numpy wrote.
        let script = """
            import json, sys, yaml, os
            d, trace = sys.argv[1], sys.argv[2]
            m = json.load(open(os.path.join(trace, "manifest.json")))
            shapes = m["model"]["layers"]; snap = m["snapshots"][-1]["layers"]
            names = sorted(os.listdir(d))
            assert len(names) == len(shapes), names
            for name, shape, rec in zip(names, shapes, snap):
                p = yaml.safe_load(open(os.path.join(d, name)))["problem"]
                assert p["shape"]["name"] == "CNN-Layer"
                assert [s["name"] for s in p["shape"]["data-spaces"]] == ["Weights", "Inputs", "Outputs"]
                i = p["instance"]
                assert (i["C"], i["M"], i["N"]) == (shape["c"], shape["k"], shape["n"]), name
                assert (i["R"], i["S"], i["P"], i["Q"]) == (shape["s"], shape["r"], shape["q"], shape["p"]), name
                assert i["densities"]["Weights"]["density"] == rec["weight_density"], name
                assert i["densities"]["Inputs"]["density"] == rec["activation_density"], name
            print("ok", len(names))
            """
        let check = try Python.run(["-c", script, dir, CLITests.fixture])
        #expect(check.status == 0 && check.text == "ok 3\n", "\(check.stderr)")
    }

    @Test func errors() throws {
        let dir = NSTemporaryDirectory() + "sparsesim-timeloop-\(UUID().uuidString)"
        let missing = try CLITests.run(["trace", "export", "/no/such.sstrace", "--timeloop", dir])
        #expect(missing.status == 1 && missing.stderr.hasPrefix("sparsesim: error: /no/such.sstrace"), "\(missing.stderr)")
        let step = try CLITests.run(["trace", "export", CLITests.fixture, "--timeloop", dir, "--snapshot", "7"])
        #expect(step.status == 1 && step.stderr.contains("no snapshot at step 7"), "\(step.stderr)")
        let usage = try CLITests.run(["trace", "export", CLITests.fixture])
        #expect(usage.status == 64, "\(usage.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir))
    }
}
