import ArgumentParser
import Foundation
import Glibc
import Sim
import SparseSimCore
import Trace
import Training

/// `sparsesim bench prune`.
struct BenchPruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Time SynFlow (100 rounds by default) on ImageNet-shape networks against bare network passes.",
        discussion: """
            For each model and thread count: the median time of one forward + backward pass of an all-ones \
            sample (what every SynFlow round needs), then one whole SynFlow prune. The ratio of the prune to \
            --iterations bare passes is the cost of scoring and selection on top of the network. \
            Run with OPENBLAS_CORETYPE unset to use the CPU's best kernels.

            Examples:
              env -u OPENBLAS_CORETYPE sparsesim bench prune
              env -u OPENBLAS_CORETYPE sparsesim bench prune --models resnet50 --threads 2 --format json
              sparsesim bench prune --models vgg16 --input-shape 3,32,32 --iterations 20
            """
    )

    @Option(help: "Comma-separated models.")
    var models: CommaList<String> = "resnet18,resnet50"

    @Option(help: "Comma-separated thread counts.")
    var threads: CommaList<Int> = "1,2"

    @Option(help: "SynFlow rounds.")
    var iterations: Int = 100

    @Option(help: "Target compression (log10 of total / kept).")
    var compression: Double = 2

    @Option(name: .customLong("input-shape"), help: "C,H,W of a sample (default: each model's own).")
    var inputShape: CommaList<Int>?

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    func validate() throws {
        guard let t = threads.values, t.allSatisfy({ $0 >= 1 && $0 <= 256 }) else {
            throw ValidationError("--threads must be a comma-separated list of integers in 1...256, got '\(threads.text)'")
        }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        if let inputShape, inputShape.values?.count != 3 {
            throw ValidationError("--input-shape must be C,H,W, got '\(inputShape.text)'")
        }
    }

    func run() throws {
        var results: [PruningBenchmark.Result] = []
        for model in models.nonEmpty {
            for t in threads.values! {
                results.append(try PruningBenchmark.run(model: model, inputShape: inputShape?.values,
                                                        threads: t, iterations: iterations, compression: compression))
            }
        }
        switch format {
        case .json:
            try Console.emit(try Console.json(results), to: nil)
        case .table:
            var table = TextTable(["model", "input", "weights", "threads", "rounds", "prune s", "scoring s", "selecting s",
                                   "pass s", "rounds x pass s", "ratio", "BLAS core"])
            for r in results {
                table.add([r.model, r.inputShape.map(String.init).joined(separator: "x"), "\(r.weights)", "\(r.threads)",
                           "\(r.iterations)", formatted(r.seconds, digits: 1), formatted(r.scoringSeconds, digits: 1),
                           formatted(r.selectingSeconds, digits: 1), formatted(r.passSeconds, digits: 3),
                           formatted(r.floorSeconds, digits: 1), formatted(r.ratioToFloor, digits: 2), r.blasCore])
            }
            try Console.emit(table.render(), to: nil)
        }
    }
}
