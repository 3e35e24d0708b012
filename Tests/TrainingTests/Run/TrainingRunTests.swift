import Foundation
import Testing

@testable import SparseSimCore
@testable import Trace
@testable import Training

/// The one orchestration of a run with files: how it starts, the metrics it trims, and that a
/// run stopped after an epoch and started again ends with the bytes of an uninterrupted one.
@Suite struct TrainingRunTests {
    static let config = TrainingConfiguration(model: "mlp", epochs: 2, batchSize: 64, learningRate: 0.05, seed: 3,
                                              trainSamples: 256, testSamples: 64)

    static func outputs(_ dir: String) -> TrainingRun.Outputs {
        TrainingRun.Outputs(checkpointDirectory: dir + "/ck", metricsPath: dir + "/m.jsonl", tracePath: dir + "/t.sstrace",
                            traceSamples: 4)
    }

    @Test func startsResumesAndTrims() throws {
        let a = TrainerTests.temporaryDirectory("run-a"), b = TrainerTests.temporaryDirectory("run-b")
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        // Uninterrupted.
        let straight = try TrainingRun(configuration: Self.config, outputs: Self.outputs(a), resume: false)
        #expect(straight.start == .fresh)
        try straight.run()

        // Resuming with no checkpoint yet starts at step 0 and drops the metrics of the lost epochs.
        try FileManager.default.createDirectory(atPath: b + "/ck", withIntermediateDirectories: true)
        try #"{"epoch":1,"step":4}"# .appending("\n").write(toFile: b + "/m.jsonl", atomically: true, encoding: .utf8)
        let first = try TrainingRun(configuration: Self.config, outputs: Self.outputs(b), resume: true)
        #expect(first.start == .noCheckpointYet)
        #expect(try String(contentsOfFile: b + "/m.jsonl", encoding: .utf8).isEmpty)
        try first.trainer.run(checkpointDirectory: b + "/ck", metricsPath: b + "/m.jsonl", epochLimit: 1, trace: first.recorder)

        // A line written after the checkpoint (a kill between the two) is trimmed on resume.
        let metrics = try String(contentsOfFile: b + "/m.jsonl", encoding: .utf8)
        try (metrics + #"{"epoch":2,"step":8}"# + "\n").write(toFile: b + "/m.jsonl", atomically: true, encoding: .utf8)
        let second = try TrainingRun(configuration: Self.config, outputs: Self.outputs(b), resume: true)
        #expect(second.start == .resumed(epoch: 1, step: 4))
        #expect(try String(contentsOfFile: b + "/m.jsonl", encoding: .utf8) == metrics)
        try second.run()

        for file in ["/ck/checkpoint.safetensors", "/t.sstrace/manifest.json"] {
            let x = try #require(FileManager.default.contents(atPath: a + file)), y = try #require(FileManager.default.contents(atPath: b + file))
            if file.hasSuffix(".json") {
                // Provenance's creation time may differ; the snapshots may not.
                let mx = try TraceManifest.decode([UInt8](x), file: "a"), my = try TraceManifest.decode([UInt8](y), file: "b")
                #expect(mx.snapshots == my.snapshots)
            } else {
                #expect(x == y, "\(file)")
            }
        }
        let lines = try String(contentsOfFile: b + "/m.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
    }
}
