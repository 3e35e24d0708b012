import Foundation
import Testing

/// `sparsesim trace import sparseloop` end to end: the artifact's problems become a trace that
/// `simulate` runs on `eyeriss-v2-pe.xml` with the ground-truth cycles; bad input exits 1 with
/// one line and writes nothing.
@Suite struct TraceImportCommandTests {
    static let artifact = CLITests.repositoryRoot + "/Tests/SimTests/Fixtures/sparseloop/eyeriss-v2-pe"

    @Test func importThenSimulate() throws {
        let dir = NSTemporaryDirectory() + "sparsesim-import-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trace = dir + "/pw.sstrace"
        let problems = ["L07", "L09", "L13"].map { Self.artifact + "/\($0).yaml" }
        var r = try CLITests.run(["trace", "import", "sparseloop"] + problems + ["--data-dir", Self.artifact + "/masks", "--output", trace])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("L07: weight density 0.520263671875, input density 0.72808837890625"), "\(r.stdout)")
        r = try CLITests.run(["simulate", "--hw", CLITests.repositoryRoot + "/HardwareSpecs/eyeriss-v2-pe.xml", "--trace", trace, "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let header = r.stdout.split(separator: "\n")[0].split(separator: ",")
        let cycles = try #require(header.firstIndex(of: "cycles"))
        let rows = r.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.prefix(3).map { String($0[cycles]) } == ["1702140", "1499682", "1144158"], "\(r.stdout)")

        // Without --data-dir the artifact's absolute paths do not exist: one line, exit 1, nothing written.
        r = try CLITests.run(["trace", "import", "sparseloop", problems[0], "--output", dir + "/bad.sstrace"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("sparsesim: error: \(problems[0]):line 16: Weights mask file") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad.sstrace"))
        // An existing trace is not overwritten.
        r = try CLITests.run(["trace", "import", "sparseloop", problems[0], "--data-dir", Self.artifact + "/masks", "--output", trace])
        #expect(r.status == 1 && r.stderr.contains("exists"), "\(r.stderr)")
    }

    /// `--activation-density` takes a per-layer CSV; a bad row exits 1 with one line naming it.
    @Test func activationDensityCSV() throws {
        let dir = NSTemporaryDirectory() + "sparsesim-densities-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spec = CLITests.repositoryRoot + "/HardwareSpecs/eyeriss-v1.xml"
        try "layer,density\nconv1,0.9999\nconv2,0.613\n".write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        var r = try CLITests.run(["simulate", "--hw", spec, "--model", "alexnet", "--activation-density", dir + "/d.csv", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("input zeros statistical: uniform density 0.613"))
        try "layer,density\nconv1,0.5\nconv7,0.5\n".write(toFile: dir + "/bad.csv", atomically: true, encoding: .utf8)
        r = try CLITests.run(["simulate", "--hw", spec, "--model", "alexnet", "--activation-density", dir + "/bad.csv"])
        #expect(r.status == 1 && r.stdout.isEmpty)
        #expect(r.stderr == "sparsesim: error: \(dir)/bad.csv:line 3: unknown layer 'conv7' (layers: conv1, conv2, conv3, conv4, conv5, fc6, fc7, fc8)\n", "\(r.stderr)")
        r = try CLITests.run(["simulate", "--hw", spec, "--model", "alexnet", "--activation-density", "1.5"])
        #expect(r.status == 64, "\(r.stderr)")
    }
}
