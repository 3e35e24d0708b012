import ArgumentParser

// MARK: - analyze

/// `sparsesim analyze`: analyses of recorded traces.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyse recorded traces (SVCCA between two runs' representations).",
        subcommands: [SVCCACommand.self]
    )
}
