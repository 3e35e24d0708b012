import ArgumentParser
import Foundation
import Glibc
import Sim
import SparseSimCore
import Trace
import Training

// MARK: - bench

/// `sparsesim bench`: performance measurements for Docs/performance.md.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure performance: BLAS throughput, training throughput, simulation time.",
        subcommands: [BenchBLASCommand.self, BenchTrainCommand.self, BenchKernelsCommand.self, BenchPruneCommand.self, BenchSimulateCommand.self]
    )
}
