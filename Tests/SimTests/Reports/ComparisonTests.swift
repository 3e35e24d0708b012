import TestSupport
import Testing

@testable import Sim
@testable import SparseSimCore
@testable import Trace

/// `sparsesim compare`'s matrix (an `Evaluation` of traces × specs): every entry is what `simulate` gives for the pair, densities
/// are the manifest's per-layer figures weighted by size, and the table marks the best values.
@Suite struct ComparisonTests {
    static let fixture = SpecLoaderTests.root + "/Tests/TraceTests/Fixtures/tiny-cnn.sstrace"
    static let specNames = ["systolic-ws", "scnn", "stc-2to4"]

    static func comparison() throws -> Comparison {
        let specs = try specNames.map { SpecLoader.Loaded(file: "\($0).xml", spec: try SimulatorTests.spec($0)) }
        var evaluation = try Evaluation(tracePaths: [fixture, fixture], labels: ["tiny", "tiny,again"], specs: specs)
        evaluation.runs[1].metrics = [:]
        return try evaluation.comparison()
    }

    @Test func entriesAreTheSimulationsOfEachPair() throws {
        let c = try Self.comparison()
        #expect(c.entries.count == 6)
        let (workload, _, _) = try Workload.fromTrace(at: Self.fixture)
        for (i, name) in Self.specNames.enumerated() {
            let total = try Simulator(spec: try SimulatorTests.spec(name)).run(workload).total
            for e in [c.entries[i], c.entries[i + 3]] {
                #expect(e.spec == name && e.specFile == "\(name).xml")
                #expect(e.cycles == total.cycles && e.denseCycles == total.denseCycles && e.speedup == total.speedup)
                #expect(e.energyPJ == total.totalEnergyPJ && e.dramBytes == total.dramBytes.total)
                #expect(e.requiredBandwidthGBps == total.requiredBandwidthGBps)
            }
        }
        #expect(c.entries[0].accuracy == 0.7 && c.entries[0].quantizedAccuracy == nil)
        #expect(c.entries[3].accuracy == nil && c.entries[3].workload == "tiny,again")
    }

    /// Densities: the manifest's per-layer weight and activation densities (written by numpy)
    /// weighted by weight count and by input count.
    @Test func densitiesFromTheManifest() throws {
        let e = try Self.comparison().entries[0]
        let reader = try TraceReader(path: Self.fixture)
        let snapshot = reader.manifest.snapshots.last!
        var kept = 0.0, weights = 0.0, nonZero = 0.0, inputs = 0.0
        for shape in reader.manifest.model.layers {
            let layer = snapshot.layers.first { $0.name == shape.name }!
            kept += layer.weightDensity * Double(shape.weightCount)
            weights += Double(shape.weightCount)
            let count = Double(shape.N * shape.C * shape.H * shape.W)
            nonZero += (layer.activationDensity ?? 0) * count
            inputs += count
        }
        #expect(abs(e.weightDensity - kept / weights) < 1e-9)
        #expect(abs(e.activationDensity! - nonZero / inputs) < 1e-9)
    }

    @Test func tableMarksTheBestAndCSVIsRectangular() throws {
        let c = try Self.comparison()
        let lines = c.renderTable().split(separator: "\n")
        let fewest = c.entries.map(\.cycles).min()!
        let fastest = c.entries.map(\.speedup).max()!
        #expect(c.best(.cycles) == Double(fewest) && c.best(.speedup) == fastest)
        for (e, line) in zip(c.entries, lines.dropFirst(2)) {
            #expect(line.contains("\(e.cycles)*") == (e.cycles == fewest), "\(line)")
            #expect(line.contains("70.00*") == (e.accuracy != nil), "\(line)")
        }
        let csv = c.renderCSV().split(separator: "\n")
        #expect(csv.count == 7)
        #expect(csv[4].hasPrefix("\"tiny,again\",tiny-cnn,,,"))
        let columns = csv[0].split(separator: ",", omittingEmptySubsequences: false).count
        #expect(csv[1].split(separator: ",", omittingEmptySubsequences: false).count == columns)
        #expect(csvField("a\"b,c") == "\"a\"\"b,c\"")
    }
}

/// The comparison measured against one baseline and answered across specs: ratios, the fastest
/// and least-energy pairs at an accuracy floor and the Pareto fronts, each against a brute-force
/// search over entries made by hand.
@Suite struct ComparisonRankingTests {
    /// An entry with these figures (the simulation's fields that ranking reads).
    static func entry(_ run: String, _ spec: String, accuracy: Double?, cycles: Int, clockMHz: Double, energyPJ: Double,
                      density: Double = 0.5) throws -> Comparison.Entry {
        var e = try ComparisonTests.comparison().entries[0]
        e.workload = run
        e.spec = spec
        e.specFile = "/specs/\(spec).xml"
        e.accuracy = accuracy
        e.quantizedAccuracy = nil
        e.weightDensity = density
        e.cycles = cycles
        e.clockMHz = clockMHz
        e.latencyUS = Double(cycles) / clockMHz
        e.energyPJ = energyPJ
        e.energyDelayUJUS = energyPJ / 1e6 * e.latencyUS
        return e
    }

