import ArgumentParser
import Sim
import SparseSimCore
import Trace

// MARK: - compare

/// `sparsesim compare`: traces × hardware specs in one matrix.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare traces on hardware specs: accuracy, latency, energy, EDP, speed and energy against a baseline, DRAM bytes.",
        discussion: """
            Every --trace is simulated on every --hw with its real masks and recorded activations \
            (the same numbers `simulate --trace T --hw X` gives). The table marks the best value of \
            each column with *; speedup is over each spec's dense twin (the same spec with its \
            sparsity support off). Accuracy is the test accuracy the trace recorded with the \
            simulated snapshot (and the quantized accuracy, when the run quantized its weights).

            Every pair's latency (cycles at the spec's clock), energy and energy-delay product are \
            set against one baseline pair (--baseline RUN@SPEC; default: the dense trace on the \
            first --hw): "x base" is the baseline's latency over the pair's, "E/base" the pair's \
            energy over the baseline's. The answer below the table names the fastest pair and the \
            one with the least energy (at --min-accuracy, when given) and the Pareto fronts of \
            accuracy against latency and against energy, across all specs.

            Examples:
              sparsesim compare --trace runs/dense.sstrace --trace runs/rigl90.sstrace --trace runs/rigl90-2to4.sstrace \\
                --hw HardwareSpecs/systolic-ws.xml --hw HardwareSpecs/scnn.xml --hw HardwareSpecs/stc-2to4.xml
              sparsesim compare --trace runs/dense.sstrace --trace runs/rigl90.sstrace --hw HardwareSpecs/systolic-ws.xml \\
                --hw HardwareSpecs/scnn.xml --baseline dense@systolic-ws --min-accuracy 85
              sparsesim compare --trace runs/r20-d4.sstrace --hw HardwareSpecs/escalate.xml --hw HardwareSpecs/eyeriss-v2.xml --format csv --output cmp.csv
            """
    )

    @Option(name: .customLong("trace"), help: "A trace directory (repeat for several).")
    var traces: [String] = []

    @OptionGroup var hardware: SpecOptions

    @Option(help: "Which snapshot of every trace: 'last' or a step number.")
    var snapshot: String = "last"

    @OptionGroup var ranking: RankingOptions

    @OptionGroup var output: ResultOutputOptions

    func validate() throws {
        guard !traces.isEmpty else { throw ValidationError("give at least one --trace DIR") }
        guard !hardware.specs.isEmpty else { throw ValidationError("give at least one --hw SPEC.xml") }
        guard snapshot == "last" || Int(snapshot).map({ $0 >= 0 }) == true else {
            throw ValidationError("--snapshot must be 'last' or a step number")
        }
    }

    func run() throws {
        try output.checkWritable()
        let evaluation = try Evaluation(tracePaths: traces, snapshot: snapshot,
                                        specs: try SpecLoader.load(paths: hardware.specs, overrides: hardware.overrides))
        let comparison = try evaluation.comparison(provenance: .current(), baseline: ranking.parsedBaseline(),
                                                   minAccuracy: ranking.minAccuracyFraction)
        let text: String
        switch output.format {
        case .table: text = comparison.renderTable()
        case .csv: text = comparison.renderCSV()
        case .json: text = String(decoding: try JSONCoding.encode(comparison), as: UTF8.self)
        }
        try Console.emit(text, to: output.output)
    }
}
