import Foundation
import SparseSimCore
import Trace

// MARK: - SparseMethod

/// A training method: dense, or one of the sparse methods of DESIGN.md §5.
public enum SparseMethod: String, CaseIterable, Codable, Sendable {
    /// Every weight trained.
    case dense
    /// A dense model whose widths are scaled to the sparse model's parameter count.
    case smallDense = "small-dense"
    /// A fixed random mask.
    case `static`
    /// SET: drop by magnitude, grow at random.
    case set
    /// RigL: drop by magnitude, grow by dense-gradient magnitude.
    case rigl
    /// SNFS: drop by magnitude, grow by momentum magnitude, redistribute by mean momentum.
    case snfs
    /// SWAT with the same sparsity in every layer.
    case swatU = "swat-u"
    /// SWAT with RigL's ERK distribution.
    case swatERK = "swat-erk"
    /// SWAT with per-layer densities reallocated by mean momentum.
    case swatM = "swat-m"
    /// Gradual magnitude pruning (Zhu & Gupta 2017): dense at first, then the smallest weights
    /// pruned on a cubic schedule until the target sparsity.
    case gmp
    /// Gem-Miner: scores trained with the weights frozen find a mask at initialization.
    case gemMiner = "gem-miner"

    /// Whether the method keeps a mask that the optimizer respects (the weights off the mask
    /// stay zero).
    public var isMaskBased: Bool { [.static, .set, .rigl, .snfs, .gmp, .gemMiner].contains(self) }
    /// Whether it is a SWAT variant (TopK weights in forward, sparse inputs in backward, dense update).
    public var isSWAT: Bool { [.swatU, .swatERK, .swatM].contains(self) }
    /// Whether it updates its mask during training (drop and grow).
    public var updatesMask: Bool { [.set, .rigl, .snfs].contains(self) }
    /// Whether it starts dense and prunes on a schedule (GMP).
    public var prunesGradually: Bool { self == .gmp }
    /// Whether it searches a mask with the weights frozen (Gem-Miner).
    public var searchesMask: Bool { self == .gemMiner }
    /// Whether it trains sparse weights at all.
    public var isSparse: Bool { isMaskBased || isSWAT }
    /// Whether `--sparsity`, `--distribution` and `--structure` mean anything to it (the sparse
    /// methods, and small-dense, which sizes itself after them).
    public var usesSparsity: Bool { isSparse || self == .smallDense }

