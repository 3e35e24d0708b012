import ArgumentParser
import Foundation
import Sim
import Trace

// MARK: - sweep

/// `sparsesim sweep`: a grid of spec variants on one workload, sharded and resumable.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Sweep spec parameters over a grid on one network or trace: parallel, sharded, resumable; merge with a Pareto plot.",
        discussion: """
            Every --vary PATH=V1,V2,... is an axis (PATH as --set names it); the grid is their \
            Cartesian product, the last axis varying fastest. Each point is the base spec with --set \
            and the point's values, simulated on the workload (a trace's real masks, or a catalog \
            model dense), and written to DIR/points/NNNNNN.json atomically as soon as it is done. A \
            run skips points already there, so a killed sweep continues where it stopped; \
            --shard i/n evaluates every n-th point from i, for array jobs (Docs/cluster.md). Results \
            do not depend on --threads. An unsharded run merges at the end; shards are merged with \
            `sparsesim sweep merge DIR` into DIR/results.csv, DIR/results.json and DIR/pareto.svg \
            (energy vs cycles; Pareto-optimal in cycles, energy and the area proxy PEs x on-chip bytes).

            Examples:
              sparsesim sweep --hw HardwareSpecs/systolic-ws.xml --vary pe-array.rows=8,16,32,64 --vary pe-array.cols=8,16,32,64 \\
                --vary memory.filter-sram.sizeKiB=64,256,1024 --model resnet18 --out sweeps/ws
              sparsesim sweep --hw HardwareSpecs/scnn.xml --vary pe-array.rows=4,8,16 --vary dataflow.channelGroup=4,8,16 \\
                --trace runs/rigl90.sstrace --shard 0/4 --out sweeps/scnn
              sparsesim sweep merge sweeps/scnn
            """,
        subcommands: [SweepRunCommand.self, SweepMergeCommand.self],
        defaultSubcommand: SweepRunCommand.self
    )
}

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
            throw ValidationError("\(error.location): \(error.message)")
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
            throw SparseSimError(file: "<command line>", location: "--vary \(a.path)", message: "the path is varied twice")
        }
        _ = try loadSpec(spec, overrides: overrides)  // the base spec and --set, with their own errors
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

// MARK: - sweep merge

/// `sparsesim sweep merge DIR`: combine the point files into results and a Pareto plot.
struct SweepMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine a sweep's point files (all shards) into DIR/results.csv, DIR/results.json and DIR/pareto.svg.",
        discussion: """
            Fails, writing nothing, while points are missing (naming them, and with --shards N the \
            shards that have not finished). Prints the Pareto-optimal points.

            Example:
              sparsesim sweep merge sweeps/scnn --shards 4
            """
    )

    @Argument(help: "The sweep directory.")
    var directory: String

    @Option(help: "Shards the sweep ran as (only to name the unfinished ones).")
    var shards: Int?

    func validate() throws {
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1") }
    }

    func run() throws {
        try Console.emit(try Self.merge(directory, shards: shards), to: nil)
    }

    /// Merges `directory` and writes its results files; returns the text to print.
    static func merge(_ directory: String, shards: Int?) throws -> String {
        let results = try SweepResults(directory: directory, shards: shards, provenance: .current())
        let csv = results.renderCSV(), json = try TraceJSON.encode(results), svg = results.paretoSVG()
        try AtomicFile.write(csv, to: directory + "/results.csv")
        try AtomicFile.write(json, to: directory + "/results.json")
        try AtomicFile.write(svg, to: directory + "/pareto.svg")
        return results.renderParetoTable()
            + "wrote \(directory)/results.csv, \(directory)/results.json, \(directory)/pareto.svg\n"
    }
}
