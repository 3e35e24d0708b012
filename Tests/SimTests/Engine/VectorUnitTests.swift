import Testing

@testable import Sim
@testable import SparseSimCore

/// The vector unit: its spec defaults and overrides, and the vector work it adds to a layer.
@Suite struct VectorUnitTests {
    static func spec(_ vector: String, rows: Int = 4, cols: Int = 8) throws -> HardwareSpec {
        let xml = """
            <accelerator name="v" version="1">
              <technology clockMHz="1000"/>
              <pe-array rows="\(rows)" cols="\(cols)" operandBits="8" accumulatorBits="32"/>
              <energy macPJ="0.5"/>
              <memory>
                <level name="dram" type="dram" widthBits="64" readPJ="100" writePJ="100" holds="weights inputs outputs"/>
                <level name="buf" type="sram" sizeKiB="1024" widthBits="64" readPJ="1" writePJ="1" holds="weights inputs outputs"/>
              </memory>
              <dataflow type="ws"/>
              \(vector)
            </accelerator>
            """
        return try SpecLoader.load(bytes: Array(xml.utf8), file: "v.xml")
    }

    @Test func defaultsAreOneLanePerColumnAtAMACsEnergy() throws {
        let unit = try Self.spec("").vectorUnit
        #expect(unit == HardwareSpec.VectorUnit(lanes: 8, cyclesPerOp: 1, energyPerOpPJ: 0.5))
        let given = try Self.spec(#"<vector-unit lanes="64" cyclesPerOp="2" energyPerOpPJ="0.25"/>"#).vectorUnit
        #expect(given == HardwareSpec.VectorUnit(lanes: 64, cyclesPerOp: 2, energyPerOpPJ: 0.25))
        for preset in ["systolic-ws", "tpu-v1-like", "scnn", "stc-2to4", "eyeriss-v2"] {
            let s = try SimulatorTests.spec(preset)
            #expect(s.vectorUnit.lanes == s.peArray.cols && s.vectorUnit.cyclesPerOp == 1 && s.vectorUnit.energyPerOpPJ == s.energy.macPJ,
                    "\(preset)")
        }
        let overridden = try SimulatorTests.spec("systolic-ws", ["vector-unit.lanes=128"])
        #expect(overridden.vectorUnit.lanes == 128)
    }

    @Test func badVectorUnitsAreErrorsWithTheirLine() {
        #expect(throws: SpecErrors.self) { try Self.spec(#"<vector-unit lanes="0"/>"#) }
        #expect(throws: SpecErrors.self) { try Self.spec(#"<vector-unit energyPerOpPJ="-1"/>"#) }
        do {
            _ = try Self.spec(#"<vector-unit lanes="x"/>"#)
            Issue.record("accepted")
        } catch let error as SpecErrors {
            #expect(error.errors.first?.line == 10, "\(error.errors)")
        } catch {
            Issue.record("\(error)")
        }
    }

    /// By hand: a matmul of 2 samples × 3 heads × 4×4 scores with softmax (6 operations per
    /// element) is 6·96 = 576 operations, ⌈576/8⌉ = 72 issues of 2 cycles on 8 lanes; a linear
    /// layer's LayerNorm before it (5 per input) and residual add after (1 per output).
    @Test func vectorWorkAddsItsCyclesAndEnergy() throws {
        let spec = try Self.spec(#"<vector-unit lanes="8" cyclesPerOp="2" energyPerOpPJ="0.25"/>"#)
        let sim = try Simulator(spec: spec)
        let plain = LayerShape.matmul("qk", N: 2, heads: 3, rows: 4, reduction: 5, columns: 4)
        let bare = try sim.simulate(plain)
        let r = try sim.simulate(plain.adding(.after(.softmax)))
        #expect(r.vectorOperations == 576 && r.vectorCycles == 144)
        #expect(r.cycles == bare.cycles + 144 && r.denseCycles == bare.denseCycles + 144 && r.computeCycles == bare.computeCycles)
        #expect(r.energyPJ["vector"] == 576 * 0.25)
        #expect(bare.vectorOperations == nil && bare.energyPJ["vector"] == nil)
        let fc = LayerShape.linear("fc", N: 6, K: 10, C: 7).adding(.before(.layerNorm), .after(.residualAdd))
        let f = try sim.simulate(fc)
        #expect(f.vectorOperations == 5 * 42 + 60)
        #expect(f.vectorCycles == (270 + 7) / 8 * 2)
    }

    /// On a sparse spec the vector work is the same on the layer and on its dense twin.
    @Test func sparseSpeedupCountsTheVectorWorkOnBothSides() throws {
        let sim = try SparseSimulatorTests.simulator("scnn")
        let shape = LayerShape.linear("fc", N: 4, K: 32, C: 64)
        let masks = LayerMasks(weights: SparseSimulatorTests.random(shape.weightCount, density: 0.3, seed: 3),
                               inputs: (0..<4).map { SparseSimulatorTests.random(64, density: 0.5, seed: 4 + UInt64($0)) },
                               inputSource: .recorded)
        let bare = try sim.simulate(Workload.Layer(shape: shape, masks: masks))
        let r = try sim.simulate(Workload.Layer(shape: shape.adding(.after(.gelu)), masks: masks))
        let v = try #require(r.vectorCycles)
        #expect(r.cycles == bare.cycles + v && r.denseCycles == bare.denseCycles + v)
        #expect(abs(r.speedup - Double(bare.denseCycles + v) / Double(bare.cycles + v)) < 1e-12)
    }

    /// The shares of a transformer's attention, MLP and other layers add up, and a CNN has none.
    @Test func blockSharesSumToOne() throws {
        let sim = try Simulator(spec: try SimulatorTests.spec("systolic-ws"))
        let r = try sim.run(Workload(source: "t", name: "bert-base", shapes: try #require(try NetworkCatalog.model("bert-base", sequenceLength: 32)).layers))
        let s = try #require(r.blockShares)
        #expect(abs(s.attention.cycleShare + s.mlp.cycleShare + s.other.cycleShare - 1) < 1e-12)
        #expect(s.attention.cycles + s.mlp.cycles + s.other.cycles == r.total.cycles)
        #expect(s.mlp.cycleShare > s.attention.cycleShare)  // at 32 tokens the MLP's GEMMs dominate
        #expect(r.renderTable().contains("shares: attention"))
        let cnn = try sim.run(Workload(source: "t", name: "lenet5", shapes: NetworkCatalog.model("lenet5")!.layers))
        #expect(cnn.blockShares == nil)
    }
}
