import ArgumentParser
import Foundation
import Glibc
import Sim
import SparseSimCore
import Trace
import Training

/// `sparsesim bench blas`.
struct BenchBLASCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blas",
        abstract: "Measure square sgemm GFLOP/s of the OpenBLAS kernels in use.",
        discussion: """
            Each size and thread count gets one warm-up and --repetitions timed repetitions of enough calls \
            to last 0.1 s; the median is reported. The kernel family is fixed when OpenBLAS loads, so \
            compare kernels by running twice:

            Examples:
              env -u OPENBLAS_CORETYPE sparsesim bench blas
              OPENBLAS_CORETYPE=Haswell sparsesim bench blas --format json --output haswell.json
              sparsesim bench blas --sizes 256,512,1024,2048 --threads 1,2 --repetitions 7
            """
    )

    @Option(help: "Comma-separated matrix sizes n (n×n×n sgemm).")
    var sizes: CommaList<Int> = "512,2048"

    @Option(help: "Comma-separated thread counts.")
    var threads: CommaList<Int> = "1,2"

    @Option(help: "Timed repetitions per measurement.")
    var repetitions: Int = 5

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @Option(help: "Write the result to this file (atomically) instead of standard output.")
    var output: String?

    func validate() throws {
        guard let s = sizes.values, s.allSatisfy({ $0 >= 1 && $0 <= 16_384 }) else {
            throw ValidationError("--sizes must be a comma-separated list of integers in 1...16384, got '\(sizes.text)'")
        }
        guard let t = threads.values, t.allSatisfy({ $0 >= 1 && $0 <= 1024 }) else {
            throw ValidationError("--threads must be a comma-separated list of integers in 1...1024, got '\(threads.text)'")
        }
        guard repetitions >= 1 && repetitions <= 1000 else { throw ValidationError("--repetitions must be in 1...1000") }
    }

    struct Report: Codable {
        var provenance: Provenance
        var environment: BLASEnvironment
        var results: [BLASBenchmark.Result]
    }

    func run() throws {
        if let output, output != "-" { try AtomicFile.checkWritable(output) }
        let environment = BLASEnvironment.current()
        if let warning = environment.weakerCoreWarning { Console.warning(warning) }
        var results: [BLASBenchmark.Result] = []
        for n in sizes.values! {
            for t in threads.values! {
                results.append(BLASBenchmark.measure(n: n, threads: t, repetitions: repetitions))
            }
        }
        let report = Report(
            provenance: .current(threads: nil, blasCore: environment.core), environment: environment, results: results)
        switch format {
        case .json:
            try Console.emit(String(decoding: try JSONCoding.encode(report), as: UTF8.self), to: output)
        case .table:
            var table = TextTable(["kernel", "n", "threads", "calls/rep", "median ms", "GFLOP/s", "best GFLOP/s"])
            let kernel = environment.core + (environment.coreInstructionSet.map { " (\($0))" } ?? "")
            for r in results {
                table.add([kernel, "\(r.n)", "\(r.threads)", "\(r.callsPerRepetition)", formatted(r.medianSeconds * 1e3, digits: 3),
                           formatted(r.gflops, digits: 1), formatted(r.bestGflops, digits: 1)])
            }
            try Console.emit("OpenBLAS \(environment.openBLASVersion), \(environment.cpuModel)\n" + table.render(), to: output)
        }
    }
}
