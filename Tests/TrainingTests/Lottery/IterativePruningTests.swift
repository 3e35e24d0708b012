import Foundation
import Testing

@testable import SparseSimCore
@testable import Trace
@testable import Training

/// Lottery tickets by iterative magnitude pruning: the masks each round keeps (against a
/// brute-force ranking), the densities (1 − p)^r, rewinding (to the initialization and to a
/// step), reuse, resuming inside a round to the same bytes, and refused settings.
@Suite struct IterativePruningTests {
    static func directory() -> String { NSTemporaryDirectory() + "sparsesim-imp-\(UUID().uuidString)" }

    /// The MLP on 256 real Fashion-MNIST samples: 4 steps a round.
    static func settings(rounds: Int = 2, rate: Double = 0.5, scope: IterativePruning.Scope = .global,
                         rewind: Int = 0) -> IterativePruning.Settings {
        let training = TrainingConfiguration(model: "mlp", epochs: 1, batchSize: 64, learningRate: 0.05, seed: 5, trainSamples: 256,
                                             testSamples: 100)
        return IterativePruning.Settings(training: training, rounds: rounds, rate: rate, scope: scope, rewindStep: rewind, traceSamples: 4)
    }

    static func checkpointBytes(_ dir: String) throws -> Data {
        try #require(FileManager.default.contents(atPath: dir + "/" + Trainer.checkpointName))
    }

    static func trainer(_ search: IterativePruning, from dir: String) throws -> Trainer {
        let t = try Trainer(search.roundConfiguration)
        try t.resume(from: dir)
        return t
    }

