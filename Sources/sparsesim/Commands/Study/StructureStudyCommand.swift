import ArgumentParser
import Foundation
import Sim
import SparseSimCore
import Study
import Trace
import Training

// MARK: - study structure

/// `sparsesim study structure`: which mask structure is best on which hardware.
struct StructureStudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "structure",
        abstract: "Train dense and every method x structure, simulate every trace on every spec, and say which structure wins where.",
        discussion: """
            Trains a dense baseline and every --methods x --structures combination (N:M structures at \
            their own sparsity, 1 - N/M; the others at --sparsity), recording each run's trace in \
            DIR/runs/; simulates each trace's last snapshot on every --hw; writes DIR/report.html, \
            DIR/summary.json and DIR/summary.csv, and prints the answer across all specs: every \
            (run, spec) pair's latency at the spec's clock and energy against one baseline \
            (--baseline RUN@SPEC, default dense on the first --hw), the fastest pair and the one \
            with the least energy (at --min-accuracy, when given), and the Pareto fronts of \
            accuracy against latency and against energy.

            A re-run into the same DIR reuses finished runs whose settings match, resumes an \
            interrupted run from its last checkpoint, and refuses runs trained otherwise.

            --seeds trains every run once per seed (runs of later seeds are named NAME-seedS); the \
            first seed's traces are simulated, accuracies are reported and ranked as mean ± sample \
            standard deviation over the seeds, and the answer names the runs whose means are apart \
            by at most sqrt(s1^2 + s2^2), which these seeds cannot rank.

            Examples:
              sparsesim study structure --model lenet5 --sparsity 0.9 --methods rigl --structures unstructured,nm:2:4 \\
                --epochs 2 --hw HardwareSpecs/systolic-ws.xml --hw HardwareSpecs/scnn.xml --hw HardwareSpecs/stc-2to4.xml --out studies/lenet5
              sparsesim study structure --model lenet5 --methods rigl,gmp --structures unstructured,nm:2:4 --epochs 3 --seeds 0,1,2 \\
                --hw HardwareSpecs/systolic-ws.xml --hw HardwareSpecs/stc-2to4.xml --out studies/lenet5-seeds
              sparsesim study structure --model vgg-small --dataset fashion-mnist --sparsity 0.9 --methods rigl,swat-u \\
                --structures unstructured,channel,block:4x4,nm:2:4 --epochs 10 --threads 2 \\
                --hw HardwareSpecs/systolic-ws.xml --hw HardwareSpecs/scnn.xml --hw HardwareSpecs/sparten.xml --hw HardwareSpecs/stc-2to4.xml --out studies/vgg \\
                --baseline dense@systolic-ws --min-accuracy 90
            """
    )

    @Option(help: "Model: \(Model.names.joined(separator: ", ")).")
    var model: String

    @Option(help: "Dataset: fashion-mnist, mnist, cifar10.")
    var dataset: String = "fashion-mnist"

    @Option(name: .customLong("data-dir"), help: "Directory of the dataset files.")
    var dataDir: String?

    @Option(help: "Sparsity of the unstructured, channel, filter and block runs (N:M runs: 1 - N/M).")
    var sparsity: Double = 0.9

    @Option(help: "Sparse methods, comma-separated (rigl, set, snfs, static, gmp, gem-miner, swat-u, swat-erk, swat-m).")
    var methods: CommaList<String> = "rigl"

    @Option(help: "Mask structures, comma-separated (unstructured, channel, filter, block:BxB, nm:N:M).")
    var structures: CommaList<String> = "unstructured,nm:2:4"

    @Flag(name: .customLong("no-dense"), help: "Skip the dense baseline.")
    var noDense = false

    @Option(help: "Epochs of every run.")
    var epochs: Int

    @Option(help: "Base learning rate.")
    var lr: Float = 0.05

    @Option(name: .customLong("batch-size"), help: "Samples per step.")
    var batchSize: Int = 128

    @Option(help: "The seed of every run.")
    var seed: UInt64 = 0

    @Option(help: "Train every run once per seed, e.g. 0,1,2 (instead of --seed): accuracy as mean ± std, and the answer says which runs are within each other's spread.")
    var seeds: CommaList<UInt64>?

    @Option(help: "Threads of every run.")
    var threads: Int = 1

    @Option(name: .customLong("train-samples"), help: "Train on only the first N training samples.")
    var trainSamples: Int?

    @Option(name: .customLong("test-samples"), help: "Evaluate on only the first N test samples.")
    var testSamples: Int?

    @Option(name: .customLong("trace-samples"), help: "Test samples whose activations each trace records.")
    var traceSamples: Int = 16

    @OptionGroup var hardware: SpecOptions

    @OptionGroup var ranking: RankingOptions

    @Option(help: "The study directory (created; a re-run continues it).")
    var out: String

    func validate() throws {
        guard !hardware.specs.isEmpty else { throw ValidationError("give at least one --hw SPEC.xml") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard sparsity >= 0 && sparsity < 1 else { throw ValidationError("--sparsity must be in [0, 1)") }
        if noDense && methods.nonEmpty.isEmpty { throw ValidationError("--no-dense with no --methods leaves nothing to train") }
        try seeds?.validateSeeds()
    }

    func run() throws {
        var settings = StructureStudy.Settings(model: model, methods: methods.nonEmpty, structures: structures.nonEmpty, epochs: epochs)
        settings.dataset = dataset
        settings.dataDirectory = dataDir
        settings.sparsity = sparsity
        settings.learningRate = lr
        settings.batchSize = batchSize
        settings.seed = seeds?.values?.first ?? seed
        settings.seeds = seeds?.values
        settings.threads = threads
        settings.trainSamples = trainSamples
        settings.testSamples = testSamples
        settings.traceSamples = traceSamples
        settings.includeDense = !noDense
        let baseline = try ranking.parsedBaseline()  // refused before any training
        let study = try StructureStudy(settings: settings, directory: out)
        let loaded = try SpecLoader.load(paths: hardware.specs, overrides: hardware.overrides)
        StopSignals.install()
        let records = try study.train(progress: { event in
            switch event {
            case let .reused(run, record):
                Console.error("study: \(run.name): reused (trained before: test acc \(formatted(record.summary.testAccuracy * 100, digits: 2)) %)")
            case let .started(run, epoch):
                Console.error("study: \(run.name): " + (epoch > 0 ? "resuming at epoch \(epoch)" : "training \(run.label), \(epochs) epochs"))
            case let .epoch(run, m):
                Console.error(String(format: "study: %@: epoch %d  train loss %.4f  test acc %.2f%%  %.0f samples/s  %.1fs",
                                     run.name, m.epoch, m.trainLoss, m.testAccuracy * 100, m.samplesPerSecond, m.seconds))
            case let .finished(run, record):
                Console.error("study: \(run.name): done, test acc \(formatted(record.summary.testAccuracy * 100, digits: 2)) %")
            }
        }, shouldStop: { StopSignals.requested })
        let (summary, report) = try study.evaluate(records: records, specs: loaded, provenance: .current(seed: settings.seed, threads: threads),
                                                   baseline: baseline, minAccuracy: ranking.minAccuracyFraction)
        try study.write(summary, report: report)
        // The answer leads (summary.lines); the table follows without repeating it.
        let text = summary.lines.joined(separator: "\n") + "\n\n" + summary.comparison.renderTable(answer: false)
            + "wrote \(study.outputFiles.joined(separator: ", "))\n"
        try Console.emit(text, to: nil)
    }
}
