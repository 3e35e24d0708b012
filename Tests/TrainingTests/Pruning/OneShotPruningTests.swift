import Foundation
import Testing

@testable import SparseSimCore
@testable import Trace
@testable import Training

/// One-shot pruning of trained models: Wanda's column norms and masks against brute force,
/// N:M groups, the whole run on a trained LeNet-5, and refusals.
@Suite struct OneShotPruningTests {
    /// `‖X_j‖₂` of every im2col column by brute force: build each output position's patch
    /// explicitly (zeros outside the image) and sum the squares of column j over samples and
    /// positions.
    static func bruteForceNorms(_ conv: Conv2d, _ x: Tensor) -> [Double] {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let k = conv.kernel
        let p = (h + 2 * conv.padding - k) / conv.stride + 1, q = (w + 2 * conv.padding - k) / conv.stride + 1
        var sums = [Double](repeating: 0, count: c * k * k)
        for i in 0..<n {
            for pp in 0..<p {
                for qq in 0..<q {
                    var patch: [Double] = []
                    for ch in 0..<c {
                        for r in 0..<k {
                            for s in 0..<k {
                                let y = pp * conv.stride + r - conv.padding, z = qq * conv.stride + s - conv.padding
                                patch.append(y < 0 || y >= h || z < 0 || z >= w ? 0 : Double(x[((i * c + ch) * h + y) * w + z]))
                            }
                        }
                    }
                    for (j, v) in patch.enumerated() { sums[j] += v * v }
                }
            }
        }
        return sums.map { $0.squareRoot() }
    }

