import ArgumentParser
import Foundation
import SparseSimCore
import Trace
import Training

// MARK: - prune

/// `sparsesim prune`: prune a network at initialization and report what each layer kept.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Prune a network at initialization (SynFlow, SNIP, GraSP, magnitude, random), by lottery-ticket rounds (imp), or a trained one in one shot (wanda, sparsegpt).",
        discussion: """
            Every conv and linear weight is scored, and the globally largest scores are kept over \
            --iterations rounds whose kept fraction follows --schedule down to 10^-compression. \
            SynFlow is data-free; SNIP and GraSP score on a batch of real training samples for the \
            small models and on a synthetic N(0,1) batch, labelled as such, for the ImageNet \
            networks (resnet18, resnet50, vgg16, mobilenet-v1: shapes and torchvision's \
            initialization only). A layer that keeps no weight has collapsed: the network computes \
            nothing through it.

            --trace writes the pruned model (weights and masks; no activations, and the manifest \
            says so) for `sparsesim simulate` and for `sparsesim train --init-mask`, which trains \
            the small models with that mask fixed. The model is built as `train` builds it with \
            the same --seed, so training starts from the weights that were scored.

            --method imp finds lottery tickets by iterative magnitude pruning: it trains the small \
            model (round 0, dense), removes --rate of the kept weights with the smallest magnitudes \
            (--scope global or per layer), rewinds the kept weights to step --rewind-step of round 0 \
            (0: the initialization) and trains again from there, --rounds times. Every round writes \
            its checkpoints, metrics, trace (masks, weights, activations) and record into --out; a \
            re-run continues, inside a round too.

            --init-weights CKPT prunes a trained model in one shot: --method wanda ranks the \
            weights of each output row by |W|·‖X‖ (the norm of what the weight multiplies over \
            --calibration-samples training samples; Sun et al. 2024), --method magnitude by |W| \
            (the baseline), each row keeping 1 − --sparsity of its weights or, with --structure \
            nm:N:M, N of every M; --method sparsegpt (Frantar and Alistarh 2023) removes weights \
            by their OBS saliency under the calibration inputs' Hessian and updates the kept ones \
            to reconstruct each layer's output. Every weight layer but the first is pruned, in order, each on the \
            inputs of the already pruned layers before it. It prints the test accuracy before and \
            after; --trace writes the pruned model's masks and weights and --checkpoint-dir DIR its \
            checkpoint, which `train --init-weights DIR --init-mask TRACE` fine-tunes with the mask \
            fixed (SparseGPT's updated weights are in DIR, not in CKPT).

            Examples:
              sparsesim prune --model lenet5 --method imp --rounds 3 --rate 0.2 --epochs 3 --out runs/lenet5-imp
              sparsesim prune --model vgg-small --method imp --rounds 3 --rate 0.5 --rewind-step 500 --epochs 10 --threads 2 --out runs/vgg-imp
              sparsesim prune --model vgg16 --method synflow --compression 2
              sparsesim prune --model resnet50 --method synflow --compression 1 --threads 2 --format json
              sparsesim prune --model vgg16 --input-shape 3,32,32 --classes 10 --sweep-compression 0.5:4:0.5
              sparsesim prune --model vgg-small --method snip --sparsity 0.9 --trace runs/snip90.sstrace
              sparsesim train --model vgg-small --init-mask runs/snip90.sstrace --epochs 10
              sparsesim prune --model vgg-small --init-weights runs/vgg --method wanda --structure nm:2:4 --trace runs/wanda24.sstrace
              sparsesim prune --model vgg-small --init-weights runs/vgg --method magnitude --sparsity 0.5
              sparsesim prune --model vgg-small --init-weights runs/vgg --method sparsegpt --structure nm:2:4 --trace runs/gpt24.sstrace --checkpoint-dir runs/gpt24
              sparsesim train --model vgg-small --init-weights runs/gpt24 --init-mask runs/gpt24.sstrace --epochs 1 --lr 0.01
            """
    )

    @Option(help: "Model: \((Model.names + Model.imageNetNames).joined(separator: ", ")).")
    var model: String

    @Option(help: "Method: synflow, snip, grasp, magnitude, random (with --sweep-compression: a comma-separated list, default all), imp (lottery tickets), or with --init-weights wanda, sparsegpt or magnitude.")
    var method: String?

    @Option(help: "log10 of total / kept weights: 1 keeps 10 % (90 % sparse), 2 keeps 1 %, 3 keeps 0.1 %.")
    var compression: Double?

    @Option(help: "Fraction of weights removed (instead of --compression).")
    var sparsity: Double?

    @Option(help: "Score-and-prune rounds (default 100 for synflow, 1 for the others).")
    var iterations: Int?

    @Option(help: "Kept fraction over the rounds: exponential (d^(k/n)) or linear.")
    var schedule: String = "exponential"

    @Option(name: .customLong("sweep-compression"), help: "FROM:TO:STEP — for each method, the largest compression before a layer collapses.")
    var sweepCompression: String?

    @Option(help: "GraSP's softmax temperature.")
    var temperature: Double = 200

    @Option(help: "Dataset of the small models' SNIP/GraSP batch: fashion-mnist, mnist, cifar10.")
    var dataset: String = "fashion-mnist"

    @Option(name: .customLong("data-dir"), help: "Directory of the dataset files.")
    var dataDir: String?

    @Option(name: .customLong("batch-size"), help: "Samples in the SNIP/GraSP batch (default 100; 16 synthetic for ImageNet networks).")
    var batchSize: Int?

    @Option(name: .customLong("input-shape"), help: "ImageNet networks: C,H,W of a sample (default 3,224,224).")
    var inputShape: String?

    @Option(help: "ImageNet networks: output classes (default 1000).")
    var classes: Int?

    @Option(help: "The seed behind initialization, the batch and random scores.")
    var seed: UInt64 = 0

    @Option(help: "Threads (convolutions, OpenBLAS).")
    var threads: Int = 1

    @Option(help: "Write the pruned model as a trace directory (NAME.sstrace).")
    var trace: String?

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @OptionGroup(title: "Iterative magnitude pruning (--method imp)") var imp: IterativePruningOptions

    @OptionGroup(title: "One-shot pruning of a trained model (--init-weights)") var oneShot: OneShotPruningOptions

    func validate() throws {
        if oneShot.initWeights != nil {
            if method == "imp" || compression != nil || sweepCompression != nil || iterations != nil || imp.out != nil || imp.epochs != nil {
                throw ValidationError("--init-weights prunes a trained model in one shot (--method wanda|sparsegpt|magnitude, --sparsity or --structure nm:N:M): no --method imp, --compression, --sweep-compression, --iterations, --out or --epochs")
            }
            return
        }
        if oneShot.structure != "unstructured" || oneShot.calibrationSamples != nil || oneShot.checkpointDirectory != nil {
            throw ValidationError("--structure, --calibration-samples and --checkpoint-dir are for one-shot pruning of a trained model (--init-weights)")
        }
        if method == "imp" {
            if compression != nil || sparsity != nil || sweepCompression != nil || trace != nil {
                throw ValidationError("--method imp prunes by rounds (--rounds, --rate) and writes a trace per round into --out: no --compression, --sparsity, --sweep-compression or --trace")
            }
            return
        }
        if imp.out != nil || imp.epochs != nil {
            throw ValidationError("--out and --epochs are for --method imp (prune at initialization writes --trace)")
        }
        if compression != nil && sparsity != nil { throw ValidationError("give --compression or --sparsity, not both") }
        if sweepCompression != nil {
            if compression != nil || sparsity != nil { throw ValidationError("--sweep-compression replaces --compression and --sparsity") }
            if trace != nil { throw ValidationError("--trace records one pruned model; it does not go with --sweep-compression") }
        } else {
            if compression == nil && sparsity == nil { throw ValidationError("give --compression X, --sparsity S or --sweep-compression FROM:TO:STEP") }
            if method == nil { throw ValidationError("give --method (synflow, snip, grasp, magnitude, random)") }
        }
    }

    func run() throws {
        func bad(_ flag: String, _ message: String) -> SparseSimError {
            SparseSimError(.usage, file: "<command line>", location: flag, message: message)
        }
        guard let schedule = PruningSchedule(rawValue: schedule) else {
            throw bad("--schedule", "unknown schedule '\(schedule)' (known: exponential, linear)")
        }
        if method == "imp" {
            try runIterativePruning()
            return
        }
        if oneShot.initWeights != nil {
            try runOneShot()
            return
        }
        let shape = try inputShape.map { text -> [Int] in
            guard let parts = CommaList<Int>(argument: text)?.values, parts.count == 3 else {
                throw bad("--input-shape", "expected C,H,W, got '\(text)'")
            }
            return parts
        }
        if let c = compression, !(c.isFinite && c >= 0) { throw bad("--compression", "must be a non-negative number, got \(c)") }
        if let s = sparsity, !(s.isFinite && s >= 0 && s < 1) { throw bad("--sparsity", "must be in [0, 1), got \(s)") }
        let session = try PruningSession(model: model, dataset: dataset, dataDirectory: dataDir, inputShape: shape,
                                         classes: classes, batchSize: batchSize, seed: seed, threads: threads)
        if let sweep = sweepCompression {
            try runSweep(session, range: sweep, schedule: schedule)
            return
        }
        let density = compression.map(PruningConfiguration.density(compression:)) ?? 1 - sparsity!
        let config = PruningConfiguration(method: try PruningMethod(parsing: method!), density: density, iterations: iterations,
                                          schedule: schedule, temperature: temperature)
        try config.validate()
        let start = Date()
        let result = try session.prune(config)
        Console.error(String(format: "sparsesim: pruned %@ with %@ in %.1f s (%d rounds, %d threads)", model, config.method.rawValue,
                             Date().timeIntervalSince(start), config.iterations, threads))
        if let trace { try session.writeTrace(to: trace, result: result) }
        switch format {
        case .json: try Console.emit(try Console.json(result), to: nil)
        case .table: try Console.emit(Self.table(result), to: nil)
        }
    }

    func runSweep(_ session: PruningSession, range: String, schedule: PruningSchedule) throws {
        let compressions = try Self.parseRange(range)
        let methods = try (method.map { try CommaList<String>(stringLiteral: $0).nonEmpty.map { try PruningMethod(parsing: $0) } }) ?? PruningMethod.allCases
        if let iterations, iterations < 1 { throw SparseSimError(.usage, file: "<command line>", location: "--iterations", message: "must be at least 1") }
        let rows = try session.sweep(methods: methods, compressions: compressions, iterations: iterations, schedule: schedule,
                                     temperature: temperature) { method, point in
            Console.error(String(format: "sparsesim: %@ at 10^%g: %@", method.rawValue, point.compression,
                                 point.collapsed.isEmpty ? "no layer collapsed" : "collapsed \(point.collapsed.joined(separator: ", "))"))
        }
        switch format {
        case .json:
            struct Sweep: Codable {
                var model: String, compressions: [Double], methods: [PruningSession.SweepRow], provenance: Provenance
            }
            let provenance = Provenance.current(seed: seed, threads: threads, dataset: session.batch?.dataset, blasCore: BLAS.coreName)
            try Console.emit(try Console.json(Sweep(model: model, compressions: compressions, methods: rows, provenance: provenance)),
                             to: nil)
        case .table:
            var table = TextTable(["method", "largest compression without collapse", "first collapse", "collapsed layers"])
            for row in rows {
                table.add([row.method.rawValue,
                           row.largestWithoutCollapse.map { "10^\(formatted($0, digits: 2))" } ?? "none",
                           row.firstCollapse.map { "10^\(formatted($0, digits: 2))" } ?? "none up to 10^\(formatted(compressions.last!, digits: 2))",
                           row.points.last.map { $0.collapsed.joined(separator: ", ") } ?? ""])
            }
            try Console.emit("\(model): \(methods.count) methods, compression 10^\(formatted(compressions.first!, digits: 2))…10^\(formatted(compressions.last!, digits: 2))\n" + table.render(), to: nil)
        }
    }

    /// `FROM:TO:STEP` → the values `FROM, FROM+STEP, … ≤ TO`.
    static func parseRange(_ text: String) throws -> [Double] {
        func bad(_ message: String) -> SparseSimError {
            SparseSimError(.usage, file: "<command line>", location: "--sweep-compression", message: message)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard parts.count == 3, let from = parts[0], let to = parts[1], let step = parts[2] else {
            throw bad("expected FROM:TO:STEP, e.g. 0.5:4:0.5, got '\(text)'")
        }
        guard from.isFinite, to.isFinite, from >= 0, to >= from else { throw bad("need 0 ≤ FROM ≤ TO, got '\(text)'") }
        guard step.isFinite, step > 0 else { throw bad("STEP must be positive, got '\(text)'") }
        let count = Int(((to - from) / step + 1e-9).rounded(.down)) + 1
        guard count <= 1000 else { throw bad("\(count) points; at most 1000") }
        return (0..<count).map { from + Double($0) * step }
    }

    static func table(_ result: PruningResult) -> String {
        var table = TextTable(["layer", "weights", "kept", "density %"])
        for layer in result.layers {
            table.add([layer.name, "\(layer.total)", "\(layer.remaining)", formatted(layer.density * 100, digits: 3)])
        }
        table.add(["total", "\(result.totalWeights)", "\(result.remainingWeights)",
                   formatted(Double(result.remainingWeights) / Double(max(result.totalWeights, 1)) * 100, digits: 3)])
        var text = "\(result.model) pruned by \(result.method.rawValue) to compression 10^\(formatted(result.compression, digits: 3)) "
            + "(\(result.iterations) rounds, \(result.schedule.rawValue) schedule); data: \(result.data)\n" + table.render()
        text += result.collapsed.isEmpty
            ? "no layer collapsed\n"
            : "collapsed (no weight left): \(result.collapsed.joined(separator: ", "))\n"
        if let r = result.synflowLog10Rescale, let logR = result.synflowLog10R {
            text += "SynFlow: R = \(logR.first.flatMap { $0 }.map { "10^" + formatted($0, digits: 1) } ?? "0") in the first round; activations rescaled by 10^\(formatted(-r, digits: 1)) in the last (scores exact up to that factor)\n"
        }
        return text
    }
}
