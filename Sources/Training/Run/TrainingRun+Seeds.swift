import Foundation

// MARK: - One run per seed

extension TrainingRun.Outputs {
    /// The outputs of the run with `seed` among several (`train --seeds`): checkpoints in
    /// `DIR/seed-S`, the trace `NAME-seedS.sstrace` and the metrics `NAME-seedS.jsonl` beside
    /// the given ones.
    public func seeded(_ seed: UInt64) -> TrainingRun.Outputs {
        var out = self
        out.checkpointDirectory = checkpointDirectory.map { ($0.hasSuffix("/") ? String($0.dropLast()) : $0) + "/seed-\(seed)" }
        out.metricsPath = metricsPath.map { Self.suffixed($0, "-seed\(seed)") }
        out.tracePath = tracePath.map { Self.suffixed($0, "-seed\(seed)") }
        return out
    }

    /// `path` with `suffix` before its extension: `runs/a.sstrace` → `runs/a-seed1.sstrace`;
    /// a path without one (or ending in `/`) gets it at the end.
    static func suffixed(_ path: String, _ suffix: String) -> String {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        let name = trimmed.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? trimmed
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return trimmed + suffix }
        let stem = trimmed.dropLast(name.distance(from: dot, to: name.endIndex))
        return stem + suffix + name[dot...]
    }
}
