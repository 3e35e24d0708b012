import SparseSimCore

// MARK: - GemMinerSettings

/// Gem-Miner's search (Sreenivasan et al., NeurIPS 2022, "Rare Gems: Finding Lottery Tickets at
/// Initialization"; `hc_iter` in the authors' code): every weight gets a score in [0, 1]; the
/// forward pass uses the weights where the score rounds to 1 (`> 0.5`), the weights themselves
/// never change; the scores follow the straight-through gradient `∂L/∂(W⊙m) ⊙ W` plus an L2
/// regularizer `lambda·Σ s²` by SGD with momentum at the run's learning rate and schedule, are
/// clipped to [0, 1], and at `periods` evenly spaced steps the lowest scores are pruned for good
/// so that the density follows `d_k = d^(k/periods)` down to the target `d`; the last step keeps
/// exactly the target's count of the highest scores.
public struct GemMinerSettings: Codable, Equatable, Sendable {
    /// The L2 regularizer's weight on the scores (the authors' CIFAR-10 configs: 1e-4).
    public var lambda: Double
    /// Iterative thresholding steps over the search (the authors: every 5 of 150 epochs, 30).
    public var periods: Int

    /// The authors' defaults.
    public init(lambda: Double = 1e-4, periods: Int = 30) {
        self.lambda = lambda
        self.periods = periods
    }

    /// Checks the fields.
    /// - Throws: `SparseSimError` naming the setting.
    public func validate() throws {
        guard lambda >= 0 && lambda.isFinite else { throw SparseSimError.setting("scoreL2", "\(lambda) is not a non-negative number") }
        guard periods >= 1 else { throw SparseSimError.setting("thresholdingPeriods", "must be at least 1, got \(periods)") }
    }

    /// The step (0-based, after which) thresholding `k` of `periods` happens in a run of
    /// `totalSteps`: `round(k · T / periods) − 1`.
    public func thresholdingStep(_ k: Int, totalSteps: Int) -> Int {
        max(0, Int((Double(k) * Double(totalSteps) / Double(periods)).rounded()) - 1)
    }
}
