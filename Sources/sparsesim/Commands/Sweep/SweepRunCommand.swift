import ArgumentParser
import Foundation
import Sim
import SparseSimCore
import Trace

// MARK: - sweep run

/// `sparsesim sweep [run]`: evaluate (a shard of) the grid.
struct SweepRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Evaluate the grid (or one shard of it) into DIR; the default subcommand of sweep."
    )

    @Option(name: .customLong("hw"), help: "The base hardware spec.")
    var spec: String

    @Option(name: .customLong("vary"), help: "An axis: PATH=V1,V2,... (repeat for several; PATH as for --set).")
    var axes: [String] = []

    @Option(name: .customLong("set"), help: "A fixed override for every point: PATH=VALUE.")
    var overrides: [String] = []

    @Option(help: "A trace directory: its real masks and activations are the workload.")
    var trace: String?

    @Option(help: "With --trace: 'last' or a step number.")
    var snapshot: String = "last"

    @Option(help: "A network from the catalog (dense): \(NetworkCatalog.names.joined(separator: ", ")).")
    var model: String?

    @Option(help: "Batch size for --model.")
    var batch: Int = 1

    @Option(help: "This process's share of the grid: i/n, 0 <= i < n (every n-th point from i).")
    var shard: String = "0/1"

    @Option(help: "Points simulated at once (default: every core).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "The sweep directory (created; a re-run continues it).")
    var out: String

    func validate() throws {
        do {
            _ = try SweepShard(parsing: shard)
            for a in axes { _ = try SweepAxis(parsing: a) }
        } catch let error as SparseSimError {
            let shown = FlagNames.render(error)
            throw ValidationError("\(shown.location): \(shown.message)")
        }
        guard (trace == nil) != (model == nil) else { throw ValidationError("give exactly one of --trace or --model") }
        if let model, NetworkCatalog.model(model) == nil {
            throw ValidationError("unknown --model '\(model)' (known: \(NetworkCatalog.names.joined(separator: ", ")))")
        }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard snapshot == "last" || Int(snapshot).map({ $0 >= 0 }) == true else {
            throw ValidationError("--snapshot must be 'last' or a step number")
        }
    }

    func run() throws {
        let parsedAxes = try axes.map { try SweepAxis(parsing: $0) }
        let shard = try SweepShard(parsing: self.shard)
        var seen = Set<String>()
        for a in parsedAxes where !seen.insert(a.path).inserted {
            throw SparseSimError(.usage, file: "<command line>", location: "--vary \(a.path)", message: "the path is varied twice")
        }
        _ = try SpecLoader.load(path: spec, overrides: overrides)  // the base spec and --set, with their own errors
        guard let bytes = FileManager.default.contents(atPath: spec) else { throw SparseSimError(file: spec, message: "cannot read file") }

        let workload: Workload
        let source: SweepPlan.WorkloadSource
        if let trace {
            workload = try Workload.fromTrace(at: trace, snapshot: snapshot).workload
            let manifest = FileManager.default.contents(atPath: trace + "/" + TraceManifest.fileName) ?? Data()
            source = .init(kind: "trace", name: trace, snapshot: snapshot, checksum: FNV1a.text(of: [UInt8](manifest)))
        } else {
            workload = Workload(source: "model \(model!)", name: model!, shapes: NetworkCatalog.model(model!, batch: batch)!.layers)
            source = .init(kind: "model", name: model!, batch: batch)
        }
        let plan = SweepPlan(baseSpec: spec, baseSpecChecksum: FNV1a.text(of: [UInt8](bytes)), overrides: overrides,
                             axes: parsedAxes, workload: source)
        let live = isatty(2) == 1
        let outcome: Sweep.Outcome
        do {
            outcome = try Sweep.run(plan: plan, baseSpecBytes: [UInt8](bytes), workload: workload, directory: out, shard: shard,
                                    threads: threads, provenance: .current(threads: threads)) { _, done in
                if live { FileHandle.standardError.write(Data("\rsweep: \(done) points done ".utf8)) }
            }
        } catch let error as SpecErrors {
            for e in error.errors.dropLast() { Console.error(e.description) }
            throw error.errors.last!.sparseSimError
        }
        if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        var text = "sweep \(out) shard \(shard.index)/\(shard.count): \(outcome.points) points; computed \(outcome.computed)"
            + (outcome.failed > 0 ? " (\(outcome.failed) failed)" : "") + ", already done \(outcome.skipped)"
            + (outcome.redone > 0 ? ", \(outcome.redone) unreadable point files redone" : "") + "\n"
        if shard.count == 1 {
            text += try SweepMergeCommand.merge(out, shards: nil)
        } else {
            text += "when every shard is done: sparsesim sweep merge \(out)\n"
        }
        try Console.emit(text, to: nil)
    }
}
