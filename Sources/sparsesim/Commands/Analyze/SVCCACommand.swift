import Analysis
import ArgumentParser
import Foundation
import SparseSimCore

// MARK: - analyze svcca

/// `sparsesim analyze svcca`: how alike two trained networks represent the same inputs, per layer.
struct SVCCACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "svcca",
        abstract: "SVCCA (Raghu et al. 2017) between two traces' recorded activations, per layer.",
        discussion: """
            Both traces must be of the same network and have recorded the same inputs (train \
            --trace records the first --trace-samples test samples). For every layer with recorded \
            activations, its inputs in each trace are centred, reduced to the top singular \
            directions explaining --variance of their variance, and the mean canonical correlation \
            of the two reduced subspaces is reported: 1 when the two representations agree up to \
            a linear map. A convolution's neurons are its input channels over samples x positions; \
            a linear layer's are its input features over samples, so a linear layer needs more \
            recorded samples than kept directions (the table flags layers with fewer than 10 data \
            points per kept direction, where the correlations approach 1 by construction). \
            --activations outputs compares what the layers compute instead: their own outputs \
            (before BatchNorm or activation), recorded by train --trace-activations outputs or both.

            Examples:
              sparsesim analyze svcca --trace runs/dense.sstrace --trace runs/rigl.sstrace
              sparsesim analyze svcca --trace a.sstrace --trace b.sstrace --layers conv2,fc1 --variance 0.99 --format json
              sparsesim train --model lenet5 --epochs 3 --trace runs/a.sstrace --trace-samples 2000 --trace-activations both
              sparsesim analyze svcca --trace runs/a.sstrace --trace runs/b.sstrace --activations outputs
            """
    )

    @Option(help: "The two traces (give --trace twice).")
    var trace: [String] = []

    @Option(help: "Comma-separated layers (default: every layer with recorded activations).")
    var layers: String?

    @Option(help: "Snapshot of both traces: last or a step.")
    var snapshot: String = "last"

    @Option(help: "Fraction of each side's variance the kept singular directions explain, in (0, 1].")
    var variance: Double = 0.99

    @Option(help: "The layers' recorded inputs, or their outputs (traces made with train --trace-activations outputs|both).")
    var activations: TraceSVCCA.Side = .inputs

    @OptionGroup var output: ResultOutputOptions

    func validate() throws {
        guard trace.count == 2 else { throw ValidationError("give --trace twice (two traces to compare), got \(trace.count)") }
    }

    func run() throws {
        try output.checkWritable()
        let wanted = layers.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        let report = try TraceSVCCA.compare(trace[0], trace[1], layers: wanted, snapshot: snapshot, variance: variance,
                                            activations: activations)
        let text: String
        switch output.format {
        case .json: text = try Console.json(report)
        case .csv:
            text = (["layer,neurons,points,kept_a,kept_b,mean_correlation"] + report.layers.map {
                "\($0.name),\($0.neurons),\($0.points),\($0.svcca.keptA),\($0.svcca.keptB),\($0.svcca.mean)"
            }).joined(separator: "\n") + "\n"
        case .table:
            var table = TextTable(["layer", "neurons", "points", "kept A", "kept B", "mean CCA"])
            for l in report.layers {
                table.add([l.name, "\(l.neurons)", "\(l.points)", "\(l.svcca.keptA)", "\(l.svcca.keptB)", formatted(l.svcca.mean, digits: 4)])
            }
            var notes = ""
            for l in report.layers where !l.enoughPoints {
                let kept = max(l.svcca.keptA, l.svcca.keptB)
                notes += "\(l.name): \(l.points) data points for \(kept) kept directions; with fewer than 10 per direction the correlations approach 1 by construction; record more samples (train --trace-samples) for ≥ \(10 * kept) data points\n"
            }
            text = "SVCCA of the layers' \(report.activations.rawValue) in \(report.traceA) (step \(report.stepA)) and \(report.traceB) (step \(report.stepB)), "
                + "\(formatted(report.variance * 100, digits: 1)) % of the variance kept\n" + table.render() + notes
        }
        try Console.emit(text, to: output.output)
    }
}
