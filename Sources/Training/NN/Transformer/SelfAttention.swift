import Foundation
import SparseSimCore
import Trace

// MARK: - SelfAttention

/// Multi-head self-attention (Vaswani et al. 2017) over `[N, T, D]` tokens, with separate
/// token-wise projections `q`, `k`, `v` and `proj` (each `D → D`, with bias):
///
///     Q, K, V = x·W_qᵀ + b_q, x·W_kᵀ + b_k, x·W_vᵀ + b_v       [N, T, D]
///     per head h (features h·d ..< (h+1)·d, d = D/heads):
///       P_h = softmax(Q_h·K_hᵀ / √d)                          [T, T], rows sum to 1
///       O_h = P_h·V_h                                         [T, d]
///     y = O·W_projᵀ + b_proj
///
/// The four projections are weight layers (sparse methods mask them, traces record them); the
/// two products between activations (`Q·Kᵀ`, `P·V`) run here, split between threads by samples.
package final class SelfAttention: Layer, ThreadedLayer {
    package let name: String
    /// Features and heads.
    package let features: Int, heads: Int
    /// The projections.
    package let q: Linear, k: Linear, v: Linear, proj: Linear
    package var parameters: [Parameter] { q.parameters + k.parameters + v.parameters + proj.parameters }
    /// Threads of the projections and of the attention products.
    package var threads = 1 {
        didSet { for layer in [q, k, v, proj] { layer.threads = threads } }
    }

    /// The attention probabilities of the last forward pass, `[N, heads, T, T]`.
    package let probabilities = Tensor(shape: [0])
    /// The heads' outputs concatenated, `[N, T, D]` (the output projection's input).
    let attended = Tensor(shape: [0])
    /// Gradients of the scores and of Q, K, V.
    let scoreGrad = Tensor(shape: [0])
    let queryGrad = Tensor(shape: [0]), keyGrad = Tensor(shape: [0]), valueGrad = Tensor(shape: [0])
    let inputGrad = Tensor(shape: [0])

    /// Attention over `features` features in `heads` heads, Xavier-uniform projections.
    /// - Precondition: `heads ≥ 1` divides `features`.
    package init(_ name: String, features: Int, heads: Int, rng: inout RandomGenerator) {
        precondition(heads >= 1 && features % heads == 0, "heads must divide the features")
        self.name = name
        self.features = features
        self.heads = heads
        func projection(_ suffix: String) -> Linear {
            let l = Linear("\(name).\(suffix)", inputs: features, outputs: features, tokenwise: true, rng: &rng)
            l.initializeXavierUniform(rng: &rng)
            return l
        }
        q = projection("q")
        k = projection("k")
        v = projection("v")
        proj = projection("proj")
    }

    /// The projections, in trace order.
    package var weightLayers: [any WeightLayer] { [q, k, v, proj] }

    package func outputShape(_ shape: [Int]) throws -> [Int] { try proj.outputShape(try q.outputShape(shape)) }

    /// Calls `body(row, query, head)` for every sample, head and query token of a `[n, t, D]`
    /// batch, the samples split between threads (one piece below 2¹⁶ multiply-adds): `row` is
    /// the token's first probability in `[N, heads, T, T]`, `query` its head's first feature in
    /// `[N, T, D]`, `head` the same head's first feature at token 0 (key `j` is at
    /// `head + j·D`). Calls for one sample run on one thread, in order.
    private func forEachQuery(samples n: Int, tokens t: Int, _ body: (_ row: Int, _ query: Int, _ head: Int) -> Void) {
        let (dm, h) = (features, heads), d = features / heads
        let ranges = Parallel.split(n, into: n &* t &* t &* dm < 1 << 16 ? 1 : threads)
        Parallel.run(ranges.count, blasThreads: 1) { piece in
            for s in ranges[piece] {
                for hh in 0..<h {
                    let head = s &* t &* dm &+ hh &* d
                    for i in 0..<t { body(((s &* h &+ hh) &* t &+ i) &* t, head &+ i &* dm, head) }
                }
            }
        }
    }

    /// - Complexity: the four projections' `8·N·T·D²` flops and `4·N·T²·D` for the two products.
    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        let qs = q.forward(x, phase: phase).readBuffer, ks = k.forward(x, phase: phase).readBuffer
        let vs = v.forward(x, phase: phase).readBuffer
        let (n, t, dm, h) = (x.shape[0], x.shape[1], features, heads)
        let d = dm / h
        let scale = 1 / Float(d).squareRoot()
        probabilities.resize([n, h, t, t])
        attended.resize([n, t, dm])
        let p = probabilities.buffer, o = attended.buffer
        forEachQuery(samples: n, tokens: t) { row, qi, off in
            var top = -Float.infinity
            for j in 0..<t {
                let kj = off &+ j &* dm
                var dot: Float = 0
                for e in 0..<d { dot += qs[qi &+ e] * ks[kj &+ e] }
                let score = dot * scale
                p[row &+ j] = score
                top = max(top, score)
            }
            var sum: Float = 0
            for j in 0..<t { let e = exp(p[row &+ j] - top); p[row &+ j] = e; sum += e }
            let inv = 1 / sum
            for j in 0..<t { p[row &+ j] *= inv }
            for e in 0..<d { o[qi &+ e] = 0 }
            for j in 0..<t {
                let w = p[row &+ j], vj = off &+ j &* dm
                for e in 0..<d { o[qi &+ e] += w * vs[vj &+ e] }
            }
        }
        return proj.forward(attended, phase: phase)
    }

    /// `dP = dO·Vᵀ`, `dV = Pᵀ·dO`, `dS = P ⊙ (dP − rowsum(dP ⊙ P))`, `dQ = dS·K/√d`,
    /// `dK = dSᵀ·Q/√d`, then the projections' input gradients summed.
    /// - Complexity: as the forward pass, twice.
    package func backward(_ dy: Tensor) -> Tensor {
        let dO = proj.backward(dy).readBuffer
        let x = q.input!
        let (n, t, dm, h) = (x.shape[0], x.shape[1], features, heads)
        let d = dm / h
        let scale = 1 / Float(d).squareRoot()
        let qs = q.output.readBuffer, ks = k.output.readBuffer, vs = v.output.readBuffer, p = probabilities.readBuffer
        for g in [queryGrad, keyGrad, valueGrad] { g.resize(x.shape); g.fill(0) }
        scoreGrad.resize([n, h, t, t])
        let dq = queryGrad.buffer, dk = keyGrad.buffer, dv = valueGrad.buffer, ds = scoreGrad.buffer
        forEachQuery(samples: n, tokens: t) { row, oi, off in
            var dot: Float = 0
            for j in 0..<t {
                let vj = off &+ j &* dm, w = p[row &+ j]
                var dp: Float = 0
                for e in 0..<d {
                    dp += dO[oi &+ e] * vs[vj &+ e]
                    dv[vj &+ e] += w * dO[oi &+ e]
                }
                ds[row &+ j] = dp
                dot += dp * w
            }
            for j in 0..<t {
                let g = p[row &+ j] * (ds[row &+ j] - dot) * scale
                let kj = off &+ j &* dm
                for e in 0..<d {
                    dq[oi &+ e] += g * ks[kj &+ e]
                    dk[kj &+ e] += g * qs[oi &+ e]
                }
            }
        }
        inputGrad.copy(from: q.backward(queryGrad))
        let sum = inputGrad.buffer
        for part in [k.backward(keyGrad), v.backward(valueGrad)] {
            let g = part.readBuffer
            for i in 0..<sum.count { sum[i] += g[i] }
        }
        return inputGrad
    }

    /// The names of the two products between activations as matmul layers.
    package var productNames: (scores: String, context: String) { ("\(name).qk", "\(name).pv") }

    /// The projections and, between `v` and `proj`, the two products as matmul layers:
    /// `qk` (`Q_h·K_hᵀ`: tokens × head features by head features × tokens, its softmax as vector
    /// work) and `pv` (`P_h·V_h`: tokens × tokens by tokens × head features).
    package func layerShapes(input shape: [Int]) -> [LayerShape] {
        let (n, t) = (shape[0], shape[1]), d = features / heads
        let tokens = [n, t, features]
        return q.layerShapes(input: tokens) + k.layerShapes(input: tokens) + v.layerShapes(input: tokens)
            + [LayerShape.matmul(productNames.scores, N: n, heads: heads, rows: t, reduction: d, columns: t).adding(.after(.softmax)),
               .matmul(productNames.context, N: n, heads: heads, rows: t, reduction: t, columns: d)]
            + proj.layerShapes(input: tokens)
    }

    /// The operands of the two products in the last forward pass, laid out as their matmul
    /// layers' inputs and "weights" (`LayerShape.matmul`): `Q` and `K` as `[N, heads, T, d]`,
    /// the probabilities as `[N, heads, T, T]`, and `V` per head transposed, `[N, heads, d, T]`.
    package func productOperands() -> (queries: [Float], keys: [Float], probabilities: [Float], values: [Float]) {
        let x = q.output
        let (n, t, dm, h) = (x.shape[0], x.shape[1], features, heads)
        let d = dm / h
        let qs = q.output.readBuffer, ks = k.output.readBuffer, vs = v.output.readBuffer
        var queries = [Float](repeating: 0, count: x.count), keys = queries, values = queries
        for s in 0..<n {
            for hh in 0..<h {
                for i in 0..<t {
                    for e in 0..<d {
                        let from = (s &* t &+ i) &* dm &+ hh &* d &+ e
                        let headMajor = ((s &* h &+ hh) &* t &+ i) &* d &+ e
                        queries[headMajor] = qs[from]
                        keys[headMajor] = ks[from]
                        values[((s &* h &+ hh) &* d &+ e) &* t &+ i] = vs[from]
                    }
                }
            }
        }
        return (queries, keys, probabilities.array, values)
    }
}
