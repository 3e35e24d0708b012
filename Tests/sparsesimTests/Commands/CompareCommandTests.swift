import Foundation
import Testing

/// `sparsesim compare` end to end: the matrix's numbers are `simulate`'s for the same pair, the
/// formats agree, and bad input gets a one-line error.
@Suite struct CompareCommandTests {
    static let specs = ["systolic-ws", "scnn", "escalate"].map { CLITests.repositoryRoot + "/HardwareSpecs/\($0).xml" }

    @Test func matrixEqualsSimulate() throws {
        let r = try CLITests.run(["compare", "--trace", CLITests.fixture, "--snapshot", "50", "--trace", CLITests.fixture]
                                 + Self.specs.flatMap { ["--hw", $0] } + ["--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let entries = json["entries"] as! [[String: Any]]
        #expect(entries.count == 6 && json["provenance"] != nil)
        for (i, spec) in Self.specs.enumerated() {
            let sim = try CLITests.run(["simulate", "--hw", spec, "--trace", CLITests.fixture, "--snapshot", "50", "--format", "json"])
            #expect(sim.status == 0, "\(sim.stderr)")
            let total = (try JSONSerialization.jsonObject(with: Data(sim.stdout.utf8)) as! [String: Any])["total"] as! [String: Any]
            let e = entries[i]
            #expect(e["cycles"] as? Int == total["cycles"] as? Int)
            #expect(e["speedup"] as? Double == total["speedup"] as? Double)
            #expect(e["required_bandwidth_gbps"] as? Double == total["required_bandwidth_gbps"] as? Double)
            let energy = (total["energy_pj"] as! [String: Double]).values.reduce(0, +)
            #expect(abs((e["energy_pj"] as! Double) - energy) <= 1e-9 * energy)
            let dram = (total["dram_bytes"] as! [String: Double]).values.reduce(0, +)
            #expect(abs((e["dram_bytes"] as! Double) - dram) <= 1e-9 * dram)
            #expect(e["accuracy"] as? Double == 0.4)  // the fixture's metrics at step 50
            #expect(entries[i + 3]["cycles"] as? Int == e["cycles"] as? Int)
        }
        let csv = try CLITests.run(["compare", "--trace", CLITests.fixture, "--hw", Self.specs[1], "--format", "csv"])
        #expect(csv.status == 0 && csv.stdout.split(separator: "\n").count == 2, "\(csv.stderr)")
        let table = try CLITests.run(["compare", "--trace", CLITests.fixture, "--hw", Self.specs[0], "--hw", Self.specs[1]])
        #expect(table.status == 0 && table.stdout.contains("* best in its column"), "\(table.stderr)")
        #expect(table.stdout.contains("70.00*"), "\(table.stdout)")  // the last snapshot's accuracy
    }

    @Test func errors() throws {
        let noSpec = try CLITests.run(["compare", "--trace", CLITests.fixture])
        #expect(noSpec.status == 64 && noSpec.stderr.contains("--hw"), "\(noSpec.stderr)")
        let noTrace = try CLITests.run(["compare", "--hw", Self.specs[0]])
        #expect(noTrace.status == 64 && noTrace.stderr.contains("--trace"), "\(noTrace.stderr)")
        let missing = try CLITests.run(["compare", "--trace", "/no/such.sstrace", "--hw", Self.specs[0]])
        #expect(missing.status == 1 && missing.stderr.hasPrefix("sparsesim: error: /no/such.sstrace"), "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1)
        let step = try CLITests.run(["compare", "--trace", CLITests.fixture, "--hw", Self.specs[0], "--snapshot", "7"])
        #expect(step.status == 1 && step.stderr.contains("no snapshot at step 7"), "\(step.stderr)")
        let spec = try CLITests.run(["compare", "--trace", CLITests.fixture, "--hw", "/no/such.xml"])
        #expect(spec.status == 1 && spec.stderr.contains("/no/such.xml"), "\(spec.stderr)")
        let out = NSTemporaryDirectory() + "sparsesim-compare-\(UUID().uuidString)/x.csv"
        let dir = try CLITests.run(["compare", "--trace", CLITests.fixture, "--hw", Self.specs[0], "--output", out])
        #expect(dir.status == 1 && !FileManager.default.fileExists(atPath: out), "\(dir.stderr)")
    }
}
