import ArgumentParser
import Sim
import SparseSimCore
import Trace

// MARK: - spec

/// `sparsesim spec`: check and show hardware specs.
struct SpecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spec",
        abstract: "Validate hardware specs and show them with every default filled in.",
        subcommands: [SpecValidateCommand.self, SpecShowCommand.self]
    )
}
