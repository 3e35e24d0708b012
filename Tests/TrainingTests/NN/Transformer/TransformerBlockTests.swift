import Foundation
import Testing
import TestSupport

@testable import SparseSimCore
@testable import Training

/// Self-attention and the encoder block: forward against a naive reference and against numpy
/// and PyTorch, gradients against finite differences.
@Suite struct TransformerBlockTests {
    /// Random biases (the layers start at zero) so that the checks see them.
    static func randomizeBiases(_ layers: [any WeightLayer], _ rng: inout RandomGenerator) {
        for case let l as Linear in layers { for j in 0..<l.outputs { l.bias.value[j] = 0.3 * rng.nextNormal() } }
    }

    /// The attention computed naively in Double from the definition — separate Q, K, V products,
    /// each head's scores, a max-subtracted softmax, P·V, the output projection — and the
    /// probabilities' rows summing to 1.
    @Test(arguments: [(4, 2, 5), (6, 3, 1), (8, 1, 4)])
    func attentionIsItsDefinition(features: Int, heads: Int, tokens: Int) {
        var rng = RandomGenerator(seed: 41)
        let attn = SelfAttention("a", features: features, heads: heads, rng: &rng)
        Self.randomizeBiases(attn.weightLayers, &rng)
        let x = GradientCheck.randomTensor([2, tokens, features], &rng)
        let y = attn.forward(x, phase: .evaluation)
        #expect(y.shape == [2, tokens, features])
        func project(_ l: Linear, _ input: [Double]) -> [Double] {
            let rows = input.count / l.inputs
            return (0..<rows * l.outputs).map { idx in
                let (r, o) = (idx / l.outputs, idx % l.outputs)
                return (0..<l.inputs).reduce(Double(l.bias.value[o])) { $0 + input[r * l.inputs + $1] * Double(l.weight.value[o * l.inputs + $1]) }
            }
        }
        let xs = x.array.map(Double.init)
        let q = project(attn.q, xs), k = project(attn.k, xs), v = project(attn.v, xs)
        let d = features / heads
        var o = [Double](repeating: 0, count: xs.count)
        for s in 0..<2 {
            for h in 0..<heads {
                for i in 0..<tokens {
                    let scores = (0..<tokens).map { j in
                        (0..<d).reduce(0.0) { $0 + q[(s * tokens + i) * features + h * d + $1] * k[(s * tokens + j) * features + h * d + $1] }
                            / Double(d).squareRoot()
                    }
                    let top = scores.max()!
                    let e = scores.map { exp($0 - top) }, total = e.reduce(0, +)
                    for j in 0..<tokens {
                        let p = e[j] / total
                        #expect(abs(Double(attn.probabilities[((s * heads + h) * tokens + i) * tokens + j]) - p) < 1e-5)
                        for c in 0..<d { o[(s * tokens + i) * features + h * d + c] += p * v[(s * tokens + j) * features + h * d + c] }
                    }
                }
            }
        }
        let expected = project(attn.proj, o)
        let worst = zip(y.array, expected).map { abs(Double($0) - $1) }.max()!
        #expect(worst < 1e-4, "largest difference \(worst)")
        let p = attn.probabilities.array
        for row in 0..<(2 * heads * tokens) {
            #expect(abs(p[(row * tokens)..<((row + 1) * tokens)].reduce(0, +) - 1) < 1e-5)
        }
    }

    /// Finite differences for the input and every parameter but the key bias, whose gradient is
    /// exactly zero (it adds the same `q·b` to every score of a softmax row) and checked as such.
    static func expectGradients(_ errors: [String: Double], _ layer: any Layer, _ label: String) {
        for p in layer.parameters where p.name.hasSuffix(".k.bias") {
            #expect(p.grad.array.allSatisfy { abs($0) < 1e-5 }, "\(p.name): \(p.grad.array)")
        }
        LayerGradientTests.expectSmall(errors.filter { !$0.key.hasSuffix(".k.bias") }, label, limit: 3e-3)
    }

    @Test(arguments: [(4, 2, 5), (6, 3, 3)])
    func attentionGradient(features: Int, heads: Int, tokens: Int) {
        var rng = RandomGenerator(seed: 42)
        let attn = SelfAttention("a", features: features, heads: heads, rng: &rng)
        Self.randomizeBiases(attn.weightLayers, &rng)
        let x = GradientCheck.randomTensor([2, tokens, features], &rng)
        let errors = GradientCheck.check(attn, input: x, epsilon: 1e-2, rng: &rng)
        #expect(errors.count == attn.parameters.count + 1)
        Self.expectGradients(errors, attn, "attention \(features)/\(heads) × \(tokens)")
    }

