import Foundation
import Testing

@testable import SparseSimCore
@testable import Trace
@testable import Training

@Suite struct SparseTrainingTests {
    /// conv 2→8 (3×3) → ReLU → flatten → linear 8·6·6 → 10.
    static func tinyModel(_ rng: inout RandomGenerator) throws -> Model {
        try Model(name: "tiny", inputShape: [2, 6, 6], layers: [
            Conv2d("conv", inChannels: 2, outChannels: 8, kernel: 3, padding: 1, rng: &rng), ReLU("relu"),
            Flatten("flatten"), Linear("fc", inputs: 8 * 36, outputs: 10, rng: &rng),
        ])
    }

    static func setUp(_ method: SparseMethod, sparsity: Double = 0.8, structure: String = "unstructured",
                      seed: UInt64 = 1) throws -> (Model, SGD, SparseTraining, RandomGenerator) {
        var rng = RandomGenerator(seed: seed)
        let model = try tinyModel(&rng)
        let sgd = SGD(parameters: model.parameters, momentum: 0.9, weightDecay: 0, nesterov: false)
        let config = SparseConfiguration(method: method, sparsity: sparsity, distribution: .uniform, structure: structure,
                                         denseFirstLayer: false, updateInterval: 1)
        let sparse = try SparseTraining(configuration: config, model: model, optimizer: sgd, rng: &rng)
        return (model, sgd, sparse, rng)
    }

    /// Random gradients and momenta on every weight (dense gradients, as backward gives).
    static func randomize(_ model: Model, _ sgd: SGD, _ rng: inout RandomGenerator) {
        for p in model.parameters { for i in 0..<p.grad.count { p.grad[i] = rng.nextNormal() } }
        for m in sgd.momenta { for i in 0..<m.count { m[i] = m[i] == 0 ? 0 : m[i] + 0.01 * rng.nextNormal() } }
    }

    /// RigL keeps every layer's non-zero count exactly through 1,000 drop-and-grow updates,
    /// and weights off the mask stay zero.
    @Test func rigLKeepsExactPerLayerCounts() throws {
        var (model, sgd, sparse, rng) = try Self.setUp(.rigl)
        let counts = sparse.maskCounts
        #expect(counts == [TopK.keptCount(density: 0.2, of: 144), TopK.keptCount(density: 0.2, of: 2880)])
        for step in 1...1000 {
            Self.randomize(model, sgd, &rng)
            if !sparse.afterBackward(step: step, totalSteps: 1_000_000, rng: &rng) { sgd.step(lr: 0.01) }
            sparse.afterOptimizerStep()
            #expect(sparse.maskCounts == counts, "step \(step)")
        }
        #expect(sparse.updateSteps.count == 1000)
        for layer in model.weightLayers {
            let w = layer.weight.value.readBuffer, m = layer.weightMask!.readBuffer
            #expect((0..<w.count).allSatisfy { m[$0] != 0 || w[$0] == 0 })
        }
    }

