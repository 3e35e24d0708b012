import Testing

@testable import Sim
@testable import SparseSimCore

/// The engine's one shape: every dataflow a spec may name has exactly one model, and the
/// simulator runs the one the spec's dataflow picks.
@Suite struct DataflowModelTests {
    @Test func everyDataflowHasExactlyOneModel() {
        for dataflow in HardwareSpec.Dataflow.allCases {
            let models = registeredDataflowModels.filter { $0.dataflows.contains(dataflow) }
            #expect(models.count == 1, "\(dataflow): \(models)")
        }
    }

    @Test(arguments: SpecLoaderTests.presets)
    func presetsRunTheirFamily(name: String) throws {
        let spec = try SimulatorTests.spec(name)
        let simulator = try Simulator(spec: spec)
        #expect(type(of: simulator.model).dataflows.contains(spec.dataflow))
    }

    /// The dense twin of a sparse spec is the spec without sparsity, and a dense spec's speedup is 1.
    @Test func denseTwinHasNoSparsity() throws {
        let scnn = try Simulator(spec: try SimulatorTests.spec("scnn"))
        let twin = try scnn.denseTwin
        #expect(scnn.hasSparsity && !twin.hasSparsity)
        let layer = NetworkCatalog.model("lenet5")!.layers[1]
        let cycles = try twin.simulate(layer).cycles
        #expect(try scnn.denseTwinCycles(layer) == cycles)
        let ws = try Simulator(spec: try SimulatorTests.spec("systolic-ws"))
        #expect(try ws.simulate(layer).speedup == 1)
    }
}