    /// Three runs on two specs of different clocks.
    static func matrix() throws -> Comparison {
        Comparison(entries: [
            try entry("runs/dense.sstrace", "sys", accuracy: 0.90, cycles: 2000, clockMHz: 1000, energyPJ: 8e6, density: 1),
            try entry("runs/dense.sstrace", "scnn", accuracy: 0.90, cycles: 1500, clockMHz: 500, energyPJ: 6e6, density: 1),
            try entry("runs/rigl.sstrace", "sys", accuracy: 0.88, cycles: 2000, clockMHz: 1000, energyPJ: 7e6),
            try entry("runs/rigl.sstrace", "scnn", accuracy: 0.88, cycles: 600, clockMHz: 500, energyPJ: 2e6),
            try entry("runs/nm.sstrace", "sys", accuracy: 0.85, cycles: 1000, clockMHz: 1000, energyPJ: 5e6),
            try entry("runs/nm.sstrace", "scnn", accuracy: 0.80, cycles: 500, clockMHz: 500, energyPJ: 1e6),
        ])
    }

    /// The brute-force front: entries no other beats on accuracy and cost at once.
    static func front(_ c: Comparison, _ cost: (Comparison.Entry) -> Double) -> Set<String> {
        var out = Set<String>()
        for e in c.entries {
            let beaten = c.entries.contains { o in
                (o.accuracy! >= e.accuracy! && cost(o) <= cost(e)) && (o.accuracy! > e.accuracy! || cost(o) < cost(e))
            }
            if !beaten { out.insert("\(e.workload)@\(e.spec)") }
        }
        return out
    }

    @Test func defaultBaselineIsTheDenseRunOnTheFirstSpec() throws {
        var c = try Self.matrix()
        try c.rank()
        #expect(c.baseline == PairReference(run: "runs/dense.sstrace", spec: "sys"))
        // Latency at each clock: dense on scnn is 1500 cycles at 500 MHz = 3 µs, slower than 2 µs.
        #expect(c.entries[1].latencyUS == 3 && c.entries[0].latencyUS == 2)
        for e in c.entries {
            #expect(e.speedupVsBaseline == 2 / e.latencyUS && e.energyVsBaseline == e.energyPJ / 8e6)
        }
        // No floor: the fastest pair is nm on sys (1 µs, as fast as nm on scnn's 1 µs but listed first).
        #expect(c.answer?.fastest == PairReference(run: "runs/nm.sstrace", spec: "sys"))
        #expect(c.answer?.leastEnergy == PairReference(run: "runs/nm.sstrace", spec: "scnn"))
        let latencyFront = Set(c.answer!.paretoLatency.map { "\($0.run)@\($0.spec)" })
        #expect(latencyFront == Self.front(c, \.latencyUS))
        #expect(latencyFront == ["runs/nm.sstrace@sys", "runs/rigl.sstrace@scnn", "runs/dense.sstrace@sys"])
        #expect(Set(c.answer!.paretoEnergy.map { "\($0.run)@\($0.spec)" }) == Self.front(c, \.energyPJ))
        // Fronts run from the cheapest; accuracy rises along them.
        let accs = c.answer!.paretoLatency.compactMap(c.index(of:)).map { c.entries[$0].accuracy! }
        #expect(accs == accs.sorted())
    }

    @Test func floorAndNamedBaseline() throws {
        var c = try Self.matrix()
        try c.rank(baseline: try .init(parsing: "rigl@scnn.xml"), minAccuracy: 0.87)
        #expect(c.baseline == PairReference(run: "runs/rigl.sstrace", spec: "scnn"))
        #expect(c.entries[3].speedupVsBaseline == 1 && c.entries[0].speedupVsBaseline == 1.2 / 2)
        // At ≥ 87 %: only dense and rigl qualify; rigl on scnn is fastest (1.2 µs) and least energy.
        #expect(c.answer?.fastest == PairReference(run: "runs/rigl.sstrace", spec: "scnn"))
        #expect(c.answer?.leastEnergy == PairReference(run: "runs/rigl.sstrace", spec: "scnn"))
        let lines = c.answerLines()
        #expect(lines[0] == "Baseline: rigl on scnn: 88.00 %, 1.20 µs, 2.00 µJ (600 cycles at 500 MHz).")
        #expect(lines[1] == "Fastest at ≥ 87.00 % accuracy: rigl on scnn: 88.00 %, 1.20 µs, 2.00 µJ; 1.00× the baseline's speed, 1.00× its energy.")
        #expect(lines[3].hasPrefix("Pareto front, accuracy against latency: nm on sys (85.00 %, 1.00 µs); rigl on scnn (88.00 %, 1.20 µs); dense on sys"))
        // A floor nobody reaches says so.
        try c.rank(minAccuracy: 0.95)
        #expect(c.answer?.fastest == nil && c.answerLines()[1] == "No run reaches 95.00 % accuracy (the best: 90.00 %).")
    }

