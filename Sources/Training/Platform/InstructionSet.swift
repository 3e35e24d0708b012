// MARK: - InstructionSet

/// The x86-64 vector instruction-set levels that decide which BLAS kernels can run.
package enum InstructionSet: String, Comparable, Codable, Sendable, CustomStringConvertible {
    /// No vector extension SparseSim knows of (or a non-x86 CPU).
    case baseline
    /// SSE2/SSE3 (128-bit).
    case sse
    /// AVX (256-bit, no FMA).
    case avx
    /// AVX2 with FMA3 (256-bit).
    case avx2
    /// AVX-512 F, BW, DQ and VL (512-bit): what OpenBLAS's SkylakeX kernels need.
    case avx512

    /// Orders levels from weakest to strongest.
    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .baseline: 0
        case .sse: 1
        case .avx: 2
        case .avx2: 3
        case .avx512: 4
        }
    }

    /// `AVX-512`, `AVX2`, ...
    package var description: String {
        switch self {
        case .baseline: "baseline"
        case .sse: "SSE"
        case .avx: "AVX"
        case .avx2: "AVX2"
        case .avx512: "AVX-512"
        }
    }

    /// The strongest level a set of `/proc/cpuinfo` flags supports.
    package init(cpuFlags flags: Set<String>) {
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) {
            self = .avx512
        } else if flags.contains("avx2") && flags.contains("fma") {
            self = .avx2
        } else if flags.contains("avx") {
            self = .avx
        } else if flags.contains("sse2") {
            self = .sse
        } else {
            self = .baseline
        }
    }

    /// The level an OpenBLAS kernel family (its `openblas_get_corename()` name) is written for,
    /// or nil for a name SparseSim does not know.
    package init?(openBLASCore name: String) {
        switch name.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": self = .avx512
        case "haswell", "zen", "excavator", "steamroller": self = .avx2
        case "sandybridge", "bulldozer", "piledriver": self = .avx
        case "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn", "dunnington",
             "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "bobcat":
            self = .sse
        default: return nil
        }
    }
}
