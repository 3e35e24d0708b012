import Foundation
import SparseSimCore
import Trace

// MARK: - Report

/// A self-contained HTML report of one or more runs (traces) simulated on hardware specs:
/// inline SVG charts (no scripts, no network) with axes, units and legends — per-layer mask
/// heatmaps, density per layer over training, per-layer speedup per spec, energy by component,
/// DRAM traffic by operand, accuracy against speedup across runs — and the spec parameters and
/// provenance. The document is well-formed XHTML.
public struct Report: Sendable {
    /// The title.
    public var title: String
    /// Lines shown under the title (e.g. the question a study answers, and its answer).
    public var summary: [String]
    /// The runs simulated on the specs.
    public var evaluation: Evaluation
    /// The runs × specs matrix, measured against its baseline and ranked.
    public var comparison: Comparison
    /// How the report was made.
    public var provenance: Provenance
    /// How alike the runs' representations are per layer (`sparsesim report --svcca`), or nil.
    public var similarity: Similarity?

    /// A report of `evaluation`; `title` nil: the network and method (or the number of runs);
    /// `summary` empty: the comparison's answer (`Comparison.answerLines`); `comparison` nil:
    /// `evaluation.comparison(baseline:minAccuracy:)` (a caller that has ranked it already, as the
    /// study has, passes its own).
    /// - Throws: `SparseSimError` (the setting `baseline`) when the baseline names no pair.
    public init(title: String? = nil, summary: [String] = [], evaluation: Evaluation, comparison: Comparison? = nil,
                provenance: Provenance, baseline: Comparison.Baseline? = nil, minAccuracy: Double? = nil) throws {
        let runs = evaluation.runs
        let name = runs.count == 1 ? "\(runs[0].manifest.model.name), \(runs[0].manifest.method.name)" : "\(runs.count) runs"
        self.title = title ?? "SparseSim report: \(name)"
        self.evaluation = evaluation
        self.provenance = provenance
        self.comparison = try comparison ?? evaluation.comparison(baseline: baseline, minAccuracy: minAccuracy)
        self.summary = summary.isEmpty ? self.comparison.answerLines() : summary
    }

    var specs: [SpecLoader.Loaded] { evaluation.specs }
    var runs: [Evaluation.Run] { evaluation.runs }

    // MARK: Rendering

    /// The HTML document.
    public func html() throws -> String {
        var body = "<h1>\(htmlEscape(title))</h1>\n"
        for line in summary { body += "<p class=\"summary\">\(htmlEscape(line))</p>\n" }
        if !specs.isEmpty { body += comparisonSection() }
        if !specs.isEmpty && comparison.entries.count > 1 { body += scatterSection() }
        if let similarity { body += similaritySection(similarity) }
        for (i, run) in runs.enumerated() { body += try runSection(run, index: i) }
        body += specSection()
        body += "<h2>Provenance</h2>\n<pre>\(htmlEscape(String(decoding: try JSONCoding.encode(provenance), as: UTF8.self)))</pre>\n"
        return """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <title>\(htmlEscape(title))</title>
            <style>
            body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
            h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; } h3 { margin-top: 1.5em; }
            table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
            th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
            th:first-child, td:first-child, td.text { text-align: left; }
            td.best { font-weight: bold; background: #e8f4ea; }
            pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.8em; }
            .summary { font-size: 1.1em; }
            .figures svg { margin: 0.5em; vertical-align: top; }
            </style>
            </head>
            <body>
            \(body)</body>
            </html>

            """
    }

