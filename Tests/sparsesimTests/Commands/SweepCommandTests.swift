import Foundation
import Testing

/// `sparsesim sweep` end to end: a run killed with SIGKILL resumes without redoing finished
/// points or leaving a corrupt one, shards merge to the bytes of one run, and bad input gets a
/// one-line error.
@Suite struct SweepCommandTests {
    static let eyeriss = CLITests.repositoryRoot + "/HardwareSpecs/eyeriss-v1.xml"
    /// 48 points of Eyeriss v1, which maps every layer by search: about 10 ms a point (LeNet-5 in
    /// a debug build, ResNet-18 in an optimized one), so the run can be killed half-way.
    static let grid = ["--hw", eyeriss, "--vary", "pe-array.rows=8,12,16", "--vary", "pe-array.cols=8,10,12,14",
                       "--vary", "memory.glb.sizeKiB=54,108,216,432", "--model", model]
    #if DEBUG
    static let model = "lenet5"
    #else
    static let model = "resnet18"
    #endif

    static func directory() -> String { NSTemporaryDirectory() + "sparsesim-sweep-cli-\(UUID().uuidString)" }

    static func pointFiles(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/points")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    @Test func killedSweepResumesAndMatchesAnUninterruptedOne() throws {
        let killed = Self.directory(), reference = Self.directory(), sharded = Self.directory()
        defer { for d in [killed, reference, sharded] { try? FileManager.default.removeItem(atPath: d) } }

        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLITests.executable)
        p.arguments = ["sweep"] + Self.grid + ["--threads", "1", "--out", killed]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while Self.pointFiles(killed).count < 3 && p.isRunning && Date() < deadline { usleep(2_000) }
        let wasRunning = p.isRunning
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(wasRunning && p.terminationReason == .uncaughtSignal, "the sweep finished before it could be killed")
        let survivors = Self.pointFiles(killed)
        #expect(survivors.count >= 3 && survivors.count < 48)
        for name in survivors {  // every point file under its final name is whole
            let data = try #require(FileManager.default.contents(atPath: killed + "/points/" + name))
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            #expect(object?["index"] as? Int == Int(name.prefix(6)), "\(name)")
        }

        let resumed = try CLITests.run(["sweep"] + Self.grid + ["--threads", "2", "--out", killed])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("48 points; computed \(48 - survivors.count), already done \(survivors.count)"), "\(resumed.stdout)")

        let whole = try CLITests.run(["sweep"] + Self.grid + ["--out", reference])
        #expect(whole.status == 0 && whole.stdout.contains("Pareto-optimal"), "\(whole.stderr)")
        for i in 0..<3 {
            let r = try CLITests.run(["sweep"] + Self.grid + ["--shard", "\(i)/3", "--out", sharded])
            #expect(r.status == 0 && r.stdout.contains("16 points") && r.stdout.contains("sweep merge"), "\(r.stderr)")
        }
        let merged = try CLITests.run(["sweep", "merge", sharded])
        #expect(merged.status == 0, "\(merged.stderr)")
        let csv = { (d: String) in FileManager.default.contents(atPath: d + "/results.csv") }
        #expect(csv(reference) != nil && csv(killed) == csv(reference) && csv(sharded) == csv(reference))
        let svg = try #require(FileManager.default.contents(atPath: sharded + "/pareto.svg"))
        #expect(String(decoding: svg, as: UTF8.self).hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    }

    @Test func errors() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let usage: [[String]] = [
            ["sweep", "--hw", Self.eyeriss, "--model", "lenet5"],                                    // no --out
            ["sweep", "--hw", Self.eyeriss, "--out", dir],                                            // no workload
            ["sweep", "--hw", Self.eyeriss, "--model", "lenet5", "--trace", CLITests.fixture, "--out", dir],
            ["sweep", "--hw", Self.eyeriss, "--model", "lenet5", "--shard", "3/3", "--out", dir],
            ["sweep", "--hw", Self.eyeriss, "--model", "lenet5", "--vary", "pe-array.rows", "--out", dir],
            ["sweep", "--hw", Self.eyeriss, "--model", "nosuch", "--out", dir],
            ["sweep", "--hw", Self.eyeriss, "--model", "lenet5", "--threads", "0", "--out", dir],
            ["sweep", "merge", dir, "--shards", "0"],
        ]
        for arguments in usage {
            let r = try CLITests.run(arguments)
            #expect(r.status == 64, "\(arguments): \(r.stderr)")
        }
        let input: [([String], String)] = [
            (["sweep", "--hw", "/no/such.xml", "--model", "lenet5", "--out", dir], "/no/such.xml"),
            (["sweep", "--hw", Self.eyeriss, "--model", "lenet5", "--vary", "memory.gbuf.sizeKiB=1,2", "--out", dir],
             "sweep point 0 (memory.gbuf.sizeKiB=1): --set memory.gbuf.sizeKiB=1: no memory level named 'gbuf'"),
            (["sweep", "--hw", Self.eyeriss, "--model", "lenet5", "--vary", "pe-array.rows=8,8x", "--out", dir], "sweep point 1"),
            (["sweep", "merge", dir], "no such directory"),
        ]
        for (arguments, message) in input {
            let r = try CLITests.run(arguments)
            #expect(r.status == 1 && r.stderr.contains(message) && r.stderr.hasPrefix("sparsesim: error: "), "\(arguments): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir), "\(arguments) left \(dir)")
        }
        let partial = try CLITests.run(["sweep", "--hw", Self.eyeriss, "--model", "lenet5", "--vary", "pe-array.rows=8,12",
                                        "--shard", "0/2", "--out", dir])
        #expect(partial.status == 0, "\(partial.stderr)")
        let merge = try CLITests.run(["sweep", "merge", dir, "--shards", "2"])
        #expect(merge.status == 1 && merge.stderr.contains("1 of 2 points are missing (1); shards 1/2 have not finished"), "\(merge.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/results.csv"))
        let other = try CLITests.run(["sweep", "--hw", Self.eyeriss, "--model", "lenet5", "--out", dir])
        #expect(other.status == 1 && other.stderr.contains("sweep.json:axes: this directory holds another sweep"), "\(other.stderr)")
    }
}
