import Foundation
import SparseSimCore
import Trace

// MARK: - PruningResult

/// What a pruning run kept: per layer and in total, with the layers that collapsed (kept no
/// weight). Its JSON is `sparsesim prune --format json`'s output.
public struct PruningResult: Codable, Equatable, Sendable {
    /// One prunable layer's count.
    public struct Layer: Codable, Equatable, Sendable {
        /// The layer's name.
        public var name: String
        /// Weights in the layer, and those kept.
        public var total: Int, remaining: Int
        /// `remaining / total`.
        public var density: Double
    }

    /// The model's name.
    public var model: String
    /// The method.
    public var method: PruningMethod
    /// The requested compression: log10 of total ÷ kept (`1` → 90 % sparse).
    public var compression: Double
    /// The requested kept fraction `10^−compression`.
    public var density: Double
    /// Score-and-prune rounds, and the schedule.
    public var iterations: Int, schedule: PruningSchedule
    /// Prunable weights, and those kept (exactly `round(density · total)`).
    public var totalWeights: Int, remainingWeights: Int
    /// Per prunable layer, in network order.
    public var layers: [Layer]
    /// The layers left without a weight: the network computes nothing through them.
    public var collapsed: [String]
    /// The batch SNIP and GraSP scored on, or `none (data-free)`.
    public var data: String
    /// GraSP's temperature; nil for other methods.
    public var temperature: Double?
    /// SynFlow: log10 of the product of the power-of-two factors the activations were divided by
    /// in the last round to stay in `Float` range (scores are exact up to this global factor, so
    /// the ranking is unchanged); nil for other methods.
    public var synflowLog10Rescale: Double?
    /// SynFlow: log10 of `R = Σ f(1; |θ|)` in the first and last rounds (before rescaling; nil
    /// where R is 0).
    public var synflowLog10R: [Double?]?

    /// Who made it: tool version, commit, command line, seed, threads, data, BLAS kernels, time
    /// (`SOURCE_DATE_EPOCH` when set, for byte-identical reruns).
    public var provenance: Provenance?
}
