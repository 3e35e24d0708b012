import Foundation
import Sim
import SparseSimCore
import Trace
import Training

// MARK: - Simulating the runs and answering the question

extension StructureStudy {
    /// The answer for one spec.
    public struct Answer: Codable, Equatable, Sendable {
        /// The spec's name.
        public var spec: String
        /// The spec's file.
        public var specFile: String
        /// The run with the highest accuracy × speedup over the spec's dense twin.
        public var bestAccuracyTimesSpeedup: Pick?
        /// The run with the least energy.
        public var lowestEnergy: Pick

        enum CodingKeys: String, CodingKey {
            case spec
            case specFile = "spec_file"
            case bestAccuracyTimesSpeedup = "best_accuracy_times_speedup"
            case lowestEnergy = "lowest_energy"
        }
    }

    /// One run on one spec.
    public struct Pick: Codable, Equatable, Sendable {
        /// The run (`dense`, `rigl nm:2:4`).
        public var run: String
        /// Its test accuracy (the quantized one when the run quantized).
        public var accuracy: Double?
        /// Speedup over the spec's dense twin.
        public var speedup: Double
        /// Accuracy × speedup.
        public var score: Double?
        /// Energy, pJ.
        public var energyPJ: Double
        /// Energy ÷ the dense run's on the same spec (nil without a dense run).
        public var energyVersusDense: Double?

        enum CodingKeys: String, CodingKey {
            case run, accuracy, speedup, score
            case energyPJ = "energy_pj"
            case energyVersusDense = "energy_vs_dense"
        }
    }

    /// Everything the study found: `DIR/summary.json`.
    public struct Summary: Codable, Sendable {
        /// The question and the answers, as the report's first lines.
        public var lines: [String]
        /// Per spec.
        public var answers: [Answer]
        /// Per run: its name, structure and training summary.
        public var runs: [Record]
        /// Every run × spec.
        public var comparison: Comparison
        /// The study's settings.
        public var settings: Settings
        /// How the summary was made.
        public var provenance: Provenance
    }

    /// The files `write` makes in the study directory: the report, the summary as JSON and as CSV.
    public var outputFiles: [String] { ["report.html", "summary.json", "summary.csv"].map { directory + "/" + $0 } }

    /// Simulates every run's trace (its last snapshot) on every spec and answers the question.
    /// - Throws: `SparseSimError` when a trace cannot be read or does not fit a spec.
    public func evaluate(records: [Record], specs: [SpecLoader.Loaded], provenance: Provenance) throws -> (summary: Summary, report: Report) {
        let evaluation = try Evaluation(tracePaths: runs.map(tracePath), labels: runs.map(\.label), specs: specs)
        let comparison = evaluation.comparison(provenance: provenance)
        let answers = Self.answers(comparison, specs: specs)
        let lines = questionLine() + answers.map(Self.line)
        let report = Report(title: "SparseSim structure study: \(settings.model) on \(settings.dataset)", summary: lines,
                            evaluation: evaluation, provenance: provenance)
        let summary = Summary(lines: lines, answers: answers, runs: records, comparison: comparison, settings: settings,
                              provenance: provenance)
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
        return ["Which mask structure gives the best accuracy × speedup, and the lowest energy, on which hardware? "
                + "\(settings.model) on \(settings.dataset),\(methods) \(settings.epochs) epoch\(settings.epochs == 1 ? "" : "s") each, "
                + "runs: \(runs.map(\.label).joined(separator: ", ")); speedup is over each spec's dense twin."]
    }

    /// Per spec, the best accuracy × speedup and the lowest energy.
    static func answers(_ comparison: Comparison, specs: [SpecLoader.Loaded]) -> [Answer] {
        specs.map { s in
            let entries = comparison.entries.filter { $0.specFile == s.file }
            let dense = entries.first { $0.workload == "dense" }
            func pick(_ e: Comparison.Entry) -> Pick {
                let accuracy = e.quantizedAccuracy ?? e.accuracy
                return Pick(run: e.workload, accuracy: accuracy, speedup: e.speedup, score: accuracy.map { $0 * e.speedup },
                            energyPJ: e.energyPJ, energyVersusDense: dense.map { e.energyPJ / $0.energyPJ })
            }
            let picks = entries.map(pick)
            // Ties go to the earlier run (dense first), so the answer does not depend on float noise in the order.
            let best = picks.filter { $0.score != nil }.reduce(nil as Pick?) { b, p in (b == nil || p.score! > b!.score!) ? p : b }
            let lowest = picks.dropFirst().reduce(picks[0]) { $1.energyPJ < $0.energyPJ ? $1 : $0 }
            return Answer(spec: s.spec.name, specFile: s.file, bestAccuracyTimesSpeedup: best, lowestEnergy: lowest)
        }
    }

    /// One answer as a line.
    static func line(_ a: Answer) -> String {
        var text = "\(a.spec): "
        if let b = a.bestAccuracyTimesSpeedup, let acc = b.accuracy, let score = b.score {
            text += "best accuracy × speedup: \(b.run) (\(formatted(acc * 100, digits: 2)) % at \(formatted(b.speedup, digits: 2))× = \(formatted(score, digits: 3))); "
        }
        let e = a.lowestEnergy
        text += "lowest energy: \(e.run) (\(formatted(e.energyPJ / 1e6, digits: 1)) µJ"
        if let r = e.energyVersusDense, e.run != "dense" { text += ", \(formatted(r, digits: 2))× the dense run's" }
        return text + ")."
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
