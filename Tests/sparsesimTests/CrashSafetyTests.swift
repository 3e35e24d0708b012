import Foundation
import SparseSimCore
import Testing
import Trace
import Training

/// `sparsesim train` killed with SIGKILL at random moments and resumed with `--resume` ends
/// with the bytes of an uninterrupted run: checkpoint, trace tensors and snapshots, one metrics
/// line per epoch; after every kill, everything under a final name reads whole.
@Suite(.serialized) struct CrashSafetyTests {
    /// RigL (mask updates every 5 steps: sparse state in the checkpoint) on a small MLP, 4 epochs
    /// of 20 steps, a trace snapshot every 7 steps and at every epoch's end.
    static let run = ["train", "--model", "mlp", "--method", "rigl", "--sparsity", "0.8", "--update-interval", "5",
                      "--train-samples", "2000", "--test-samples", "500", "--epochs", "4", "--batch-size", "100",
                      "--seed", "11", "--threads", "1", "--trace-every", "7"]

    static func outputs(_ dir: String) -> [String] {
        ["--checkpoint-dir", dir + "/ck", "--trace", dir + "/t.sstrace", "--metrics", dir + "/m.jsonl"]
    }

    static func directory(_ tag: String) throws -> String {
        let dir = NSTemporaryDirectory() + "sparsesim-crash-\(tag)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Starts `sparsesim` with `arguments`, SIGKILLs it after `seconds` unless it has finished;
    /// returns whether it was killed.
    static func runKilling(after seconds: Double, _ arguments: [String]) throws -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLITests.executable)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { usleep(1_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        if p.terminationReason == .uncaughtSignal {
            #expect(p.terminationStatus == SIGKILL)
            return true
        }
        #expect(p.terminationStatus == 0, "a run that was not killed failed")
        return false
    }

    /// What must hold after any kill: each output present under its final name is whole.
    static func checkOutputsAreWhole(_ dir: String) throws {
        let checkpoint = dir + "/ck/checkpoint.safetensors"
        if FileManager.default.fileExists(atPath: checkpoint) {
            let file = try Safetensors.read(checkpoint)
            #expect(file.metadata["format"] == "sparsesim-checkpoint-1")
        }
        if FileManager.default.fileExists(atPath: dir + "/t.sstrace/manifest.json") {
            _ = try TraceReader(path: dir + "/t.sstrace", verifyTensors: true)
        }
        if let data = FileManager.default.contents(atPath: dir + "/m.jsonl") {
            // Lines are appended whole; only the last may be torn by a kill.
            let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
            for line in lines { _ = try JSONSerialization.jsonObject(with: Data(line)) }
        }
    }

    /// The npy files of a trace, by relative path.
    static func traceFiles(_ trace: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let root = trace + "/snapshots"
        for step in try FileManager.default.contentsOfDirectory(atPath: root) {
            for name in try FileManager.default.contentsOfDirectory(atPath: root + "/" + step) {
                out[step + "/" + name] = FileManager.default.contents(atPath: root + "/" + step + "/" + name)
            }
        }
        return out
    }

    static func metricsLines(_ path: String) throws -> [[String: Any]] {
        let data = try #require(FileManager.default.contents(atPath: path))
        return try data.split(separator: 0x0A).map { try #require(try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]) }
    }

    @Test func trainKilledAtRandomPointsResumesBitIdentically() throws {
        let reference = try Self.directory("reference"), killed = try Self.directory("killed")
        defer { for d in [reference, killed] { try? FileManager.default.removeItem(atPath: d) } }

        let started = Date()
        let whole = try CLITests.run(Self.run + Self.outputs(reference))
        #expect(whole.status == 0, "\(whole.stderr)")
        let wall = Date().timeIntervalSince(started)

        // Kill points drawn from a fixed seed across the run, start-up included. Other tests run
        // beside this one, so a run may finish before its kill: then the chain starts again.
        var rng = RandomGenerator(seed: 20_261_122)
        var kills = 0, attempts = 0
        while kills < 4 && attempts < 24 {
            attempts += 1
            let at = 0.05 + rng.nextDouble() * wall * 0.7
            let arguments = Self.run + Self.outputs(killed) + (kills > 0 ? ["--resume"] : [])
            if try Self.runKilling(after: at, arguments) {
                kills += 1
                try Self.checkOutputsAreWhole(killed)
            } else {
                kills = 0
                for name in try FileManager.default.contentsOfDirectory(atPath: killed) {
                    try FileManager.default.removeItem(atPath: killed + "/" + name)
                }
            }
        }
        #expect(kills >= 2, "only \(kills) runs in a row could be killed before they finished (\(attempts) attempts)")
        let finish = try CLITests.run(Self.run + Self.outputs(killed) + ["--resume"])
        #expect(finish.status == 0, "\(finish.stderr)")

        // The checkpoint: the same bytes.
        let a = try #require(FileManager.default.contents(atPath: reference + "/ck/checkpoint.safetensors"))
        let b = try #require(FileManager.default.contents(atPath: killed + "/ck/checkpoint.safetensors"))
        let sameCheckpoint = a == b  // (a Bool: a failed `==` on large Data makes Swift Testing diff the bytes)
        #expect(sameCheckpoint, "the resumed checkpoint differs from the uninterrupted run's")

        // The trace: valid, the same snapshots, every tensor file the same bytes, no temporaries.
        let refTrace = try TraceReader(path: reference + "/t.sstrace")
        let resumedTrace = try TraceReader(path: killed + "/t.sstrace")
        #expect(resumedTrace.manifest.snapshots == refTrace.manifest.snapshots)
        #expect(resumedTrace.manifest.model == refTrace.manifest.model && resumedTrace.manifest.method == refTrace.manifest.method)
        let refFiles = try Self.traceFiles(reference + "/t.sstrace"), resumedFiles = try Self.traceFiles(killed + "/t.sstrace")
        #expect(resumedFiles.keys.sorted() == refFiles.keys.sorted())
        let differing = refFiles.keys.sorted().filter { resumedFiles[$0] != refFiles[$0] }
        #expect(differing.isEmpty, "tensor files that differ: \(differing)")
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: killed + "/ck")).contains { $0.hasPrefix(".") })

