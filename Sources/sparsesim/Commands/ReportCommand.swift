import Analysis
import ArgumentParser
import Sim
import SparseSimCore
import Trace

// MARK: - report

/// `sparsesim report`: one run (or a few) as a self-contained HTML page.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report of a trace: mask heatmaps, density over training, and its simulations.",
        discussion: """
            The page has inline SVG charts only (no scripts, no network): each layer's weight mask \
            as an image, weight density per layer over training, and for every --hw the speedup per \
            layer, energy by component and DRAM traffic by operand, with the specs' parameters and \
            provenance. Several --trace give one section each. The comparison table gives every \
            pair's latency, energy and EDP against one baseline (--baseline RUN@SPEC), the page opens \
            with the answer (fastest and least-energy pairs, at --min-accuracy when given, and the \
            Pareto fronts), and a scatter plots accuracy against latency (log) for every pair. \
            --svcca inputs|outputs adds SVCCA's mean canonical correlation per layer between the \
            first trace and each other (traces of the same network on the same recorded samples; \
            `outputs` needs `train --trace-activations outputs|both`), as bars and a table.

            Examples:
              sparsesim report --trace runs/rigl90.sstrace --hw HardwareSpecs/scnn.xml --hw HardwareSpecs/systolic-ws.xml --out report.html
              sparsesim report --trace runs/mlp.sstrace --out mlp.html      (masks and densities only)
              sparsesim report --trace runs/dense.sstrace --trace runs/gmp90.sstrace --trace runs/random90.sstrace --svcca outputs --out svcca.html
            """
    )

    @Option(name: .customLong("trace"), help: "A trace directory (repeat for several).")
    var traces: [String] = []

    @Option(name: .customLong("hw"), help: "A hardware spec to simulate on (repeat for several).")
    var specs: [String] = []

    @Option(name: .customLong("set"), help: "Override a spec attribute: path=value (applies to every --hw).")
    var overrides: [String] = []

    @Option(help: "Which snapshot to simulate: 'last' or a step number.")
    var snapshot: String = "last"

    @OptionGroup var ranking: RankingOptions

    @Option(help: ArgumentHelp("With two or more --trace: SVCCA per layer of each trace against the first, on the layers' recorded inputs or outputs.",
                               valueName: "inputs|outputs"))
    var svcca: TraceSVCCA.Side?

    @Option(help: "The report's title (default: the network and method).")
    var title: String?

    @Option(help: "The HTML file to write (atomically).")
    var out: String

    func validate() throws {
        guard !traces.isEmpty else { throw ValidationError("give at least one --trace DIR") }
        guard snapshot == "last" || Int(snapshot).map({ $0 >= 0 }) == true else {
            throw ValidationError("--snapshot must be 'last' or a step number")
        }
        if svcca != nil && traces.count < 2 { throw ValidationError("--svcca compares traces: give two or more --trace DIR") }
    }

    func run() throws {
        try AtomicFile.checkWritable(out)
        let evaluation = try Evaluation(tracePaths: traces, snapshot: snapshot,
                                        specs: try SpecLoader.load(paths: specs, overrides: overrides))
        var report = try Report(title: title, evaluation: evaluation, provenance: .current(),
                                baseline: ranking.parsedBaseline(), minAccuracy: ranking.minAccuracyFraction)
        if let svcca { report.similarity = try Self.similarity(traces: traces, snapshot: snapshot, side: svcca) }
        try AtomicFile.write(try report.html(), to: out)
        print("wrote \(out)")
    }
}

extension ReportCommand {
    /// SVCCA of every trace after the first against the first, as the report's similarity section.
    static func similarity(traces: [String], snapshot: String, side: TraceSVCCA.Side) throws -> Report.Similarity {
        var runs: [Report.Similarity.Run] = []
        var thin: [String] = []
        for other in traces.dropFirst() {
            let r = try TraceSVCCA.compare(traces[0], other, snapshot: snapshot, activations: side)
            runs.append(.init(run: other, layers: r.layers.map(\.name), values: r.layers.map(\.svcca.mean)))
            thin += r.layers.filter { !$0.enoughPoints }.map(\.name)
        }
        var note = "SVCCA (Raghu et al. 2017) on the layers' recorded \(side.rawValue) at snapshot \(snapshot): each side keeps the top "
            + "singular directions explaining 99 % of its variance, and the value is the mean canonical correlation of the two "
            + "reduced subspaces (1: the same representation up to a linear map)."
        let unique = thin.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        if !unique.isEmpty {
            note += " Fewer than 10 recorded points per kept direction in \(unique.joined(separator: ", ")): there the correlations "
                + "approach 1 whatever the networks learned (record more samples with train --trace-samples)."
        }
        return Report.Similarity(title: "Representation similarity (SVCCA)", note: note, reference: traces[0], comparisons: runs)
    }
}
