import Foundation

// MARK: - Checkpoint state

extension SparseTraining {
    /// What a checkpoint must hold to resume bit-identically: every mask, the SWAT thresholds
    /// (as bit patterns), the densities (SWAT-M changes them) and the update history.
    struct State: Codable, Equatable {
        var weightThresholds: [UInt32]
        var activationThresholds: [UInt32]
        var keptActivationFractions: [Double]
        var densities: [Double]
        var updateSteps: [Int]

        enum CodingKeys: String, CodingKey {
            case weightThresholds = "weight_thresholds"
            case activationThresholds = "activation_thresholds"
            case keptActivationFractions = "kept_activation_fractions"
            case densities
            case updateSteps = "update_steps"
        }
    }

    /// The name of layer `i`'s mask in a checkpoint.
    func maskName(_ i: Int) -> String { "sparse.\(layers[i].name).mask" }

    /// Masks (and Gem-Miner's scores and their momenta) to save, by checkpoint name.
    var checkpointMasks: [(name: String, tensor: Tensor)] {
        var out = layers.indices.compactMap { i in layers[i].weightMask.map { (maskName(i), $0) } }
        for i in scores.indices where isSparse[i] {
            out.append(("sparse.\(layers[i].name).scores", scores[i]))
            out.append(("sparse.\(layers[i].name).score_momentum", scoreMomenta[i]))
        }
        return out
    }

    /// The state as JSON (sorted keys).
    func stateJSON() -> String {
        let state = State(
            weightThresholds: weightThresholds.map(\.bitPattern),
            activationThresholds: layers.map { $0.activationThreshold.bitPattern },
            keptActivationFractions: layers.map(\.keptActivationFraction),
            densities: densities, updateSteps: updateSteps)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(state)) ?? Data(), as: UTF8.self)
    }

    /// Restores what `stateJSON` wrote (the masks are restored by the caller).
    /// - Returns: false when the text does not describe this model's layers.
    func restoreState(_ text: String) -> Bool {
        guard let state = try? JSONDecoder().decode(State.self, from: Data(text.utf8)),
              state.weightThresholds.count == layers.count, state.activationThresholds.count == layers.count,
              state.keptActivationFractions.count == layers.count, state.densities.count == layers.count else { return false }
        weightThresholds = state.weightThresholds.map(Float.init(bitPattern:))
        for (i, layer) in layers.enumerated() {
            layer.sparsity.restoreActivationState(threshold: Float(bitPattern: state.activationThresholds[i]),
                                         keptFraction: state.keptActivationFractions[i])
        }
        densities = state.densities
        updateSteps = state.updateSteps
        return true
    }
}
