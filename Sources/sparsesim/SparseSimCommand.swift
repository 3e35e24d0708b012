import ArgumentParser
import Foundation
import Sim
import SparseSimCore
import Trace

// MARK: - Root command

/// `sparsesim`: train sparse networks, record traces, replay them on accelerator models.
@main
struct SparseSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparsesim",
        abstract: "Train sparse networks, record real masks as traces, and replay them on sparse-accelerator models.",
        discussion: """
            Exit status: 0 on success, 1 for bad input (a file) or a failed run, 64 for bad usage \
            (an unknown flag, a missing argument, a flag value out of range), 75 for a training run \
            stopped by SIGTERM/SIGINT after writing its checkpoint (run it again with --resume). \
            Errors print one line to standard error: sparsesim: error: <file>:<where>: <message>

            Examples:
              # 1. Simulate accelerator configs from XML specs
              sparsesim simulate --hw HardwareSpecs/eyeriss-v1.xml --hw HardwareSpecs/scnn.xml --model resnet18
              # 2. Export traces from sparse training (real masks and activations)
              sparsesim train --model lenet5 --method rigl --sparsity 0.9 --epochs 3 --trace runs/rigl.sstrace
              sparsesim simulate --hw HardwareSpecs/scnn.xml --trace runs/rigl.sstrace
              # 3. Compare structured against unstructured sparsity, trained and simulated
              sparsesim study structure --model lenet5 --methods rigl --structures unstructured,nm:2:4 \\
                --hw HardwareSpecs/systolic-ws.xml --hw HardwareSpecs/stc-2to4.xml --out studies/lenet5
            """,
        version: SparseSimVersion.string,
        subcommands: [EnvCommand.self, TrainCommand.self, PruneCommand.self, DecomposeCommand.self, SpecCommand.self, SimulateCommand.self, CompareCommand.self, StudyCommand.self, SweepCommand.self, ReportCommand.self, TraceCommand.self, AnalyzeCommand.self, BenchCommand.self]
    )

    /// Parses, runs, and turns every error into the right message and exit status.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as SparseSimError {
            reportAndExit(error)
        } catch let errors as SpecErrors {
            // Every problem of the spec: all but the last as `FILE:LINE: error: MESSAGE`, the last as
            // SparseSim's error line.
            for e in errors.errors.dropLast() { Console.error(e.description) }
            reportAndExit(errors.errors.last?.sparseSimError ?? SparseSimError(file: "<spec>", message: "invalid spec"))
        } catch {
            exit(withError: error)
        }
    }

    static func reportAndExit(_ error: SparseSimError) -> Never {
        let shown = FlagNames.render(error)
        Console.error("sparsesim: \(error.kind == .interrupted ? "stopped" : "error"): \(shown.place): \(shown.message)")
        Foundation.exit(exitStatus(for: error))
    }

    /// 64 (EX_USAGE) for a setting out of range — a flag value a library refused —, 75
    /// (EX_TEMPFAIL: requeue) for a run stopped by a signal after its checkpoint, and 1 for bad
    /// input or a failed run.
    static func exitStatus(for error: SparseSimError) -> Int32 {
        switch error.kind {
        case .usage: 64
        case .interrupted: 75
        case .input, .run: 1
        }
    }
}