    /// Ranking by hand: global removes the smallest |w| over both layers, per layer each
    /// layer's own; ties go to the earlier layer and index; pruned weights stay pruned.
    @Test func prunedRemovesTheSmallestKeptMagnitudes() {
        let masks = [[true, true, false, true], [true, true, true, true]]
        let weights: [[Float]] = [[0.5, -0.1, 0.0, 0.3], [-0.2, 0.1, 0.9, 0.05]]
        // Global, 7 kept, round(0.5 · 7) = 4 removed: 0.05, then the two 0.1s (layer 0 first), then 0.2.
        #expect(IterativePruning.pruned(masks: masks, weights: weights, rate: 0.5, scope: .global)
                == [[true, false, false, true], [false, false, true, false]])
        // Per layer: layer 0 removes round(1.5) = 2 of 3 (0.1, 0.3); layer 1 removes 2 of 4 (0.05, 0.1).
        #expect(IterativePruning.pruned(masks: masks, weights: weights, rate: 0.5, scope: .layer)
                == [[true, false, false, false], [true, false, true, false]])
    }

    @Test func roundsRewindToInitializationAndKeepNestedMasks() throws {
        let dir = Self.directory(), copy = Self.directory()
        defer { for d in [dir, copy] { try? FileManager.default.removeItem(atPath: d) } }
        let search = try IterativePruning(settings: Self.settings(), directory: dir)
        var events: [String] = []
        let summary = try search.run { event in
            switch event {
            case let .started(round, step, _): events.append("start \(round) \(step)")
            case let .finished(r): events.append("done \(r.round)")
            default: break
            }
        }
        #expect(events == ["start 0 0", "done 0", "start 1 0", "done 1", "start 2 0", "done 2"])
        let total = 784 * 300 + 300 * 100 + 100 * 10
        var expected = total
        var previous: [[Float]]? = nil
        for r in summary.rounds {
            #expect(r.density == Double(expected) / Double(total) && r.keptPerLayer.reduce(0, +) == expected, "round \(r.round)")
            #expect(r.expectedDensity == Foundation.pow(0.5, Double(r.round)))
            expected -= Int((0.5 * Double(expected)).rounded())
            // The trace holds the round's masks; each round's mask lies inside the previous one's.
            let reader = try TraceReader(path: r.trace)
            let masks = try reader.manifest.model.layers.map { try reader.load(layer: $0.name, snapshot: reader.manifest.snapshots.count - 1).mask }
            #expect(masks.map(\.popcount) == r.keptPerLayer)
            let trained = try Self.trainer(search, from: search.path(round: r.round))
            let now = trained.model.weightLayers.map { $0.weightMask!.array }
            if let previous { #expect(zip(now, previous).allSatisfy { zip($0, $1).allSatisfy { $0 == 0 || $1 != 0 } }) }
            previous = now
        }
        // Round 1 starts from the initialization with round 0's smallest half removed.
        let round0 = try Self.trainer(search, from: search.path(round: 0))
        let keep = IterativePruning.pruned(masks: round0.model.weightLayers.map { $0.weightMask!.array.map { $0 != 0 } },
                                           weights: round0.model.weightLayers.map { $0.weight.value.array }, rate: 0.5, scope: .global)
        let fresh = try Trainer(search.roundConfiguration)
        let again = try IterativePruning(settings: Self.settings(), directory: copy)
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: search.path(round: 0), toPath: again.path(round: 0))
        try again.prepareStart(round: 1)
        let start = try Self.trainer(again, from: again.path(round: 1))
        #expect(start.step == 0)
        for (l, layer) in start.model.weightLayers.enumerated() {
            let w = layer.weight.value.array, w0 = fresh.model.weightLayers[l].weight.value.array
            #expect(w == zip(w0, keep[l]).map { $1 ? $0 : 0 }, "layer \(l)")
        }
        // A second call reuses every round.
        var reused = 0
        _ = try search.run { if case .reused = $0 { reused += 1 } }
        #expect(reused == 3)
        // Other settings in the same directory are refused.
        let other = try IterativePruning(settings: Self.settings(rate: 0.3), directory: dir)
        #expect(throws: SparseSimError.self) { try other.run() }
    }

    /// Rewinding to step 2: round 0 saves its state there and still ends on the bytes of a
    /// round 0 without the stop; round 1 starts at step 2 from those weights, pruned.
    @Test func rewindingToAStep() throws {
        let plain = Self.directory(), rewound = Self.directory()
        defer { for d in [plain, rewound] { try? FileManager.default.removeItem(atPath: d) } }
        let a = try IterativePruning(settings: Self.settings(rounds: 1), directory: plain)
        let b = try IterativePruning(settings: Self.settings(rounds: 1, rewind: 2), directory: rewound)
        try a.run()
        var starts: [Int] = []
        try b.run { if case let .started(_, step, _) = $0 { starts.append(step) } }
        #expect(starts == [0, 2])
        #expect(try Self.checkpointBytes(a.path(round: 0)) == Self.checkpointBytes(b.path(round: 0)))
        let rewind = try Self.trainer(b, from: rewound + "/rewind")
        #expect(rewind.step == 2)
        let round0 = try Self.trainer(b, from: b.path(round: 0))
        let keep = IterativePruning.pruned(masks: round0.model.weightLayers.map { $0.weightMask!.array.map { $0 != 0 } },
                                           weights: round0.model.weightLayers.map { $0.weight.value.array }, rate: 0.5, scope: .global)
        // Round 1's first state, rebuilt as the search builds it, is the rewind state pruned.
        try FileManager.default.removeItem(atPath: b.path(round: 1))
        try b.prepareStart(round: 1)
        let start = try Self.trainer(b, from: b.path(round: 1))
        #expect(start.step == 2)
        for (l, layer) in start.model.weightLayers.enumerated() {
            #expect(layer.weight.value.array == zip(rewind.model.weightLayers[l].weight.value.array, keep[l]).map { $1 ? $0 : 0 })
        }
    }

    /// Interrupted inside round 1 and run again: the same bytes as an uninterrupted search.
    @Test func resumesInsideARoundToTheSameBytes() throws {
        let whole = Self.directory(), cut = Self.directory()
        defer { for d in [whole, cut] { try? FileManager.default.removeItem(atPath: d) } }
        let a = try IterativePruning(settings: Self.settings(scope: .layer), directory: whole)
        let b = try IterativePruning(settings: Self.settings(scope: .layer), directory: cut)
        try a.run()
        var round = -1, steps = 0
        let error = #expect(throws: SparseSimError.self) {
            try b.run(progress: { if case let .started(r, _, _) = $0 { round = r } }, shouldStop: {
                if round == 1 { steps += 1 }
                return steps == 2
            })
        }
        #expect(error?.kind == .interrupted)
        #expect(!FileManager.default.fileExists(atPath: b.path(round: 1, ".json")))
        try b.run()
        for r in 0...2 { #expect(try Self.checkpointBytes(a.path(round: r)) == Self.checkpointBytes(b.path(round: r)), "round \(r)") }
    }

    @Test func refusedSettingsNameTheirField() {
        for (settings, field) in [(Self.settings(rate: 1), "rate"), (Self.settings(rate: 0), "rate"), (Self.settings(rounds: 0), "rounds"),
                                  (Self.settings(rewind: -1), "rewindStep")] {
            let error = #expect(throws: SparseSimError.self) { try IterativePruning(settings: settings, directory: "/tmp/x") }
            #expect(error?.field == field)
        }
        // A rewind step beyond the run is refused before training.
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let far = try? IterativePruning(settings: Self.settings(rewind: 4), directory: dir)
        let error = #expect(throws: SparseSimError.self) { try far?.run() }
        #expect(error?.field == "rewindStep")
    }
}
