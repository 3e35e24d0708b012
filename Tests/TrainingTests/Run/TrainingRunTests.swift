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

    /// The checkpoint's bytes and the trace's snapshots (provenance's creation time may differ)
    /// of two runs' outputs.
    static func expectSameCheckpointAndSnapshots(_ a: String, _ b: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let x = try #require(FileManager.default.contents(atPath: a + "/ck/checkpoint.safetensors"))
        let y = try #require(FileManager.default.contents(atPath: b + "/ck/checkpoint.safetensors"))
        let same = x == y
        #expect(same, "the checkpoints differ", sourceLocation: sourceLocation)
        let mx = try TraceManifest.decode([UInt8](try #require(FileManager.default.contents(atPath: a + "/t.sstrace/manifest.json"))), file: "a")
        let my = try TraceManifest.decode([UInt8](try #require(FileManager.default.contents(atPath: b + "/t.sstrace/manifest.json"))), file: "b")
        #expect(mx.snapshots == my.snapshots, sourceLocation: sourceLocation)
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

        try Self.expectSameCheckpointAndSnapshots(a, b)
        let lines = try String(contentsOfFile: b + "/m.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
    }

    /// A run stopped inside an epoch — by `shouldStop` after step k (a signal), by `maxSteps`, or
    /// by a kill after a `checkpointEverySteps` checkpoint — resumes at that position of the
    /// epoch's data order and ends with the checkpoint and trace snapshots of an uninterrupted run.
    @Test(arguments: [1, 3, 4, 6])
    func stoppedInsideAnEpochResumesBitIdentically(stopAfter: Int) throws {
        var config = Self.config
        config.sparse = SparseConfiguration(method: .rigl, sparsity: 0.8, updateInterval: 2)
        let a = TrainerTests.temporaryDirectory("mid-a"), b = TrainerTests.temporaryDirectory("mid-b")
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        var outA = Self.outputs(a), outB = Self.outputs(b)
        outA.traceEvery = 2
        outB.traceEvery = 2
        try TrainingRun(configuration: config, outputs: outA, resume: false).run()

        // Stopped by a signal after `stopAfter` steps (4 steps per epoch: inside the first or second).
        var steps = 0
        let first = try TrainingRun(configuration: config, outputs: outB, resume: false)
        do {
            try first.run(shouldStop: { steps += 1; return steps >= stopAfter })
            Issue.record("not interrupted")
        } catch let e as SparseSimError {
            #expect(e.kind == .interrupted && e.location == "step \(stopAfter)", "\(e)")
        }
        let second = try TrainingRun(configuration: config, outputs: outB, resume: true)
        #expect(second.trainer.step == stopAfter && second.trainer.stepInEpoch == stopAfter % 4)
        #expect(second.start == .resumed(epoch: stopAfter / 4, step: stopAfter))
        try second.run()
        try Self.expectSameCheckpointAndSnapshots(a, b)
        let lines = try String(contentsOfFile: b + "/m.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
    }

    /// `maxSteps` 3 then `maxSteps` 6 with resume equals a straight 6 (the checkpoint of the
    /// first stays inside epoch 1; resuming continues its shuffle instead of drawing epoch 2's).
    /// The schedule is constant: a cosine one follows the run's length, which `maxSteps` sets.
    @Test func maxStepsThenResumeEqualsAStraightRun() throws {
        var base = Self.config
        base.schedule = "constant"
        var short = base, long = base
        short.maxSteps = 3
        long.maxSteps = 6
        let a = TrainerTests.temporaryDirectory("max-a"), b = TrainerTests.temporaryDirectory("max-b")
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        try TrainingRun(configuration: long, outputs: TrainingRun.Outputs(checkpointDirectory: a), resume: false).run()
        let stopped = try TrainingRun(configuration: short, outputs: TrainingRun.Outputs(checkpointDirectory: b), resume: false)
        let summary = try stopped.run()
        #expect(summary.steps == 3 && summary.epochs == 0 && stopped.trainer.stepInEpoch == 3)
        let resumed = try TrainingRun(configuration: long, outputs: TrainingRun.Outputs(checkpointDirectory: b), resume: true)
        #expect(resumed.start == .resumed(epoch: 0, step: 3))
        try resumed.run()
        let x = try Safetensors.read(a + "/checkpoint.safetensors"), y = try Safetensors.read(b + "/checkpoint.safetensors")
        #expect(x.metadata == y.metadata)
        #expect(FileManager.default.contents(atPath: a + "/checkpoint.safetensors") == FileManager.default.contents(atPath: b + "/checkpoint.safetensors"))
    }

    /// Checkpoints every 3 steps (4 per epoch); the run "killed" during step 7 leaves the
    /// step-6 checkpoint on disk, inside epoch 2 (copied aside at that moment); resuming from it
    /// ends identical to a straight run.
    @Test func checkpointEveryStepsSurvivesAKill() throws {
        let a = TrainerTests.temporaryDirectory("every-a"), b = TrainerTests.temporaryDirectory("every-b")
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        try TrainingRun(configuration: Self.config, outputs: TrainingRun.Outputs(checkpointDirectory: a), resume: false).run()
        let checkpoint = b + "/" + Trainer.checkpointName
        let run = try TrainingRun(configuration: Self.config, outputs: TrainingRun.Outputs(checkpointDirectory: b, checkpointEverySteps: 3),
                                  resume: false)
        var steps = 0
        try run.run(shouldStop: {
            steps += 1
            if steps == 7 { try? FileManager.default.copyItem(atPath: checkpoint, toPath: checkpoint + ".at-kill") }
            return false
        })
        try FileManager.default.removeItem(atPath: checkpoint)
        try FileManager.default.moveItem(atPath: checkpoint + ".at-kill", toPath: checkpoint)
        let resumed = try TrainingRun(configuration: Self.config, outputs: TrainingRun.Outputs(checkpointDirectory: b), resume: true)
        #expect(resumed.start == .resumed(epoch: 1, step: 6) && resumed.trainer.stepInEpoch == 2)
        try resumed.run()
        #expect(FileManager.default.contents(atPath: a + "/checkpoint.safetensors") == FileManager.default.contents(atPath: checkpoint))
    }
}
