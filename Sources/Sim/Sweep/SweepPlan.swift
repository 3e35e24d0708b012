import SparseSimCore
import Trace

// MARK: - SweepPlan

/// What a sweep evaluates: a base spec, fixed overrides, the axes whose Cartesian product makes
/// the grid, and the workload. Written to `DIR/sweep.json` (no timestamps, so every shard of a
/// sweep writes the same bytes); a later run into the same directory must have the same plan.
///
/// Point `i` of the grid sets the axes' values in mixed radix, the last axis varying fastest.
public struct SweepPlan: Codable, Equatable, Sendable {
    /// `sparsesim-sweep`.
    public var format = "sparsesim-sweep"
    /// Format version.
    public var version = 1
    /// The base spec's file, as given.
    public var baseSpec: String
    /// FNV-1a of the base spec's bytes: an edited spec is a different sweep.
    public var baseSpecChecksum: String
    /// Overrides applied to every point before the axes' (`--set`).
    public var overrides: [String]
    /// The axes.
    public var axes: [SweepAxis]
    /// The workload.
    public var workload: WorkloadSource

    enum CodingKeys: String, CodingKey {
        case format, version
        case baseSpec = "base_spec"
        case baseSpecChecksum = "base_spec_checksum"
        case overrides, axes, workload
    }

    /// Where the layers come from.
    public struct WorkloadSource: Codable, Equatable, Sendable {
        /// `model` or `trace`.
        public var kind: String
        /// The catalog model's name, or the trace's path.
        public var name: String
        /// Batch size (models).
        public var batch: Int?
        /// Which snapshot (traces): `last` or a step.
        public var snapshot: String?
        /// FNV-1a of the trace's manifest (traces): a re-recorded trace is a different sweep.
        public var checksum: String?

        /// A workload source.
        public init(kind: String, name: String, batch: Int? = nil, snapshot: String? = nil, checksum: String? = nil) {
            self.kind = kind
            self.name = name
            self.batch = batch
            self.snapshot = snapshot
            self.checksum = checksum
        }
    }

    /// A plan.
    /// - Precondition: every axis has at least one value.
    public init(baseSpec: String, baseSpecChecksum: String, overrides: [String], axes: [SweepAxis], workload: WorkloadSource) {
        precondition(axes.allSatisfy { !$0.values.isEmpty }, "every sweep axis has a value")
        self.baseSpec = baseSpec
        self.baseSpecChecksum = baseSpecChecksum
        self.overrides = overrides
        self.axes = axes
        self.workload = workload
    }

    /// Points in the grid (1 with no axes: the base spec alone).
    public var pointCount: Int { axes.reduce(1) { $0 * $1.values.count } }

    /// The value index of each axis at point `point`.
    /// - Precondition: `0 <= point < pointCount`.
    public func coordinates(of point: Int) -> [Int] {
        precondition(point >= 0 && point < pointCount, "point out of range")
        var rest = point
        var out = [Int](repeating: 0, count: axes.count)
        for a in axes.indices.reversed() {
            out[a] = rest % axes[a].values.count
            rest /= axes[a].values.count
        }
        return out
    }

    /// The `path=value` settings of point `point`, in axis order.
    public func settings(of point: Int) -> [String] {
        zip(axes, coordinates(of: point)).map { "\($0.path)=\($0.values[$1])" }
    }

    /// The point file's name: `points/` and the number, zero-padded to the grid's width.
    public func pointFile(_ point: Int) -> String {
        let digits = max(6, String(pointCount - 1).count)
        let number = String(point)
        return "points/" + String(repeating: "0", count: digits - number.count) + number + ".json"
    }
}
