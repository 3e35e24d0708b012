import ArgumentParser
import Foundation
import Sim
import Trace

// MARK: - trace

/// `sparsesim trace`: work with trace directories.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Inspect, check and export trace directories (NAME.sstrace/).",
        subcommands: [InspectCommand.self, ExportCommand.self]
    )
}

/// `sparsesim trace inspect PATH`.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Check a trace and print its model, method, snapshots and per-layer shapes and densities.",
        discussion: """
            Every tensor is read and checked against the manifest (dtype, shape, recorded densities) \
            unless --no-verify is given. A trace that fails a check exits with status 1.

            Examples:
              sparsesim trace inspect run.sstrace
              sparsesim trace inspect run.sstrace --snapshot all
              sparsesim trace inspect run.sstrace --format json > summary.json
            """
    )

    @Argument(help: "The trace directory.")
    var path: String

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @Option(help: "Snapshots whose per-layer densities the table lists: last, all, or a step number.")
    var snapshot: String = "last"

    @Flag(inversion: .prefixedNo, help: "Read every tensor and check it against the manifest.")
    var verify = true

    func validate() throws {
        guard snapshot == "last" || snapshot == "all" || Int(snapshot).map({ $0 >= 0 }) == true else {
            throw ValidationError("--snapshot must be 'last', 'all' or a step number, got '\(snapshot)'")
        }
    }

    func run() throws {
        let reader = try TraceReader(path: path, verifyTensors: verify)
        let summary = TraceSummary(reader: reader, tensorsVerified: verify)
        switch format {
        case .json:
            try Console.emit(String(decoding: try TraceJSON.encode(summary), as: UTF8.self), to: nil)
        case .table:
            var steps: [Int]?
            if snapshot == "all" {
                steps = summary.snapshots.map(\.step)
            } else if let step = Int(snapshot) {
                guard reader.snapshotIndex(step: step) != nil else {
                    throw SparseSimError(file: path, location: "snapshots", message: "no snapshot at step \(step)")
                }
                steps = [step]
            }
            try Console.emit(summary.renderTable(steps: steps), to: nil)
        }
    }
}

// MARK: - trace export

/// `sparsesim trace export PATH --timeloop DIR`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a trace's layers as Timeloop/Sparseloop v0.3 problem YAML, one file per layer, with their real densities.",
        discussion: """
            Each layer becomes DIR/NN-LAYER.yaml: a CNN-Layer problem (a linear layer as a 1x1 \
            convolution) whose instance carries the snapshot's weight density (fixed-structured when \
            the run declared N:M and the mask keeps exactly that, hypergeometric otherwise) and the \
            recorded input density, for cross-checks in Sparseloop. Timeloop's R and P run along \
            the width: the files say so, with the layer's SparseSim shape in a comment.

            Examples:
              sparsesim trace export runs/rigl90.sstrace --timeloop sparseloop/rigl90
              sparsesim trace export runs/rigl-2to4.sstrace --snapshot 0 --timeloop sparseloop/init
            """
    )

    @Argument(help: "The trace directory.")
    var path: String

    @Option(help: "The directory for the problem files (created).")
    var timeloop: String

    @Option(help: "Which snapshot: 'last' or a step number.")
    var snapshot: String = "last"

    func validate() throws {
        guard snapshot == "last" || Int(snapshot).map({ $0 >= 0 }) == true else {
            throw ValidationError("--snapshot must be 'last' or a step number")
        }
    }

    func run() throws {
        let (workload, _, manifest) = try Workload.fromTrace(at: path, snapshot: snapshot)
        var nm: (n: Int, m: Int)?
        if case let .string(structure)? = manifest.method.parameters["structure"], structure.hasPrefix("nm:") {
            let parts = structure.split(separator: ":").compactMap { Int($0) }
            if parts.count == 2 { nm = (parts[0], parts[1]) }
        }
        let provenance = Provenance.current()
        let header = ["SparseSim trace export: \(workload.source) (model \(manifest.model.name), method \(manifest.method.name))",
                      "written by \(provenance.tool) \(provenance.toolVersion)\(provenance.gitCommit.map { " (\($0))" } ?? "") at \(provenance.createdAt)",
                      "Timeloop/Sparseloop v0.3 problem; densities are the trace's real ones"]
        let files = TimeloopExport.problems(workload, nm: nm, header: header)
        do {
            try FileManager.default.createDirectory(atPath: timeloop, withIntermediateDirectories: true)
        } catch {
            throw SparseSimError(file: timeloop, message: "cannot create the directory: \(error.localizedDescription)")
        }
        for f in files { try AtomicFile.write(f.text, to: timeloop + "/" + f.name) }
        try Console.emit("wrote \(files.count) problem files to \(timeloop)\n", to: nil)
    }
}
