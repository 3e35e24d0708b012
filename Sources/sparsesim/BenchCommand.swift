import ArgumentParser
import Foundation
import Glibc
import Sim
import Trace
import Training

// MARK: - bench

/// `sparsesim bench`: performance measurements for Docs/performance.md.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure performance: BLAS throughput, training throughput, simulation time.",
        subcommands: [BenchBLASCommand.self, BenchTrainCommand.self, BenchKernelsCommand.self, BenchPruneCommand.self, BenchSimulateCommand.self]
    )
}

/// `sparsesim bench blas`.
struct BenchBLASCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blas",
        abstract: "Measure square sgemm GFLOP/s of the OpenBLAS kernels in use.",
        discussion: """
            Each size and thread count gets one warm-up and --repetitions timed repetitions of enough calls \
            to last 0.1 s; the median is reported. The kernel family is fixed when OpenBLAS loads, so \
            compare kernels by running twice:

            Examples:
              env -u OPENBLAS_CORETYPE sparsesim bench blas
              OPENBLAS_CORETYPE=Haswell sparsesim bench blas --format json --output haswell.json
              sparsesim bench blas --sizes 256,512,1024,2048 --threads 1,2 --repetitions 7
            """
    )

    @Option(help: "Comma-separated matrix sizes n (n×n×n sgemm).")
    var sizes: String = "512,2048"

    @Option(help: "Comma-separated thread counts.")
    var threads: String = "1,2"

    @Option(help: "Timed repetitions per measurement.")
    var repetitions: Int = 5

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @Option(help: "Write the result to this file (atomically) instead of standard output.")
    var output: String?

    func validate() throws {
        guard let s = Self.parseList(sizes), s.allSatisfy({ $0 >= 1 && $0 <= 16_384 }) else {
            throw ValidationError("--sizes must be a comma-separated list of integers in 1...16384, got '\(sizes)'")
        }
        guard let t = Self.parseList(threads), t.allSatisfy({ $0 >= 1 && $0 <= 1024 }) else {
            throw ValidationError("--threads must be a comma-separated list of integers in 1...1024, got '\(threads)'")
        }
        guard repetitions >= 1 && repetitions <= 1000 else { throw ValidationError("--repetitions must be in 1...1000") }
    }

    static func parseList(_ text: String) -> [Int]? {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !items.isEmpty, items.allSatisfy({ $0 != nil }) else { return nil }
        return items.map { $0! }
    }

    struct Report: Codable {
        var provenance: Provenance
        var environment: BLASEnvironment
        var results: [BLASBenchmark.Result]
    }

    func run() throws {
        if let output, output != "-" { try AtomicFile.checkWritable(output) }
        let environment = BLASEnvironment.current()
        if let warning = environment.weakerCoreWarning { Console.warning(warning) }
        var results: [BLASBenchmark.Result] = []
        for n in Self.parseList(sizes)! {
            for t in Self.parseList(threads)! {
                results.append(BLASBenchmark.measure(n: n, threads: t, repetitions: repetitions))
            }
        }
        let report = Report(
            provenance: .current(threads: nil, blasCore: environment.core), environment: environment, results: results)
        switch format {
        case .json:
            try Console.emit(String(decoding: try TraceJSON.encode(report), as: UTF8.self), to: output)
        case .table:
            var table = TextTable(["kernel", "n", "threads", "calls/rep", "median ms", "GFLOP/s", "best GFLOP/s"])
            let kernel = environment.core + (environment.coreInstructionSet.map { " (\($0))" } ?? "")
            for r in results {
                table.add([kernel, "\(r.n)", "\(r.threads)", "\(r.callsPerRepetition)", formatted(r.medianSeconds * 1e3, digits: 3),
                           formatted(r.gflops, digits: 1), formatted(r.bestGflops, digits: 1)])
            }
            try Console.emit("OpenBLAS \(environment.openBLASVersion), \(environment.cpuModel)\n" + table.render(), to: output)
        }
    }
}

