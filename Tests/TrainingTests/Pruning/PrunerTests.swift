import Foundation
import SparseSimCore
import Testing

@testable import Training

/// Prune-at-initialization scores checked against hand computations, a Double reference, the
/// training engine's gradients and an analytic Hessian; the schedule's exact counts; and the
/// SynFlow paper's layer-collapse claim on VGG-16.
@Suite struct PrunerTests {
    // MARK: Helpers

    static func set(_ tensor: Tensor, _ values: [Float]) {
        precondition(values.count == tensor.count)
        for (i, v) in values.enumerated() { tensor[i] = v }
    }

    /// `|θ|` for every parameter and buffer, as SynFlow linearizes the model.
    static func takeMagnitudes(_ model: Model) {
        for p in model.parameters { let b = p.value.buffer; for i in 0..<b.count { b[i] = abs(b[i]) } }
        for (_, t) in model.buffers { let b = t.buffer; for i in 0..<b.count { b[i] = abs(b[i]) } }
    }

    /// SynFlow's scores by the model's own forward and backward without any rescaling (for
    /// models small enough not to overflow).
    static func plainSynFlow(_ model: Model) -> [[Double]] {
        let saved = model.parameters.map { $0.value.array }, savedBuffers = model.buffers.map { $0.tensor.array }
        takeMagnitudes(model)
        let ones = Tensor(shape: [1] + model.inputShape)
        ones.fill(1)
        let out = model.forward(ones, phase: .evaluation)
        let dy = Tensor(shape: out.shape)
        dy.fill(1)
        model.backward(dy)
        let scores = model.weightLayers.map { layer in
            zip(layer.weight.value.array, layer.weight.grad.array).map { abs(Double($0) * Double($1)) }
        }
        for (p, v) in zip(model.parameters, saved) { set(p.value, v) }
        for ((_, t), v) in zip(model.buffers, savedBuffers) { set(t, v) }
        return scores
    }

    static func expectClose(_ a: [[Double]], _ b: [[Double]], relative: Double, _ what: String) {
        #expect(a.count == b.count, "\(what): layer count")
        for (l, (x, y)) in zip(a, b).enumerated() {
            #expect(x.count == y.count, "\(what): layer \(l) size")
            let scale = y.map(abs).max() ?? 0
            var worst = 0.0
            for (u, v) in zip(x, y) { worst = max(worst, abs(u - v)) }
            #expect(worst <= relative * scale, "\(what): layer \(l) differs by \(worst) (scale \(scale))")
        }
    }

    // MARK: SynFlow

    /// A 3 → 4 → 2 network with signed weights and biases: with `x = 1` and every parameter
    /// made positive, `∂R/∂W1[i,j] = Σ_k |W2[k,i]|` and `∂R/∂W2[k,i] = h_i = Σ_j |W1[i,j]| + |b1_i|`.
    @Test func synflowEqualsHandComputationOnTwoLayers() throws {
        var rng = RandomGenerator(seed: 1)
        let fc1 = Linear("fc1", inputs: 3, outputs: 4, rng: &rng), fc2 = Linear("fc2", inputs: 4, outputs: 2, rng: &rng)
        let model = try Model(name: "two", inputShape: [3], layers: [fc1, ReLU("relu"), fc2])
        let w1: [Float] = [0.5, -1.25, 2, -0.75, 0.25, 1.5, 3, -0.5, 0.125, -2, 1, 0.375]
        let w2: [Float] = [1, -0.5, 0.25, -2, -1.5, 0.75, 2.5, 0.5]
        let b1: [Float] = [0.5, -0.25, 1, -2]
        Self.set(fc1.weight.value, w1); Self.set(fc2.weight.value, w2)
        Self.set(fc1.bias.value, b1); Self.set(fc2.bias.value, [-3, 0.5])
        var expected1 = [Double](), expected2 = [Double]()
        for i in 0..<4 {
            for j in 0..<3 {
                let column = (0..<2).reduce(0.0) { $0 + Double(abs(w2[$1 * 4 + i])) }
                expected1.append(Double(abs(w1[i * 3 + j])) * column)
            }
        }
        for k in 0..<2 {
            for i in 0..<4 {
                let h = (0..<3).reduce(Double(abs(b1[i]))) { $0 + Double(abs(w1[i * 3 + $1])) }
                expected2.append(Double(abs(w2[k * 4 + i])) * h)
            }
        }
        let pruner = Pruner(model: model)
        let scores = try pruner.scores(.synflow, batch: nil, rng: &rng)
        Self.expectClose(scores, [expected1, expected2], relative: 1e-6, "two layers")
        #expect(fc1.weight.value.array == w1 && fc1.bias.value.array == b1, "the model is left as given")
    }