    /// A table of every run on every spec with the best value per column in bold.
    func comparisonSection() -> String {
        let c = comparison
        let entries = c.entries
        var out = "<h2>Runs on the hardware specs</h2>\n<table>\n<tr><th>run</th><th>spec</th><th>accuracy %</th><th>quantized %</th>"
            + "<th>weight density</th><th>activation density</th><th>cycles</th><th>latency µs</th><th>speedup vs dense twin</th>"
            + "<th>energy µJ</th><th>EDP µJ·µs</th><th>speed × baseline</th><th>energy ÷ baseline</th>"
            + "<th>DRAM MB</th><th>required GB/s</th></tr>\n"
        func cell(_ column: Comparison.Column, _ e: Comparison.Entry, _ text: String) -> String {
            guard let v = column.value(e) else { return "<td>-</td>" }
            return v == c.best(column) && entries.count > 1 ? "<td class=\"best\">\(text)</td>" : "<td>\(text)</td>"
        }
        for e in entries {
            out += "<tr><td class=\"text\">\(htmlEscape(e.workload))</td><td class=\"text\">\(htmlEscape(e.spec))</td>"
            out += cell(.accuracy, e, e.accuracy.map { formatted($0 * 100, digits: 2) } ?? "-")
            out += cell(.quantizedAccuracy, e, e.quantizedAccuracy.map { formatted($0 * 100, digits: 2) } ?? "-")
            out += "<td>\(formatted(e.weightDensity, digits: 3))</td><td>\(e.activationDensity.map { formatted($0, digits: 3) } ?? "-")</td>"
            out += cell(.cycles, e, "\(e.cycles)") + cell(.latency, e, formatted(e.latencyUS, digits: 2))
            out += cell(.speedup, e, formatted(e.speedup, digits: 2))
            out += cell(.energy, e, formatted(e.energyPJ / 1e6, digits: 1)) + cell(.energyDelay, e, formatted(e.energyDelayUJUS, digits: 1))
            out += cell(.versusBaseline, e, e.speedupVsBaseline.map { formatted($0, digits: 2) } ?? "-")
            out += cell(.energyVersusBaseline, e, e.energyVsBaseline.map { formatted($0, digits: 2) } ?? "-")
            out += cell(.dram, e, formatted(e.dramBytes / 1e6, digits: 3))
            out += cell(.bandwidth, e, formatted(e.requiredBandwidthGBps, digits: 2)) + "</tr>\n"
        }
        let base = c.baseline.map { " Baseline: \(htmlEscape(Comparison.shortName($0.run))) on \(htmlEscape($0.spec)) (speed × baseline: its latency ÷ each latency; energy ÷ baseline: each energy ÷ its energy)." } ?? ""
        return out + "</table>\n<p>Bold: best in its column. Latency is at each spec's clock. Speedup is over each spec's dense twin (the same spec with its sparsity support off).\(base)</p>\n"
    }

    /// Accuracy against latency (log scale), one series per spec, one labelled point per run,
    /// the Pareto front of accuracy against latency drawn through its points.
    func scatterSection() -> String {
        let entries = comparison.entries.filter { $0.rankedAccuracy != nil }
        guard !entries.isEmpty else { return "" }
        let series = specs.map { s in
            let own = entries.filter { $0.specFile == s.file }
            return SVGChart.Series(name: s.spec.name, values: own.map { $0.rankedAccuracy! * 100 }, xs: own.map(\.latencyUS),
                                   labels: own.map { Comparison.shortName($0.workload) })
        }.filter { !$0.values.isEmpty }
        let front = (comparison.answer?.paretoLatency ?? []).compactMap(comparison.index(of:)).map { comparison.entries[$0] }
        let frontSeries = SVGChart.Series(name: "Pareto front", values: front.map { $0.rankedAccuracy! * 100 }, xs: front.map(\.latencyUS))
        return "<h2>Accuracy against latency</h2>\n<div class=\"figures\">"
            + SVGChart.scatter(title: "Test accuracy vs latency, every run on every spec", series: series, front: frontSeries,
                               xLabel: "latency at the spec's clock (µs, log scale)", yLabel: "test accuracy (%)")
            + "</div>\n"
    }

