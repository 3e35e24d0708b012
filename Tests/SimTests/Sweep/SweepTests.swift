import Foundation
import Testing

@testable import Sim
@testable import SparseSimCore
@testable import Trace

/// `sparsesim sweep`: the grid's order, each point equal to a direct simulation of its spec,
/// shards and thread counts that merge to the same results, resuming, and the Pareto front.
@Suite struct SweepTests {
    static let specPath = SpecLoaderTests.root + "/HardwareSpecs/scnn.xml"
    static let axes = [SweepAxis(path: "pe-array.rows", values: ["2", "4", "8"]),
                       SweepAxis(path: "dataflow.channelGroup", values: ["4", "8"]),
                       SweepAxis(path: "memory.iaram.sizeKiB", values: ["2", "10"])]

    static func plan(axes: [SweepAxis] = axes, overrides: [String] = []) throws -> (SweepPlan, [UInt8], Workload) {
        let bytes = [UInt8](FileManager.default.contents(atPath: specPath)!)
        let plan = SweepPlan(baseSpec: specPath, baseSpecChecksum: FNV1a.text(of: bytes), overrides: overrides, axes: axes,
                             workload: .init(kind: "trace", name: ComparisonTests.fixture, snapshot: "last"))
        return (plan, bytes, try Workload.fromTrace(at: ComparisonTests.fixture).workload)
    }

    static func directory() -> String { NSTemporaryDirectory() + "sparsesim-sweep-\(UUID().uuidString)" }

    static let provenance = Provenance(tool: "test", toolVersion: "0", gitCommit: nil, commandLine: [], seed: nil, threads: nil,
                                       dataset: nil, blasCore: nil, createdAt: "2026-01-01T00:00:00Z")

    @discardableResult
    static func run(_ dir: String, shard: SweepShard = .all, threads: Int = 1, plan p: (SweepPlan, [UInt8], Workload)? = nil) throws -> Sweep.Outcome {
        let (plan, bytes, workload) = try p ?? plan()
        return try Sweep.run(plan: plan, baseSpecBytes: bytes, workload: workload, directory: dir, shard: shard, threads: threads,
                             provenance: provenance)
    }

    // MARK: Grid

    @Test func gridOrderIsMixedRadixLastAxisFastest() throws {
        let (plan, _, _) = try Self.plan()
        #expect(plan.pointCount == 12)
        var expected: [[String]] = []
        for a in Self.axes[0].values { for b in Self.axes[1].values { for c in Self.axes[2].values {
            expected.append(["pe-array.rows=\(a)", "dataflow.channelGroup=\(b)", "memory.iaram.sizeKiB=\(c)"])
        } } }
        #expect((0..<12).map { plan.settings(of: $0) } == expected)
        #expect(plan.pointFile(7) == "points/000007.json")
        let big = SweepPlan(baseSpec: "x", baseSpecChecksum: "", overrides: [], axes: [SweepAxis(path: "a", values: (0..<1234567).map(String.init))],
                            workload: .init(kind: "model", name: "m"))
        #expect(big.pointFile(42) == "points/0000042.json")
        #expect(SweepPlan(baseSpec: "x", baseSpecChecksum: "", overrides: [], axes: [], workload: .init(kind: "model", name: "m")).pointCount == 1)
    }

