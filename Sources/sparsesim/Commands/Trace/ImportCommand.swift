import ArgumentParser
import Foundation
import Sim
import SparseSimCore
import Trace

// MARK: - trace import

/// `sparsesim trace import sparseloop PROBLEM.yaml... --output T.sstrace`.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Make a trace from another tool's workload description.",
        subcommands: [ImportSparseloopCommand.self]
    )
}

/// `sparsesim trace import sparseloop`.
struct ImportSparseloopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparseloop",
        abstract: "Make a trace from Timeloop/Sparseloop v0.3 problem files, one layer per file, with their real-data masks.",
        discussion: """
            Reads CNN-Layer (R S P Q C M N) and grouped-CONV (R S E F C M N G) problems: the shape, \
            strides, and per data space either `real-data` with a `data_file_path` mask file (one \
            '0'/'1' per value, in the data space's projection order, first rank fastest) or a \
            uniform/hypergeometric density, drawn once with --seed. A mask path that does not \
            exist as given or beside the problem file is looked up by its file name in --data-dir. \
            Timeloop has no padding: the layer's input is the padded extent the projection implies. \
            The trace holds masks only (kept weights and non-zero inputs are 1.0). Nothing is written \
            when an input is bad.

            Examples:
              sparsesim trace import sparseloop L07.yaml --data-dir masks --output L07.sstrace
              sparsesim trace import sparseloop L07.yaml L09.yaml L13.yaml --data-dir masks --output mobilenet-pw.sstrace
              sparsesim simulate --hw HardwareSpecs/eyeriss-v2-pe.xml --trace mobilenet-pw.sstrace
            """
    )

    @Argument(help: "Problem YAML files, one layer each (named after the file).")
    var problems: [String]

    @Option(help: "The folder holding the real-data mask files, looked up by file name.")
    var dataDir: String?

    @Option(help: "The trace to write (a new directory).")
    var output: String

    @Option(help: "Seed of the draws for uniform/hypergeometric densities.")
    var seed: UInt64 = 0

    func validate() throws {
        guard !problems.isEmpty else { throw ValidationError("give at least one problem file") }
    }

    func run() throws {
        let parsed = try problems.map { try SparseloopProblem.load(path: $0) }
        let manifest = try SparseloopImport.write(parsed, dataDirectory: dataDir, seed: seed, to: output,
                                                  provenance: .current(seed: seed))
        let layers = manifest.snapshots.first?.layers ?? []
        var text = "wrote \(output): \(layers.count) layer\(layers.count == 1 ? "" : "s")\n"
        for l in layers {
            text += "  \(l.name): weight density \(l.weightDensity), input density \(l.activationDensity.map { "\($0)" } ?? "-")\n"
        }
        try Console.emit(text, to: nil)
    }
}