        // The metrics: one line per epoch, the same losses and accuracies.
        let ref = try Self.metricsLines(reference + "/m.jsonl"), got = try Self.metricsLines(killed + "/m.jsonl")
        #expect(got.map { $0["epoch"] as? Int } == [1, 2, 3, 4])
        for key in ["train_loss", "test_loss", "test_accuracy", "step"] {
            #expect(got.map { "\($0[key] ?? "")" } == ref.map { "\($0[key] ?? "")" }, "\(key)")
        }
    }

    /// Starts `sparsesim` with `arguments`, sends SIGTERM after `seconds` (and, with `twice`, again
    /// 20 ms later); returns the exit status (nil: it finished before the signal).
    static func runTerminating(after seconds: Double, twice: Bool = false, _ arguments: [String]) throws -> Int32? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLITests.executable)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { usleep(1_000) }
        guard p.isRunning else {
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "a run that was not signalled failed")
            return nil
        }
        kill(p.processIdentifier, SIGTERM)
        if twice {
            usleep(20_000)
            if p.isRunning { kill(p.processIdentifier, SIGTERM) }
        }
        p.waitUntilExit()
        #expect(p.terminationReason == .exit, "the signal is handled, not fatal")
        return p.terminationStatus
    }

    /// SIGTERM (a cluster preempting the job) at random moments: the run finishes its step,
    /// checkpoints there and exits 75; `--resume` chains end with the bytes of an uninterrupted
    /// run. A second signal exits at once (143) and the last checkpoint still resumes.
    @Test func trainTerminatedAtRandomPointsResumesBitIdentically() throws {
        let reference = try Self.directory("term-reference"), stopped = try Self.directory("term-stopped")
        defer { for d in [reference, stopped] { try? FileManager.default.removeItem(atPath: d) } }
        let started = Date()
        let whole = try CLITests.run(Self.run + Self.outputs(reference))
        #expect(whole.status == 0, "\(whole.stderr)")
        let wall = Date().timeIntervalSince(started)

        var rng = RandomGenerator(seed: 20_261_203)
        var stops = 0, attempts = 0
        while stops < 3 && attempts < 20 {
            attempts += 1
            let at = 0.05 + rng.nextDouble() * wall * 0.7
            let arguments = Self.run + Self.outputs(stopped) + (stops > 0 ? ["--resume"] : [])
            switch try Self.runTerminating(after: at, twice: stops == 2, arguments) {
            case nil:
                stops = 0
                for name in try FileManager.default.contentsOfDirectory(atPath: stopped) {
                    try FileManager.default.removeItem(atPath: stopped + "/" + name)
                }
            case let status?:
                #expect(status == (stops == 2 ? 143 : 75) || status == 75, "exit status \(status)")
                stops += 1
                try Self.checkOutputsAreWhole(stopped)
            }
        }
        #expect(stops >= 2, "only \(stops) runs in a row could be stopped before they finished (\(attempts) attempts)")
        let finish = try CLITests.run(Self.run + Self.outputs(stopped) + ["--resume"])
        #expect(finish.status == 0, "\(finish.stderr)")
        let a = try #require(FileManager.default.contents(atPath: reference + "/ck/checkpoint.safetensors"))
        let b = try #require(FileManager.default.contents(atPath: stopped + "/ck/checkpoint.safetensors"))
        let sameCheckpoint = a == b
        #expect(sameCheckpoint, "the resumed checkpoint differs from the uninterrupted run's")
        let refTrace = try TraceReader(path: reference + "/t.sstrace"), resumedTrace = try TraceReader(path: stopped + "/t.sstrace")
        #expect(resumedTrace.manifest.snapshots == refTrace.manifest.snapshots)
        let refFiles = try Self.traceFiles(reference + "/t.sstrace"), resumedFiles = try Self.traceFiles(stopped + "/t.sstrace")
        #expect(refFiles.keys.sorted().filter { resumedFiles[$0] != refFiles[$0] }.isEmpty)
        let got = try Self.metricsLines(stopped + "/m.jsonl")
        #expect(got.map { $0["epoch"] as? Int } == [1, 2, 3, 4])
    }

    /// Resuming a run that was killed before its first checkpoint starts it again at step 0 and
    /// reuses the trace directory it had begun.
    @Test func resumeWithoutACheckpointStartsAtStepZero() throws {
        let dir = try Self.directory("early")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let short = ["train", "--model", "mlp", "--train-samples", "300", "--test-samples", "100", "--epochs", "1",
                     "--batch-size", "100", "--seed", "3"]
        try FileManager.default.createDirectory(atPath: dir + "/t.sstrace", withIntermediateDirectories: true)
        let r = try CLITests.run(short + Self.outputs(dir) + ["--resume"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("no checkpoint in \(dir)/ck yet"), "\(r.stderr)")
        #expect(try TraceReader(path: dir + "/t.sstrace").manifest.snapshots.map(\.step) == [0, 3])
    }
}
