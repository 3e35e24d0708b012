import ArgumentParser
import Foundation
import Sim
import SparseSimCore
import Study
import Trace
import Training

// MARK: - study

/// `sparsesim study`: jobs that train networks and simulate what they trained.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Train, trace and simulate in one job: study structure compares mask structures on hardware specs.",
        subcommands: [StructureStudyCommand.self]
    )
}