    @Test func blockGradient() {
        var rng = RandomGenerator(seed: 43)
        let block = TransformerBlock("b", features: 8, heads: 2, hidden: 12, rng: &rng)
        Self.randomizeBiases(block.weightLayers, &rng)
        for ln in [block.ln1, block.ln2] {
            for j in 0..<8 { ln.gamma.value[j] = 1 + 0.3 * rng.nextNormal(); ln.beta.value[j] = 0.3 * rng.nextNormal() }
        }
        let errors = GradientCheck.check(block, input: GradientCheck.randomTensor([2, 4, 8], &rng), epsilon: 1e-2, rng: &rng)
        #expect(errors.count == block.parameters.count + 1)
        Self.expectGradients(errors, block, "block")
        #expect(block.weightLayers.map(\.name) == ["b.attn.q", "b.attn.k", "b.attn.v", "b.attn.proj", "b.fc1", "b.fc2"])
    }

    /// The block against numpy (the pre-LN definition in float64) and PyTorch's
    /// `nn.TransformerEncoderLayer(norm_first=True, activation="gelu", batch_first=True,
    /// dropout=0)` with the same weights (`in_proj_weight` = `[W_q; W_k; W_v]`) where torch imports.
    @Test func blockAgainstNumpyAndTorch() throws {
        try #require(Python.hasNumpy, "numpy does not import with \(Python.executable)")
        var rng = RandomGenerator(seed: 44)
        let (n, t, dm, heads, hidden) = (2, 5, 8, 2, 12)
        let block = TransformerBlock("b", features: dm, heads: heads, hidden: hidden, rng: &rng)
        Self.randomizeBiases(block.weightLayers, &rng)
        for ln in [block.ln1, block.ln2] {
            for j in 0..<dm { ln.gamma.value[j] = 1 + 0.3 * rng.nextNormal(); ln.beta.value[j] = 0.3 * rng.nextNormal() }
        }
        let x = GradientCheck.randomTensor([n, t, dm], &rng)
        let y = block.forward(x, phase: .evaluation).array
        var tensors: [String: [Float]] = ["x": x.array]
        for p in block.parameters { tensors[p.name] = p.value.array }
        let script = """
        import json, math, sys
        import numpy as np
        a = {k: np.array(v, dtype=np.float64) for k, v in json.loads(sys.stdin.read()).items()}
        n, t, dm, heads, hidden = \(n), \(t), \(dm), \(heads), \(hidden)
        d = dm // heads
        x = a["x"].reshape(n, t, dm)
        W = lambda name, i, o: a[name + ".weight"].reshape(o, i)
        def ln(z, name):
            mu = z.mean(-1, keepdims=True); var = ((z - mu) ** 2).mean(-1, keepdims=True)
            return (z - mu) / np.sqrt(var + 1e-5) * a[name + ".weight"] + a[name + ".bias"]
        def lin(z, name, i, o): return z @ W(name, i, o).T + a[name + ".bias"]
        h = ln(x, "b.ln1")
        q, k, v = (lin(h, "b.attn." + s, dm, dm).reshape(n, t, heads, d).transpose(0, 2, 1, 3) for s in "qkv")
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d)
        p = np.exp(s - s.max(-1, keepdims=True)); p /= p.sum(-1, keepdims=True)
        o = (p @ v).transpose(0, 2, 1, 3).reshape(n, t, dm)
        m = x + lin(o, "b.attn.proj", dm, dm)
        u = lin(ln(m, "b.ln2"), "b.fc1", dm, hidden)
        g = 0.5 * u * (1 + np.vectorize(math.erf)(u / math.sqrt(2)))
        out = {"numpy": (m + lin(g, "b.fc2", hidden, dm)).ravel().tolist()}
        try:
            import torch
            layer = torch.nn.TransformerEncoderLayer(dm, heads, hidden, dropout=0.0, activation="gelu", batch_first=True,
                                                     norm_first=True, dtype=torch.float64)
            T = lambda name: torch.tensor(a[name])
            with torch.no_grad():
                sa = layer.self_attn
                sa.in_proj_weight.copy_(torch.cat([T("b.attn." + s + ".weight").reshape(dm, dm) for s in "qkv"]))
                sa.in_proj_bias.copy_(torch.cat([T("b.attn." + s + ".bias") for s in "qkv"]))
                sa.out_proj.weight.copy_(T("b.attn.proj.weight").reshape(dm, dm)); sa.out_proj.bias.copy_(T("b.attn.proj.bias"))
                layer.linear1.weight.copy_(T("b.fc1.weight").reshape(hidden, dm)); layer.linear1.bias.copy_(T("b.fc1.bias"))
                layer.linear2.weight.copy_(T("b.fc2.weight").reshape(dm, hidden)); layer.linear2.bias.copy_(T("b.fc2.bias"))
                for mine, theirs in (("b.ln1", layer.norm1), ("b.ln2", layer.norm2)):
                    theirs.weight.copy_(T(mine + ".weight")); theirs.bias.copy_(T(mine + ".bias"))
                layer.eval()
                out["torch"] = layer(torch.tensor(x)).numpy().ravel().tolist()
        except ImportError:
            pass
        print(json.dumps(out))
        """
        try PythonReference.expectMatches(y, script: script, input: try JSONEncoder().encode(tensors), tolerance: 1e-4)
    }
}
