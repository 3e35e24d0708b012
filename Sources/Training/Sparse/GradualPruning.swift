import SparseSimCore

// MARK: - GradualPruning

/// The schedule of gradual magnitude pruning (Zhu & Gupta, "To prune, or not to prune", 2017):
/// a layer with final sparsity `s_f` is dense until step `t0`, then at every pruning step `t`
/// keeps its largest-magnitude weights (groups) at sparsity
/// `s_t = s_f · (1 − (1 − (t − t0) / (t1 − t0))³)`, and stays at `s_f` after `t1`.
///
/// `start` and `end` are fractions of the run's steps; the defaults are the RigL paper's CIFAR-10
/// pruning baseline (Evci et al. 2020, `rigl/cifar_resnet/resnet_train_eval.py`: begin at step
/// 20,000, end at 75,000, prune every 1,000 steps of 97,656) scaled to the run.
public struct GradualPruning: Codable, Equatable, Sendable {
    /// The RigL paper's CIFAR-10 run: 97,656 steps, pruning from 20,000 to 75,000 every 1,000.
    public static let referenceSteps = 97_656.0, referenceStart = 20_000.0, referenceEnd = 75_000.0
    public static let referenceFrequency = 1_000.0

    /// First pruning step, as a fraction of the run's steps.
    public var start: Double
    /// Step at which the final sparsity is reached, as a fraction of the run's steps.
    public var end: Double
    /// Steps between pruning steps; nil: 1,000 / 97,656 of the run (at least 1).
    public var frequency: Int?

    /// A schedule; the defaults are the RigL paper's, scaled.
    public init(start: Double = GradualPruning.referenceStart / GradualPruning.referenceSteps,
                end: Double = GradualPruning.referenceEnd / GradualPruning.referenceSteps, frequency: Int? = nil) {
        self.start = start
        self.end = end
        self.frequency = frequency
    }

    /// Checks the fields.
    /// - Throws: `SparseSimError` naming the setting.
    public func validate() throws {
        guard start >= 0 && start < 1 else { throw SparseSimError.setting("pruneStart", "\(start) is not in [0, 1)") }
        guard end > start && end <= 1 else {
            throw SparseSimError.setting("pruneEnd", "\(end) must be in (`pruneStart` = \(start), 1]")
        }
        if let f = frequency, f < 1 { throw SparseSimError.setting("pruneFrequency", "must be at least 1, got \(f)") }
    }

    /// The schedule in steps for a run of `totalSteps`: first and last pruning step and the
    /// interval (`t0 < t1` whenever the run has two steps or more).
    public func steps(totalSteps: Int) -> (first: Int, last: Int, every: Int) {
        let total = Double(max(totalSteps, 1))
        let first = min(Int((start * total).rounded()), max(totalSteps - 1, 0))
        let last = max(first + 1, min(Int((end * total).rounded()), totalSteps))
        let every = frequency ?? max(1, Int((total * Self.referenceFrequency / Self.referenceSteps).rounded()))
        return (first, last, every)
    }

    /// Whether `step` (0-based) prunes: `t0 + k·Δ` up to `t1`, and `t1` itself.
    public func prunes(at step: Int, totalSteps: Int) -> Bool {
        let (first, last, every) = steps(totalSteps: totalSteps)
        guard step >= first && step <= last else { return false }
        return (step - first) % every == 0 || step == last
    }

    /// The sparsity at `step` for a final sparsity `final`: 0 before `t0`, `final` from `t1`.
    public func sparsity(final: Double, at step: Int, totalSteps: Int) -> Double {
        let (first, last, _) = steps(totalSteps: totalSteps)
        guard step > first else { return 0 }
        let progress = min(1, Double(step - first) / Double(last - first))
        let remaining = 1 - progress
        return final * (1 - remaining * remaining * remaining)
    }
}