/// `sparsesim bench simulate`.
struct BenchSimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Time a whole-network simulation (spec loading included) on each hardware spec.",
        discussion: """
            Each spec is loaded and the network simulated once to warm up, then --repetitions times; \
            the median wall time is reported. With --trace the layers carry the trace's real masks \
            (read once, outside the timing).

            Examples:
              sparsesim bench simulate HardwareSpecs/systolic-*.xml HardwareSpecs/tpu-v1-like.xml
              sparsesim bench simulate HardwareSpecs/systolic-ws.xml --model vgg16 --repetitions 50
              sparsesim bench simulate HardwareSpecs/*.xml --trace synflow-resnet18.sstrace --activation-density 0.5
            """
    )

    @Argument(help: "Spec files.")
    var specs: [String]

    @Option(help: "A network from the catalog.")
    var model: String = "resnet18"

    @Option(help: "A trace: simulate its last snapshot's layers with their masks instead of --model.")
    var trace: String?

    @Option(name: .customLong("activation-density"), help: "Statistical input density for layers without recorded activations.")
    var activationDensity: Double?

    @Option(help: "Timed repetitions per spec.")
    var repetitions: Int = 20

    func validate() throws {
        guard NetworkCatalog.model(model) != nil else { throw ValidationError("unknown --model '\(model)'") }
        guard repetitions >= 1 && repetitions <= 10_000 else { throw ValidationError("--repetitions must be in 1...10000") }
        if let d = activationDensity, !(d > 0 && d <= 1) { throw ValidationError("--activation-density must be in (0, 1]") }
    }

    func run() throws {
        var workload = Workload(source: "model \(model)", name: model, shapes: NetworkCatalog.model(model)!.layers)
        if let trace {
            let reader = try TraceReader(path: trace, verifyTensors: false)
            guard !reader.manifest.snapshots.isEmpty else {
                throw SparseSimError(file: trace, location: "snapshots", message: "the trace has no snapshots")
            }
            workload = try Workload(trace: reader, snapshot: reader.manifest.snapshots.count - 1)
        }
        if let d = activationDensity {
            workload = workload.withActivationDensity(d, samples: workload.layers.first?.shape.N ?? 1, seed: 0)
        }
        var table = TextTable(["spec", "layers", "median ms", "best ms", "total cycles"])
        for file in specs {
            func once() throws -> SimulationResult {
                try Simulator(spec: try loadSpec(file), file: file).run(workload)
            }
            let result = try once()
            var times: [Double] = []
            for _ in 0..<repetitions {
                var start = timespec(), end = timespec()
                clock_gettime(CLOCK_MONOTONIC, &start)
                _ = try once()
                clock_gettime(CLOCK_MONOTONIC, &end)
                times.append(Double(end.tv_sec - start.tv_sec) * 1e3 + Double(end.tv_nsec - start.tv_nsec) * 1e-6)
            }
            times.sort()
            table.add([result.spec.name, "\(result.layers.count)", formatted(times[times.count / 2], digits: 3),
                       formatted(times[0], digits: 3), "\(result.total.cycles)"])
        }
        try Console.emit("sparsesim simulate \(workload.source), \(repetitions) repetitions per spec\n" + table.render(), to: nil)
    }
}

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
            """
    )

    @Option(help: "Comma-separated models.")
    var models: String = "mlp,lenet5,vgg-small"

    @Option(help: "Comma-separated training methods (dense, static, set, rigl, snfs, swat-u, swat-erk, swat-m, small-dense).")
    var methods: String = "dense"

    @Option(help: "Sparsity of the sparse methods.")
    var sparsity: Double = 0.9

    @Option(help: "Mask structure of the sparse methods.")
    var structure: String = "unstructured"

    @Option(help: "Comma-separated thread counts.")
    var threads: String = "1,2"

    @Option(help: "Comma-separated kernel choices of the sparse methods: auto, dense (masking only), sparse.")
    var kernels: String = "auto"

    @Option(name: .customLong("batch-size"), help: "Samples per step.")
    var batchSize: Int = 128

    @Option(help: "Steps per timed repetition.")
    var steps: Int = 20

    @Option(help: "Timed repetitions.")
    var repetitions: Int = 5

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    func kernelChoices() throws -> [SparseKernelMode] {
        try kernels.split(separator: ",").map { try SparseKernelMode(parsing: String($0)) }
    }

    func validate() throws {
        guard let t = BenchBLASCommand.parseList(threads), t.allSatisfy({ $0 >= 1 && $0 <= 256 }) else {
            throw ValidationError("--threads must be a comma-separated list of integers in 1...256, got '\(threads)'")
        }
        guard batchSize >= 1, steps >= 1, repetitions >= 1 else {
            throw ValidationError("--batch-size, --steps and --repetitions must be at least 1")
        }
    }

    func run() throws {
        var results: [TrainingBenchmark.Result] = []
        var configurations: [SparseConfiguration] = []
        for name in methods.split(separator: ",").map(String.init) {
            let method = try SparseMethod(parsing: name, flag: "--methods")
            let sparse = method.usesSparsity
            let choices = method.isSparse ? try kernelChoices() : [.auto]
            for choice in choices {
                let config = SparseConfiguration(method: method, sparsity: sparse ? sparsity : nil,
                                                 structure: sparse ? structure : "unstructured", kernels: choice)
                try config.validate()
                configurations.append(config)
            }
        }
        for model in models.split(separator: ",").map(String.init) {
            for t in BenchBLASCommand.parseList(threads)! {
                results += try TrainingBenchmark.run(model: model, threads: t, batchSize: batchSize, steps: steps,
                                                     repetitions: repetitions, configurations: configurations)
            }
        }
        switch format {
        case .json:
            try Console.emit(try Console.json(results), to: nil)
        case .table:
            var table = TextTable(["model", "method", "sparsity", "kernels", "threads", "batch", "samples/s", "best", "GFLOP/s",
                                   "MFLOP/sample fwd", "BLAS core"])
            for r in results {
                table.add([r.model, r.method, formatted(r.sparsity, digits: 2), r.kernels, "\(r.threads)", "\(r.batchSize)",
                           formatted(r.samplesPerSecond, digits: 0),
                           formatted(r.bestSamplesPerSecond, digits: 0), formatted(r.gflops, digits: 1),
                           formatted(Double(r.forwardFlopsPerSample) / 1e6, digits: 3), r.blasCore])
            }
            try Console.emit(table.render(), to: nil)
        }
    }
}

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
    var models: String = "resnet18,resnet50"

    @Option(help: "Comma-separated thread counts.")
    var threads: String = "1,2"

    @Option(help: "SynFlow rounds.")
    var iterations: Int = 100

    @Option(help: "Target compression (log10 of total / kept).")
    var compression: Double = 2

    @Option(name: .customLong("input-shape"), help: "C,H,W of a sample (default: each model's own).")
    var inputShape: String?

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    func validate() throws {
        guard let t = BenchBLASCommand.parseList(threads), t.allSatisfy({ $0 >= 1 && $0 <= 256 }) else {
            throw ValidationError("--threads must be a comma-separated list of integers in 1...256, got '\(threads)'")
        }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        if let inputShape, BenchBLASCommand.parseList(inputShape)?.count != 3 {
            throw ValidationError("--input-shape must be C,H,W, got '\(inputShape)'")
        }
    }

    func run() throws {
        var results: [PruningBenchmark.Result] = []
        for model in models.split(separator: ",").map(String.init) {
            for t in BenchBLASCommand.parseList(threads)! {
                results.append(try PruningBenchmark.run(model: model, inputShape: inputShape.flatMap(BenchBLASCommand.parseList),
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
    var models: String = "vgg-small,lenet5,mlp"

    @Option(help: "Comma-separated densities (fractions of non-zero weights) in (0, 1].")
    var densities: String = "0.02,0.05,0.1,0.2,0.3,0.5"

    @Option(name: .customLong("batch-size"), help: "Samples per batch.")
    var batchSize: Int = 128

    @Option(help: "Timed repetitions (the fastest counts).")
    var repetitions: Int = 5

    @Option(help: "Threads.")
    var threads: Int = 1

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    func parsedDensities() -> [Double]? {
        let values = densities.split(separator: ",").map { Double($0) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! > 0 && $0! <= 1 }) else { return nil }
        return values.map { $0! }.sorted()
    }

    func validate() throws {
        guard parsedDensities() != nil else {
            throw ValidationError("--densities must be a comma-separated list of numbers in (0, 1], got '\(densities)'")
        }
        guard batchSize >= 1, repetitions >= 1, threads >= 1 && threads <= 256 else {
            throw ValidationError("--batch-size and --repetitions must be at least 1, --threads in 1...256")
        }
    }

    func run() throws {
        let grid = parsedDensities()!
        var rows: [(String, KernelBenchmark.Row)] = []
        for model in models.split(separator: ",").map(String.init) {
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