    /// 40 layers whose `R` (≈ 10^50) overflows `Float`: the rescaled scores, multiplied back,
    /// equal a `Double` computation of the definition.
    @Test func synflowRescalingSurvivesOverflow() throws {
        var rng = RandomGenerator(seed: 2)
        let width = 6, depth = 40
        var layers: [any Layer] = []
        for d in 0..<depth { layers.append(Linear("fc\(d)", inputs: width, outputs: width, rng: &rng)) }
        let model = try Model(name: "deep", inputShape: [width], layers: layers)
        var w: [[Double]] = [], b: [[Double]] = []
        for layer in layers {
            let linear = layer as! Linear
            let wv = (0..<(width * width)).map { _ in rng.nextNormal() * 4 }, bv = (0..<width).map { _ in rng.nextNormal() }
            Self.set(linear.weight.value, wv); Self.set(linear.bias.value, bv)
            w.append(wv.map { Double(abs($0)) }); b.append(bv.map { Double(abs($0)) })
        }
        // Reference: h_{d+1} = |W_d| h_d + |b_d| from h_0 = 1; δ_depth = 1, δ_d = |W_d|ᵀ δ_{d+1}.
        var h = [[Double](repeating: 1, count: width)]
        for d in 0..<depth {
            h.append((0..<width).map { i in (0..<width).reduce(b[d][i]) { $0 + w[d][i * width + $1] * h[d][$1] } })
        }
        var delta = [[Double]](repeating: [], count: depth + 1)
        delta[depth] = [Double](repeating: 1, count: width)
        for d in stride(from: depth - 1, through: 0, by: -1) {
            delta[d] = (0..<width).map { j in (0..<width).reduce(0.0) { $0 + w[d][$1 * width + j] * delta[d + 1][$1] } }
        }
        let reference = (0..<depth).map { d in
            (0..<(width * width)).map { e in w[d][e] * delta[d + 1][e / width] * h[d][e % width] }
        }
        let r = h[depth].reduce(0, +)
        #expect(Foundation.log10(r) > 45, "the reference R overflows Float (10^\(Foundation.log10(r)))")
        let pruner = Pruner(model: model)
        let scores = try pruner.scores(.synflow, batch: nil, rng: &rng)
        Self.expectClose(scores, reference, relative: 1e-5, "deep")
        let result = try pruner.prune(PruningConfiguration(method: .synflow, density: 0.1, iterations: 3), batch: nil, rng: &rng)
        #expect(abs(result.synflowLog10R![0]! - Foundation.log10(r)) < 1e-4)
        #expect(result.synflowLog10Rescale! > 30)
    }

    /// On real architectures (biases, max pooling, BatchNorm with non-zero shifts and running
    /// means, residual blocks) the rescaled scores equal the unrescaled forward/backward's.
    @Test(arguments: ["lenet5", "vgg-small", "resnet20", "ecn"])
    func synflowRescalingIsExactOnNetworks(_ name: String) throws {
        var rng = RandomGenerator(seed: 3)
        let model = try Model.make(name, inputShape: [1, 28, 28], classes: 10, width: 0.25, rng: &rng)
        for p in model.parameters where p.name.hasSuffix(".bias") {
            let b = p.value.buffer
            for i in 0..<b.count { b[i] = rng.nextNormal() * 0.1 }
        }
        for (n, t) in model.buffers {
            let b = t.buffer
            for i in 0..<b.count { b[i] = n.hasSuffix("running_mean") ? rng.nextNormal() * 0.1 : 0.5 + rng.nextUniform() }
        }
        let reference = Self.plainSynFlow(model)
        let scores = try Pruner(model: model).scores(.synflow, batch: nil, rng: &rng)
        Self.expectClose(scores, reference, relative: 1e-5, name)
    }

    // MARK: Schedule and selection

    @Test func scheduleCountsAreMonotoneAndExact() {
        for schedule in PruningSchedule.allCases {
            for (density, iterations, total) in [(0.1, 100, 266_200), (0.001, 100, 33_625_792), (0.5, 3, 7), (1e-6, 10, 1000), (1, 5, 10)] {
                let config = PruningConfiguration(method: .synflow, density: density, iterations: iterations, schedule: schedule)
                var last = total
                for k in 1...iterations {
                    let kept = config.keptCount(iteration: k, total: total)
                    #expect(kept <= last, "\(schedule) \(density): round \(k) keeps \(kept) > \(last)")
                    last = kept
                }
                #expect(last == Int((density * Double(total)).rounded()), "\(schedule) \(density) \(iterations)")
            }
        }
        #expect(PruningSchedule.exponential.density(iteration: 50, of: 100, target: 0.01) == 0.1)
        #expect(abs(PruningSchedule.linear.density(iteration: 1, of: 4, target: 0.2) - 0.8) < 1e-15)
    }