    @Test func axisAndShardParsing() throws {
        let a = try SweepAxis(parsing: "pe-array.rows=8, 16,32")
        #expect(a.path == "pe-array.rows" && a.values == ["8", "16", "32"])
        for bad in ["pe-array.rows", "=8", "rows=8,,16", "rows=", "rows=8,8"] {
            #expect(throws: SparseSimError.self) { try SweepAxis(parsing: bad) }
        }
        #expect(try SweepShard(parsing: "2/4") == SweepShard(index: 2, count: 4))
        for bad in ["4/4", "-1/4", "1/0", "1", "a/b", "1/2/3"] {
            #expect(throws: SparseSimError.self) { try SweepShard(parsing: bad) }
        }
        let shards = (0..<3).map { SweepShard(index: $0, count: 3) }
        for p in 0..<20 { #expect(shards.filter { $0.contains(p) }.count == 1) }
    }

    // MARK: Points

    /// Every point file holds what simulating the base spec with the point's settings gives.
    @Test func pointsEqualDirectSimulations() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outcome = try Self.run(dir, threads: 2)
        #expect(outcome == Sweep.Outcome(points: 12, computed: 12, skipped: 0, failed: 0, redone: 0))
        let (plan, _, workload) = try Self.plan()
        let results = try SweepResults(directory: dir)
        #expect(results.points.count == 12 && results.plan == plan)
        for p in results.points {
            let spec = try SpecLoader.load(path: Self.specPath, overrides: plan.settings(of: p.index))
            let total = try Simulator(spec: spec).run(workload).total
            let m = try #require(p.metrics)
            #expect(m.cycles == total.cycles && m.denseCycles == total.denseCycles && m.energyPJ == total.totalEnergyPJ)
            #expect(m.dramBytes == total.dramBytes.total && m.speedup == total.speedup)
            #expect(m.peCount == spec.peArray.rows * 8)
            // SCNN per PE: iaram + 100-byte weight FIFO + 6 KiB accumulators.
            let iaram = Int(plan.axes[2].values[plan.coordinates(of: p.index)[2]])! * 1024
            #expect(m.onChipBytes == (iaram + 100 + 6 * 1024) * m.peCount)
            #expect(m.areaProxy == Double(m.peCount) * Double(m.onChipBytes))
        }
        // More PEs: fewer cycles (the rows axis is the outermost).
        #expect(results.points[0].metrics!.cycles > results.points[8].metrics!.cycles)
    }

    /// Three shards, in any order, and any thread count give the bytes of one serial run.
    @Test func shardsAndThreadsMergeToTheSameResults() throws {
        let serial = Self.directory(), sharded = Self.directory(), threaded = Self.directory()
        defer { for d in [serial, sharded, threaded] { try? FileManager.default.removeItem(atPath: d) } }
        try Self.run(serial, threads: 1)
        var counts = 0
        for i in [2, 0, 1] { counts += try Self.run(sharded, shard: SweepShard(index: i, count: 3), threads: 2).computed }
        #expect(counts == 12)
        try Self.run(threaded, threads: 4)
        let reference = try SweepResults(directory: serial)
        for d in [sharded, threaded] {
            let r = try SweepResults(directory: d)
            #expect(r == reference)
            #expect(r.renderCSV() == reference.renderCSV())
        }
        #expect(FileManager.default.contents(atPath: serial + "/sweep.json") == FileManager.default.contents(atPath: sharded + "/sweep.json"))
    }

    /// A second run skips finished points, redoes unreadable ones and the missing ones, and
    /// removes the temporaries a killed run left; the merge equals an uninterrupted run's.
    @Test func resumeSkipsFinishedPoints() throws {
        let dir = Self.directory(), reference = Self.directory()
        defer { for d in [dir, reference] { try? FileManager.default.removeItem(atPath: d) } }
        try Self.run(reference)
        try Self.run(dir)
        let (plan, _, _) = try Self.plan()
        let fm = FileManager.default
        try fm.removeItem(atPath: dir + "/" + plan.pointFile(3))
        try fm.removeItem(atPath: dir + "/" + plan.pointFile(10))
        try Data("{\"index\": 5, \"sett".utf8).write(to: URL(fileURLWithPath: dir + "/" + plan.pointFile(5)))
        let other = try #require(fm.contents(atPath: dir + "/" + plan.pointFile(6)))
        try other.write(to: URL(fileURLWithPath: dir + "/" + plan.pointFile(7)))  // point 6's file under 7's name
        let stale = dir + "/points/.000010.json.tmp-99999-1"
        try Data("{".utf8).write(to: URL(fileURLWithPath: stale))
        let before = try fm.attributesOfItem(atPath: dir + "/" + plan.pointFile(0))[.modificationDate] as? Date
        let outcome = try Self.run(dir)
        #expect(outcome == Sweep.Outcome(points: 12, computed: 4, skipped: 8, failed: 0, redone: 2))
        #expect(!fm.fileExists(atPath: stale))
        #expect(try fm.attributesOfItem(atPath: dir + "/" + plan.pointFile(0))[.modificationDate] as? Date == before)
        #expect(try SweepResults(directory: dir) == SweepResults(directory: reference))
        #expect(try Self.run(dir) == Sweep.Outcome(points: 12, computed: 0, skipped: 12, failed: 0, redone: 0))
    }

    // MARK: Errors

