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
            Pareto fronts), and a scatter plots accuracy against latency (log) for every pair.

            Examples:
              sparsesim report --trace runs/rigl90.sstrace --hw HardwareSpecs/scnn.xml --hw HardwareSpecs/systolic-ws.xml --out report.html
              sparsesim report --trace runs/mlp.sstrace --out mlp.html      (masks and densities only)
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

    @Option(help: "The report's title (default: the network and method).")
    var title: String?

    @Option(help: "The HTML file to write (atomically).")
    var out: String

    func validate() throws {
        guard !traces.isEmpty else { throw ValidationError("give at least one --trace DIR") }
        guard snapshot == "last" || Int(snapshot).map({ $0 >= 0 }) == true else {
            throw ValidationError("--snapshot must be 'last' or a step number")
        }
    }

    func run() throws {
        try AtomicFile.checkWritable(out)
        let evaluation = try Evaluation(tracePaths: traces, snapshot: snapshot,
                                        specs: try SpecLoader.load(paths: specs, overrides: overrides))
        let report = try Report(title: title, evaluation: evaluation, provenance: .current(),
                                baseline: ranking.parsedBaseline(), minAccuracy: ranking.minAccuracyFraction)
        try AtomicFile.write(try report.html(), to: out)
        print("wrote \(out)")
    }
}
