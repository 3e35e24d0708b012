import ArgumentParser
import Sim
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
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

    @Option(name: .customLong("hw"), help: "A hardware spec (repeat for several).")
    var specs: [String] = []

    @Option(name: .customLong("set"), help: "Override a spec attribute: path=value (applies to every --hw).")
    var overrides: [String] = []

    @Option(help: "A network from the catalog: \(NetworkCatalog.names.joined(separator: ", ")).")
    var model: String?

    @Option(help: "A SCALE-Sim topology CSV (name, IFMAP H, IFMAP W, R, S, C, K, stride[, N:M]).")
    var topology: String?

    @Option(help: "A trace directory; its model's layer shapes are simulated.")
    var trace: String?

    @Option(help: "With --trace: 'last' or a step number.")
    var snapshot: String = "last"

    @Option(help: "Batch size for --model and --topology.")
    var batch: Int = 1

    @Option(help: "Output format: table, json or csv.")
    var format: Format = .table

    @Option(help: "Write the result to this file (atomically) instead of standard output.")
    var output: String?

    func validate() throws {
        guard !specs.isEmpty else { throw ValidationError("give at least one --hw SPEC.xml") }
        let sources = [model, topology, trace].compactMap { $0 }.count
        guard sources == 1 else { throw ValidationError("give exactly one of --model, --topology or --trace") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        if let model, NetworkCatalog.model(model) == nil {
            throw ValidationError("unknown --model '\(model)' (known: \(NetworkCatalog.names.joined(separator: ", ")))")
        }
        guard snapshot == "last" || Int(snapshot).map({ $0 >= 0 }) == true else {
            throw ValidationError("--snapshot must be 'last' or a step number")
        }
    }

    func loadWorkload() throws -> Workload {
        if let model {
            return Workload(source: "model \(model)", name: model, shapes: NetworkCatalog.model(model, batch: batch)!.layers)
        }
        if let topology { return try ScaleSimTopology.load(path: topology, batch: batch) }
        let reader = try TraceReader(path: trace!, verifyTensors: false)
        let steps = reader.manifest.snapshots.map(\.step)
        let step: Int
        if snapshot == "last" {
            guard let last = steps.last else { throw SparseSimError(file: trace!, location: "snapshots", message: "the trace has no snapshots") }
            step = last
        } else {
            step = Int(snapshot)!
            guard steps.contains(step) else { throw SparseSimError(file: trace!, location: "snapshots", message: "no snapshot at step \(step)") }
        }
        return Workload(source: "trace \(trace!) step \(step)", name: reader.manifest.model.name, shapes: reader.manifest.model.layers)
    }

    func run() throws {
        if let output, output != "-" { try AtomicFile.checkWritable(output) }
        let workload = try loadWorkload()
        var results: [SimulationResult] = []
        for file in specs {
            let simulator = try Simulator(spec: try loadSpec(file, overrides: overrides), file: file)
            results.append(simulator.run(workload, provenance: .current()))
        }
        let text: String
        switch format {
        case .table: text = results.map { $0.renderTable() }.joined(separator: "\n")
        case .csv: text = results.enumerated().map { $0.element.renderCSV(includeHeader: $0.offset == 0) }.joined()
        case .json:
            text = results.count == 1
                ? String(decoding: try TraceJSON.encode(results[0]), as: UTF8.self)
                : String(decoding: try TraceJSON.encode(results), as: UTF8.self)
        }
        try Console.emit(text, to: output)
    }
}
