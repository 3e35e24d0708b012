import Foundation
import Testing
import TestSupport

@testable import SparseSimCore
@testable import Trace

/// `make test-interop` sets `SPARSESIM_REQUIRE_TORCH=1`: the real-library tests then fail when torch
/// does not import instead of skipping.
let torchRequired = ProcessInfo.processInfo.environment["SPARSESIM_REQUIRE_TORCH"] == "1"

/// `tools/torch_trace.py` against the real torch and torchvision (`make test-interop`, which sets
/// `SPARSESIM_REQUIRE_TORCH=1` so a missing library fails instead of skipping).
@Suite(.enabled(if: torchRequired || Python.hasTorch,
                "torch does not import here: real-library tests skipped (make test-interop runs them)"))
struct TorchInteropTests {
    struct Expected: Decodable {
        var layers: [String]
        var expected: [String: Layer]
        var torch: String
        struct Layer: Decodable {
            var shape: [Int]
            var kind: String
            var kept: Int
            var input_sum: Double
            var input_nonzero: Int
        }
    }

    static func fields(_ shape: LayerShape) -> [Int] {
        [shape.N, shape.K, shape.C, shape.R, shape.S, shape.H, shape.W, shape.P, shape.Q, shape.stride, shape.padding, shape.groups]
    }

    /// Masks from a parametrization, torch.nn.utils.prune, the weights' zeros and
    /// torch.ao.pruning at 2:4; grouped and depthwise convolutions; padding='same'.
    @Test func masksFromEveryPlaceTorchKeepsThem() throws {
        try #require(Python.hasTorch, "SPARSESIM_REQUIRE_TORCH=1 but torch does not import with \(Python.executable)")
        let path = try makeTemporaryDirectory() + "/mixed.sstrace"
        let r = try Python.run([repositoryRoot + "/Tests/TraceTests/Fixtures/torch_models.py", repositoryRoot + "/tools", path])
        try #require(r.status == 0, "\(r.stderr)")
        let e = try JSONDecoder().decode(Expected.self, from: r.stdout)
        let reader = try TraceReader(path: path, verifyTensors: true)
        #expect(reader.manifest.model.layers.map(\.name) == ["conv_a", "conv_g", "conv_dw", "fc1", "fc2"])
        #expect(e.layers == reader.manifest.model.layers.map(\.name))
        for shape in reader.manifest.model.layers {
            let x = try #require(e.expected[shape.name])
            #expect(Self.fields(shape) == x.shape, "\(shape.name)")
            #expect(shape.kind.rawValue == x.kind, "\(shape.name)")
            let data = try reader.load(layer: shape.name, snapshot: 0)
            #expect(data.mask.popcount == x.kept, "\(shape.name)")
            // The stored weights are the effective ones: zero wherever the mask is.
            #expect((0..<data.weights.count).allSatisfy { data.mask[$0] || data.weights[$0] == 0 }, "\(shape.name)")
            let acts = try #require(data.inputActivations)
            #expect(acts.filter { $0 != 0 }.count == x.input_nonzero, "\(shape.name)")
            let sum = acts.reduce(0.0) { $0 + Double($1) }
            #expect(abs(sum - x.input_sum) <= 1e-4 * max(1, abs(x.input_sum)), "\(shape.name): \(sum) vs \(x.input_sum)")
        }
        // torch.ao.pruning's 2:4 mask: 2 kept in every 4 along each row.
        let fc1 = try reader.load(layer: "fc1", snapshot: 0)
        for k in 0..<64 {
            for g in stride(from: 0, to: 128, by: 4) {
                #expect((g..<g + 4).filter { fc1.mask[k * 128 + $0] }.count == 2)
            }
        }
    }

