import CZlib
import Foundation

// MARK: - BLASEnvironment

/// What decides the speed of the training engine's arithmetic on this machine: the OpenBLAS
/// kernel family in use, its threads, what pinned it, and what the CPU could run.
package struct BLASEnvironment: Codable, Equatable, Sendable {
    /// The OpenBLAS kernel family in use (`Haswell`, `SkylakeX`, `Cooperlake`, ...).
    package var core: String
    /// The instruction set that kernel family is written for, when known.
    package var coreInstructionSet: InstructionSet?
    /// OpenBLAS's version, e.g. `0.3.21`.
    package var openBLASVersion: String
    /// OpenBLAS's build configuration string.
    package var configuration: String
    /// Threads per BLAS call.
    package var threads: Int
    /// The value of `OPENBLAS_CORETYPE` when it is set: it pins the kernel family at load time.
    package var pinnedCoreType: String?
    /// The CPU's model name.
    package var cpuModel: String
    /// Logical processors online.
    package var logicalProcessors: Int
    /// The strongest instruction set the CPU supports.
    package var cpuInstructionSet: InstructionSet
    /// The CPU's vector features that matter to the kernels.
    package var cpuFeatures: [String]
    /// zlib's run-time version.
    package var zlibVersion: String

    enum CodingKeys: String, CodingKey {
        case core
        case coreInstructionSet = "core_instruction_set"
        case openBLASVersion = "openblas_version"
        case configuration, threads
        case pinnedCoreType = "pinned_core_type"
        case cpuModel = "cpu_model"
        case logicalProcessors = "logical_processors"
        case cpuInstructionSet = "cpu_instruction_set"
        case cpuFeatures = "cpu_features"
        case zlibVersion = "zlib_version"
    }

    /// The environment of this process.
    package static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> BLASEnvironment {
        let cpu = CPUInfo.current()
        let core = BLAS.coreName
        return BLASEnvironment(
            core: core, coreInstructionSet: InstructionSet(openBLASCore: core), openBLASVersion: BLAS.version,
            configuration: BLAS.configuration, threads: BLAS.threads,
            pinnedCoreType: environment["OPENBLAS_CORETYPE"].flatMap { $0.isEmpty ? nil : $0 },
            cpuModel: cpu.modelName, logicalProcessors: cpu.logicalProcessors,
            cpuInstructionSet: cpu.instructionSet, cpuFeatures: cpu.vectorFeatures,
            zlibVersion: CZlib.zlibVersion().map { String(cString: $0) } ?? "unknown")
    }

    /// A one-line warning when the kernels in use are weaker than the CPU supports, saying how to
    /// get the stronger ones; nil when the best kernels for this CPU are in use.
    package var weakerCoreWarning: String? {
        guard let coreLevel = coreInstructionSet, coreLevel < cpuInstructionSet else { return nil }
        if let pinned = pinnedCoreType {
            return "OpenBLAS is pinned to its \(core) (\(coreLevel)) kernels by OPENBLAS_CORETYPE=\(pinned), "
                + "but this CPU supports \(cpuInstructionSet); sgemm runs up to ~2x faster without the pin: "
                + "run with `env -u OPENBLAS_CORETYPE sparsesim ...`"
        }
        return "OpenBLAS \(openBLASVersion) selected its \(core) (\(coreLevel)) kernels, "
            + "but this CPU supports \(cpuInstructionSet); set OPENBLAS_CORETYPE=SkylakeX to try the stronger kernels"
    }
}
