import Foundation
import Testing

/// The same command twice gives the same bytes: checkpoints, traces and `simulate` JSON. Only the
/// provenance's `created_at` differs between runs, and `SOURCE_DATE_EPOCH` pins that too
/// (Docs/reproducibility.md).
@Suite struct DeterminismTests {
    static let train = ["train", "--model", "mlp", "--method", "rigl", "--sparsity", "0.9", "--update-interval", "4",
                        "--train-samples", "600", "--test-samples", "200", "--epochs", "2", "--batch-size", "100",
                        "--seed", "21", "--threads", "2", "--trace-every", "5", "--trace-samples", "16"]

    static func directory() throws -> String {
        let dir = NSTemporaryDirectory() + "sparsesim-determinism-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Every file under `root`, by relative path.
    static func files(_ root: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let enumerator = try #require(FileManager.default.enumerator(atPath: root))
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                out[relative] = FileManager.default.contents(atPath: root + "/" + relative)
            }
        }
        return out
    }

    /// The paths whose bytes differ (or exist on one side only).
    static func differences(_ a: [String: Data], _ b: [String: Data]) -> [String] {
        Set(a.keys).union(b.keys).sorted().filter { a[$0] != b[$0] }
    }

    /// JSON text with every `"created_at": "..."` value blanked.
    static func withoutTimestamps(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self)
            .replacingOccurrences(of: #""created_at"\s*:\s*"[^"]*""#, with: #""created_at": """#, options: .regularExpression)
    }

    @Test func trainingTwiceWritesTheSameCheckpointAndTrace() throws {
        let root = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // The same command each time (the trace records its command line): outputs in run/,
        // moved aside after each run.
        func run(_ name: String, pinned: Bool) throws {
            let r = try CLITests.run(Self.train + ["--checkpoint-dir", "\(root)/run/ck", "--trace", "\(root)/run/t.sstrace"],
                                     environment: ["SOURCE_DATE_EPOCH": pinned ? "1790000000" : nil])
            #expect(r.status == 0, "\(r.stderr)")
            try FileManager.default.moveItem(atPath: "\(root)/run", toPath: "\(root)/\(name)")
        }
        try run("a", pinned: true)
        try run("b", pinned: true)
        try run("c", pinned: false)
        let a = try Self.files("\(root)/a"), b = try Self.files("\(root)/b"), c = try Self.files("\(root)/c")
        #expect(a.count > 20 && a.keys.contains("ck/checkpoint.safetensors") && a.keys.contains("t.sstrace/manifest.json"))
        // With the time pinned: every byte, manifest included.
        #expect(Self.differences(a, b).isEmpty, "files that differ: \(Self.differences(a, b))")
        // Unpinned: only the manifest's creation time may differ.
        #expect(Self.differences(a, c).allSatisfy { $0 == "t.sstrace/manifest.json" })
        let manifestA = try #require(a["t.sstrace/manifest.json"]), manifestC = try #require(c["t.sstrace/manifest.json"])
        let same = Self.withoutTimestamps(manifestA) == Self.withoutTimestamps(manifestC)
        #expect(same, "the manifests differ in more than created_at")
    }

    @Test func simulatingTwiceWritesTheSameJSON() throws {
        let root = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let specs = ["scnn", "stc-2to4", "eyeriss-v2", "escalate"].flatMap { ["--hw", CLITests.repositoryRoot + "/HardwareSpecs/\($0).xml"] }
        func run(_ name: String, pinned: Bool) throws -> Data {
            let out = "\(root)/result.json"
            defer { try? FileManager.default.moveItem(atPath: out, toPath: "\(root)/\(name).json") }
            let r = try CLITests.run(["simulate"] + specs + ["--trace", CLITests.fixture, "--format", "json", "--output", out],
                                     environment: ["SOURCE_DATE_EPOCH": pinned ? "1790000000" : nil])
            #expect(r.status == 0, "\(r.stderr)")
            return try #require(FileManager.default.contents(atPath: out))
        }
        let a = try run("a", pinned: true), b = try run("b", pinned: true), c = try run("c", pinned: false)
        #expect(a.count > 1000)
        let identical = a == b
        #expect(identical, "two pinned runs gave different bytes")
        let sameButTime = Self.withoutTimestamps(a) == Self.withoutTimestamps(c)
        #expect(sameButTime, "an unpinned run differs in more than created_at")
        #expect(String(decoding: a, as: UTF8.self).contains("\"created_at\" : \"2026-09-21T"), "SOURCE_DATE_EPOCH is not the recorded time")
    }
}
