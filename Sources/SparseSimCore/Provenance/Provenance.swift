import Foundation

// MARK: - Provenance

/// Where an output came from: enough to run the same command again and get the same bytes.
public struct Provenance: Codable, Equatable, Sendable {
    /// The program that wrote the output, e.g. `sparsesim` or `sstrace.py`.
    public var tool: String
    /// That program's version.
    public var toolVersion: String
    /// The git commit the program was built from, when known.
    public var gitCommit: String?
    /// The full command line.
    public var commandLine: [String]
    /// The seed that drove every random choice, when there were any.
    public var seed: UInt64?
    /// Threads used for computation, when it matters for the result.
    public var threads: Int?
    /// The dataset trained on, when there was one.
    public var dataset: DatasetInfo?
    /// The OpenBLAS kernel family in use (`Haswell`, `SkylakeX`, ...), when BLAS was used.
    public var blasCore: String?
    /// What ran the training engine's dense convolutions (`oneDNN 2.6.3 (avx2)`,
    /// `im2col + OpenBLAS`), when a network was trained.
    public var convolutions: String?
    /// UTC creation time, ISO 8601 (`SOURCE_DATE_EPOCH` pins it for reproducible bytes).
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case tool
        case toolVersion = "tool_version"
        case gitCommit = "git_commit"
        case commandLine = "command_line"
        case seed, threads, dataset
        case blasCore = "blas_core"
        case convolutions
        case createdAt = "created_at"
    }

    /// A provenance record from every field.
    public init(
        tool: String, toolVersion: String, gitCommit: String?, commandLine: [String], seed: UInt64?,
        threads: Int?, dataset: DatasetInfo?, blasCore: String?, convolutions: String? = nil, createdAt: String
    ) {
        self.tool = tool
        self.toolVersion = toolVersion
        self.gitCommit = gitCommit
        self.commandLine = commandLine
        self.seed = seed
        self.threads = threads
        self.dataset = dataset
        self.blasCore = blasCore
        self.convolutions = convolutions
        self.createdAt = createdAt
    }

    /// A record for this process: SparseSim's version, the git commit of its checkout if it
    /// runs from one, the process's command line and the current time (or `SOURCE_DATE_EPOCH`).
    public static func current(
        seed: UInt64? = nil, threads: Int? = nil, dataset: DatasetInfo? = nil, blasCore: String? = nil,
        convolutions: String? = nil, commandLine: [String] = CommandLine.arguments
    ) -> Provenance {
        Provenance(
            tool: "sparsesim", toolVersion: SparseSimVersion.string, gitCommit: GitCommit.ofRunningExecutable(),
            commandLine: commandLine, seed: seed, threads: threads, dataset: dataset, blasCore: blasCore,
            convolutions: convolutions, createdAt: Self.timestamp())
    }

    /// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`, or `SOURCE_DATE_EPOCH` when that is set.
    public static func timestamp(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let seconds: Int
        if let pinned = environment["SOURCE_DATE_EPOCH"], let value = Int(pinned) {
            seconds = value
        } else {
            seconds = Int(Date().timeIntervalSince1970)
        }
        return iso8601(secondsSinceEpoch: seconds)
    }

    /// Formats seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
    public static func iso8601(secondsSinceEpoch t: Int) -> String {
        // Days-to-civil conversion (H. Hinnant's algorithm).
        let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
        let secondOfDay = t - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
        let year4 = year < 1000 ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year)
        return "\(year4)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
    }
}
