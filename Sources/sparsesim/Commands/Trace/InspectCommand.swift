import ArgumentParser
import Foundation
import Sim
import SparseSimCore
import Trace

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
            try Console.emit(String(decoding: try JSONCoding.encode(summary), as: UTF8.self), to: nil)
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