    /// Parses a method name given as the setting `field`.
    /// - Throws: `SparseSimError` naming the field and the known methods.
    public init(parsing name: String, field: String = "method") throws {
        guard let method = SparseMethod(rawValue: name) else {
            throw SparseSimError.setting(field, "unknown method '\(name)' (known: \(Self.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = method
    }
}

// MARK: - SparseConfiguration

/// The sparse-training flags of `sparsesim train`, with the authors' defaults.
public struct SparseConfiguration: Codable, Equatable, Sendable {
    /// The method.
    public var method: SparseMethod
    /// Fraction of zeros over the sparse layers (nil: the structure's fixed density, or 0.9).
    public var sparsity: Double?
    /// Distribution over layers (SWAT-U is uniform and SWAT-ERK ERK whatever this says).
    public var distribution: SparsityDistribution
    /// `unstructured`, `channel`, `filter`, `block:BxB`, `nm:N:M`.
    public var structure: String
    /// Keep the first conv/linear layer dense; nil: dense when it is a convolution (the
    /// authors' convolutional-network setting; an MLP's first layer holds most of its weights).
    public var denseFirstLayer: Bool?
    /// Keep the last layer dense.
    public var denseLastLayer: Bool
    /// ΔT: steps between mask updates.
    public var updateInterval: Int
    /// α: the initial drop fraction.
    public var dropFraction: Double
    /// Mask updates stop after this fraction of training (the drop fraction decays to 0 by then).
    public var updateEnd: Double
    /// SWAT: steps between recomputations of convolution thresholds (linear layers: every step).
    public var topkPeriod: Int
    /// Apply the SGD step on mask-update steps too (RigL's TF1 code skips it: false).
    public var stepOnUpdate: Bool
    /// Sparse or dense kernels for the masked layers (`auto`: by the measured crossovers).
    public var kernels: SparseKernelMode
    /// GMP: when pruning starts, ends, and how often it prunes (see `GradualPruning`).
    public var pruning: GradualPruning
    /// Gem-Miner: the score regularizer and the thresholding periods.
    public var gemMiner: GemMinerSettings

    /// The configuration of `method` with the authors' defaults.
    public init(method: SparseMethod = .dense, sparsity: Double? = nil, distribution: SparsityDistribution = .erk,
                structure: String = "unstructured", denseFirstLayer: Bool? = nil, denseLastLayer: Bool = false,
                updateInterval: Int = 100, dropFraction: Double = 0.3, updateEnd: Double = 0.75, topkPeriod: Int = 10,
                stepOnUpdate: Bool = false, kernels: SparseKernelMode = .auto, pruning: GradualPruning = GradualPruning(),
                gemMiner: GemMinerSettings = GemMinerSettings()) {
        self.gemMiner = gemMiner
        self.method = method
        self.sparsity = sparsity
        self.distribution = distribution
        self.structure = structure
        self.denseFirstLayer = denseFirstLayer
        self.denseLastLayer = denseLastLayer
        self.updateInterval = updateInterval
        self.dropFraction = dropFraction
        self.updateEnd = updateEnd
        self.topkPeriod = topkPeriod
        self.stepOnUpdate = stepOnUpdate
        self.kernels = kernels
        self.pruning = pruning
    }

    enum CodingKeys: String, CodingKey {
        case method, sparsity, distribution, structure, denseFirstLayer, denseLastLayer, updateInterval, dropFraction
        case updateEnd, topkPeriod, stepOnUpdate, kernels, pruning, gemMiner
    }

    /// Decodes a configuration; checkpoints written before `kernels` (or `pruning`) existed read
    /// as `auto` (and the default schedule).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(method: try c.decode(SparseMethod.self, forKey: .method),
                  sparsity: try c.decodeIfPresent(Double.self, forKey: .sparsity),
                  distribution: try c.decode(SparsityDistribution.self, forKey: .distribution),
                  structure: try c.decode(String.self, forKey: .structure),
                  denseFirstLayer: try c.decodeIfPresent(Bool.self, forKey: .denseFirstLayer),
                  denseLastLayer: try c.decode(Bool.self, forKey: .denseLastLayer),
                  updateInterval: try c.decode(Int.self, forKey: .updateInterval),
                  dropFraction: try c.decode(Double.self, forKey: .dropFraction),
                  updateEnd: try c.decode(Double.self, forKey: .updateEnd),
                  topkPeriod: try c.decode(Int.self, forKey: .topkPeriod),
                  stepOnUpdate: try c.decode(Bool.self, forKey: .stepOnUpdate),
                  kernels: try c.decodeIfPresent(SparseKernelMode.self, forKey: .kernels) ?? .auto,
                  pruning: try c.decodeIfPresent(GradualPruning.self, forKey: .pruning) ?? GradualPruning(),
                  gemMiner: try c.decodeIfPresent(GemMinerSettings.self, forKey: .gemMiner) ?? GemMinerSettings())
    }

