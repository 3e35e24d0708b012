import ArgumentParser
import SparseSimCore

// MARK: - ResultOutputOptions

/// How a command that prints a results table writes it: for people, or for programs, to
/// standard output or atomically to a file.
struct ResultOutputOptions: ParsableArguments {
    /// The formats.
    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

    @Option(help: "Output format: table, json or csv.")
    var format: Format = .table

    @Option(help: "Write the result to this file (atomically) instead of standard output.")
    var output: String?

    /// Fails now, before any work, when `output` cannot be written.
    func checkWritable() throws {
        if let output, output != "-" { try AtomicFile.checkWritable(output) }
    }
}
