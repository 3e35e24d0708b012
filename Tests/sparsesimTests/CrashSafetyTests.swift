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

    /// Starts `sparsesim` with `arguments` (output discarded) and waits up to `seconds` for it.
    static func startAndWait(_ arguments: [String], seconds: Double) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLITests.executable)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { usleep(1_000) }
        return p
    }

    /// Starts `sparsesim` with `arguments`, SIGKILLs it after `seconds` unless it has finished;
    /// returns whether it was killed.
    static func runKilling(after seconds: Double, _ arguments: [String]) throws -> Bool {
        let p = try startAndWait(arguments, seconds: seconds)
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

    /// Runs the uninterrupted reference into `dir`; returns its wall time.
    static func referenceRun(_ dir: String) throws -> TimeInterval {
        let started = Date()
        let whole = try CLITests.run(Self.run + Self.outputs(dir))
        #expect(whole.status == 0, "\(whole.stderr)")
        return Date().timeIntervalSince(started)
    }

    /// Finishes the interrupted chain in `resumed` with `--resume` and expects the reference's
    /// bytes: the checkpoint, the trace's snapshots and tensor files (no temporaries), and one
    /// metrics line per epoch with the same losses and accuracies.
    static func finishAndExpectSameOutputs(reference: String, resumed: String) throws {
        let finish = try CLITests.run(Self.run + Self.outputs(resumed) + ["--resume"])
        #expect(finish.status == 0, "\(finish.stderr)")
        let a = try #require(FileManager.default.contents(atPath: reference + "/ck/checkpoint.safetensors"))
        let b = try #require(FileManager.default.contents(atPath: resumed + "/ck/checkpoint.safetensors"))
        let sameCheckpoint = a == b  // (a Bool: a failed `==` on large Data makes Swift Testing diff the bytes)
        #expect(sameCheckpoint, "the resumed checkpoint differs from the uninterrupted run's")
        let refTrace = try TraceReader(path: reference + "/t.sstrace")
        let resumedTrace = try TraceReader(path: resumed + "/t.sstrace")
        #expect(resumedTrace.manifest.snapshots == refTrace.manifest.snapshots)
        #expect(resumedTrace.manifest.model == refTrace.manifest.model && resumedTrace.manifest.method == refTrace.manifest.method)
        let refFiles = try Self.traceFiles(reference + "/t.sstrace"), resumedFiles = try Self.traceFiles(resumed + "/t.sstrace")
        #expect(resumedFiles.keys.sorted() == refFiles.keys.sorted())
        let differing = refFiles.keys.sorted().filter { resumedFiles[$0] != refFiles[$0] }
        #expect(differing.isEmpty, "tensor files that differ: \(differing)")
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: resumed + "/ck")).contains { $0.hasPrefix(".") })
        let ref = try Self.metricsLines(reference + "/m.jsonl"), got = try Self.metricsLines(resumed + "/m.jsonl")
        #expect(got.map { $0["epoch"] as? Int } == [1, 2, 3, 4])
        for key in ["train_loss", "test_loss", "test_accuracy", "step"] {
            #expect(got.map { "\($0[key] ?? "")" } == ref.map { "\($0[key] ?? "")" }, "\(key)")
        }
    }

    /// Empties `dir` (a chain that finished before its interruption starts again).
    static func empty(_ dir: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) { try FileManager.default.removeItem(atPath: dir + "/" + name) }
    }

    /// Runs a chain of interrupted runs into `dir` (the first fresh, the next with `--resume`)
    /// at moments drawn from `seed` across `wall` seconds, start-up included, until `wanted`
    /// runs in a row were interrupted; other tests run beside this one, so a run may finish
    /// before its interruption (`interrupt` answers false): then the chain starts again.
    /// - Returns: the interruptions in a row reached, and the attempts.
    static func interruptedChain(into dir: String, wall: Double, seed: UInt64, wanted: Int, attempts limit: Int,
                                 _ interrupt: (_ at: Double, _ index: Int, _ arguments: [String]) throws -> Bool) throws -> (Int, Int) {
        var rng = RandomGenerator(seed: seed)
        var done = 0, attempts = 0
        while done < wanted && attempts < limit {
            attempts += 1
            let at = 0.05 + rng.nextDouble() * wall * 0.7
            let arguments = Self.run + Self.outputs(dir) + (done > 0 ? ["--resume"] : [])
            if try interrupt(at, done, arguments) {
                done += 1
                try Self.checkOutputsAreWhole(dir)
            } else {
                done = 0
                try Self.empty(dir)
            }
        }
        return (done, attempts)
    }

    /// The two random-interruption chains run whole trainings a dozen times each: in a debug
    /// build they take four minutes, one after the other, and were the debug phase's long pole
    /// (539 s of wall, 317 s without them), so they run in `make test`'s release phase.
    #if DEBUG
    static let optimized = false
    #else
    static let optimized = true
    #endif

    @Test(.enabled(if: CrashSafetyTests.optimized, "release build only: run by `make test`'s release phase"))
    func trainKilledAtRandomPointsResumesBitIdentically() throws {
        let reference = try Self.directory("reference"), killed = try Self.directory("killed")
        defer { for d in [reference, killed] { try? FileManager.default.removeItem(atPath: d) } }
        let wall = try Self.referenceRun(reference)
        let (kills, attempts) = try Self.interruptedChain(into: killed, wall: wall, seed: 20_261_122, wanted: 4, attempts: 24) { at, _, arguments in
            try Self.runKilling(after: at, arguments)
        }
        #expect(kills >= 2, "only \(kills) runs in a row could be killed before they finished (\(attempts) attempts)")
        try Self.finishAndExpectSameOutputs(reference: reference, resumed: killed)
    }

    /// Starts `sparsesim` with `arguments`, sends SIGTERM after `seconds` (and, with `twice`, again
    /// 20 ms later); returns the exit status (nil: it finished before the signal).
    static func runTerminating(after seconds: Double, twice: Bool = false, _ arguments: [String]) throws -> Int32? {
        let p = try startAndWait(arguments, seconds: seconds)
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
    @Test(.enabled(if: CrashSafetyTests.optimized, "release build only: run by `make test`'s release phase"))
    func trainTerminatedAtRandomPointsResumesBitIdentically() throws {
        let reference = try Self.directory("term-reference"), stopped = try Self.directory("term-stopped")
        defer { for d in [reference, stopped] { try? FileManager.default.removeItem(atPath: d) } }
        let wall = try Self.referenceRun(reference)
        let (stops, attempts) = try Self.interruptedChain(into: stopped, wall: wall, seed: 20_261_203, wanted: 3, attempts: 20) { at, index, arguments in
            // The third stop gets a second signal: it exits at once.
            guard let status = try Self.runTerminating(after: at, twice: index == 2, arguments) else { return false }
            #expect(status == 75 || (index == 2 && status == 143), "exit status \(status)")
            return true
        }
        #expect(stops >= 2, "only \(stops) runs in a row could be stopped before they finished (\(attempts) attempts)")
        try Self.finishAndExpectSameOutputs(reference: reference, resumed: stopped)
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
