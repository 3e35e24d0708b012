import ArgumentParser
import Foundation
import Sim
import SparseSimCore
import Trace

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
        let csv = results.renderCSV(), json = try JSONCoding.encode(results), svg = results.paretoSVG()
        try AtomicFile.write(csv, to: directory + "/results.csv")
        try AtomicFile.write(json, to: directory + "/results.json")
        try AtomicFile.write(svg, to: directory + "/pareto.svg")
        return results.renderParetoTable()
            + "wrote \(directory)/results.csv, \(directory)/results.json, \(directory)/pareto.svg\n"
    }
}
