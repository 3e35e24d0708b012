import Foundation
import Testing

@testable import Sim
@testable import SparseSimCore
@testable import Study
@testable import Trace
@testable import Training

/// `sparsesim study structure`: the runs it plans, the matrix it simulates (equal to simulating
/// each trace directly), the answer (equal to a brute-force search of the matrix), reuse of
/// finished runs, resuming an interrupted one to the same bytes, and refusing other settings.
@Suite struct StructureStudyTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func spec(_ name: String) throws -> SpecLoader.Loaded {
        let file = root + "/HardwareSpecs/\(name).xml"
        return SpecLoader.Loaded(file: file, spec: try SpecLoader.load(path: file))
    }

    static func directory() -> String { NSTemporaryDirectory() + "sparsesim-study-\(UUID().uuidString)" }

    /// A small study: the MLP on 512 real Fashion-MNIST samples, one epoch per run.
    static func settings(epochs: Int = 1) -> StructureStudy.Settings {
        var s = StructureStudy.Settings(model: "mlp", methods: ["rigl"], structures: ["unstructured", "nm:2:4"], epochs: epochs)
        s.sparsity = 0.8
        s.batchSize = 64
        s.trainSamples = 512
        s.testSamples = 256
        s.traceSamples = 4
        s.seed = 3
        return s
    }

    // MARK: Planning

    @Test func runsAndTheirConfigurations() throws {
        var s = Self.settings()
        s.methods = ["rigl", "swat-u"]
        s.structures = ["unstructured", "block:4x4", "nm:2:4"]
        let study = try StructureStudy(settings: s, directory: "/tmp/x")
        #expect(study.runs.map(\.name) == ["dense", "rigl-unstructured", "rigl-block4x4", "rigl-nm2-4",
                                           "swat-u-unstructured", "swat-u-block4x4", "swat-u-nm2-4"])
        #expect(study.runs.map(\.label)[3] == "rigl nm:2:4")
        #expect(study.runs[0].configuration.sparse.method == .dense)
        #expect(study.runs[1].configuration.sparse.sparsity == 0.8)
        #expect(study.runs[3].configuration.sparse.sparsity == nil)  // N:M fixes it
        #expect(try study.runs[3].configuration.sparse.effectiveSparsity() == 0.5)
        #expect(study.runs.allSatisfy { $0.configuration.epochs == 1 && $0.configuration.seed == 3 && $0.configuration.trainSamples == 512 })
        #expect(study.tracePath(study.runs[2]) == "/tmp/x/runs/rigl-block4x4.sstrace")

        func refused(_ change: (inout StructureStudy.Settings) -> Void, _ message: String) {
            var t = Self.settings()
            change(&t)
            let error = #expect(throws: SparseSimError.self) { try StructureStudy(settings: t, directory: "/tmp/x") }
            #expect(error?.description.contains(message) == true, "\(String(describing: error))")
        }
        refused({ $0.structures = ["diagonal"] }, "diagonal")
        refused({ $0.methods = ["dense"] }, "not a sparse method")
        refused({ $0.methods = ["rigl", "rigl"] }, "two runs would be named 'rigl-unstructured'")
        refused({ $0.model = "alexnet" }, "unknown model")
        refused({ $0.epochs = 0 }, "<settings>:epochs: error: must be at least 1")
    }

    /// `--seeds`: every run once per seed (later seeds named NAME-seedS), the first seed's
    /// traces simulated, and each run's accuracy spread equal to a hand computation over its
    /// seeds' records.
    @Test func seedsTrainEveryRunPerSeedAndReportTheSpread() throws {
        var s = Self.settings()
        s.structures = ["unstructured"]
        s.seeds = [3, 8]
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let study = try StructureStudy(settings: s, directory: dir)
        #expect(study.runs.map(\.name) == ["dense", "dense-seed8", "rigl-unstructured", "rigl-unstructured-seed8"])
        #expect(study.runs.map(\.seed) == [3, 8, 3, 8] && study.primaryRuns.map(\.name) == ["dense", "rigl-unstructured"])
        let records = try study.train()
        #expect(records.map(\.name) == study.runs.map(\.name))
        let (summary, _) = try study.evaluate(records: records, specs: [try Self.spec("systolic-ws")], provenance: Provenance.current())
        #expect(summary.comparison.entries.map(\.workload) == ["dense", "rigl unstructured"])
        for (e, pair) in zip(summary.comparison.entries, [(0, 1), (2, 3)]) {
            let a = records[pair.0].summary.testAccuracy, b = records[pair.1].summary.testAccuracy
            let spread = try #require(e.accuracySpread)
            #expect(spread.seeds == [3, 8] && spread.values == [a, b])
            #expect(abs(spread.mean - (a + b) / 2) < 1e-15 && abs(spread.standardDeviation - abs(a - b) / 2.0.squareRoot()) < 1e-12)
            #expect(e.accuracy == a)  // the simulated trace is seed 3's
        }
        let (d, r) = (summary.comparison.entries[0].accuracySpread!, summary.comparison.entries[1].accuracySpread!)
        let within = abs(d.mean - r.mean) <= (d.standardDeviation * d.standardDeviation + r.standardDeviation * r.standardDeviation).squareRoot()
        #expect(summary.lines.last!.hasPrefix(within ? "Within the seed spread" : "Seed spread: no two runs"))
        #expect(summary.lines[0].contains("each with seeds 3, 8"))
        #expect(StructureStudy.csv(summary, runs: study.runs).split(separator: "\n")[1].hasSuffix(",\(d.mean),\(d.standardDeviation),3 8"))
        // Duplicate seeds are refused.
        s.seeds = [1, 1]
        #expect(throws: SparseSimError.self) { try StructureStudy(settings: s, directory: dir) }
    }

    // MARK: End to end

    @Test func studyTrainsSimulatesAnswersAndReuses() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let study = try StructureStudy(settings: Self.settings(), directory: dir)
        var events: [String] = []
        let records = try study.train { event in
            switch event {
            case let .started(run, epoch): events.append("start \(run.name) \(epoch)")
            case let .finished(run, _): events.append("done \(run.name)")
            case let .reused(run, _): events.append("reuse \(run.name)")
            case .epoch: break
            }
        }
        #expect(events == ["start dense 0", "done dense", "start rigl-unstructured 0", "done rigl-unstructured",
                           "start rigl-nm2-4 0", "done rigl-nm2-4"])
        #expect(records.map(\.name) == study.runs.map(\.name))

        let specs = try ["systolic-ws", "scnn", "stc-2to4"].map(Self.spec)
        let provenance = Provenance.current()
        let (summary, report) = try study.evaluate(records: records, specs: specs, provenance: provenance)
        #expect(summary.comparison.entries.count == 9)
        // Every entry is the direct simulation of the run's trace.
        for (r, run) in study.runs.enumerated() {
            let (workload, metrics, _) = try Workload.fromTrace(at: study.tracePath(run))
            #expect(metrics["test_accuracy"] == records[r].summary.testAccuracy)
            for (s, spec) in specs.enumerated() {
                let total = try Simulator(spec: spec.spec).run(workload).total
                let e = summary.comparison.entries[r * 3 + s]
                #expect(e.workload == run.label && e.spec == spec.spec.name)
                #expect(e.cycles == total.cycles && e.energyPJ == total.totalEnergyPJ && e.speedup == total.speedup)
            }
        }
        // The N:M run keeps half of each group of four in its sparse layers.
        let nm = summary.comparison.entries[6]
        #expect(nm.weightDensity > 0.49 && nm.weightDensity < 0.55, "\(nm.weightDensity)")
        // The answer across specs, by brute force over the matrix: the baseline is dense on the
        // first spec; the fastest pair has the least latency; no other pair beats a front's
        // member on both accuracy and latency.
        let c = summary.comparison
        #expect(c.baseline == PairReference(run: "dense", spec: specs[0].spec.name))
        let base = c.entries[0]
        for e in c.entries { #expect(e.speedupVsBaseline == base.latencyUS / e.latencyUS && e.energyVsBaseline == e.energyPJ / base.energyPJ) }
        let fastest = c.entries.min { $0.latencyUS < $1.latencyUS }!
        #expect(c.entries.first { $0.latencyUS == fastest.latencyUS }.map { PairReference(run: $0.workload, spec: $0.spec) } == c.answer?.fastest)
        let accuracy: (Comparison.Entry) -> Double = { $0.quantizedAccuracy ?? $0.accuracy! }
        for e in c.entries {
            let beaten = c.entries.contains { o in
                accuracy(o) >= accuracy(e) && o.latencyUS <= e.latencyUS && (accuracy(o) > accuracy(e) || o.latencyUS < e.latencyUS)
            }
            let onFront = c.answer!.paretoLatency.contains(PairReference(run: e.workload, spec: e.spec))
            #expect(beaten == false || onFront == false, "\(e.workload) on \(e.spec)")
            if !beaten && !onFront {  // only an exact duplicate of a front member may be left out
                #expect(c.entries.contains { accuracy($0) == accuracy(e) && $0.latencyUS == e.latencyUS && c.answer!.paretoLatency.contains(PairReference(run: $0.workload, spec: $0.spec)) })
            }
        }
        #expect(summary.lines[0].hasPrefix("Which mask structure on which hardware is fastest"))
        #expect(summary.lines[1].hasPrefix("Baseline: dense on \(specs[0].spec.name): ") && summary.lines[2].hasPrefix("Fastest: "))
        // The report carries the answer first, one chart section per run, and is well-formed.
        let html = try report.html()
        #expect(html.contains(htmlEscape(summary.lines[1])))
        #expect(html.components(separatedBy: "<h2>Run ").count - 1 == 3)
        let csv = StructureStudy.csv(summary, runs: study.runs).split(separator: "\n")
        #expect(csv.count == 10 && csv[0].hasPrefix("run,method,structure,workload,") && csv[0].hasSuffix(",accuracy_times_speedup,accuracy_mean,accuracy_std,seeds"))
        #expect(csv[7].hasPrefix("rigl-nm2-4,rigl,nm:2:4,rigl nm:2:4,mlp,"))

        // A second study into the directory reuses every run, untouched.
        let recordFile = study.path(study.runs[1], ".json")
        let before = try FileManager.default.attributesOfItem(atPath: recordFile)[.modificationDate] as? Date
        var again: [String] = []
        let reused = try study.train { if case let .reused(run, _) = $0 { again.append(run.name) } }
        #expect(again == study.runs.map(\.name))
        #expect(reused.map(\.summary.testAccuracy) == records.map(\.summary.testAccuracy))
        #expect(try FileManager.default.attributesOfItem(atPath: recordFile)[.modificationDate] as? Date == before)

        // Other settings into the same directory: refused, naming the run's record.
        let other = try StructureStudy(settings: Self.settings(epochs: 2), directory: dir)
        let error = try #require(throws: SparseSimError.self) { try other.train() }
        #expect(error.file == study.path(study.runs[0], ".json") && error.message.contains("trained with other settings"))
    }

    /// A run interrupted after its first epoch is resumed from its checkpoint and ends with the
    /// trace an uninterrupted study records (weights and masks, byte for byte).
    /// The study on the vision transformer: trains dense, RigL unstructured and RigL 2:4, and
    /// simulates every trace — its matmul layers from the recorded attention — on the systolic,
    /// 2:4 and SCNN presets, each entry the direct simulation of the trace, with the attention
    /// and MLP shares.
    @Test func studyRunsOnTheTransformer() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var s = Self.settings()
        s.model = "vit-tiny"
        s.trainSamples = 128
        s.testSamples = 64
        s.batchSize = 32
        let study = try StructureStudy(settings: s, directory: dir)
        let records = try study.train { _ in }
        let specs = try ["systolic-ws", "stc-2to4", "scnn"].map(Self.spec)
        let (summary, _) = try study.evaluate(records: records, specs: specs, provenance: Provenance.current())
        #expect(summary.comparison.entries.count == 9)
        for (r, run) in study.runs.enumerated() {
            let (workload, _, _) = try Workload.fromTrace(at: study.tracePath(run))
            #expect(workload.layers.filter { $0.shape.kind == .matmul && $0.masks != nil }.count == 8, "\(run.name)")
            for (i, spec) in specs.enumerated() {
                let result = try Simulator(spec: spec.spec).run(workload)
                #expect(summary.comparison.entries[r * 3 + i].cycles == result.total.cycles)
                #expect(result.blockShares != nil)
            }
        }
        // The 2:4 run's linear layers conform: the 2:4 engine beats its dense twin on it.
        #expect(summary.comparison.entries[7].speedup > 1, "\(summary.comparison.entries[7])")
        #expect(abs(summary.comparison.entries[6].weightDensity - 0.5) < 0.01)
    }

    @Test func interruptedRunResumesToTheSameTrace() throws {
        let interrupted = Self.directory(), whole = Self.directory()
        defer { for d in [interrupted, whole] { try? FileManager.default.removeItem(atPath: d) } }
        var s = Self.settings(epochs: 2)
        s.methods = []
        let a = try StructureStudy(settings: s, directory: interrupted), b = try StructureStudy(settings: s, directory: whole)
        // The interruption: the dense run's first epoch only, as the study would have begun it.
        let run = a.runs[0]
        try FileManager.default.createDirectory(atPath: interrupted + "/runs", withIntermediateDirectories: true)
        let trainer = try Trainer(run.configuration)
        let recorder = try TraceRecorder(path: a.tracePath(run), trainer: trainer, every: nil, sampleCount: s.traceSamples, resuming: false)
        try trainer.run(checkpointDirectory: a.path(run), metricsPath: a.path(run, ".jsonl"), epochLimit: 1, trace: recorder)

        // Then a signal inside the second epoch: the study stops with `interrupted`, writes no
        // record, and the next call resumes the run at that step.
        var steps = 0
        let stop = try #require(throws: SparseSimError.self) {
            try a.train(shouldStop: { steps += 1; return steps == 2 })
        }
        #expect(stop.kind == .interrupted && !FileManager.default.fileExists(atPath: a.path(run, ".json")), "\(stop)")
        var started: [Int] = []
        try a.train { if case let .started(_, epoch) = $0 { started.append(epoch) } }
        #expect(started == [1])
        try b.train()
        let ra = try TraceReader(path: a.tracePath(run)), rb = try TraceReader(path: b.tracePath(run))
        #expect(ra.manifest.snapshots.map(\.step) == rb.manifest.snapshots.map(\.step))
        for layer in rb.manifest.snapshots.last!.layers {
            for file in [layer.weights, layer.weightMask] {
                let x = FileManager.default.contents(atPath: a.tracePath(run) + "/" + file)
                #expect(x != nil && x == FileManager.default.contents(atPath: b.tracePath(run) + "/" + file), "\(file)")
            }
        }
    }
}