    @Test func iterativePruningReachesTheExactCount() throws {
        var rng = RandomGenerator(seed: 4)
        let model = try Model.make("lenet5", rng: &rng)
        let pruner = Pruner(model: model)
        let batch = PruningBatch.synthetic(sampleShape: [1, 28, 28], classes: 10, count: 8, rng: &rng)
        for (method, density, iterations) in [(PruningMethod.magnitude, 0.05, 7), (.random, 0.23, 3), (.synflow, 0.003, 12),
                                              (.snip, 0.1, 2), (.grasp, 0.2, 1)] {
            let result = try pruner.prune(PruningConfiguration(method: method, density: density, iterations: iterations),
                                          batch: batch, rng: &rng)
            #expect(result.remainingWeights == Int((density * Double(pruner.totalWeights)).rounded()), "\(method)")
            #expect(result.layers.reduce(0) { $0 + $1.remaining } == result.remainingWeights)
            let masks = pruner.masks
            #expect(masks.reduce(0) { $0 + $1.popcount } == result.remainingWeights)
            #expect(result.collapsed == result.layers.filter { $0.remaining == 0 }.map(\.name))
        }
    }

    /// All-equal scores: exactly `keep` survive, the lowest-indexed ones.
    @Test func tiesKeepTheLowestIndices() throws {
        var rng = RandomGenerator(seed: 5)
        let model = try Model.make("mlp", rng: &rng)
        for layer in model.weightLayers { layer.weight.value.fill(-0.5) }
        let pruner = Pruner(model: model)
        let result = try pruner.prune(PruningConfiguration(method: .magnitude, density: 1000.0 / Double(pruner.totalWeights)),
                                      batch: nil, rng: &rng)
        #expect(result.remainingWeights == 1000)
        let first = pruner.masks[0]
        #expect((0..<first.count).allSatisfy { first[$0] == ($0 < 1000) })
        #expect(result.layers.dropFirst().allSatisfy { $0.remaining == 0 })
    }

    /// After pruning the weights are `θ₀ ⊙ mask` and every other parameter and buffer is `θ₀`.
    @Test func pruningLeavesTheInitialWeightsMasked() throws {
        var rng = RandomGenerator(seed: 6)
        let model = try Model.make("vgg-small", width: 0.25, rng: &rng)
        let before = model.parameters.map { $0.value.array }, buffers = model.buffers.map { $0.tensor.array }
        let pruner = Pruner(model: model)
        _ = try pruner.prune(PruningConfiguration(method: .synflow, density: 0.05, iterations: 4), batch: nil, rng: &rng)
        let masks = pruner.masks, weights = model.weightLayers.map { ObjectIdentifier($0.weight) }
        for (p, b) in zip(model.parameters, before) {
            if let l = weights.firstIndex(of: ObjectIdentifier(p)) {
                #expect(p.value.array == b.enumerated().map { masks[l][$0.offset] ? $0.element : 0 }, "\(p.name)")
            } else {
                #expect(p.value.array == b, "\(p.name) restored")
            }
        }
        #expect(model.buffers.map { $0.tensor.array } == buffers)
    }

    // MARK: SNIP and GraSP

    /// SNIP's scores are `|g ⊙ θ|` with `g` from the training engine's forward and backward
    /// (evaluation mode), and one round keeps the top of them. The two passes agree to rounding,
    /// not bit for bit: OpenBLAS's thread count is one per process, and tests running beside
    /// this one change it between the passes (its small-matrix and threaded sgemm paths sum in
    /// different orders), so the scores are compared within 1e-5 and the kept set is checked
    /// against the pruner's own scores.
    @Test func snipEqualsGradientTimesWeight() throws {
        var rng = RandomGenerator(seed: 7)
        let model = try Model.make("vgg-small", width: 0.25, rng: &rng)
        let batch = PruningBatch.synthetic(sampleShape: [1, 28, 28], classes: 10, count: 6, rng: &rng)
        let logits = model.forward(batch.input, phase: .evaluation)
        _ = batch.labels.withUnsafeBufferPointer { model.loss.forward(logits, labels: $0) }
        model.backward()
        let reference = model.weightLayers.map { layer in
            zip(layer.weight.value.array, layer.weight.grad.array).map { abs(Double($0) * Double($1)) }
        }
        let pruner = Pruner(model: model)
        let scores = try pruner.scores(.snip, batch: batch, rng: &rng)
        Self.expectClose(scores, reference, relative: 1e-5, "SNIP")
        let flat = scores.flatMap { $0 }
        let keep = flat.count / 20
        _ = try pruner.prune(PruningConfiguration(method: .snip, density: Double(keep) / Double(flat.count)), batch: batch, rng: &rng)
        // The round scores again: its kept set is the top `keep` of scores that agree with
        // `scores` to rounding, so it may differ from `scores`' own top only at the threshold.
        let kept = pruner.masks.flatMap(\.bools)
        #expect(kept.count { $0 } == keep)
        let expected = ScoreSelectionTests.bySorting(flat, keep: keep)
        let threshold = flat.sorted(by: >)[keep - 1], scale = flat.max() ?? 0
        for i in flat.indices where kept[i] != expected[i] {
            #expect(abs(flat[i] - threshold) <= 1e-5 * scale, "weight \(i) (score \(flat[i])) swapped away from the threshold \(threshold)")
        }
    }

