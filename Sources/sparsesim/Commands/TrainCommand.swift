import ArgumentParser
import Decomposition
import Foundation
import SparseSimCore
import Trace
import Training

// MARK: - train

/// `sparsesim train`: train a model on a real dataset.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network (mlp, lenet5, vgg-small, resnet20, ecn) on Fashion-MNIST, MNIST or CIFAR-10.",
        discussion: """
            One --seed drives initialization, shuffling, dropout and augmentation: the same command \
            with the same --threads gives bit-identical checkpoints. Checkpoints are safetensors files \
            written atomically to DIR/checkpoint.safetensors after every epoch and at the end; \
            --resume continues from there and ends exactly where an uninterrupted run would, with the \
            same checkpoint and trace bytes, however often the run was killed (a run killed before \
            its first checkpoint starts again at step 0; the metrics file keeps one line per epoch). \
            --checkpoint-every-steps N also checkpoints inside epochs, at the position in the epoch's \
            data order. On SIGTERM or SIGINT (a cluster preempting the job) the current step \
            finishes, a checkpoint is written at it and train exits with status 75 (EX_TEMPFAIL: \
            requeue and --resume); a second signal exits at once.

            Progress goes to standard error (a live line on a terminal, one line per epoch otherwise); \
            the summary goes to standard output.

            Examples:
              sparsesim train --model mlp --epochs 10
              sparsesim train --model lenet5 --epochs 10 --threads 2 --checkpoint-dir runs/lenet5 --metrics runs/lenet5.jsonl
              sparsesim train --model lenet5 --epochs 10 --threads 2 --checkpoint-dir runs/lenet5 --resume
              sparsesim train --model resnet20 --dataset cifar10 --data-dir ~/cifar-10-batches-bin --augment --epochs 30
              sparsesim train --model mlp --train-samples 2000 --max-steps 300 --format json
              sparsesim train --model lenet5 --method rigl --epochs 3 --seeds 0,1,2 --metrics runs/lenet5.jsonl   (mean ± std over seeds)
              sparsesim train --model vgg-small --method rigl --sparsity 0.9 --distribution erk --threads 2
              sparsesim train --model vgg-small --method swat-u --sparsity 0.9 --structure channel
              sparsesim train --model vgg-small --method gmp --sparsity 0.9 --epochs 10   (dense, pruned on a cubic schedule)
              sparsesim train --model vgg-small --method gem-miner --sparsity 0.9 --epochs 5 --lr 0.1 --trace runs/gem.sstrace
              sparsesim train --model vgg-small --init-mask runs/gem.sstrace --epochs 10   (Gem-Miner: search, then train the gem)
              sparsesim train --model mlp --method rigl --structure nm:2:4 --trace runs/mlp.sstrace --trace-every 500
              sparsesim train --model vgg-small --init-mask runs/synflow90.sstrace   (a mask from sparsesim prune, kept fixed)

            ESCALATE (--decompose M): each convolution with kernels larger than 1x1 becomes a basis \
            convolution (M shared bases, from the SVD of its kernels) and a 1x1 coefficient convolution \
            that the sparse method prunes and regrows; --init-weights starts from a trained dense \
            checkpoint, so the run fine-tunes it. --quantize evaluates the result with bases, \
            coefficients, other weights and intermediate values at the given bits (scales calibrated \
            on the first 512 training samples) and records those values in the last trace snapshot; \
            --quantize-aware-from E trains with those quantized values from epoch E on (straight-through \
            gradients to the float weights), so the network adapts to them.
              sparsesim train --model resnet20 --epochs 10 --checkpoint-dir runs/resnet20
              sparsesim train --model resnet20 --init-weights runs/resnet20 --decompose 4 --method rigl --sparsity 0.9 \
                --epochs 3 --quantize bases=8,coef=4,inter=8 --trace runs/resnet20-escalate.sstrace
              sparsesim train --model resnet20 --init-weights runs/resnet20 --decompose 4 --method rigl --sparsity 0.8 \
                --epochs 4 --quantize bases=8,coef=4,inter=8,scale=channel --quantize-aware-from 3
              sparsesim simulate --hw HardwareSpecs/escalate.xml --trace runs/resnet20-escalate.sstrace
            """
    )

    @Option(help: "Model: \(Model.names.joined(separator: ", ")).")
    var model: String

    @Option(help: "Dataset: fashion-mnist (from \(Dataset.Kind.fashionMNISTDirectory) unless --data-dir), mnist, cifar10.")
    var dataset: String = "fashion-mnist"

    @Option(name: .customLong("data-dir"), help: "Directory of the dataset files (IDX .gz for MNIST/Fashion-MNIST, binary batches for CIFAR-10).")
    var dataDir: String?

    @Option(help: "Passes over the training set.")
    var epochs: Int = 10

    @Option(name: .customLong("max-steps"), help: "Stop after this many steps in total.")
    var maxSteps: Int?

    @Option(name: .customLong("batch-size"), help: "Samples per step.")
    var batchSize: Int = 128

    @Option(help: "Base learning rate.")
    var lr: Float = 0.05

    @Option(help: "SGD momentum.")
    var momentum: Float = 0.9

    @Flag(help: "Nesterov momentum.")
    var nesterov = false

    @Option(name: .customLong("weight-decay"), help: "L2 weight decay (not on biases or BatchNorm).")
    var weightDecay: Float = 5e-4

    @Option(help: "Learning-rate schedule: constant, step (x0.1 at 50% and 75%), cosine.")
    var schedule: String = "cosine"

    @Option(name: .customLong("warmup-epochs"), help: "Linear warm-up epochs.")
    var warmupEpochs: Int = 0

    @Option(help: "The seed behind every random choice.")
    var seed: UInt64 = 0

    @Option(help: "Train once per seed, e.g. 0,1,2 (instead of --seed): DIR/seed-S checkpoints, NAME-seedS traces and metrics, and the test accuracy's mean ± std.")
    var seeds: CommaList<UInt64>?

    @Option(help: "Threads: convolutions split the batch, other layers their channels or elements, OpenBLAS the linear layers. Results are bit-identical for a given count.")
    var threads: Int = 1

    @Option(name: .customLong("train-samples"), help: "Train on only the first N training samples.")
    var trainSamples: Int?

    @Option(name: .customLong("test-samples"), help: "Evaluate on only the first N test samples.")
    var testSamples: Int?

    @Flag(help: "Random crop (padding 4) and horizontal flip (CIFAR-10).")
    var augment = false

    @Option(name: .customLong("checkpoint-dir"), help: "Directory for checkpoint.safetensors.")
    var checkpointDir: String?

    @Flag(help: "Continue from the checkpoint in --checkpoint-dir (from step 0 when there is none yet), appending to --trace.")
    var resume = false

    @Option(name: .customLong("checkpoint-every-steps"), help: "Also checkpoint every N steps inside an epoch (with --checkpoint-dir).")
    var checkpointEverySteps: Int?

    @Option(help: "Append one JSON line of metrics per epoch to this file.")
    var metrics: String?

    @Option(help: "Summary format: table or json.")
    var format: OutputFormat = .table

    // MARK: Sparse training

    @Option(help: "Method: dense, small-dense, static, set, rigl, snfs, swat-u, swat-erk, swat-m, gmp, gem-miner.")
    var method: String = "dense"

    @Option(help: "Fraction of zero weights in the sparse layers (default 0.9; N:M fixes it at 1 - N/M).")
    var sparsity: Double?

    @Option(help: "Per-layer sparsity: uniform or erk (swat-u is uniform and swat-erk ERK regardless).")
    var distribution: String = "erk"

    @Option(help: "Mask structure: unstructured, channel, filter, block:BxB, nm:N:M.")
    var structure: String = "unstructured"

    @Flag(inversion: .prefixedNo, help: "Keep the first conv/linear layer dense (default: when it is a convolution).")
    var denseFirstLayer: Bool?

    @Flag(inversion: .prefixedNo, help: "Keep the last layer dense.")
    var denseLastLayer = false

    @Option(name: .customLong("update-interval"), help: "Steps between mask updates (RigL, SET, SNFS).")
    var updateInterval: Int = 100

    @Option(name: .customLong("drop-fraction"), help: "Initial fraction of active weights dropped per update (cosine decay).")
    var dropFraction: Double = 0.3

    @Option(name: .customLong("update-end"), help: "Fraction of training after which masks stop changing.")
    var updateEnd: Double = 0.75

    @Option(name: .customLong("topk-period"), help: "SWAT: steps between convolution threshold updates (linear: every step).")
    var topkPeriod: Int = 10

    @Flag(name: .customLong("step-on-update"), help: "Apply the SGD step on mask-update steps too (RigL's code skips it).")
    var stepOnUpdate = false

    @Option(name: .customLong("prune-start"), help: "GMP: fraction of training at which pruning starts (default: the RigL paper's 20k of 97,656 steps).")
    var pruneStart: Double?

    @Option(name: .customLong("prune-end"), help: "GMP: fraction of training at which the final sparsity is reached (default: 75k of 97,656 steps).")
    var pruneEnd: Double?

    @Option(name: .customLong("prune-frequency"), help: "GMP: steps between pruning steps (default: 1,000 of 97,656 steps, scaled to the run).")
    var pruneFrequency: Int?

    @Option(name: .customLong("score-l2"), help: "Gem-Miner: the L2 regularizer's weight on the scores (default 1e-4).")
    var scoreL2: Double?

    @Option(name: .customLong("thresholding-periods"), help: "Gem-Miner: steps at which the lowest scores are pruned for good (default 30).")
    var thresholdingPeriods: Int?

    @Option(help: "Kernels of the masked layers: auto (sparse below the measured crossover density), dense (masking only) or sparse.")
    var kernels: String = "auto"

    @Option(help: "What runs the dense convolutions: auto (oneDNN when libdnnl.so.2 loads, else im2col), onednn or im2col.")
    var convolutions: String = "auto"

    @Option(name: .customLong("init-mask"), help: "Train with a pruned trace's masks fixed (from `sparsesim prune --trace`; method static).")
    var initMask: String?

    @Option(name: .customLong("init-weights"), help: "Start from a checkpoint's weights (file or --checkpoint-dir of an earlier run of the same model).")
    var initWeights: String?

    @Option(help: "ESCALATE: decompose every convolution with kernels larger than 1x1 into M shared bases and trainable coefficients (the sparse method masks the coefficients).")
    var decompose: Int?

    @Option(name: .customLong("basis-sharing"), help: "With --decompose: bases per layer or per input channel (layer, channel).")
    var basisSharing: String = "layer"

    @Option(help: "Evaluate (and record the last snapshot) with quantized weights, e.g. bases=8,coef=4,inter=8[,weights=8][,scale=channel].")
    var quantize: String?

    @Option(name: .customLong("quantize-aware-from"), help: "With --quantize: train with the quantized values from this epoch (1-based) on, gradients straight through to the float weights.")
    var quantizeAwareFrom: Int?

    @Option(help: "Record a trace directory (NAME.sstrace): weights, masks and input activations.")
    var trace: String?

    @Option(name: .customLong("trace-every"), help: "Steps between trace snapshots (default: start and end only).")
    var traceEvery: Int?

    @Option(name: .customLong("trace-samples"), help: "Test samples whose activations the trace records.")
    var traceSamples: Int = 16

    @Option(name: .customLong("trace-activations"), help: "Activations the trace records per layer: inputs (what the simulator reads), outputs (the layers' own results, for analyze svcca) or both.")
    var traceActivations: String = "inputs"

    @Option(name: .customLong("attention-threshold"), help: "Transformers: attention probabilities below this count as zero in the trace (recorded with each attention product; default 0: exact zeros only).")
    var attentionThreshold: Double = 0

    func validate() throws {
        if attentionThreshold != 0 && trace == nil { throw ValidationError("--attention-threshold needs --trace") }
        if resume && checkpointDir == nil { throw ValidationError("--resume needs --checkpoint-dir") }
        if let n = checkpointEverySteps {
            guard n >= 1 else { throw ValidationError("--checkpoint-every-steps must be at least 1, got \(n)") }
            guard checkpointDir != nil else { throw ValidationError("--checkpoint-every-steps needs --checkpoint-dir") }
        }
        if traceEvery != nil && trace == nil { throw ValidationError("--trace-every needs --trace") }
        guard BasisSharing(rawValue: basisSharing) != nil else { throw ValidationError("--basis-sharing must be layer or channel") }
        if basisSharing != "layer" && decompose == nil { throw ValidationError("--basis-sharing needs --decompose") }
        if quantizeAwareFrom != nil && quantize == nil { throw ValidationError("--quantize-aware-from needs --quantize") }
        try seeds?.validateSeeds()
    }

    /// The `--convolutions` choice; `auto` is left out of the configuration (nil), as in
    /// checkpoints written before the option existed.
    func convolutionChoice() throws -> ConvolutionKernels? {
        let choice = try ConvolutionKernels(parsing: convolutions)
        return choice == .auto ? nil : choice
    }

    func sparseConfiguration() throws -> SparseConfiguration {
        // --init-mask trains its masks fixed: the default method becomes static.
        let m = try SparseMethod(parsing: initMask != nil && method == "dense" ? "static" : method)
        guard let d = SparsityDistribution(rawValue: distribution) else {
            throw SparseSimError(.usage, file: "<command line>", location: "--distribution",
                                 message: "unknown distribution '\(distribution)' (known: uniform, erk)")
        }
        let k = try SparseKernelMode(parsing: kernels)
        if !m.usesSparsity && (sparsity != nil || structure != "unstructured") {
            throw SparseSimError(.usage, file: "<command line>", location: "--method",
                                 message: "--sparsity and --structure need a sparse --method (dense trains every weight)")
        }
        return SparseConfiguration(method: m, sparsity: sparsity, distribution: d, structure: structure,
                                   denseFirstLayer: denseFirstLayer, denseLastLayer: denseLastLayer,
                                   updateInterval: updateInterval, dropFraction: dropFraction, updateEnd: updateEnd,
                                   topkPeriod: topkPeriod, stepOnUpdate: stepOnUpdate, kernels: k,
                                   pruning: try gradualPruning(method: m), gemMiner: try gemMinerSettings(method: m))
    }

    func run() throws {
        // From the start: a signal while the data loads stops the run after its first step.
        StopSignals.install()
        let base = TrainingConfiguration(
            model: model, dataset: dataset, dataDirectory: dataDir, epochs: epochs, maxSteps: maxSteps, batchSize: batchSize,
            learningRate: lr, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay, schedule: schedule,
            warmupEpochs: warmupEpochs, seed: seed, threads: threads, trainSamples: trainSamples, testSamples: testSamples,
            augment: augment, sparse: try sparseConfiguration(), initialMask: initMask, initialWeights: initWeights,
            decomposition: decompose.map { DecompositionSettings(bases: $0, sharing: BasisSharing(rawValue: basisSharing)!) },
            quantization: try quantize.map { try QuantizationBits(parsing: $0) }, quantizeAwareFrom: quantizeAwareFrom,
            convolutions: try convolutionChoice())
        let outputs = TrainingRun.Outputs(checkpointDirectory: checkpointDir, metricsPath: metrics, tracePath: trace,
                                          traceEvery: traceEvery, traceSamples: traceSamples, checkpointEverySteps: checkpointEverySteps,
                                          traceActivations: try activationChoice(), attentionThreshold: attentionThreshold)
        guard let seedList = seeds?.values else {
            let (summary, method) = try train(base, outputs: outputs)
            switch format {
            case .json: try Console.emit(try Console.json(summary), to: nil)
            case .table: try Console.emit(table([(nil, summary)], method: method).render(), to: nil)
            }
            return
        }
        // One run per seed, one after the other; an interrupted one stops the list (--resume
        // continues every seed from its own checkpoint).
        var results: [(UInt64?, Trainer.Summary)] = [], method = ""
        for s in seedList {
            var config = base
            config.seed = s
            Console.error("sparsesim: seed \(s) (\(results.count + 1) of \(seedList.count))")
            let (summary, m) = try train(config, outputs: outputs.seeded(s))
            results.append((s, summary))
            method = m
        }
        let spread = SeedSpread(seeds: seedList, values: results.map(\.1.testAccuracy))
        switch format {
        case .json:
            try Console.emit(try Console.json(SeededSummary(runs: results.map(\.1), testAccuracy: spread)), to: nil)
        case .table:
            try Console.emit(table(results, method: method, spread: spread).render(), to: nil)
        }
    }

    /// Trains one run (fresh or resumed), with progress on standard error; returns its summary
    /// and the method as the table names it.
    func train(_ config: TrainingConfiguration, outputs: TrainingRun.Outputs) throws -> (Trainer.Summary, String) {
        let run = try TrainingRun(configuration: config, outputs: outputs, resume: resume)
        let trainer = run.trainer
        if trainer.initialMaskWeightsMatch == false {
            Console.warning("the --init-mask trace's kept weights differ from this run's initialization (another --seed or model build?); training its mask on this run's weights")
        }
        switch run.start {
        case .fresh: break
        case let .resumed(epoch, step):
            Console.error(trainer.stepInEpoch > 0
                ? "sparsesim: resuming inside epoch \(epoch + 1) at its step \(trainer.stepInEpoch) of \(trainer.stepsPerEpoch) (step \(step) of \(trainer.totalSteps))"
                : "sparsesim: resuming at epoch \(epoch), step \(step) of \(trainer.totalSteps)")
        case .noCheckpointYet:
            Console.error("sparsesim: no checkpoint in \(outputs.checkpointDirectory!) yet (the run stopped in its first epoch): starting at step 0")
        }
        let live = isatty(2) == 1
        var lastDraw = Date.distantPast
        let summary = try run.run(progress: { event in
            switch event {
            case let .step(epoch, step, of, loss, rate):
                guard live, Date().timeIntervalSince(lastDraw) > 0.1 || step == of else { return }
                lastDraw = Date()
                let width = 24, done = width * step / max(of, 1)
                let eta = Double(of - step) * Double(config.batchSize) / max(rate, 1e-9)
                let bar = String(repeating: "#", count: done) + String(repeating: ".", count: width - done)
                FileHandle.standardError.write(Data(String(
                    format: "\repoch %d [%@] %d/%d  loss %.4f  %.0f samples/s  ETA %.0fs ", epoch, bar, step, of, loss, rate, eta).utf8))
            case let .epoch(m):
                if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                Console.error(String(format: "epoch %d  step %d  train loss %.4f  train acc %.2f%%  test loss %.4f  test acc %.2f%%  lr %.4g  %.0f samples/s  %.1fs",
                                     m.epoch, m.step, m.trainLoss, m.trainAccuracy * 100, m.testLoss, m.testAccuracy * 100,
                                     m.learningRate, m.samplesPerSecond, m.seconds))
            }
        }, shouldStop: { StopSignals.requested })
        var method = trainer.configuration.sparse.method.rawValue + (initMask == nil ? "" : " (init-mask)")
        if let d = decompose { method += " (decomposed M=\(d) \(basisSharing))" }
        return (summary, method)
    }
}
