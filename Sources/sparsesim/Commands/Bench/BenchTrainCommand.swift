import ArgumentParser
import Foundation
import Glibc
import Sim
import SparseSimCore
import Trace
import Training

/// `sparsesim bench train`.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Measure training throughput (forward + backward + SGD at batch 128 on real Fashion-MNIST).",
        discussion: """
            For each model and thread count: warm-up steps, then --repetitions rounds in which every method \
            (and kernel choice) times --steps steps in turn; the median samples/s is reported with the achieved GFLOP/s (3 x the dense forward flops per sample, \
            also for sparse methods: their GFLOP/s is dense-equivalent). \
            Run with OPENBLAS_CORETYPE unset to use the CPU's best kernels.

            Examples:
              env -u OPENBLAS_CORETYPE sparsesim bench train
              env -u OPENBLAS_CORETYPE sparsesim bench train --models vgg-small --threads 1,2 --format json
              env -u OPENBLAS_CORETYPE sparsesim bench train --models vgg-small,mlp --methods dense,rigl,swat-u --sparsity 0.9
              env -u OPENBLAS_CORETYPE sparsesim bench train --models vgg-small --methods rigl --kernels dense,sparse
              env -u OPENBLAS_CORETYPE sparsesim bench train --models vgg-small,resnet20 --convolutions onednn,im2col
            """
    )

    @Option(help: "Comma-separated models.")
    var models: CommaList<String> = "mlp,lenet5,vgg-small"

    @Option(help: "Comma-separated training methods (dense, static, set, rigl, snfs, gmp, gem-miner, swat-u, swat-erk, swat-m, small-dense).")
    var methods: CommaList<String> = "dense"

    @Option(help: "Sparsity of the sparse methods.")
    var sparsity: Double = 0.9

    @Option(help: "Mask structure of the sparse methods.")
    var structure: String = "unstructured"

    @Option(help: "Comma-separated thread counts.")
    var threads: CommaList<Int> = "1,2"

    @Option(help: "Comma-separated kernel choices of the sparse methods: auto, dense (masking only), sparse.")
    var kernels: CommaList<String> = "auto"

    @Option(help: "Comma-separated choices of what runs the dense convolutions: auto (oneDNN when libdnnl.so.2 loads, else im2col), onednn, im2col.")
    var convolutions: CommaList<String> = "auto"

    @Option(name: .customLong("batch-size"), help: "Samples per step.")
    var batchSize: Int = 128

    @Option(help: "Steps per timed repetition.")
    var steps: Int = 20

    @Option(help: "Timed repetitions.")
    var repetitions: Int = 5

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    func kernelChoices() throws -> [SparseKernelMode] {
        try kernels.nonEmpty.map { try SparseKernelMode(parsing: $0) }
    }

    func convolutionChoices() throws -> [ConvolutionKernels] {
        try convolutions.nonEmpty.map { try ConvolutionKernels(parsing: $0) }
    }

    func validate() throws {
        guard let t = threads.values, t.allSatisfy({ $0 >= 1 && $0 <= 256 }) else {
            throw ValidationError("--threads must be a comma-separated list of integers in 1...256, got '\(threads.text)'")
        }
        guard batchSize >= 1, steps >= 1, repetitions >= 1 else {
            throw ValidationError("--batch-size, --steps and --repetitions must be at least 1")
        }
    }

    func run() throws {
        var results: [TrainingBenchmark.Result] = []
        var configurations: [SparseConfiguration] = []
        for name in methods.nonEmpty {
            let method = try SparseMethod(parsing: name, field: "methods")
            let sparse = method.usesSparsity
            let choices = method.isSparse ? try kernelChoices() : [.auto]
            for choice in choices {
                let config = SparseConfiguration(method: method, sparsity: sparse ? sparsity : nil,
                                                 structure: sparse ? structure : "unstructured", kernels: choice)
                try config.validate()
                configurations.append(config)
            }
        }
        for model in models.nonEmpty {
            for t in threads.values! {
                results += try TrainingBenchmark.run(model: model, threads: t, batchSize: batchSize, steps: steps,
                                                     repetitions: repetitions, configurations: configurations,
                                                     convolutions: try convolutionChoices())
            }
        }
        switch format {
        case .json:
            try Console.emit(try Console.json(results), to: nil)
        case .table:
            var table = TextTable(["model", "method", "sparsity", "kernels", "convolutions", "threads", "batch", "samples/s", "best", "GFLOP/s",
                                   "MFLOP/sample fwd", "BLAS core"])
            for r in results {
                table.add([r.model, r.method, formatted(r.sparsity, digits: 2), r.kernels, r.convolutions, "\(r.threads)", "\(r.batchSize)",
                           formatted(r.samplesPerSecond, digits: 0),
                           formatted(r.bestSamplesPerSecond, digits: 0), formatted(r.gflops, digits: 1),
                           formatted(Double(r.forwardFlopsPerSample) / 1e6, digits: 3), r.blasCore])
            }
            try Console.emit(table.render(), to: nil)
        }
    }
}
