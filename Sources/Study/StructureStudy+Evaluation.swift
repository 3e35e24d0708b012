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
        let evaluation = try Evaluation(tracePaths: runs.map(tracePath), labels: runs.map(\.label), specs: specs)
        let comparison = try evaluation.comparison(provenance: provenance, baseline: baseline, minAccuracy: minAccuracy)
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

    /// The question, with what was trained.
    func questionLine() -> [String] {
        let nm = settings.structures.contains { $0.hasPrefix("nm:") } ? " (N:M at 1 − N/M)" : ""
        let methods = settings.methods.isEmpty ? "" : " \(settings.methods.joined(separator: ", ")) at \(formatted(settings.sparsity * 100, digits: 0)) % sparsity\(nm),"
        return ["Which mask structure on which hardware is fastest, and which uses the least energy, at what accuracy? "
                + "\(settings.model) on \(settings.dataset),\(methods) \(settings.epochs) epoch\(settings.epochs == 1 ? "" : "s") each, "
                + "runs: \(runs.map(\.label).joined(separator: ", ")); latency at each spec's clock, one inference of the traced batch."]
    }

    /// `summary.csv`: the comparison's rows with the run's method and structure, and accuracy × speedup.
    public static func csv(_ summary: Summary, runs: [Run]) -> String {
        let byLabel = Dictionary(uniqueKeysWithValues: runs.map { ($0.label, $0) })
        var lines = summary.comparison.renderCSV().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { return "" }
        lines[0] = "run,method,structure," + lines[0] + ",accuracy_times_speedup"
        for (i, e) in summary.comparison.entries.enumerated() {
            let r = byLabel[e.workload]
            let accuracy = e.quantizedAccuracy ?? e.accuracy
            lines[i + 1] = [r?.name ?? "", r?.method ?? "", r?.structure ?? ""].joined(separator: ",") + "," + lines[i + 1]
                + "," + (accuracy.map { "\($0 * e.speedup)" } ?? "")
        }
        return lines.joined(separator: "\n")
    }
}
