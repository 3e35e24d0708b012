import Analysis
import ArgumentParser

/// `--activations` of `analyze svcca` and `--svcca` of `report`: `inputs` or `outputs`.
extension TraceSVCCA.Side: ExpressibleByArgument {}
