import ArgumentParser

// MARK: - DensityArgument

/// A density flag's value: one number for every layer, or a CSV of per-layer densities.
enum DensityArgument: ExpressibleByArgument, Equatable {
    /// The same density everywhere.
    case uniform(Double)
    /// A `layer,density` CSV file.
    case perLayer(String)

    init?(argument: String) {
        if let d = Double(argument) { self = .uniform(d) } else if !argument.isEmpty { self = .perLayer(argument) } else { return nil }
    }
}
