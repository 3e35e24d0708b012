import ArgumentParser
import Sim
import SparseSimCore
import Trace
import Training

/// Everything `sparsesim env` reports.
struct EnvironmentReport: Codable {
    var sparsesimVersion: String
    var gitCommit: String?
    var blas: BLASEnvironment
    var libxml2Version: String
    /// What runs the training engine's dense convolutions by default (`--convolutions auto`).
    var convolutions: String
    var warning: String?

    static func current() -> EnvironmentReport {
        let blas = BLASEnvironment.current()
        return EnvironmentReport(
            sparsesimVersion: SparseSimVersion.string, gitCommit: GitCommit.ofRunningExecutable(), blas: blas,
            libxml2Version: XMLLibrary.version,
            convolutions: ((try? ConvolutionKernels.auto.resolved()) ?? .im2col).provenanceName
                + (OneDNN.status.available ? "" : " (oneDNN unavailable: \(OneDNN.status.description))"),
            warning: blas.weakerCoreWarning)
    }

    func renderTable() -> String {
        let b = blas
        var rows: [(String, String)] = [
            ("sparsesim", sparsesimVersion + (gitCommit.map { " (\($0.prefix(12)))" } ?? "")),
            ("blas core", "\(b.core)" + (b.coreInstructionSet.map { " (\($0) kernels)" } ?? "")),
            ("blas pinned by", b.pinnedCoreType.map { "OPENBLAS_CORETYPE=\($0)" } ?? "nothing (OpenBLAS chose at load time)"),
            ("blas threads", "\(b.threads)"),
            ("openblas", "\(b.openBLASVersion) [\(b.configuration)]"),
            ("cpu", b.cpuModel),
            ("cpu logical processors", "\(b.logicalProcessors)"),
            ("cpu instruction set", "\(b.cpuInstructionSet)"),
            ("cpu vector features", b.cpuFeatures.joined(separator: " ")),
            ("convolutions", convolutions),
            ("libxml2", libxml2Version),
            ("zlib", b.zlibVersion),
        ]
        if warning != nil { rows.append(("status", "kernels weaker than the CPU supports (see warning)")) }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 }.joined(separator: "\n") + "\n"
    }
}
