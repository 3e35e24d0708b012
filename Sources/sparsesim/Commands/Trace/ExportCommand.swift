import ArgumentParser
import Foundation
import Sim
import SparseSimCore
import Trace

// MARK: - trace export

/// `sparsesim trace export PATH --timeloop DIR`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a trace's layers as Timeloop/Sparseloop v0.3 problem YAML, one file per layer, with their real densities.",
        discussion: """
            Each layer becomes DIR/NN-LAYER.yaml: a CNN-Layer problem (a linear layer as a 1x1 \
            convolution) whose instance carries the snapshot's weight density (fixed-structured when \
            the run declared N:M and the mask keeps exactly that, hypergeometric otherwise) and the \
            recorded input density, for cross-checks in Sparseloop. Timeloop's R and P run along \
            the width: the files say so, with the layer's SparseSim shape in a comment.

            Examples:
              sparsesim trace export runs/rigl90.sstrace --timeloop sparseloop/rigl90
              sparsesim trace export runs/rigl-2to4.sstrace --snapshot 0 --timeloop sparseloop/init
            """
    )

    @Argument(help: "The trace directory.")
    var path: String

    @Option(help: "The directory for the problem files (created).")
    var timeloop: String

    @Option(help: "Which snapshot: 'last' or a step number.")
    var snapshot: String = "last"

    func validate() throws {
        guard snapshot == "last" || Int(snapshot).map({ $0 >= 0 }) == true else {
            throw ValidationError("--snapshot must be 'last' or a step number")
        }
    }

    func run() throws {
        let (workload, _, manifest) = try Workload.fromTrace(at: path, snapshot: snapshot)
        var nm: NMPattern?
        if case let .string(structure)? = manifest.method.parameters["structure"], structure.hasPrefix("nm:") {
            nm = NMPattern(parsing: structure.dropFirst(3))
        }
        let provenance = Provenance.current()
        let header = ["SparseSim trace export: \(workload.source) (model \(manifest.model.name), method \(manifest.method.name))",
                      "written by \(provenance.tool) \(provenance.toolVersion)\(provenance.gitCommit.map { " (\($0))" } ?? "") at \(provenance.createdAt)",
                      "Timeloop/Sparseloop v0.3 problem; densities are the trace's real ones"]
        let files = TimeloopExport.problems(workload, nm: nm, header: header)
        do {
            try FileManager.default.createDirectory(atPath: timeloop, withIntermediateDirectories: true)
        } catch {
            throw SparseSimError(file: timeloop, message: "cannot create the directory: \(error.localizedDescription)")
        }
        for f in files { try AtomicFile.write(f.text, to: timeloop + "/" + f.name) }
        try Console.emit("wrote \(files.count) problem files to \(timeloop)\n", to: nil)
    }
}
