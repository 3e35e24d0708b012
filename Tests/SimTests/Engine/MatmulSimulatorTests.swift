import Testing

@testable import Sim
@testable import SparseSimCore
@testable import Trace

/// Matmul layers (products of two activations: attention) and transformer GEMMs.
@Suite struct MatmulSimulatorTests {
    /// Every GEMM of the catalog's transformers on the systolic presets equals SCALE-Sim's GEMM
    /// mode (`ScaleSimTopologyTests.scaleSimGEMM`, written from SCALE-Sim's fold rule, not from
    /// the simulator's code): a linear layer is one GEMM (`M` = its rows, tokens of every
    /// sequence), a matmul layer `N·heads` of them.
    @Test(arguments: ["systolic-ws", "systolic-os", "systolic-is", "tpu-v1-like"])
    func transformerGEMMsAreScaleSimsGEMMMode(preset: String) throws {
        let spec = try SimulatorTests.spec(preset)
        let sim = try Simulator(spec: spec)
        let (rows, cols) = (spec.peArray.rows, spec.peArray.cols)
        let dataflow = ["output-stationary": "os", "weight-stationary": "ws", "input-stationary": "is"][spec.dataflow.rawValue]!
        for (name, length) in [("bert-base", 128), ("gpt2-small", 256), ("llama-d2048-l16", 64), ("vit-b16", 197)] {
            let model = try #require(try NetworkCatalog.model(name, batch: 2, sequenceLength: length))
            for layer in model.layers.prefix(10) where layer.kind != .conv {
                let expected = layer.kind == .matmul
                    ? layer.N * layer.groups * ScaleSimTopologyTests.scaleSimGEMM(M: layer.P, N: layer.K / layer.groups, K: layer.channelsPerGroup,
                                                                 rows: rows, cols: cols, dataflow: dataflow)
                    : ScaleSimTopologyTests.scaleSimGEMM(M: layer.N, N: layer.K, K: layer.C, rows: rows, cols: cols, dataflow: dataflow)
                let r = try sim.simulate(layer)
                #expect(r.computeCycles == expected, "\(preset) \(name) \(layer.name)")
                #expect(r.macs == layer.macs)
            }
        }
    }

    /// A matmul with random zeros in both operands: MACs, effectual MACs counted by brute force
    /// over the operands (`A[n,h,i,e] ≠ 0 ∧ B[n,h,j,e] ≠ 0`), and cycles equal to the sum of its
    /// GEMMs simulated one by one as linear layers cut from the masks by hand.
    @Test(arguments: ["scnn", "sparten", "cambricon-x", "systolic-ws", "eyeriss-v2"])
    func matmulAgainstBruteForce(preset: String) throws {
        let sim = try SparseSimulatorTests.simulator(preset)
        let (n, heads, rows, reduction, columns) = (2, 3, 5, 8, 6)
        let shape = LayerShape.matmul("qk", N: n, heads: heads, rows: rows, reduction: reduction, columns: columns)
        let b = SparseSimulatorTests.random(shape.weightCount, density: 0.6, seed: 7)
        let a = (0..<n).map { SparseSimulatorTests.random(heads * rows * reduction, density: 0.5, seed: 70 + UInt64($0)) }
        let layer = Workload.Layer(shape: shape, masks: LayerMasks(weights: b, inputs: a, inputSource: .recorded))
        let r = try sim.simulate(layer)
        var effectual = 0, cycles = 0
        for s in 0..<n {
            for h in 0..<heads {
                for i in 0..<rows {
                    for j in 0..<columns {
                        for e in 0..<reduction
                        where a[s][(h * rows + i) * reduction + e] && b[((s * heads + h) * columns + j) * reduction + e] {
                            effectual += 1
                        }
                    }
                }
                let weights = Bitmask((0..<columns * reduction).map { b[(s * heads + h) * columns * reduction + $0] })
                let inputs = (0..<rows).map { i in Bitmask((0..<reduction).map { a[s][(h * rows + i) * reduction + $0] }) }
                cycles += try sim.simulate(Workload.Layer(shape: .linear("g", N: rows, K: columns, C: reduction),
                                                          masks: LayerMasks(weights: weights, inputs: inputs, inputSource: .recorded))).cycles
            }
        }
        // A dense array performs every MAC; one that skips zeros performs the effectual ones or more.
        #expect(r.macs == (preset == "systolic-ws" ? n * heads * rows * reduction * columns : r.macs))
        #expect(r.macs >= effectual && r.macs <= n * heads * rows * reduction * columns)
        #expect(r.effectualMacs == effectual, "\(preset)")
        #expect(r.cycles == cycles, "\(preset)")
        #expect(r.name == "qk")
        #expect(abs(r.weightDensity! - b.density) < 1e-12)
    }

    /// `--weight-density` draws masks for the weights only: a matmul's second operand is an
    /// activation and stays dense.
    @Test func statisticalWeightDensitySkipsMatmuls() throws {
        let model = try #require(NetworkCatalog.model("vit-tiny", batch: 2))
        let w = Workload(source: "t", name: "vit-tiny", shapes: model.layers).withWeightDensity(0.5, seed: 1)
        #expect(w.layers.filter { $0.shape.kind == .matmul }.count == 8)
        for layer in w.layers {
            #expect((layer.masks?.weights == nil) == (layer.shape.kind == .matmul), "\(layer.shape.name)")
        }
    }

    /// Without masks a matmul is `N·heads` identical GEMMs.
    @Test func denseMatmulIsItsGEMMsTimesInstances() throws {
        let sim = try SparseSimulatorTests.simulator("scnn")
        let one = try sim.simulate(.linear("g", N: 16, K: 16, C: 64))
        let r = try sim.simulate(.matmul("qk", N: 3, heads: 4, rows: 16, reduction: 64, columns: 16))
        #expect(r.cycles == 12 * one.cycles && r.macs == 12 * one.macs)
        let energy = r.energyPJ.values.reduce(0, +), twelve = 12 * one.energyPJ.values.reduce(0, +)
        #expect(abs(energy / twelve - 1) < 1e-12)
    }
}