    @Test func anotherPlanInTheDirectoryIsRefused() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.run(dir)
        let other = try Self.plan(axes: [SweepAxis(path: "pe-array.rows", values: ["2", "4"])])
        let error = try #require(throws: SparseSimError.self) { try Self.run(dir, plan: other) }
        #expect(error.file.hasSuffix("sweep.json") && error.location == "axes")
    }

    @Test func anInvalidValueFailsBeforeAnythingIsWritten() throws {
        let dir = Self.directory()
        let bad = try Self.plan(axes: [SweepAxis(path: "pe-array.rows", values: ["2", "0"])])
        let error = try #require(throws: SpecErrors.self) { try Self.run(dir, plan: bad) }
        #expect(error.errors.first?.message.contains("sweep point 1 (pe-array.rows=0)") == true, "\(error)")
        #expect(!FileManager.default.fileExists(atPath: dir))
    }

    /// A point whose simulation fails is recorded with its error, takes no part in the Pareto
    /// front, and the others go on.
    @Test func failedPointsAreRecorded() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bytes = [UInt8](FileManager.default.contents(atPath: SpecLoaderTests.root + "/HardwareSpecs/systolic-ws.xml")!)
        let plan = SweepPlan(baseSpec: "systolic-ws.xml", baseSpecChecksum: FNV1a.text(of: bytes), overrides: [],
                             axes: [SweepAxis(path: "pe-array.macsPerPE", values: ["1", "2"])], workload: .init(kind: "model", name: "lenet5"))
        let workload = Workload(source: "model lenet5", name: "lenet5", shapes: NetworkCatalog.model("lenet5")!.layers)
        let outcome = try Sweep.run(plan: plan, baseSpecBytes: bytes, workload: workload, directory: dir, threads: 2, provenance: Self.provenance)
        #expect(outcome.failed == 1 && outcome.computed == 2)
        let r = try SweepResults(directory: dir)
        #expect(r.points[0].metrics != nil && r.points[1].metrics == nil)
        #expect(r.points[1].error?.contains("one MAC per PE") == true)
        #expect(r.pareto == [0])
        #expect(r.renderCSV().split(separator: "\n")[2].hasSuffix(",0,systolic-ws.xml:pe-array: error: systolic dataflows model one MAC per PE per cycle; macsPerPE is 2"))
    }

    @Test func mergeNamesMissingPointsAndShards() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.run(dir, shard: SweepShard(index: 1, count: 3))
        let error = try #require(throws: SparseSimError.self) { try SweepResults(directory: dir, shards: 3) }
        #expect(error.message.contains("8 of 12 points are missing (0, 2, 3, 5, 6, ...); shards 0/3, 2/3 have not finished"), "\(error)")
        let none = try #require(throws: SparseSimError.self) { try SweepResults(directory: dir + "/nope") }
        #expect(none.message == "no such directory")
    }

    // MARK: Pareto

    /// The front against a hand-made set: (cycles, energy, area).
    @Test func paretoFrontByHand() {
        func point(_ i: Int, _ c: Int, _ e: Double, _ a: Double) -> SweepPoint {
            var m = SweepPoint.Metrics(cycles: c, denseCycles: c, speedup: 1, energyPJ: e, dramBytes: 0, requiredBandwidthGBps: 0,
                                       peCount: 1, onChipBytes: 1, areaProxy: a)
            m.areaProxy = a
            return SweepPoint(index: i, settings: [], spec: "s", metrics: m, error: nil, provenance: nil)
        }
        let points = [point(0, 10, 10, 10),   // dominated by 1
                      point(1, 9, 10, 10),
                      point(2, 20, 5, 10),    // best energy
                      point(3, 20, 5, 10),    // a tie with 2: neither dominates
                      point(4, 30, 30, 1),    // smallest area
                      point(5, 30, 30, 2)]    // dominated by 4
        #expect(SweepResults.paretoFront(points) == [1, 2, 3, 4])
        let r = SweepResults(plan: SweepPlan(baseSpec: "s", baseSpecChecksum: "", overrides: [], axes: [], workload: .init(kind: "model", name: "m")),
                             points: points)
        let svg = r.paretoSVG()
        #expect(svg.components(separatedBy: "<circle").count - 1 == 6 + 2)  // six points, two legend markers
        #expect(svg.contains("Pareto-optimal (4)") && svg.contains("dominated (2)") && svg.contains("#1"))
    }
}
