import ArgumentParser
import Foundation
import Sim
import SparseSimCore
import Trace
import Training

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
        for r in try SimulationBenchmark.measure(specFiles: specs, workload: workload, repetitions: repetitions) {
            table.add([r.spec, "\(r.layers)", formatted(r.medianMilliseconds, digits: 3), formatted(r.bestMilliseconds, digits: 3),
                       "\(r.totalCycles)"])
        }
        try Console.emit("sparsesim simulate \(workload.source), \(repetitions) repetitions per spec\n" + table.render(), to: nil)
    }
}
