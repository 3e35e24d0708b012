// MARK: - TraceActivations

/// Which activations of the traced samples a trace records per layer (`train --trace-activations`).
public enum TraceActivations: String, Codable, CaseIterable, Sendable {
    /// The layers' inputs (what the simulator's activation masks come from): the default.
    case inputs
    /// The layers' own outputs, before BatchNorm or an activation function (for SVCCA).
    case outputs
    /// Both.
    case both

    /// Whether the inputs are recorded.
    public var recordsInputs: Bool { self != .outputs }
    /// Whether the outputs are recorded.
    public var recordsOutputs: Bool { self != .inputs }
}
