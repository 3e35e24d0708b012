import ArgumentParser
import Foundation
import Sim
import SparseSimCore
import Trace

// MARK: - trace

/// `sparsesim trace`: work with trace directories.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Inspect, check, export and import trace directories (NAME.sstrace/).",
        subcommands: [InspectCommand.self, ExportCommand.self, ImportCommand.self]
    )
}
