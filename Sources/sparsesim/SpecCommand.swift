import ArgumentParser
import Sim
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

/// `sparsesim spec validate FILE...`.
struct SpecValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check specs against accelerator.xsd and the model's rules; print every error.",
        discussion: """
            Prints 'FILE: ok' for each valid spec; otherwise one 'FILE:LINE: error: MESSAGE' line per \
            problem on standard error, and exits with status 1.

            Examples:
              sparsesim spec validate HardwareSpecs/*.xml
              sparsesim spec validate my.xml --set pe-array.rows=64
            """
    )

    @Argument(help: "Spec files.")
    var files: [String]

    @Option(name: .customLong("set"), help: "Override an attribute: path=value (e.g. pe-array.rows=128, dataflow=os, memory.dram.bandwidthGBps=8).")
    var overrides: [String] = []

    func run() throws {
        var failed = false
        for file in files {
            do throws(SpecErrors) {
                _ = try SpecLoader.load(path: file, overrides: overrides)
            } catch {
                failed = true
                for e in error.errors { Console.error(e.description) }
                continue
            }
            try Console.emit("\(file): ok\n", to: nil)
        }
        if failed { throw ExitCode(1) }
    }
}

/// `sparsesim spec show FILE`.
struct SpecShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the effective spec (defaults filled in, overrides applied) as XML or JSON.",
        discussion: """
            Examples:
              sparsesim spec show HardwareSpecs/eyeriss-v1.xml
              sparsesim spec show HardwareSpecs/systolic-ws.xml --set pe-array.rows=128 --set pe-array.cols=128 --set dataflow=os --format json
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case xml, json }

    @Argument(help: "The spec file.")
    var file: String

    @Option(name: .customLong("set"), help: "Override an attribute: path=value.")
    var overrides: [String] = []

    @Option(help: "Output format: xml or json.")
    var format: Format = .xml

    func run() throws {
        let spec = try loadSpec(file, overrides: overrides)
        switch format {
        case .xml: try Console.emit(spec.xmlText(), to: nil)
        case .json: try Console.emit(String(decoding: try TraceJSON.encode(spec), as: UTF8.self), to: nil)
        }
    }
}

/// Loads a spec for a command: every error but the last is printed as
/// `FILE:LINE: error: MESSAGE`, the last is thrown (and printed by the root command).
func loadSpec(_ file: String, overrides: [String] = []) throws -> HardwareSpec {
    do throws(SpecErrors) {
        return try SpecLoader.load(path: file, overrides: overrides)
    } catch {
        for e in error.errors.dropLast() { Console.error(e.description) }
        throw error.errors.last!.sparseSimError
    }
}
