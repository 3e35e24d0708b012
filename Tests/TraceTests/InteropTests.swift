import Foundation
import Testing
import TestSupport

@testable import SparseSimCore
@testable import Trace

/// numpy reads what Swift writes: `tools/sstrace.py --check --json` recomputes every layer's
/// statistics with numpy, and they must equal Swift's.
@Suite struct InteropTests {
    /// Whether the tests' Python (`Python.executable`) imports numpy.
    static let numpyAvailable = Python.hasNumpy

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
        let r = try Python.run(arguments)
        return (r.status, r.stdout, r.stderr)
    }

    struct Stats: Decodable {
        var step: Int
        var layers: [String: Layer]
        struct Layer: Decodable {
            var weight_shape: [Int]
            var weight_sum: Double
            var weight_abs_sum: Double
            var weight_first: Double
            var weight_last: Double
            var mask_popcount: Int
            var mask_density: Double
            var masked_weight_sum: Double
            var input_shape: [Int]?
            var activation_sum: Double?
            var activation_nonzero: Int?
        }
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(a), abs(b)) }

    @Test(.enabled(if: numpyAvailable, "python3 with numpy is not available: interop test skipped"))
    func numpyReadsWhatSwiftWrote() throws {
        let path = try makeTemporaryDirectory() + "/swift.sstrace"
        _ = try SampleTrace.write(to: path)
        let result = try Self.run([repositoryRoot + "/tools/sstrace.py", "--check", path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let stats = try JSONDecoder().decode([Stats].self, from: result.stdout)
        #expect(stats.map(\.step) == [0, 100, 200])
        for (si, (step, density)) in [(0, 1.0), (100, 0.5), (200, 0.1)].enumerated() {
            for t in SampleTrace.tensors(step: step, density: density) {
                let s = try #require(stats[si].layers[t.name])
                let shape = SampleTrace.model.layer(named: t.name)!
                #expect(s.weight_shape == shape.weightShape)
                #expect(s.input_shape == shape.inputShape)
                #expect(Self.close(s.weight_sum, t.weights.reduce(0.0) { $0 + Double($1) }))
                #expect(Self.close(s.weight_abs_sum, t.weights.reduce(0.0) { $0 + abs(Double($1)) }))
                #expect(s.weight_first == Double(t.weights.first!) && s.weight_last == Double(t.weights.last!))
                #expect(s.mask_popcount == t.mask.popcount)
                #expect(s.mask_density == t.mask.density)
                let masked = t.mask.setBitIndices.reduce(0.0) { $0 + Double(t.weights[$1]) }
                #expect(Self.close(s.masked_weight_sum, masked))
                #expect(Self.close(s.activation_sum!, t.inputActivations!.reduce(0.0) { $0 + Double($1) }))
                #expect(s.activation_nonzero == t.inputActivations!.filter { $0 != 0 }.count)
            }
        }
    }

    @Test(.enabled(if: numpyAvailable, "python3 with numpy is not available: interop test skipped"))
    func numpyCheckerRejectsAnEscapingPath() throws {
        let path = try makeTemporaryDirectory() + "/swift.sstrace"
        _ = try SampleTrace.write(to: path, steps: [(0, 1.0)])
        var text = try String(contentsOfFile: path + "/manifest.json", encoding: .utf8)
        text = text.replacingOccurrences(of: "snapshots/step-00000000/fc.weights.npy", with: "../../etc/passwd")
        try text.write(toFile: path + "/manifest.json", atomically: true, encoding: .utf8)
        let result = try Self.run([repositoryRoot + "/tools/sstrace.py", "--check", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("not a plain relative path"))
        // And Swift refuses it too.
        #expect(expectSparseSimError { _ = try TraceReader(path: path) }?.message.contains("leaves the trace directory") == true)
    }
}

// MARK: - tools/torch_trace.py

/// `tools/torch_trace.py` without torch: duck-typed modules run in numpy, captured by forward
/// hooks, written by the numpy core; Swift reads the trace back and finds numpy's shapes, kept
/// weights and input non-zeros.
@Suite struct TorchTraceTests {
    struct Expected: Decodable {
        var layers: [String]
        var expected: [String: Layer]
        struct Layer: Decodable {
            var shape: [Int]
            var kind: String
            var kept: Int
            var input_nonzero: Int
        }
    }

    @Test(.enabled(if: InteropTests.numpyAvailable, "python3 with numpy is not available: torch_trace test skipped"))
    func numpyCoreWritesATraceSwiftReads() throws {
        let path = try makeTemporaryDirectory() + "/fake.sstrace"
        let result = try InteropTests.run([repositoryRoot + "/Tests/TraceTests/Fixtures/torch_trace_check.py",
                                           repositoryRoot + "/tools", path])
        #expect(result.status == 0, "\(result.stderr)")
        let e = try JSONDecoder().decode(Expected.self, from: result.stdout)
        #expect(e.layers == ["conv1", "dw", "fc"])
        let reader = try TraceReader(path: path, verifyTensors: true)
        #expect(reader.manifest.model.name == "fake-net" && reader.manifest.method.name == "torch")
        #expect(reader.manifest.model.layers.map(\.name) == e.layers)
        // Shapes by hand: conv1 3x3 pad 1 on 5x5; dw stride 2 pad 1 -> 3x3; fc over 8*3*3.
        let byHand: [String: [Int]] = ["conv1": [3, 8, 2, 3, 3, 5, 5, 5, 5, 1, 1, 1],
                                       "dw": [3, 8, 8, 3, 3, 5, 5, 3, 3, 2, 1, 8],
                                       "fc": [3, 10, 72, 1, 1, 1, 1, 1, 1, 1, 0, 1]]
        for (i, shape) in reader.manifest.model.layers.enumerated() {
            let x = try #require(e.expected[shape.name])
            let fields = [shape.N, shape.K, shape.C, shape.R, shape.S, shape.H, shape.W, shape.P, shape.Q, shape.stride, shape.padding, shape.groups]
            #expect(fields == x.shape && fields == byHand[shape.name], "\(shape.name)")
            #expect(shape.kind.rawValue == x.kind)
            let data = try reader.load(layer: shape.name, snapshot: 0)
            #expect(data.mask.popcount == x.kept, "\(shape.name)")
            let acts = try #require(data.inputActivations)
            #expect(acts.filter { $0 != 0 }.count == x.input_nonzero, "\(shape.name)")
            if i == 0 {  // the explicit 2:4 mask: at most 2 kept in each group of 4 along the reduction
                for k in 0..<8 {
                    for g in stride(from: 0, to: 18, by: 4) {
                        #expect((g..<min(g + 4, 18)).filter { data.mask[k * 18 + $0] }.count == min(2, 18 - g))
                    }
                }
            }
        }
        #expect(reader.manifest.model.layers[1].kind == .depthwise)
    }

    /// `attention_records` (numpy only) against an einsum reference with a causal mask, written
    /// as a trace Swift reads: q, k, v, qk, pv, out_proj; the causal mask's zeros in `pv`'s input.
    @Test(.enabled(if: InteropTests.numpyAvailable, "python3 with numpy is not available: torch_trace test skipped"))
    func numpyAttentionRecordsMatchAReference() throws {
        struct Facts: Decodable { var layers: [String]; var pv_density: Double }
        let path = try makeTemporaryDirectory() + "/attention.sstrace"
        let result = try InteropTests.run([repositoryRoot + "/Tests/TraceTests/Fixtures/attention_records_check.py",
                                           repositoryRoot + "/tools", path])
        #expect(result.status == 0, "\(result.stderr)")
        let facts = try JSONDecoder().decode(Facts.self, from: result.stdout)
        #expect(facts.layers == ["attn.q", "attn.k", "attn.v", "attn.qk", "attn.pv", "attn.out_proj"])
        let reader = try TraceReader(path: path, verifyTensors: true)
        let layers = reader.manifest.model.layers
        #expect(layers.map(\.name) == facts.layers)
        #expect(layers[3] == LayerShape.matmul("attn.qk", N: 2, heads: 2, rows: 6, reduction: 4, columns: 6))
        #expect(layers[4] == LayerShape.matmul("attn.pv", N: 2, heads: 2, rows: 6, reduction: 6, columns: 4))
        #expect(layers[0].N == 12 && layers[5].N == 12)
        // Causal: 15 of the 36 probabilities of each head are masked to zero.
        #expect(abs(facts.pv_density - 21.0 / 36.0) < 1e-12)
        let entry = try #require(reader.manifest.snapshots[0].layers.first { $0.name == "attn.pv" })
        #expect(abs((entry.activationDensity ?? 0) - 21.0 / 36.0) < 1e-12)
    }
}