    /// One run: its summary, per-layer speedup, energy, DRAM traffic, density over training and masks.
    func runSection(_ run: Evaluation.Run, index: Int) throws -> String {
        let m = run.manifest
        var out = "<h2>Run \(index + 1): \(htmlEscape(Comparison.shortName(run.label)))</h2>\n<table>\n"
        let parameters = m.method.parameters.keys.sorted().map { "\($0)=\(m.method.parameters[$0]!.description)" }.joined(separator: " ")
        let rows: [(String, String)] = [
            ("trace", run.label), ("network", "\(m.model.name), input \(m.model.inputShape.map(String.init).joined(separator: "×"))"),
            ("method", "\(m.method.name) \(parameters)"),
            ("simulated snapshot", run.workload.source),
            ("metrics", run.metrics.keys.sorted().map { "\($0)=\(formatted(run.metrics[$0]!, digits: 4))" }.joined(separator: " ")),
        ]
        for (k, v) in rows { out += "<tr><th>\(htmlEscape(k))</th><td class=\"text\">\(htmlEscape(v))</td></tr>\n" }
        out += "</table>\n<div class=\"figures\">\n"
        let layers = run.workload.layers.map(\.shape.name)
        if !run.results.isEmpty {
            out += SVGChart.bars(title: "Speedup per layer over each spec's dense twin", categories: layers,
                                 series: run.results.map { r in SVGChart.Series(name: r.spec.name, values: r.layers.map(\.speedup)) },
                                 yLabel: "speedup (×)", xLabel: "layer")
            let components = Array(Set(run.results.flatMap { $0.total.energyPJ.keys })).sorted()
            out += SVGChart.bars(title: "Energy by component", categories: run.results.map(\.spec.name),
                                 series: components.map { c in SVGChart.Series(name: c, values: run.results.map { ($0.total.energyPJ[c] ?? 0) / 1e6 }) },
                                 yLabel: "energy (µJ)", xLabel: "spec", stacked: true)
            let operands: [(String, (SimulationResult.OperandBytes) -> Double)] = [
                ("weights", { $0.weights }), ("inputs", { $0.inputs }), ("outputs", { $0.outputs }), ("metadata", { $0.metadata }),
            ]
            out += SVGChart.bars(title: "DRAM traffic by operand", categories: run.results.map(\.spec.name),
                                 series: operands.map { o in SVGChart.Series(name: o.0, values: run.results.map { o.1($0.total.dramBytes) / 1e6 }) },
                                 yLabel: "DRAM traffic (MB)", xLabel: "spec", stacked: true)
            out += sharesCharts(run.results)
        }
        // Density per layer over training, from the manifest.
        let steps = m.snapshots.map { Double($0.step) }
        if steps.count > 1 {
            let names = m.model.layers.filter(\.kind.hasWeights).map(\.name)
                .filter { name in m.snapshots.allSatisfy { s in s.layers.contains { $0.name == name } } }
            let series = names.map { name in
                SVGChart.Series(name: name, values: m.snapshots.map { s in s.layers.first { $0.name == name }!.weightDensity }, xs: steps)
            }
            out += SVGChart.points(title: "Weight density per layer over training", series: series,
                                   xLabel: "training step", yLabel: "weight density (kept share)", connect: true)
        }
        out += "</div>\n<h3>Weight masks</h3>\n<p>Each cell: the share of kept weights in that block of the layer's filters × (input channels · kernel) matrix; "
            + "a linear layer reading the input image shows each pixel's connectivity (the share of units it still feeds).</p>\n<div class=\"figures\">\n"
        let input = m.model.inputShape
        let image = input.count == 3 ? (channels: input[0], height: input[1], width: input[2]) : nil
        for layer in run.workload.layers where layer.shape.kind.hasWeights {
            guard let mask = layer.masks?.weights else { continue }
            let img = MaskImage(mask: mask, shape: layer.shape, inputImage: image)
            out += SVGChart.heatmap(title: "\(layer.shape.name): density \(formatted(mask.density, digits: 3))", rows: img.rows, cols: img.cols,
                                    values: img.values, xLabel: img.columnLabel, yLabel: img.rowLabel, size: 220)
        }
        return out + "</div>\n"
    }

    /// For a transformer, the attention's, the MLPs' and the other layers' shares of cycles and
    /// of energy on each spec (`SimulationResult.blockShares`), as stacked bars; "" otherwise.
    func sharesCharts(_ results: [SimulationResult]) -> String {
        let shares = results.compactMap { r in r.blockShares.map { (spec: r.spec.name, shares: $0) } }
        guard !shares.isEmpty else { return "" }
        let parts: [(String, KeyPath<SimulationResult.BlockShares, SimulationResult.BlockShares.Part>)] =
            [("attention", \.attention), ("MLP", \.mlp), ("other", \.other)]
        var out = ""
        for (what, value) in [("cycles", \SimulationResult.BlockShares.Part.cycleShare), ("energy", \SimulationResult.BlockShares.Part.energyShare)] {
            out += SVGChart.bars(title: "Attention and MLP: share of \(what)", categories: shares.map(\.spec),
                                 series: parts.map { p in SVGChart.Series(name: p.0, values: shares.map { $0.shares[keyPath: p.1][keyPath: value] * 100 }) },
                                 yLabel: "share of \(what) (%)", xLabel: "spec", stacked: true)
        }
        return out
    }

    /// The specs' effective parameters as XML.
    func specSection() -> String {
        guard !specs.isEmpty else { return "" }
        var out = "<h2>Hardware specs</h2>\n"
        for s in specs {
            out += "<h3>\(htmlEscape(s.spec.name)) <small>(\(htmlEscape(s.file)))</small></h3>\n<pre>\(htmlEscape(s.spec.xmlText()))</pre>\n"
        }
        return out
    }
}
