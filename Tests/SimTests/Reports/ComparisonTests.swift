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
        return evaluation.comparison()
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
