import SparseSimCore
import Trace

// MARK: - SweepShard

/// The share of a sweep's points one process evaluates: shard `index` of `count` takes the
/// points whose number is `index` modulo `count` (round-robin, so neighbouring points, which
/// cost about the same, spread over the shards). `0/1` is the whole grid.
public struct SweepShard: Codable, Equatable, Sendable {
    /// This shard, 0-based (Slurm's `$SLURM_ARRAY_TASK_ID` with `--array=0-(n-1)`).
    public var index: Int
    /// Shards in all (`$SLURM_ARRAY_TASK_COUNT`).
    public var count: Int

    /// The whole grid.
    public static let all = SweepShard(index: 0, count: 1)

    /// Shard `index` of `count`.
    /// - Precondition: `0 <= index < count`.
    public init(index: Int, count: Int) {
        precondition(count >= 1 && index >= 0 && index < count, "a shard is i/n with 0 <= i < n")
        self.index = index
        self.count = count
    }

    /// Parses `i/n`.
    /// - Throws: `SparseSimError` against the setting `shard` unless `0 <= i < n`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else {
            throw SparseSimError.setting(
                "shard", "expected i/n with 0 <= i < n (e.g. 0/4; Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT with --array=0-3)",
                value: text)
        }
        self.init(index: i, count: n)
    }

    /// Whether point `point` belongs to this shard.
    public func contains(_ point: Int) -> Bool { point % count == index }
}
