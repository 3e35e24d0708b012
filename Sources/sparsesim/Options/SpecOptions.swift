import ArgumentParser

// MARK: - SpecOptions

/// The hardware specs a command simulates on, and the overrides applied to each.
struct SpecOptions: ParsableArguments {
    @Option(name: .customLong("hw"), help: "A hardware spec (repeat for several).")
    var specs: [String] = []

    @Option(name: .customLong("set"), help: "Override a spec attribute: path=value (applies to every --hw).")
    var overrides: [String] = []
}