    /// Encodes every field; `pruning` only where it means something (GMP) or differs from the
    /// default, so the other methods' checkpoints keep the bytes they had before GMP existed.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(method, forKey: .method)
        try c.encodeIfPresent(sparsity, forKey: .sparsity)
        try c.encode(distribution, forKey: .distribution)
        try c.encode(structure, forKey: .structure)
        try c.encodeIfPresent(denseFirstLayer, forKey: .denseFirstLayer)
        try c.encode(denseLastLayer, forKey: .denseLastLayer)
        try c.encode(updateInterval, forKey: .updateInterval)
        try c.encode(dropFraction, forKey: .dropFraction)
        try c.encode(updateEnd, forKey: .updateEnd)
        try c.encode(topkPeriod, forKey: .topkPeriod)
        try c.encode(stepOnUpdate, forKey: .stepOnUpdate)
        try c.encode(kernels, forKey: .kernels)
        if method.prunesGradually || pruning != GradualPruning() { try c.encode(pruning, forKey: .pruning) }
        if method.searchesMask || gemMiner != GemMinerSettings() { try c.encode(gemMiner, forKey: .gemMiner) }
    }

    /// The parsed structure.
    public func parsedStructure() throws -> SparsityStructure { try SparsityStructure(parsing: structure) }

    /// The sparsity in effect: N:M fixes it at `1 − N/M`; otherwise `--sparsity` or 0.9.
    /// - Throws: `SparseSimError` when `--sparsity` is out of `[0, 1)` or contradicts N:M.
    public func effectiveSparsity() throws -> Double {
        func bad(_ message: String) -> SparseSimError {
            SparseSimError.setting("sparsity", message)
        }
        if let s = sparsity, !(s >= 0 && s < 1) { throw bad("\(s) is not in [0, 1)") }
        if let fixed = try parsedStructure().fixedDensity {
            let implied = 1 - fixed
            if let s = sparsity, abs(s - implied) > 1e-9 {
                throw bad("\(s) contradicts `structure` \(structure), which fixes the sparsity at \(implied)")
            }
            return implied
        }
        return sparsity ?? 0.9
    }

    /// Indices of the layers kept dense among `layers` (the model's weight layers).
    package func denseLayers(_ layers: [any WeightLayer]) -> Set<Int> {
        var dense = Set<Int>()
        guard let first = layers.first else { return dense }
        if denseFirstLayer ?? (first is Conv2d || first is DecomposedConv2d) { dense.insert(0) }
        if denseLastLayer { dense.insert(layers.count - 1) }
        return dense
    }

    /// The distribution the method uses.
    public var effectiveDistribution: SparsityDistribution {
        switch method {
        case .swatU, .swatM: .uniform
        case .swatERK: .erk
        default: distribution
        }
    }

    /// Checks every field.
    /// - Throws: `SparseSimError` naming the flag.
    public func validate() throws {
        func bad(_ field: String, _ message: String) -> SparseSimError { .setting(field, message) }
        _ = try parsedStructure()
        _ = try effectiveSparsity()
        guard updateInterval >= 1 else { throw bad("updateInterval", "must be at least 1") }
        guard dropFraction >= 0 && dropFraction <= 1 else { throw bad("dropFraction", "must be in [0, 1]") }
        guard updateEnd > 0 && updateEnd <= 1 else { throw bad("updateEnd", "must be in (0, 1]") }
        guard topkPeriod >= 1 else { throw bad("topkPeriod", "must be at least 1") }
        try pruning.validate()
        try gemMiner.validate()
        if method.searchesMask && structure != "unstructured" {
            throw bad("structure", "Gem-Miner searches unstructured masks (one score per weight), not \(structure)")
        }
    }

    /// The drop fraction at `step` of `total`: `α/2 · (1 + cos(π t / T_end))`, 0 after `T_end`.
    public func dropFraction(step: Int, total: Int) -> Double {
        let end = updateEnd * Double(total)
        guard Double(step) < end else { return 0 }
        return dropFraction / 2 * (1 + Foundation.cos(Double.pi * Double(step) / end))
    }

    /// Every hyper-parameter, for trace manifests (GMP adds its schedule).
    public func parameters() throws -> [String: ParameterValue] {
        var out: [String: ParameterValue] = [
            "sparsity": .double(try effectiveSparsity()),
            "distribution": .string(effectiveDistribution.rawValue),
            "structure": .string(structure),
            "dense_first_layer": denseFirstLayer.map { .bool($0) } ?? .string("auto"),
            "dense_last_layer": .bool(denseLastLayer),
            "update_interval": .int(updateInterval),
            "drop_fraction": .double(dropFraction),
            "update_end": .double(updateEnd),
            "topk_period": .int(topkPeriod),
            "step_on_update": .bool(stepOnUpdate),
            "kernels": .string(kernels.rawValue),
        ]
        if method.prunesGradually {
            out["prune_start"] = .double(pruning.start)
            out["prune_end"] = .double(pruning.end)
            out["prune_frequency"] = pruning.frequency.map { .int($0) } ?? .string("auto")
        }
        if method.searchesMask {
            out["score_l2"] = .double(gemMiner.lambda)
            out["thresholding_periods"] = .int(gemMiner.periods)
        }
        return out
    }
}
