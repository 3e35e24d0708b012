import SparseSimCore

// MARK: - DataflowModel

/// One family of PE-array dataflows: how a layer maps onto the array, how many cycles it
/// computes and what it moves through each memory level. The simulator picks the registered
/// model whose `dataflows` hold the spec's, asks it for each layer's `LayerWork`, and finishes
/// every layer the same way (pacing, utilization, bandwidths, speedup over the dense twin,
/// weight compression).
///
/// Adding a dataflow: a `HardwareSpec.Dataflow` case (and its value in `accelerator.xsd`), one
/// file in `Sources/Sim/Dataflows/` with a type conforming to this protocol, and its line in
/// `registered` (Docs/architecture.md).
protocol DataflowModel: Sendable {
    /// The spec dataflows this model runs.
    static var dataflows: Set<HardwareSpec.Dataflow> { get }

    /// A model of `spec`'s array.
    /// - Throws: `SparseSimError` naming `file` when the spec asks what the model cannot do.
    init(spec: HardwareSpec, file: String) throws

    /// The layer's compute and traffic on `simulator`'s spec.
    /// - Throws: `SparseSimError` when the layer's masks or decomposition do not fit the spec.
    func work(for layer: Workload.Layer, on simulator: Simulator) throws -> LayerWork
}

/// Every dataflow model, one per family.
let registeredDataflowModels: [any DataflowModel.Type] = [
    SystolicArrayModel.self, RowStationaryModel.self, SparsePEArrayModel.self, BasisFirstModel.self,
]
