import ArgumentParser
import Sim
import SparseSimCore
import Trace
import Training

// MARK: - env

/// `sparsesim env`: the machine facts that decide speed and reproducibility.
struct EnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Show the BLAS kernels, threads, CPU features and library versions in use.",
        discussion: """
            Warns (on standard error) when OPENBLAS_CORETYPE pins kernels weaker than the CPU supports. \
            OpenBLAS reads that variable when it loads, so it must be unset before the process starts.

            Examples:
              sparsesim env
              env -u OPENBLAS_CORETYPE sparsesim env --format json
            """
    )

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @Option(help: "Threads OpenBLAS uses (default: OpenBLAS's own choice).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        if let threads { BLAS.setThreads(threads) }
        let report = EnvironmentReport.current()
        switch format {
        case .json:
            try Console.emit(String(decoding: try JSONCoding.encode(report), as: UTF8.self), to: nil)
        case .table:
            try Console.emit(report.renderTable(), to: nil)
        }
        if let warning = report.blas.weakerCoreWarning { Console.warning(warning) }
    }
}
