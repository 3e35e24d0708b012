import Foundation
import Sim
import SparseSimCore
import Trace
import Training

// MARK: - Simulating the runs and answering the question

extension StructureStudy {
    /// Everything the study found: `DIR/summary.json`.
    public struct Summary: Codable, Sendable {
        /// The question and the answer, as the report's first lines.
        public var lines: [String]
        /// Per run: its name, structure and training summary.
        public var runs: [Record]
        /// Every run × spec, measured against the baseline, with the answer across specs
        /// (`comparison.answer`: the fastest pair and the one with the least energy at the
        /// accuracy floor, the Pareto fronts).
        public var comparison: Comparison
        /// The study's settings.
        public var settings: Settings
        /// How the summary was made.
        public var provenance: Provenance
    }

    /// The files `write` makes in the study directory: the report, the summary as JSON and as CSV.
    public var outputFiles: [String] { ["report.html", "summary.json", "summary.csv"].map { directory + "/" + $0 } }

    /// Simulates every run's trace (its last snapshot) on every spec and answers the question
    /// across specs, against `baseline` (nil: the dense run on the first spec) at the accuracy
    /// floor `minAccuracy` (a fraction; nil: none).
    /// - Throws: `SparseSimError` when a trace cannot be read or does not fit a spec, or the
    ///   baseline names no run and spec.
    public func evaluate(records: [Record], specs: [SpecLoader.Loaded], provenance: Provenance,
                         baseline: Comparison.Baseline? = nil, minAccuracy: Double? = nil) throws -> (summary: Summary, report: Report) {
        let simulated = primaryRuns
        let evaluation = try Evaluation(tracePaths: simulated.map(tracePath), labels: simulated.map(\.label), specs: specs)
        let comparison = try evaluation.comparison(provenance: provenance, baseline: baseline, minAccuracy: minAccuracy,
                                                   spreads: try spreads(records))
        let lines = questionLine() + comparison.answerLines()
        let report = try Report(title: "SparseSim structure study: \(settings.model) on \(settings.dataset)", summary: lines,
                                evaluation: evaluation, comparison: comparison, provenance: provenance)
        let summary = Summary(lines: lines, runs: records, comparison: comparison, settings: settings, provenance: provenance)
        return (summary, report)
    }

    /// Writes `outputFiles`: the report, `summary.json` and `summary.csv`, each atomically.
    /// - Throws: `SparseSimError` when a file cannot be written.
    public func write(_ summary: Summary, report: Report) throws {
        let files = outputFiles
        try AtomicFile.write(try report.html(), to: files[0])
        try AtomicFile.write(try JSONCoding.encode(summary, keys: .asDeclared), to: files[1])
        try AtomicFile.write(Self.csv(summary, runs: runs), to: files[2])
    }

    /// Each run's test accuracy over the seeds, by label (empty with one seed), from the
    /// records of every run.
    /// - Throws: `SparseSimError` when a run has no record.
    func spreads(_ records: [Record]) throws -> [String: SeedSpread] {
        guard settings.effectiveSeeds.count > 1 else { return [:] }
        let byName = Dictionary(records.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var values: [String: [(UInt64, Double)]] = [:]
        for run in runs {
            guard let record = byName[run.name] else {
                throw SparseSimError(file: path(run, ".json"), message: "run '\(run.name)' has no record: train the study first")
            }
            values[run.label, default: []].append((run.seed, record.summary.testAccuracy))
        }
        return values.mapValues { SeedSpread(seeds: $0.map(\.0), values: $0.map(\.1)) }
    }

    /// The question, with what was trained.
    func questionLine() -> [String] {
        let nm = settings.structures.contains { $0.hasPrefix("nm:") } ? " (N:M at 1 − N/M)" : ""
        let methods = settings.methods.isEmpty ? "" : " \(settings.methods.joined(separator: ", ")) at \(formatted(settings.sparsity * 100, digits: 0)) % sparsity\(nm),"
        return ["Which mask structure on which hardware is fastest, and which uses the least energy, at what accuracy? "
                + "\(settings.model) on \(settings.dataset),\(methods) \(settings.epochs) epoch\(settings.epochs == 1 ? "" : "s") each, "
                + "runs: \(primaryRuns.map(\.label).joined(separator: ", "))\(seedsPhrase()); latency at each spec's clock, one inference of the traced batch."]
    }

    /// `, each with seeds 0, 1, 2 (accuracy: mean ± std; seed 0's masks simulated)`, or nothing for one seed.
    func seedsPhrase() -> String {
        let seeds = settings.effectiveSeeds
        guard seeds.count > 1 else { return "" }
        return ", each with seeds \(seeds.map(String.init).joined(separator: ", ")) (accuracy: mean ± std; seed \(seeds[0])'s masks simulated)"
    }

    /// `summary.csv`: the comparison's rows with the run's method and structure, and accuracy × speedup.
    public static func csv(_ summary: Summary, runs: [Run]) -> String {
        let byLabel = Dictionary(runs.filter(\.isPrimary).map { ($0.label, $0) }, uniquingKeysWith: { a, _ in a })
        var lines = summary.comparison.renderCSV().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { return "" }
        lines[0] = "run,method,structure," + lines[0] + ",accuracy_times_speedup,accuracy_mean,accuracy_std,seeds"
        for (i, e) in summary.comparison.entries.enumerated() {
            let r = byLabel[e.workload]
            let accuracy = e.quantizedAccuracy ?? e.accuracy
            let run: [String] = [r?.name ?? "", r?.method ?? "", r?.structure ?? ""]
            var spread: [String] = ["", "", ""]
            if let s = e.accuracySpread {
                spread = ["\(s.mean)", "\(s.standardDeviation)", s.seeds.map(String.init).joined(separator: " ")]
            }
            let product: String = accuracy.map { "\($0 * e.speedup)" } ?? ""
            lines[i + 1] = run.joined(separator: ",") + "," + lines[i + 1] + "," + product + "," + spread.joined(separator: ",")
        }
        return lines.joined(separator: "\n")
    }
}
