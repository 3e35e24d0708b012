import Foundation
import Testing

@testable import Trace

@Suite struct ProvenanceTests {
    @Test(arguments: [
        (0, "1970-01-01T00:00:00Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),  // leap day
        (1_790_000_000, "2026-09-21T14:13:20Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (4_107_542_399, "2100-02-28T23:59:59Z"),  // 2100 is not a leap year
    ])
    func iso8601MatchesKnownDates(seconds: Int, text: String) {
        #expect(Provenance.iso8601(secondsSinceEpoch: seconds) == text)
    }

    @Test func iso8601AgreesWithFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        var rng = SplitMix64(seed: 3)
        for _ in 0..<1000 {
            let t = Int(rng.next() % 8_000_000_000)
            #expect(Provenance.iso8601(secondsSinceEpoch: t) == formatter.string(from: Date(timeIntervalSince1970: TimeInterval(t))))
        }
    }

    @Test func sourceDateEpochPinsTheTimestamp() {
        #expect(Provenance.timestamp(environment: ["SOURCE_DATE_EPOCH": "1790000000"]) == "2026-09-21T14:13:20Z")
        let now = Provenance.timestamp(environment: [:])
        #expect(now.count == 20 && now.hasSuffix("Z"))
    }

    @Test func currentRecordsToolAndCommandLine() {
        let p = Provenance.current(seed: 9, threads: 2, blasCore: "SkylakeX", commandLine: ["sparsesim", "train"])
        #expect(p.tool == "sparsesim" && p.toolVersion == SparseSimVersion.string)
        #expect(p.commandLine == ["sparsesim", "train"] && p.seed == 9 && p.threads == 2 && p.blasCore == "SkylakeX")
    }
}

@Suite struct GitCommitTests {
    func makeRepo() throws -> String {
        let root = try makeTemporaryDirectory()
        try FileManager.default.createDirectory(atPath: root + "/.git/refs/heads", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/a/b", withIntermediateDirectories: true)
        return root
    }

    @Test func looseRefPackedRefAndDetachedHead() throws {
        let root = try makeRepo()
        let hash = String(repeating: "ab", count: 20)
        try "ref: refs/heads/main\n".write(toFile: root + "/.git/HEAD", atomically: true, encoding: .utf8)
        try (hash + "\n").write(toFile: root + "/.git/refs/heads/main", atomically: true, encoding: .utf8)
        #expect(GitCommit.find(startingAt: root + "/a/b") == hash)

        try FileManager.default.removeItem(atPath: root + "/.git/refs/heads/main")
        let packed = String(repeating: "cd", count: 20)
        try "# pack-refs with: peeled\n\(packed) refs/heads/main\n".write(toFile: root + "/.git/packed-refs", atomically: true, encoding: .utf8)
        #expect(GitCommit.find(startingAt: root + "/a") == packed)

        let detached = String(repeating: "0f", count: 20)
        try (detached + "\n").write(toFile: root + "/.git/HEAD", atomically: true, encoding: .utf8)
        #expect(GitCommit.find(startingAt: root) == detached)
    }

    @Test func noRepositoryGivesNil() throws {
        let root = try makeRepo()
        try "ref: refs/heads/none\n".write(toFile: root + "/.git/HEAD", atomically: true, encoding: .utf8)
        #expect(GitCommit.find(startingAt: root) == nil)
    }
}

@Suite struct AtomicFileTests {
    @Test func replacesWholeFileAndLeavesNoTemporary() throws {
        let dir = try makeTemporaryDirectory()
        let path = dir + "/out.json"
        try AtomicFile.write("first", to: path)
        try AtomicFile.write("second", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.json"])
    }

    @Test func failureLeavesTheOldFileAndNoTemporary() throws {
        let dir = try makeTemporaryDirectory()
        let path = dir + "/target"
        // A directory in the way: rename(2) of a file over a non-empty directory fails.
        try FileManager.default.createDirectory(atPath: path + "/inside", withIntermediateDirectories: true)
        let error = expectSparseSimError { try AtomicFile.write("x", to: path) }
        #expect(error?.file == path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["target"])
        let missing = expectSparseSimError { try AtomicFile.write("x", to: dir + "/no/such/dir/file") }
        #expect(missing?.message.contains("cannot create temporary file") == true)
    }
}
