import Foundation
import SparseSimCore
import Trace

// MARK: - PruningMethod

/// A prune-at-initialization method (DESIGN.md §5): how each weight is scored before the
/// global threshold keeps the largest scores.
public enum PruningMethod: String, CaseIterable, Codable, Sendable {
    /// Tanaka et al. (NeurIPS 2020): `|θ ⊙ ∂R/∂θ|` with `R = Σ f(1; |θ|)`, data-free, iterative.
    case synflow
    /// Lee et al. (ICLR 2019): connection sensitivity `|g ⊙ θ|` of the loss on a batch.
    case snip
    /// Wang et al. (ICLR 2020): `θ ⊙ Hg` of the loss at temperature T on a batch, largest kept.
    case grasp
    /// `|θ|`.
    case magnitude
    /// Uniform random scores.
    case random

    /// Whether scoring needs a labelled batch.
    public var needsData: Bool { self == .snip || self == .grasp }

    /// The default number of prune-score iterations: 100 for SynFlow (the paper), 1 otherwise.
    public var defaultIterations: Int { self == .synflow ? 100 : 1 }

    /// Parses a method name given as the setting `field`.
    /// - Throws: `SparseSimError` naming the field and the known methods.
    public init(parsing name: String, field: String = "method") throws {
        guard let method = PruningMethod(rawValue: name) else {
            throw SparseSimError.setting(field, "unknown pruning method '\(name)' (known: \(Self.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = method
    }
}

// MARK: - PruningSchedule

/// How the density falls over the iterations `k = 1…n` towards the target `d`.
public enum PruningSchedule: String, CaseIterable, Codable, Sendable {
    /// `d^(k/n)` (SynFlow's default: the same fraction pruned at every iteration).
    case exponential
    /// `1 − (1 − d)·k/n`.
    case linear

    /// The density after iteration `k` of `n`.
    /// - Precondition: `1 <= k <= n`, `0 < d <= 1`.
    public func density(iteration k: Int, of n: Int, target d: Double) -> Double {
        precondition(k >= 1 && k <= n && d > 0 && d <= 1, "bad schedule point")
        if k == n { return d }
        switch self {
        case .exponential: return Foundation.pow(d, Double(k) / Double(n))
        case .linear: return 1 - (1 - d) * Double(k) / Double(n)
        }
    }
}

// MARK: - PruningConfiguration

/// One pruning run's settings.
public struct PruningConfiguration: Codable, Equatable, Sendable {
    /// The scoring method.
    public var method: PruningMethod
    /// The fraction of prunable weights kept at the end (`10^−compression`, or `1 − sparsity`).
    public var density: Double
    /// Score-and-prune rounds.
    public var iterations: Int
    /// The density schedule over the rounds.
    public var schedule: PruningSchedule
    /// GraSP's softmax temperature (the authors' 200).
    public var temperature: Double

    /// Settings with the method's default iterations, exponential schedule and T = 200.
    public init(method: PruningMethod, density: Double, iterations: Int? = nil, schedule: PruningSchedule = .exponential,
                temperature: Double = 200) {
        self.method = method
        self.density = density
        self.iterations = iterations ?? method.defaultIterations
        self.schedule = schedule
        self.temperature = temperature
    }

    /// The density for compression `x` (log10 of total ÷ remaining): `10^−x`.
    public static func density(compression x: Double) -> Double { Foundation.pow(10, -x) }

    /// Checks the settings.
    /// - Throws: `SparseSimError` naming the flag.
    public func validate() throws {
        func bad(_ field: String, _ message: String) -> SparseSimError { .setting(field, message) }
        guard density.isFinite, density > 0, density <= 1 else {
            throw bad("compression", "the kept fraction must be in (0, 1] (compression ≥ 0, sparsity in [0, 1)); got density \(density)")
        }
        guard iterations >= 1 else { throw bad("iterations", "must be at least 1") }
        guard temperature.isFinite, temperature > 0 else { throw bad("temperature", "must be positive") }
    }

    /// Prunable weights kept after iteration `k` of `iterations`, out of `total`: non-increasing
    /// in `k`, exactly `round(density · total)` at the end.
    public func keptCount(iteration k: Int, total: Int) -> Int {
        let d = schedule.density(iteration: k, of: iterations, target: density)
        return min(total, max(0, Int((d * Double(total)).rounded())))
    }
}