    /// RigL grows the inactive weights of largest gradient; grown weights and momenta start at 0.
    @Test func rigLGrowsByGradient() throws {
        var (model, sgd, sparse, rng) = try Self.setUp(.rigl, sparsity: 0.5)
        Self.randomize(model, sgd, &rng)
        let fc = model.weightLayers[1]
        let before = fc.weightMask!.array, w = fc.weight.value.array, g = fc.weight.grad.array
        _ = sparse.afterBackward(step: 1, totalSteps: 1000, rng: &rng)
        let after = fc.weightMask!.array
        // Dropped: the round(α·active) active weights of smallest |w|, α = 0.3/2·(1+cos(π/750)).
        let active = before.indices.filter { before[$0] != 0 }
        let alpha = 0.15 * (1 + cos(Double.pi / 750))
        let d = Int((alpha * Double(active.count)).rounded())
        let dropped = Set(active.sorted { abs(w[$0]) < abs(w[$1]) }.prefix(d))
        var afterDrop = before
        for i in dropped { afterDrop[i] = 0 }
        let grown = Set(afterDrop.indices.filter { afterDrop[$0] == 0 }.sorted { abs(g[$0]) > abs(g[$1]) }.prefix(d))
        for i in after.indices {
            let expected: Float = (afterDrop[i] != 0 || grown.contains(i)) ? 1 : 0
            #expect(after[i] == expected, "weight \(i)")
        }
        for i in grown where afterDrop[i] == 0 { #expect(fc.weight.value[i] == 0) }
    }

    /// SET grows only positions that were inactive after the drop, and its counts stay exact.
    @Test func setGrowsOnlyInactivePositions() throws {
        var (model, sgd, sparse, rng) = try Self.setUp(.set, sparsity: 0.7)
        let counts = sparse.maskCounts
        for step in 1...50 {
            Self.randomize(model, sgd, &rng)
            for m in sgd.momenta { for i in 0..<m.count { m[i] = 1 } }
            let layers = model.weightLayers
            let before = layers.map { $0.weightMask!.array }
            _ = sparse.afterBackward(step: step, totalSteps: 1_000_000, rng: &rng)
            for (l, layer) in layers.enumerated() {
                let after = layer.weightMask!.array
                for i in after.indices where after[i] != 0 && before[l][i] == 0 {
                    // Newly active: zero weight, zero momentum.
                    #expect(layer.weight.value[i] == 0 && sparse.momenta[l][i] == 0)
                }
            }
            sgd.step(lr: 0.01)
            sparse.afterOptimizerStep()
            #expect(sparse.maskCounts == counts)
        }
    }

    /// SNFS moves growth between layers but keeps the total.
    @Test func snfsKeepsTheTotal() throws {
        var (model, sgd, sparse, rng) = try Self.setUp(.snfs)
        let total = sparse.maskCounts.reduce(0, +)
        for step in 1...30 {
            Self.randomize(model, sgd, &rng)
            for m in sgd.momenta { for i in 0..<m.count { m[i] = rng.nextNormal() } }
            _ = sparse.afterBackward(step: step, totalSteps: 1_000_000, rng: &rng)
            sparse.afterOptimizerStep()
            #expect(sparse.maskCounts.reduce(0, +) == total)
        }
    }

    /// SWAT keeps ⌈(1 − s)·numel⌉ weights of largest magnitude (no ties in random weights).
    @Test(arguments: [0.5, 0.8, 0.9, 0.97])
    func swatKeepsTheTopK(sparsity: Double) throws {
        let (model, _, sparse, _) = try Self.setUp(.swatU, sparsity: sparsity)
        sparse.prepareForward(step: 0)
        for layer in model.weightLayers {
            let expected = Int((Double(layer.weightCount) * (1 - sparsity) - 1e-9).rounded(.up))
            let mask = layer.weightMask!.array, w = layer.weight.value.array
            #expect(mask.count { $0 != 0 } == expected)
            let smallestKept = zip(w, mask).filter { $0.1 != 0 }.map { abs($0.0) }.min()!
            let largestDropped = zip(w, mask).filter { $0.1 == 0 }.map { abs($0.0) }.max()!
            #expect(smallestKept > largestDropped)
        }
    }

    /// SWAT's backward keeps only the TopK inputs for dW: the linear layer's weight gradient
    /// equals dyᵀ·x_s computed by hand; its input gradient uses the masked weights.
    @Test func swatBackwardUsesSparseInputsAndMaskedWeights() throws {
        var (model, _, sparse, rng) = try Self.setUp(.swatU, sparsity: 0.75)
        sparse.prepareForward(step: 0)
        let fc = model.weightLayers[1] as! Linear
        let x = GradientCheck.randomTensor([3, 8 * 36], &rng)
        _ = fc.forward(x, phase: .training)
        let dy = GradientCheck.randomTensor([3, 10], &rng)
        let dx = fc.backward(dy).array
        let keep = TopK.keptCount(density: 0.25, of: x.count)
        let tau = x.array.map(abs).sorted(by: >)[keep - 1]
        let xs = x.array.map { abs($0) >= tau ? $0 : 0 }
        #expect(xs.count { $0 != 0 } == keep)
        #expect(abs(fc.keptActivationFraction - 0.25) < 1e-9)
        let w = fc.weight.value.array, m = fc.weightMask!.array
        for o in 0..<10 {
            for i in 0..<(8 * 36) {
                var s: Float = 0
                for n in 0..<3 { s += dy[n * 10 + o] * xs[n * 288 + i] }
                #expect(abs(fc.weight.grad[o * 288 + i] - s) <= 1e-5 * max(1, abs(s)))
            }
        }
        for n in 0..<3 {
            for i in 0..<288 {
                var s: Float = 0
                for o in 0..<10 { s += dy[n * 10 + o] * w[o * 288 + i] * m[o * 288 + i] }
                #expect(abs(dx[n * 288 + i] - s) <= 1e-5 * max(1, abs(s)))
            }
        }
    }

    /// Masked convolutions on the dense kernels (masking only) equal convolutions with the
    /// masked weights bit for bit, forward and backward (the sparse kernels agree to rounding:
    /// SparseKernelsTests).
    @Test func maskedConvolutionEqualsConvolutionWithMaskedWeights() throws {
        var rng = RandomGenerator(seed: 5)
        let a = Conv2d("a", inChannels: 3, outChannels: 4, kernel: 3, padding: 1, rng: &rng)
        var rng2 = RandomGenerator(seed: 5)
        let b = Conv2d("b", inChannels: 3, outChannels: 4, kernel: 3, padding: 1, rng: &rng2)
        let mask = Tensor(shape: a.weight.value.shape)
        for i in 0..<mask.count { mask[i] = rng.nextUniform() < 0.3 ? 1 : 0 }
        a.weightMask = mask
        a.sparsity.kernelMode = .dense
        for i in 0..<mask.count { b.weight.value[i] *= mask[i] }
        let x = GradientCheck.randomTensor([2, 3, 7, 7], &rng)
        #expect(a.forward(x, phase: .training).array == b.forward(x, phase: .training).array)
        let dy = GradientCheck.randomTensor([2, 4, 7, 7], &rng)
        #expect(a.backward(dy).array == b.backward(dy).array)
        #expect(a.weight.grad.array == b.weight.grad.array)
    }

    /// Small-dense: the width whose weights match the sparse model's kept count.
    /// GMP: dense until the schedule starts; at every pruning step each layer keeps exactly the
    /// scheduled count of its largest-magnitude weights among those still kept (a brute-force
    /// ranking), pruned weights never come back, and the end is the target sparsity.
    @Test func gmpFollowsTheCubicScheduleByMagnitude() throws {
        var rng = RandomGenerator(seed: 4)
        let model = try Self.tinyModel(&rng)
        let sgd = SGD(parameters: model.parameters, momentum: 0.9, weightDecay: 0, nesterov: false)
        var config = SparseConfiguration(method: .gmp, sparsity: 0.9, distribution: .uniform, denseFirstLayer: false)
        config.pruning = GradualPruning(start: 0.2, end: 0.6, frequency: 5)
        let sparse = try SparseTraining(configuration: config, model: model, optimizer: sgd, rng: &rng)
        let total = 100
        #expect(sparse.maskCounts == [144, 2880])
        var previous = model.weightLayers.map { $0.weightMask!.array }
        var pruningSteps: [Int] = []
        for step in 0..<total {
            Self.randomize(model, sgd, &rng)
            let weights = model.weightLayers.map { $0.weight.value.array }
            #expect(!sparse.afterBackward(step: step, totalSteps: total, rng: &rng), "GMP never skips the optimizer step")
            let masks = model.weightLayers.map { $0.weightMask!.array }
            if masks != previous || config.pruning.prunes(at: step, totalSteps: total) { pruningSteps.append(step) }
            let s = config.pruning.sparsity(final: 0.9, at: step, totalSteps: total)
            for (i, layer) in model.weightLayers.enumerated() where config.pruning.prunes(at: step, totalSteps: total) {
                let kept = masks[i].count { $0 != 0 }
                #expect(kept == TopK.keptCount(density: 1 - s, of: layer.weightCount), "step \(step) layer \(i)")
                // Nothing pruned comes back; every kept weight is at least as large as every newly pruned one.
                #expect(zip(masks[i], previous[i]).allSatisfy { $0 == 0 || $1 != 0 })
                let keptMin = (0..<masks[i].count).filter { masks[i][$0] != 0 }.map { abs(weights[i][$0]) }.min() ?? .infinity
                let prunedMax = (0..<masks[i].count).filter { masks[i][$0] == 0 && previous[i][$0] != 0 }
                    .map { abs(weights[i][$0]) }.max() ?? -1
                #expect(keptMin >= prunedMax, "step \(step) layer \(i)")
            }
            sgd.step(lr: 0.01)
            sparse.afterOptimizerStep()
            previous = masks
        }
        #expect(pruningSteps == Array(stride(from: 20, through: 59, by: 5)) + [60])
        #expect(sparse.updateSteps == pruningSteps)
        #expect(sparse.maskCounts == [TopK.keptCount(density: 0.1, of: 144), TopK.keptCount(density: 0.1, of: 2880)])
        for layer in model.weightLayers {
            let w = layer.weight.value.readBuffer, m = layer.weightMask!.readBuffer
            #expect((0..<w.count).allSatisfy { m[$0] != 0 || w[$0] == 0 })
        }
    }

    /// GMP with N:M: every bucket of 4 keeps round(4 · density) (at least 2) during the
    /// schedule and exactly 2 at its end; channel structure prunes whole kernels.
    @Test func gmpWithStructures() throws {
        for structure in ["nm:2:4", "channel"] {
            var rng = RandomGenerator(seed: 5)
            let model = try Self.tinyModel(&rng)
            let sgd = SGD(parameters: model.parameters, momentum: 0.9, weightDecay: 0, nesterov: false)
            var config = SparseConfiguration(method: .gmp, sparsity: structure == "channel" ? 0.75 : nil,
                                             distribution: .uniform, structure: structure, denseFirstLayer: false)
            config.pruning = GradualPruning(start: 0, end: 0.5, frequency: 10)
            let sparse = try SparseTraining(configuration: config, model: model, optimizer: sgd, rng: &rng)
            for step in 0..<100 {
                Self.randomize(model, sgd, &rng)
                _ = sparse.afterBackward(step: step, totalSteps: 100, rng: &rng)
                sgd.step(lr: 0.01)
                sparse.afterOptimizerStep()
                let s = config.pruning.sparsity(final: 0.5, at: step, totalSteps: 100)
                for layer in model.weightLayers {
                    let m = layer.weightMask!.array, d = layer.weightDimensions
                    let row = m.count / d.k
                    if structure == "channel" {
                        for slice in 0..<(m.count / (d.r * d.s)) {
                            #expect(Set(m[(slice * d.r * d.s)..<((slice + 1) * d.r * d.s)]).count == 1)
                        }
                        continue
                    }
                    guard config.pruning.prunes(at: step, totalSteps: 100) || step == 99 else { continue }
                    let perBucket = min(4, max(2, Int((4 * (1 - s)).rounded())))
                    for r in 0..<d.k {
                        for start in stride(from: 0, to: row, by: 4) {
                            let kept = m[(r * row + start)..<(r * row + min(row, start + 4))].count { $0 != 0 }
                            #expect(kept == min(perBucket, row - start), "step \(step)")
                        }
                    }
                }
            }
            if structure == "channel" {
                // conv: 16 kernels of 3×3; fc: 1×1 "kernels" are single weights.
                #expect(sparse.maskCounts == [TopK.keptCount(density: 0.25, of: 16) * 9, TopK.keptCount(density: 0.25, of: 2880)])
            } else {
                // conv rows of 18 are buckets 4, 4, 4, 4, 2: 2 + 2 + 2 + 2 + 2 kept per filter.
                #expect(sparse.maskCounts == [8 * 10, 1440])
            }
        }
    }

    /// Gem-Miner: the weights never change; each live score moves by the hand-computed SGD
    /// step on `g·w + 2λs` and is clipped; pruned scores never return; every thresholding step
    /// keeps at most its scheduled count; the last step keeps exactly the target, and the mask is
    /// always `s > 0.5`.
    @Test func gemMinerSearchesWithFrozenWeights() throws {
        var rng = RandomGenerator(seed: 6)
        let model = try Self.tinyModel(&rng)
        let sgd = SGD(parameters: model.parameters, momentum: 0.9, weightDecay: 0, nesterov: false)
        var config = SparseConfiguration(method: .gemMiner, sparsity: 0.8, distribution: .uniform, denseFirstLayer: false)
        config.gemMiner = GemMinerSettings(lambda: 1e-3, periods: 5)
        let sparse = try SparseTraining(configuration: config, model: model, optimizer: sgd, rng: &rng)
        let weights = model.parameters.map(\.value.array)
        let total = 50, all = 144 + 2880, target = TopK.keptCount(density: 0.2, of: 144) + TopK.keptCount(density: 0.2, of: 2880)
        var pruned = [Set<Int>](repeating: [], count: 2)
        for step in 0..<total {
            Self.randomize(model, sgd, &rng)
            sparse.learningRate = 0.1
            let before = sparse.scores.map(\.array), momenta = sparse.scoreMomenta.map(\.array)
            #expect(sparse.afterBackward(step: step, totalSteps: total, rng: &rng), "the optimizer step is always skipped")
            sparse.afterOptimizerStep()
            #expect(model.parameters.map(\.value.array) == weights, "step \(step): weights changed")
            let thresholding = (1...5).contains { config.gemMiner.thresholdingStep($0, totalSteps: total) == step }
            var live = 0
            for (i, layer) in model.weightLayers.enumerated() {
                let s = sparse.scores[i].array, m = layer.weightMask!.array
                let g = layer.weight.grad.array, w = layer.weight.value.array
                for j in 0..<s.count {
                    #expect(m[j] == (s[j] > 0.5 ? 1 : 0))
                    if pruned[i].contains(j) { #expect(s[j] == -1) }
                    if s[j] < 0 { pruned[i].insert(j); continue }
                    live += 1
                    if !thresholding && before[i][j] >= 0 {
                        let v = 0.9 * momenta[i][j] + (g[j] * w[j] + 2 * 1e-3 * before[i][j])
                        #expect(s[j] == min(1, max(0, before[i][j] - 0.1 * v)))
                    }
                }
            }
            if let k = (1...5).last(where: { config.gemMiner.thresholdingStep($0, totalSteps: total) == step }) {
                let scheduled = k == 5 ? target : max(target, Int((Double(all) * Foundation.pow(Double(target) / Double(all), Double(k) / 5)).rounded()))
                #expect(live <= scheduled, "step \(step): \(live) live, scheduled \(scheduled)")
            }
        }
        #expect(sparse.maskCounts.reduce(0, +) == target)
        #expect(sparse.updateSteps == [9, 19, 29, 39, 49])
    }

    @Test func smallDenseMatchesTheParameterCount() throws {
        let config = SparseConfiguration(method: .smallDense, sparsity: 0.9, distribution: .uniform)
        let (width, target, actual) = try Model.smallDenseWidth("vgg-small", inputShape: [1, 28, 28], classes: 10,
                                                                configuration: config)
        // vgg-small: conv1 (288 weights) dense, the rest at 10 %.
        var rng = RandomGenerator(seed: 0)
        let layers = try Model.make("vgg-small", rng: &rng).weightLayers
        let expected = 288 + layers.dropFirst().reduce(0) { $0 + TopK.keptCount(density: 1 - 0.9, of: $1.weightCount) }
        #expect(target == expected)
        #expect(width > 0.2 && width < 0.5)
        #expect(abs(Double(actual - target)) / Double(target) < 0.05)
    }
}
