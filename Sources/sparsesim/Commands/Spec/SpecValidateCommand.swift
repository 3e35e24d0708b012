import ArgumentParser
import Sim
import SparseSimCore
import Trace

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
