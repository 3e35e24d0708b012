import Foundation
import SparseSimCore
import Testing
import Trace

/// `sparsesim decompose` end to end on the committed numpy-written trace: exact reconstruction
/// at full rank, the report's numbers against the trace it writes, simulation of the result on
/// the escalate preset, and one-line errors that leave nothing behind.
@Suite struct DecomposeCommandTests {
    static func temporary(_ name: String) -> String {
        NSTemporaryDirectory() + "sparsesim-decompose-\(UUID().uuidString)-\(name)"
    }

    /// M = R·S with nothing pruned or quantized: the reconstructed kernels are the trace's masked weights.
    @Test func fullRankReproducesTheTrace() throws {
        let out = Self.temporary("full.sstrace")
        let r = try CLITests.run(["decompose", "--trace", CLITests.fixture, "-M", "9", "--output", out, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let source = try TraceReader(path: CLITests.fixture)
        let result = try TraceReader(path: out)
        #expect(result.manifest.method.name == "decompose")
        for name in ["conv1", "conv2", "fc"] {
            let a = try source.load(layer: name, snapshot: 2), b = try result.load(layer: name, snapshot: 0)
            for i in 0..<a.weights.count {
                let expected = a.mask[i] ? a.weights[i] : 0
                #expect(abs(b.weights[i] - expected) <= 1e-5 * max(1, abs(expected)), "\(name) \(i)")
            }
            #expect((b.decomposition != nil) == (name != "fc"))
            #expect(b.inputActivations == a.inputActivations)
        }
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let layers = json["layers"] as! [[String: Any]]
        #expect((layers[0]["reconstruction_error"] as! Double) < 1e-6)
        // Float coefficients, none pruned: M·K·C 32-bit values (as many as the dense weights) plus the
        // bases and the 4-bit run metadata, so a decomposed layer's "compression" is below 1.
        for layer in layers where layer["decomposed"] as! Bool { #expect((layer["compression_ratio"] as! Double) < 1) }
    }

    /// Pruned and quantized: the report's densities and ratios are those of the written trace,
    /// and the escalate preset simulates it with the same compression ratio per layer.
    @Test func prunedQuantizedAndSimulated() throws {
        let out = Self.temporary("pq.sstrace")
        let r = try CLITests.run(["decompose", "--trace", CLITests.fixture, "-M", "3", "--coef-sparsity", "0.5",
                                  "--quantize", "bases=8,coef=4,weights=8", "--output", out, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let layers = report["layers"] as! [[String: Any]]
        let trace = try TraceReader(path: out)
        for layer in layers where layer["decomposed"] as! Bool {
            let d = try trace.load(layer: layer["name"] as! String, snapshot: 0).decomposition!
            #expect(abs(d.coefficientMask.density - (layer["density"] as! Double)) < 1e-12)
            #expect(d.coefficientMask.density <= 0.5 + 1e-9)
            #expect(d.quantization == "bases=8,coef=4,weights=8")
            // 4-bit coefficients: at most 15 distinct magnitudes per tensor.
            #expect(Set(d.coefficients.map { abs($0) }).count <= 8)
        }
        let sim = try CLITests.run(["simulate", "--hw", CLITests.repositoryRoot + "/HardwareSpecs/escalate.xml", "--trace", out,
                                    "--set", "decomposition.bases=3", "--format", "json"])
        #expect(sim.status == 0, "\(sim.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(sim.stdout.utf8)) as! [String: Any]
        let simulated = result["layers"] as! [[String: Any]]
        // The preset stores bases at 8 bits and coefficients at 4 in 4-bit runs, as asked here.
        for (a, b) in zip(layers, simulated) where a["decomposed"] as! Bool {
            #expect(abs((a["compression_ratio"] as! Double) - (b["compression_ratio"] as! Double)) < 1e-9, "\(a["name"]!)")
            #expect(b["stage_macs"] != nil)
        }
    }

    @Test func errorsAreOneLineAndLeaveNothing() throws {
        let out = Self.temporary("bad.sstrace")
        let cases: [([String], Int32, String)] = [
            (["-M", "10"], 64, "exceeds R·S = 9"),
            (["-M", "3", "--coef-sparsity", "1.5"], 64, "--coef-sparsity"),
            (["-M", "3", "--quantize", "coef=1"], 64, "--quantize"),
            (["-M", "3", "--coef-format", "zip"], 64, "--coef-format"),
            (["-M", "3", "--basis-sharing", "filter"], 64, "--basis-sharing"),
            (["-M", "3", "--snapshot", "7"], 1, "no snapshot at step 7"),
        ]
        for (extra, status, text) in cases {
            let r = try CLITests.run(["decompose", "--trace", CLITests.fixture, "--output", out] + extra)
            #expect(r.status == status, "\(extra): \(r.stderr)")
            #expect(r.stderr.contains(text), "\(extra): \(r.stderr)")
            if status == 1 || r.stderr.hasPrefix("sparsesim: error: ") { #expect(r.stderr.split(separator: "\n").count == 1, "\(extra): \(r.stderr)") }
            #expect(!FileManager.default.fileExists(atPath: out), "\(extra) left \(out)")
        }
        let missing = try CLITests.run(["decompose", "--trace", "/nonexistent.sstrace", "-M", "3", "--output", out])
        #expect(missing.status == 1 && missing.stderr.hasPrefix("sparsesim: error: /nonexistent.sstrace"), "\(missing.stderr)")
        // An existing output is never overwritten.
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let exists = try CLITests.run(["decompose", "--trace", CLITests.fixture, "-M", "3", "--output", out])
        #expect(exists.status == 1 && exists.stderr.contains("already exists"), "\(exists.stderr)")
    }
}
