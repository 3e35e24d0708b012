import ArgumentParser
import Decomposition
import Foundation
import SparseSimCore
import Trace

// MARK: - decompose

/// `sparsesim decompose`: ESCALATE's kernel decomposition of an existing trace, without training.
struct DecomposeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decompose",
        abstract: "Decompose a trace's convolutions into shared bases and sparse, quantized coefficients (ESCALATE).",
        discussion: """
            Every ungrouped convolution with kernels larger than 1x1 becomes W[k,c] ≈ Σ_m α[k,c,m]·B[g(c),m]: \
            -M bases per layer (--basis-sharing layer) or per input channel (channel) from the SVD of \
            its kernels, coefficients by least squares. --coef-sparsity prunes the smallest |α| (per \
            layer, or with --prune-scope global over all layers) and refits the rest. --quantize \
            stores bases, coefficients and the other layers' weights at the given bits (symmetric, \
            per tensor or with scale=channel per channel): bases are quantized first and the \
            coefficients refit to them. 1x1 and linear layers keep their weights (quantized with \
            weights=, default coef=).

            The new trace holds the reconstructed kernels as each layer's weights and the bases, \
            coefficients and coefficient masks beside them, so `sparsesim simulate --hw \
            HardwareSpecs/escalate.xml` runs the basis-first dataflow on the real coefficient masks. \
            The report gives each layer's reconstruction error and its compression ratio: dense \
            32-bit weight bits ÷ (basis bits + kept coefficients × bits + format metadata + scales). \
            Accuracy needs the training engine: `sparsesim train --decompose M` fine-tunes a \
            decomposed network and reports it.

            Examples:
              sparsesim decompose --trace runs/resnet20.sstrace -M 4 --coef-sparsity 0.9 --output runs/resnet20-d4.sstrace
              sparsesim decompose --trace runs/vgg.sstrace -M 3 --basis-sharing channel --quantize bases=8,coef=4 --output runs/vgg-d3.sstrace --format json
              sparsesim simulate --hw HardwareSpecs/escalate.xml --trace runs/resnet20-d4.sstrace
            """
    )

    @Option(help: "The trace to decompose.")
    var trace: String

    @Option(help: "The snapshot: 'last' or a step number.")
    var snapshot: String = "last"

    @Option(name: .customShort("M"), help: "Bases per set (1 … R·S).")
    var bases: Int

    @Option(name: .customLong("basis-sharing"), help: "Bases per layer or per input channel: layer, channel.")
    var basisSharing: String = "layer"

    @Option(name: .customLong("coef-sparsity"), help: "Fraction of coefficients pruned by magnitude (default: none).")
    var coefSparsity: Double?

    @Option(name: .customLong("prune-scope"), help: "Coefficient threshold per layer or global.")
    var pruneScope: String = "layer"

    @Option(help: "Bits of stored values, e.g. bases=8,coef=4,inter=8[,weights=8][,scale=channel] (default: 32-bit floats).")
    var quantize: String?

    @Option(name: .customLong("coef-format"), help: "Storage format of coefficients and plain weights: dense, bitmap, rle:BITS, csr:BITS, csc:BITS.")
    var coefFormat: String = "rle:4"

    @Option(help: "The decomposed trace to write (a new directory).")
    var output: String

    @Option(help: "Report format: table or json.")
    var format: OutputFormat = .table

    func validate() throws {
        guard snapshot == "last" || Int(snapshot).map({ $0 >= 0 }) == true else {
            throw ValidationError("--snapshot must be 'last' or a step number")
        }
        guard BasisSharing(rawValue: basisSharing) != nil else { throw ValidationError("--basis-sharing must be layer or channel") }
        guard PruningScope(rawValue: pruneScope) != nil else { throw ValidationError("--prune-scope must be layer or global") }
    }

    func run() throws {
        let decomposer = try TraceDecomposer(options: .init(
            bases: bases, sharing: BasisSharing(rawValue: basisSharing)!, coefficientSparsity: coefSparsity,
            scope: PruningScope(rawValue: pruneScope)!, quantization: try quantize.map { try QuantizationBits(parsing: $0) },
            format: coefFormat))
        let reader = try TraceReader(path: trace, verifyTensors: false)
        let steps = reader.manifest.snapshots.map(\.step)
        guard let last = steps.last else { throw SparseSimError(file: trace, location: "snapshots", message: "the trace has no snapshots") }
        let step = snapshot == "last" ? last : Int(snapshot)!
        guard let index = reader.snapshotIndex(step: step) else {
            throw SparseSimError(file: trace, location: "snapshots", message: "no snapshot at step \(step)")
        }
        let report = try decomposer.run(reader, snapshot: index, output: output)
        switch format {
        case .json: try Console.emit(try Console.json(report), to: nil)
        case .table: try Console.emit(report.renderTable(), to: nil)
        }
    }
}