    /// A transformer: token-wise linear layers (one row per token), an nn.MultiheadAttention
    /// with an L1-pruned in_proj_weight and a key padding mask as q, k, v, qk, pv, out_proj — the
    /// recorded probabilities equal torch's own attention weights, padded keys are zeros.
    @Test func multiheadAttentionBecomesMatmulLayers() throws {
        try #require(Python.hasTorch, "SPARSESIM_REQUIRE_TORCH=1 but torch does not import with \(Python.executable)")
        struct Facts: Decodable { var layers: [String]; var probabilities: [Double]; var q_kept: Int; var tokens: Int; var heads: Int }
        let path = try makeTemporaryDirectory() + "/tiny.sstrace"
        let r = try Python.run([repositoryRoot + "/Tests/TraceTests/Fixtures/torch_attention.py", repositoryRoot + "/tools", path])
        try #require(r.status == 0, "\(r.stderr)")
        let facts = try JSONDecoder().decode(Facts.self, from: r.stdout)
        let reader = try TraceReader(path: path, verifyTensors: true)
        let layers = reader.manifest.model.layers
        #expect(layers.map(\.name) == facts.layers)
        let a = "inner.enc.self_attn"
        #expect(facts.layers == ["inner.embed", "\(a).q", "\(a).k", "\(a).v", "\(a).qk", "\(a).pv", "\(a).out_proj",
                                 "inner.enc.linear1", "inner.enc.linear2", "inner.head"])
        let (t, h) = (facts.tokens, facts.heads)
        #expect(layers[1].kind == .linear && layers[1].N == 2 * t && layers[1].C == 16)
        #expect(layers[4] == LayerShape.matmul("\(a).qk", N: 2, heads: h, rows: t, reduction: 4, columns: t))
        #expect(layers[5] == LayerShape.matmul("\(a).pv", N: 2, heads: h, rows: t, reduction: t, columns: 4))
        #expect(layers.last?.N == 2)
        #expect(try reader.load(layer: "\(a).q", snapshot: 0).mask.popcount == facts.q_kept)
        let p = try #require(try reader.load(layer: "\(a).pv", snapshot: 0).inputActivations)
        #expect(p.count == facts.probabilities.count)
        let worst = zip(p, facts.probabilities).map { abs(Double($0) - $1) }.max() ?? 1
        #expect(worst < 1e-5, "largest difference \(worst)")
        // The second sample's last key is padding: every query gives it zero probability.
        for head in 0..<h { for i in 0..<t { #expect(p[((1 * h + head) * t + i) * t + t - 1] == 0) } }
    }

    /// The command the issue reported broken: torchvision's resnet18, L1-pruned to 90 %.
    @Test func torchvisionResNet18PrunedL1() throws {
        try #require(Python.hasTorchvision, "torchvision does not import with \(Python.executable)")
        let path = try makeTemporaryDirectory() + "/r18.sstrace"
        let r = try Python.run([repositoryRoot + "/tools/torch_trace.py", "--torchvision", "resnet18", "--input-shape", "3,224,224",
                                "--batch", "2", "--prune-l1", "0.9", "--out", path])
        #expect(r.status == 0 && r.text == "\(path): 21 layers\n", "\(r.stderr)")
        let reader = try TraceReader(path: path, verifyTensors: true)
        let layers = reader.manifest.model.layers
        #expect(layers.count == 21)
        #expect(Self.fields(layers[0]) == [2, 64, 3, 7, 7, 224, 224, 112, 112, 2, 3, 1])
        #expect(layers.last.map(Self.fields) == [2, 1000, 512, 1, 1, 1, 1, 1, 1, 1, 0, 1])
        #expect(layers.filter { $0.R == 1 && $0.kind == .conv }.count == 3)  // the three downsample shortcuts
        for shape in layers {
            let data = try reader.load(layer: shape.name, snapshot: 0)
            // torch.nn.utils.prune removes round(0.9 n) weights (Python rounds halves to even).
            let n = data.mask.count
            #expect(data.mask.popcount == n - Int((0.9 * Double(n)).rounded(.toNearestOrEven)), "\(shape.name)")
        }
    }
}
