import ArgumentParser
import Foundation
import Glibc
import Sim
import SparseSimCore
import Trace
import Training

/// `sparsesim bench kernels`.
struct BenchKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Measure where the sparse kernels beat the dense ones, per layer and pass.",
        discussion: """
            For every stride-1 convolution and linear layer of each model (the first layer skipped: sparse \
            training keeps it dense), at batch --batch-size on a random input: each pass (forward, input \
            gradient, sampled weight gradient, SWAT's sparse-input weight gradient) timed with the dense and \
            the sparse kernel on random masks of each density (for SWAT's gradient: the kept fraction of the \
            inputs); the fastest of --repetitions runs. Prints dense time / sparse time per density and the \
            interpolated crossover density; `auto` kernels use the crossovers measured this way \
            (Docs/performance.md).

            Examples:
              env -u OPENBLAS_CORETYPE sparsesim bench kernels
              env -u OPENBLAS_CORETYPE sparsesim bench kernels --models vgg-small --densities 0.05,0.1,0.2 --format json
            """
    )

    @Option(help: "Comma-separated models.")
    var models: CommaList<String> = "vgg-small,lenet5,mlp"

    @Option(help: "Comma-separated densities (fractions of non-zero weights) in (0, 1].")
    var densities: CommaList<Double> = "0.02,0.05,0.1,0.2,0.3,0.5"

    @Option(name: .customLong("batch-size"), help: "Samples per batch.")
    var batchSize: Int = 128

    @Option(help: "Timed repetitions (the fastest counts).")
    var repetitions: Int = 5

    @Option(help: "Threads.")
    var threads: Int = 1

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    func parsedDensities() -> [Double]? {
        guard let values = densities.values, values.allSatisfy({ $0 > 0 && $0 <= 1 }) else { return nil }
        return values.sorted()
    }

    func validate() throws {
        guard parsedDensities() != nil else {
            throw ValidationError("--densities must be a comma-separated list of numbers in (0, 1], got '\(densities.text)'")
        }
        guard batchSize >= 1, repetitions >= 1, threads >= 1 && threads <= 256 else {
            throw ValidationError("--batch-size and --repetitions must be at least 1, --threads in 1...256")
        }
    }

    func run() throws {
        let grid = parsedDensities()!
        var rows: [(String, KernelBenchmark.Row)] = []
        for model in models.nonEmpty {
            for row in try KernelBenchmark.run(model: model, batch: batchSize, densities: grid, repetitions: repetitions,
                                               threads: threads) {
                rows.append((model, row))
            }
        }
        switch format {
        case .json:
            struct Entry: Encodable {
                var model: String, row: KernelBenchmark.Row, blasCore: String, kernelISA: String
                enum CodingKeys: String, CodingKey { case model, row = "result", blasCore = "blas_core", kernelISA = "kernel_isa" }
            }
            let entries = rows.map { Entry(model: $0.0, row: $0.1, blasCore: BLAS.coreName, kernelISA: SparseKernelsInfo.instructionSet) }
            try Console.emit(try Console.json(entries), to: nil)
        case .table:
            var table = TextTable(["model", "layer", "pass"] + grid.map { "d=\(formatted($0, digits: 2))" } + ["crossover"])
            for (model, r) in rows {
                table.add([model, r.layer, r.pass.rawValue] + r.speedups.map { formatted($0, digits: 2) + "x" }
                          + [formatted(r.crossover, digits: 3)])
            }
            try Console.emit(table.render() + "dense time / sparse time; BLAS core \(BLAS.coreName), sparse kernels \(SparseKernelsInfo.instructionSet)\n", to: nil)
        }
    }
}
