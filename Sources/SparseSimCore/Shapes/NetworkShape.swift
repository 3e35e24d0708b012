// MARK: - NetworkShape

/// The network of a trace: its name, input shape and conv/linear layers.
public struct NetworkShape: Codable, Equatable, Sendable {
    /// The model's name, e.g. `mlp` or `resnet20`.
    public var name: String
    /// One sample's input shape, e.g. `[1, 28, 28]`.
    public var inputShape: [Int]
    /// The layers whose weights and activations snapshots may record, in network order.
    public var layers: [LayerShape]

    enum CodingKeys: String, CodingKey {
        case name
        case inputShape = "input_shape"
        case layers
    }

    /// A model description.
    public init(name: String, inputShape: [Int], layers: [LayerShape]) {
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
    }

    /// The layer called `name`, if any.
    public func layer(named name: String) -> LayerShape? {
        layers.first { $0.name == name }
    }
}
