import Foundation

// MARK: - CPUInfo

/// The host CPU as Linux describes it in `/proc/cpuinfo`.
package struct CPUInfo: Equatable, Sendable {
    /// The model name, e.g. `AMD EPYC 9R45`.
    package var modelName: String
    /// Online logical processors.
    package var logicalProcessors: Int
    /// Feature flags (`avx2`, `avx512f`, `fma`, ...).
    package var flags: Set<String>

    /// The strongest vector instruction set the flags support.
    package var instructionSet: InstructionSet { InstructionSet(cpuFlags: flags) }

    /// The vector features SparseSim's kernels care about, in a fixed order, that this CPU has.
    package var vectorFeatures: [String] {
        ["sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16", "avx512_fp16", "amx_tile"]
            .filter(flags.contains)
    }

    /// A description from every field.
    package init(modelName: String, logicalProcessors: Int, flags: Set<String>) {
        self.modelName = modelName
        self.logicalProcessors = logicalProcessors
        self.flags = flags
    }

    /// Parses the text of `/proc/cpuinfo` (the first processor's model name and flags).
    package init(procCPUInfo text: String, logicalProcessors: Int) {
        var model = "unknown"
        var flags = Set<String>()
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if key == "model name" && model == "unknown" {
                model = value
            } else if key == "flags" && flags.isEmpty {
                flags = Set(value.split(separator: " ").map(String.init))
            }
        }
        self.init(modelName: model, logicalProcessors: logicalProcessors, flags: flags)
    }

    /// This machine's CPU (an empty description when `/proc/cpuinfo` cannot be read).
    package static func current() -> CPUInfo {
        let count = ProcessInfo.processInfo.activeProcessorCount
        guard let data = FileManager.default.contents(atPath: "/proc/cpuinfo") else {
            return CPUInfo(modelName: "unknown", logicalProcessors: count, flags: [])
        }
        return CPUInfo(procCPUInfo: String(decoding: data, as: UTF8.self), logicalProcessors: count)
    }
}
