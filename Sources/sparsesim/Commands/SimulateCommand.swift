import ArgumentParser
import Sim
import SparseSimCore
import Trace

// MARK: - simulate

/// `sparsesim simulate`: run a workload on one or more hardware specs.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a network, a SCALE-Sim topology or a trace on hardware specs: cycles, traffic, energy.",
        discussion: """
            Exactly one of --model, --topology or --trace gives the layers. Each --hw spec is simulated \
            with the same --set overrides. JSON (snake_case) and CSV are for programs, the table for people.

            Examples:
              sparsesim simulate --hw HardwareSpecs/systolic-ws.xml --model resnet18
              sparsesim simulate --hw HardwareSpecs/systolic-ws.xml --hw HardwareSpecs/systolic-os.xml --model vgg16 --batch 4
              sparsesim simulate --hw HardwareSpecs/systolic-ws.xml --set pe-array.rows=128 --set pe-array.cols=128 --topology layers.csv --format csv
              sparsesim simulate --hw HardwareSpecs/tpu-v1-like.xml --trace run.sstrace --snapshot last --format json --output result.json
              sparsesim simulate --hw HardwareSpecs/scnn.xml --hw HardwareSpecs/sparten.xml --trace rigl.sstrace --density-model both
              sparsesim simulate --hw HardwareSpecs/stc-2to4.xml --topology layers.csv
              sparsesim simulate --hw HardwareSpecs/systolic-ws.xml --model bert-base --seq-len 384
              sparsesim simulate --hw HardwareSpecs/cambricon-x.xml --trace synflow.sstrace --activation-density 0.5
              sparsesim simulate --hw HardwareSpecs/scnn.xml --topology gemms.csv --weight-density 0.4 --activation-density 0.5
              sparsesim simulate --hw HardwareSpecs/eyeriss-v1.xml --model alexnet --batch 4 --activation-density alexnet-densities.csv

            A trace is replayed with its real weight masks and, where activations were recorded, each \
            sample's real zeros; a trace without activations (prune at init) needs --activation-density, \
            which draws seeded uniform input zeros and labels them statistical. --density-model uniform \
            replaces every mask by a seeded uniform-random one of the same density (the statistical \
            model), structured by a balanced one (equal count per filter and channel); both reports \
            actual and uniform side by side with the gap per layer.
            """
    )

    enum Densities: String, ExpressibleByArgument, CaseIterable { case actual, uniform, structured, both }

    @OptionGroup var hardware: SpecOptions

    @Option(help: "A network from the catalog: \(NetworkCatalog.names.joined(separator: ", ")).")
    var model: String?

    @Option(name: .customLong("seq-len"), help: "With a transformer --model: tokens per sequence (default: the model's own — bert-base 128, gpt2-small 1024, llama-d2048-l16 2048; vit-b16 and vit-tiny take only their 197 and 16).")
    var seqLen: Int?

    @Option(help: "A SCALE-Sim topology CSV: conv (name, IFMAP H, IFMAP W, R, S, C, K, stride[, N:M]) or GEMM (header 'Layer name, M, N, K'; A = MxK activations, B = NxK weights[, N:M]).")
    var topology: String?

    @Option(help: "A trace directory; its model's layer shapes are simulated.")
    var trace: String?

    @Option(help: "With --trace: 'last' or a step number.")
    var snapshot: String = "last"

    @Option(help: "Batch size for --model and --topology.")
    var batch: Int = 1

    @Option(name: .customLong("density-model"), help: "Operand zeros: actual, uniform, structured or both (actual and uniform).")
    var densityModel: Densities = .actual

    @Option(name: .customLong("activation-density"),
            help: "Fraction of non-zero inputs, drawn uniformly, for layers without recorded activations (statistical): a number, or a CSV of per-layer densities ('layer,density' header).")
    var activationDensity: DensityArgument?

    @Option(name: .customLong("weight-density"),
            help: "Fraction of kept weights, drawn uniformly, for layers without a weight mask or N:M column (statistical).")
    var weightDensity: Double?

    @Option(help: "Seed of every random mask (uniform, structured, --activation-density, --weight-density).")
    var seed: UInt64 = 0

    @OptionGroup var output: ResultOutputOptions

    func validate() throws {
        guard !hardware.specs.isEmpty else { throw ValidationError("give at least one --hw SPEC.xml") }
        let sources = [model, topology, trace].compactMap { $0 }.count
        guard sources == 1 else { throw ValidationError("give exactly one of --model, --topology or --trace") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        if seqLen != nil && model == nil { throw ValidationError("--seq-len needs a transformer --model") }
        if let model, NetworkCatalog.model(model) == nil {
            throw ValidationError("unknown --model '\(model)' (known: \(NetworkCatalog.names.joined(separator: ", ")))")
        }
        guard snapshot == "last" || Int(snapshot).map({ $0 >= 0 }) == true else {
            throw ValidationError("--snapshot must be 'last' or a step number")
        }
        if case .uniform(let d)? = activationDensity, !(d > 0 && d <= 1) {
            throw ValidationError("--activation-density must be in (0, 1] or a CSV file, got \(d)")
        }
        if let d = weightDensity, !(d > 0 && d <= 1) {
            throw ValidationError("--weight-density must be in (0, 1], got \(d)")
        }
        if densityModel == .both && output.format == .csv {
            throw ValidationError("--density-model both writes a table or JSON, not CSV (run actual and uniform separately for CSV)")
        }
    }

    func loadWorkload() throws -> Workload {
        if let model {
            let network = try NetworkCatalog.model(model, batch: batch, sequenceLength: seqLen)!
            let source = seqLen.map { "model \(model) seq-len \($0)" } ?? "model \(model)"
            return Workload(source: source, name: model, shapes: network.layers)
        }
        if let topology { return try ScaleSimTopology.load(path: topology, batch: batch) }
        return try Workload.fromTrace(at: trace!, snapshot: snapshot).workload
    }

    func run() throws {
        try output.checkWritable()
        var workload = try loadWorkload()
        let samples = workload.layers.first?.shape.N ?? 1
        switch activationDensity {
        case .uniform(let d)?: workload = workload.withActivationDensity(d, samples: samples, seed: seed)
        case .perLayer(let path)?:
            let table = try LayerDensityTable.load(path: path, layers: workload.layers.map(\.shape.name))
            workload = workload.withActivationDensities(table, samples: samples, seed: seed)
        case nil: break
        }
        if let d = weightDensity { workload = workload.withWeightDensity(d, seed: seed) }
        var results: [SimulationResult] = []
        var comparisons: [DensityComparison] = []
        for file in hardware.specs {
            let simulator = try Simulator(spec: try SpecLoader.load(path: file, overrides: hardware.overrides), file: file)
            switch densityModel {
            case .both:
                let actual = try simulator.run(workload, densityModel: .actual, provenance: .current())
                let uniform = try simulator.run(workload.applying(.uniform, seed: seed), densityModel: .uniform, provenance: .current())
                comparisons.append(DensityComparison(actual: actual, uniform: uniform))
            default:
                let model = DensityModel(rawValue: densityModel.rawValue)!
                results.append(try simulator.run(workload.applying(model, seed: seed), densityModel: model, provenance: .current()))
            }
        }
        let text: String
        if densityModel == .both {
            let json = comparisons.count == 1 ? try JSONCoding.encode(comparisons[0]) : try JSONCoding.encode(comparisons)
            text = output.format == .json
                ? String(decoding: json, as: UTF8.self)
                : comparisons.map { $0.renderTable() + "\n" + $0.actual.renderTable() + "\n" + $0.uniform.renderTable() }.joined(separator: "\n")
            try Console.emit(text, to: output.output)
            return
        }
        switch output.format {
        case .table: text = results.map { $0.renderTable() }.joined(separator: "\n")
        case .csv: text = results.enumerated().map { $0.element.renderCSV(includeHeader: $0.offset == 0) }.joined()
        case .json:
            text = results.count == 1
                ? String(decoding: try JSONCoding.encode(results[0]), as: UTF8.self)
                : String(decoding: try JSONCoding.encode(results), as: UTF8.self)
        }
        try Console.emit(text, to: output.output)
    }
}