    /// The kept set of one row by brute force: indices sorted by score (ties: lower first).
    static func bruteForceRow(_ scores: [Double], keep: Int) -> Set<Int> {
        Set(scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }.prefix(keep))
    }

    @Test(arguments: [(1, 1), (2, 0), (1, 2)])
    func convolutionNormsAndWandaMaskMatchBruteForce(stride: Int, padding: Int) {
        var rng = RandomGenerator(seed: 31)
        let conv = Conv2d("conv", inChannels: 3, outChannels: 5, kernel: 3, stride: stride, padding: padding, rng: &rng)
        let x = GradientCheck.randomTensor([4, 3, 7, 6], &rng)
        let norms = OneShotPruning.columnNorms(conv, input: x)
        let reference = Self.bruteForceNorms(conv, x)
        #expect(norms.count == 27)
        for (a, b) in zip(norms, reference) { #expect(abs(a - b) <= 1e-9 * max(1, b)) }
        // Wanda's mask: per row, the ⌈(1 − s)·27⌉ largest |W|·‖X_j‖.
        let scores = OneShotPruning.scores(conv, norms: norms)
        let keep = OneShotPruning.rowMask(scores: scores, rows: 5, target: .sparsity(0.6))
        let w = conv.weight.value.array
        for row in 0..<5 {
            let rowScores = (0..<27).map { abs(Double(w[row * 27 + $0])) * reference[$0] }
            let kept = Set((0..<27).filter { keep[row * 27 + $0] })
            #expect(kept == Self.bruteForceRow(rowScores, keep: 11), "row \(row)")
        }
    }

    /// A token-wise layer's norms run over every token of every sample, and SparseGPT's Hessian
    /// is the Gram matrix of those token rows.
    @Test func tokenwiseNormsAndHessianSumOverTokens() {
        var rng = RandomGenerator(seed: 33)
        let fc = Linear("fc", inputs: 4, outputs: 3, tokenwise: true, rng: &rng)
        let x = GradientCheck.randomTensor([2, 5, 4], &rng)
        let norms = OneShotPruning.columnNorms(fc, input: x)
        let h = SparseGPT.hessian(fc, input: x)
        #expect(norms.count == 4 && h.count == 16)
        for j in 0..<4 {
            let byHand = (0..<10).reduce(0.0) { $0 + Double(x[$1 * 4 + j]) * Double(x[$1 * 4 + j]) }.squareRoot()
            #expect(abs(norms[j] - byHand) < 1e-9)
            for k in 0..<4 {
                let gram = (0..<10).reduce(0.0) { $0 + Double(x[$1 * 4 + j]) * Double(x[$1 * 4 + k]) } * 2 / 10
                #expect(abs(h[j * 4 + k] - gram) < 1e-9)
            }
        }
    }

    @Test func linearNormsAndNMGroups() {
        var rng = RandomGenerator(seed: 32)
        let fc = Linear("fc", inputs: 8, outputs: 3, rng: &rng)
        let x = GradientCheck.randomTensor([5, 8], &rng)
        let norms = OneShotPruning.columnNorms(fc, input: x)
        for j in 0..<8 {
            let byHand = (0..<5).reduce(0.0) { $0 + Double(x[$1 * 8 + j]) * Double(x[$1 * 8 + j]) }.squareRoot()
            #expect(abs(norms[j] - byHand) < 1e-9)
        }
        let scores = OneShotPruning.scores(fc, norms: norms)
        let keep = OneShotPruning.rowMask(scores: scores, rows: 3, target: .nm(NMPattern(n: 2, m: 4)))
        for row in 0..<3 {
            for g in [0, 4] {
                let group = Array(scores[(row * 8 + g)..<(row * 8 + g + 4)])
                let kept = Set((0..<4).filter { keep[row * 8 + g + $0] })
                #expect(kept == Self.bruteForceRow(group, keep: 2), "row \(row) group \(g)")
            }
        }
        // Equal scores keep the lower columns.
        #expect(OneShotPruning.rowMask(scores: [1, 1, 1, 1], rows: 1, target: .sparsity(0.5)) == [true, true, false, false])
    }

    /// A trained LeNet-5 pruned by Wanda at 2:4 and at 50 %: the first layer dense, every
    /// other row at its count, pruned weights zero, the accuracy after equal to a fresh
    /// evaluation; the last layer's mask equals brute force on the inputs of the already
    /// pruned model (calibration in order); magnitude keeps the largest |W| per row.
    @Test func trainedLeNetPrunedInOneShot() throws {
        let dir = TrainerTests.temporaryDirectory("oneshot")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = TrainingConfiguration(model: "lenet5", epochs: 1, batchSize: 64, seed: 4, trainSamples: 256, testSamples: 128)
        try Trainer(base).run(checkpointDirectory: dir)
        var config = base
        config.initialWeights = dir

        let unpruned = try Trainer(config).model.weightLayers.map { $0.weight.value.array }
        let wanda = try OneShotPruning(configuration: config, criterion: .wanda, target: .nm(NMPattern(n: 2, m: 4)), calibrationSamples: 32)
        let result = try wanda.run()
        let layers = wanda.trainer.model.weightLayers
        #expect(result.layers[0].kept == result.layers[0].weights)
        // conv2's rows of 150 end in a group of 2, which keeps both: 74 + 2 of every 150.
        #expect(result.layers[1].kept == 16 * 76)
        #expect(result.layers.dropFirst(2).allSatisfy { $0.kept * 2 == $0.weights })
        for (layer, mask) in zip(layers, wanda.masks) {
            #expect((0..<layer.weightCount).allSatisfy { mask[$0] || layer.weight.value[$0] == 0 }, "\(layer.name)")
        }
        #expect(abs(wanda.trainer.evaluate(wanda.trainer.test).accuracy - result.accuracyAfter) < 1e-12)
        #expect(result.accuracyBefore > 0.3 && result.calibrationSamples == 32)
        // fc3's inputs come from the pruned fc1 and fc2: recompute them and rank by hand.
        let calibration = wanda.trainer.train.prefix(32)
        let x = Tensor(shape: [32, 1, 28, 28], values: calibration.images)
        _ = wanda.trainer.model.forward(x, phase: .evaluation)
        let last = try #require(layers.last as? Linear)
        let input = try #require(last.lastInput)
        let columns = 84
        for row in 0..<10 {
            for g in stride(from: 0, to: columns, by: 4) {
                let scores = (g..<(g + 4)).map { j in
                    abs(Double(unpruned.last![row * columns + j]))
                        * (0..<32).reduce(0.0) { $0 + Double(input[$1 * columns + j]) * Double(input[$1 * columns + j]) }.squareRoot()
                }
                let kept = Set((0..<4).filter { wanda.masks.last![row * columns + g + $0] })
                #expect(kept == Self.bruteForceRow(scores, keep: 2), "fc3 row \(row) group \(g)")
            }
        }

        let magnitude = try OneShotPruning(configuration: config, criterion: .magnitude, target: .sparsity(0.5))
        _ = try magnitude.run()
        for (i, layer) in magnitude.trainer.model.weightLayers.enumerated().dropFirst() {
            let columns = OneShotPruning.columns(of: layer)
            for row in 0..<layer.weightDimensions.k {
                let scores = (0..<columns).map { abs(Double(unpruned[i][row * columns + $0])) }
                let kept = Set((0..<columns).filter { magnitude.masks[i][row * columns + $0] })
                #expect(kept == Self.bruteForceRow(scores, keep: TopK.keptCount(density: 0.5, of: columns)), "\(layer.name) row \(row)")
            }
        }
    }

    @Test func refusals() throws {
        let dir = TrainerTests.temporaryDirectory("oneshot-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Trainer(TrainingConfiguration(model: "mlp", epochs: 1, seed: 1, trainSamples: 64, testSamples: 16)).run(checkpointDirectory: dir)
        var config = TrainingConfiguration(model: "lenet5", epochs: 1, trainSamples: 64, testSamples: 16, initialWeights: dir)
        // A checkpoint of another model names the first missing tensor.
        #expect { try OneShotPruning(configuration: config, criterion: .wanda, target: .sparsity(0.5)) } throws: { e in
            (e as? SparseSimError)?.location == "conv1.weight" && "\(e)".contains("not of this model")
        }
        config.model = "mlp"
        for s in [0.0, 1.0, -0.2] {
            #expect { try OneShotPruning(configuration: config, criterion: .wanda, target: .sparsity(s)) } throws: { e in
                (e as? SparseSimError)?.field == "sparsity"
            }
        }
        #expect { try OneShotPruning(configuration: config, criterion: .wanda, target: .nm(NMPattern(n: 4, m: 4))) } throws: { e in
            (e as? SparseSimError)?.field == "structure" && "\(e)".contains("N must be below M")
        }
        config.initialWeights = nil
        #expect(throws: SparseSimError.self) { try OneShotPruning(configuration: config, criterion: .wanda, target: .sparsity(0.5)) }
    }
}