    /// GraSP on one linear layer `z = Wx + b`, where the Hessian of the mean cross-entropy of
    /// `z/T` is known: `Hv = (1/N) Σ_n [(diag p_n − p_n p_nᵀ)(v x_n)/T²] x_nᵀ`.
    @Test(arguments: [200.0, 1.0])
    func graspEqualsAnalyticHessian(_ temperature: Double) throws {
        var rng = RandomGenerator(seed: 8)
        let (inputs, classes, n) = (5, 3, 8)
        let fc = Linear("fc", inputs: inputs, outputs: classes, rng: &rng)
        let model = try Model(name: "linear", inputShape: [inputs], layers: [fc])
        Self.set(fc.bias.value, [0.3, -0.2, 0.1])
        let batch = PruningBatch.synthetic(sampleShape: [inputs], classes: classes, count: n, rng: &rng)
        let w = fc.weight.value.array.map(Double.init), b = fc.bias.value.array.map(Double.init)
        let x = batch.input.array.map(Double.init)
        func probabilities(_ s: Int) -> [Double] {
            let z = (0..<classes).map { k in (0..<inputs).reduce(b[k]) { $0 + w[k * inputs + $1] * x[s * inputs + $1] } / temperature }
            let m = z.max()!, e = z.map { Foundation.exp($0 - m) }, sum = e.reduce(0, +)
            return e.map { $0 / sum }
        }
        var g = [Double](repeating: 0, count: classes * inputs)
        for s in 0..<n {
            let p = probabilities(s)
            for k in 0..<classes {
                let dz = (p[k] - (Int(batch.labels[s]) == k ? 1 : 0)) / temperature / Double(n)
                for j in 0..<inputs { g[k * inputs + j] += dz * x[s * inputs + j] }
            }
        }
        var hg = [Double](repeating: 0, count: classes * inputs)
        for s in 0..<n {
            let p = probabilities(s)
            let u = (0..<classes).map { k in (0..<inputs).reduce(0.0) { $0 + g[k * inputs + $1] * x[s * inputs + $1] } }
            let pu = zip(p, u).reduce(0.0) { $0 + $1.0 * $1.1 }
            for k in 0..<classes {
                let jv = p[k] * (u[k] - pu) / (temperature * temperature) / Double(n)
                for j in 0..<inputs { hg[k * inputs + j] += jv * x[s * inputs + j] }
            }
        }
        let reference = zip(w, hg).map { $0 * $1 }
        let scores = try Pruner(model: model).scores(.grasp, batch: batch, temperature: temperature, rng: &rng)
        Self.expectClose(scores, [reference], relative: 1e-3, "GraSP T=\(temperature)")
    }

    // MARK: Layer collapse (SynFlow, Tanaka et al. 2020, Fig. 1 and §6)

    /// VGG-16 (the paper's CIFAR-10 setting: 32×32 input, 10 classes) at compression 10³:
    /// magnitude pruning removes whole layers, SynFlow with 100 rounds none. 100 rounds over
    /// 33.6 M weights need an optimized build, so this runs in the release phase of `make test`.
    @Test(.enabled(if: PrunerTests.optimized, "release build only: run by `make test`'s release phase"))
    func vgg16MagnitudeCollapsesAndSynFlowDoesNot() throws {
        let session = try PruningSession(model: "vgg16", inputShape: [3, 32, 32], classes: 10, seed: 0, threads: 2)
        let density = PruningConfiguration.density(compression: 3)
        let magnitude = try session.prune(PruningConfiguration(method: .magnitude, density: density))
        #expect(!magnitude.collapsed.isEmpty, "magnitude keeps a weight in every layer: \(magnitude.layers)")
        let synflow = try session.prune(PruningConfiguration(method: .synflow, density: density))
        #expect(synflow.iterations == 100)
        #expect(synflow.collapsed.isEmpty, "SynFlow collapsed \(synflow.collapsed)")
        #expect(synflow.remainingWeights == Int((density * Double(synflow.totalWeights)).rounded()))
    }

    #if DEBUG
    static let optimized = false
    #else
    static let optimized = true
    #endif
}