    /// With seed spreads, the answer ranks by the mean accuracy, writes mean ± std, and names
    /// the runs whose means are within √(σ₁² + σ₂²) of each other (checked by hand).
    @Test func seedSpreadsRankByTheMeanAndNameTheOverlaps() throws {
        var c = try Self.matrix()
        let spreads = ["runs/dense.sstrace": SeedSpread(seeds: [0, 1, 2], values: [0.90, 0.88, 0.86]),   // 0.88 ± 0.02
                       "runs/rigl.sstrace": SeedSpread(seeds: [0, 1, 2], values: [0.88, 0.87, 0.89]),    // 0.88 ± 0.01
                       "runs/nm.sstrace": SeedSpread(seeds: [0, 1, 2], values: [0.85, 0.84, 0.83])]      // 0.84 ± 0.01
        for i in c.entries.indices { c.entries[i].accuracySpread = spreads[c.entries[i].workload] }
        try c.rank(minAccuracy: 0.87)
        // dense (0.88) and rigl (0.88) pass the floor by their means; nm (0.84) does not.
        #expect(c.answer?.fastest == PairReference(run: "runs/rigl.sstrace", spec: "scnn"))
        let lines = c.answerLines()
        #expect(lines[0] == "Baseline: dense on sys: 88.00 ± 2.00 % (3 seeds), 2.00 µs, 8.00 µJ (2000 cycles at 1000 MHz).")
        // |0.88 − 0.88| = 0 ≤ √(0.02² + 0.01²); |0.88 − 0.84| = 0.04 > √(0.02² + 0.01²) = 0.0224 and > √2·0.01.
        #expect(lines.last == "Within the seed spread (means apart by at most √(σ₁² + σ₂²)), so not ranked by these seeds: "
                + "dense and rigl (0.00 pt apart, spread 2.24 pt).")
        #expect(c.renderTable().contains("88.00 ± 2.00"))
        // Spreads that all separate say so.
        for i in c.entries.indices where c.entries[i].workload == "runs/dense.sstrace" {
            c.entries[i].accuracySpread = SeedSpread(seeds: [0, 1, 2], values: [0.95, 0.95, 0.95])
        }
        try c.rank()
        #expect(c.answerLines().last == "Seed spread: no two runs are within each other's (means apart by at most √(σ₁² + σ₂²)).")
        // The JSON carries the spread; without one, the key is absent.
        let json = String(decoding: try JSONCoding.encode(c, keys: .asDeclared), as: UTF8.self)
        #expect(json.contains("\"accuracy_spread\""))
        let plain = String(decoding: try JSONCoding.encode(try Self.matrix(), keys: .asDeclared), as: UTF8.self)
        #expect(!plain.contains("accuracy_spread"))
    }

    @Test func baselineErrorsNameTheSetting() throws {
        var c = try Self.matrix()
        for (text, message) in [("dense", "'dense' is not RUN@SPEC"), ("@sys", "is not RUN@SPEC"),
                                ("lottery@sys", "no run 'lottery' (runs: dense, nm, rigl)"),
                                ("dense@tpu", "no spec 'tpu' (specs: scnn, sys)")] {
            let error = expectSparseSimError { try c.rank(baseline: try .init(parsing: text)) }
            #expect(error?.field == "baseline" && error?.message.contains(message) == true, "\(text): \(String(describing: error))")
        }
    }

    @Test func tableAndCSVCarryTheRatios() throws {
        var c = try Self.matrix()
        try c.rank()
        let table = c.renderTable()
        #expect(table.contains("latency us") && table.contains("x base") && table.contains("E/base"))
        #expect(table.hasSuffix(c.answerLines().joined(separator: "\n") + "\n"))
        let csv = c.renderCSV().split(separator: "\n")
        #expect(csv[0].hasSuffix(",clock_mhz,latency_us,energy_delay_uj_us,speedup_vs_baseline,energy_vs_baseline"))
        #expect(csv[2].hasSuffix(",500.0,3.0,18.0,\(2.0 / 3),0.75"))
    }
}
