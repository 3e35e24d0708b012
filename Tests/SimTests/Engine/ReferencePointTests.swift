import Testing

@testable import Sim
@testable import SparseSimCore
@testable import Trace

/// Published reference points the sparse model reproduces (Docs/validation.md).
@Suite struct ReferencePointTests {
    /// One layer with seeded uniform masks: weights at `wd`, one sample of inputs at `xd`.
    static func layer(_ shape: LayerShape, weights wd: Double, inputs xd: Double, seed: UInt64) -> Workload {
        var rng = RandomGenerator(seed: seed)
        let inputs = shape.C * shape.H * shape.W
        let masks = LayerMasks(
            weights: Workload.randomMask(count: shape.weightCount, ones: Int((wd * Double(shape.weightCount)).rounded()), using: &rng),
            inputs: [Workload.randomMask(count: inputs, ones: Int((xd * Double(inputs)).rounded()), using: &rng)],
            inputSource: .recorded)
        return Workload(source: "test", name: shape.name, layers: [Workload.Layer(shape: shape, masks: masks)])
    }

    /// SCNN beats its dense twin only when both operands are under ~85 % dense (Parashar et al.,
    /// ISCA 2017). Sweeping both densities of a 3×3, 96→128-channel, 28×28 layer on scnn.xml
    /// against the dense twin — the same 1024 multipliers at full utilization,
    /// ⌈MACs/1024⌉ cycles — the crossover falls between 75 % and 95 %.
    @Test func scnnCrossover() throws {
        let sim = try Simulator(spec: try SimulatorTests.spec("scnn"))
        let shape = LayerShape.conv("inception3x3", K: 128, C: 96, R: 3, H: 28, stride: 1, padding: 1)
        let twin = (shape.macs + 1023) / 1024
        var crossover: Double?
        var previous = Int.max
        for step in 0...8 {
            let d = 1.0 - 0.05 * Double(step)
            let cycles = try sim.run(Self.layer(shape, weights: d, inputs: d, seed: 5)).layers[0].computeCycles
            #expect(cycles < previous, "cycles fall with density")
            previous = cycles
            if crossover == nil && cycles < twin { crossover = d }
        }
        let d = try #require(crossover)
        #expect(d >= 0.75 && d <= 0.95, "crossover at \(d)")
    }

    /// DSTC (Wang et al., ISCA 2021) measured 4600 : 2500 : 1100 cycles for operand densities
    /// 1.0/1.0, 1.0/0.4 and 0.3/0.4. An outer-product engine — the Cartesian product on a GEMM
    /// written as a 1×1 convolution (M = 64 rows as an 8×8 plane, N = 64 filters, K = 512) on
    /// one PE multiplying 16-wide vectors of non-zero A and B values (16×16 multipliers,
    /// 512 accumulator banks, all 64 columns in one group) — reproduces the ratios within 15 %.
    @Test func dstcOuterProductRatios() throws {
        let spec = try SimulatorTests.spec("scnn", [
            "pe-array.rows=1", "pe-array.cols=1", "pe-array.macsPerPE=256", "dataflow.weightVector=16",
            "dataflow.inputVector=16", "dataflow.accumulatorBanks=512", "dataflow.channelGroup=64",
        ])
        let sim = try Simulator(spec: spec)
        let gemm = LayerShape.conv("gemm", K: 64, C: 512, R: 1, H: 8, stride: 1, padding: 0)
        func cycles(_ a: Double, _ b: Double) throws -> Double {
            Double(try sim.run(Self.layer(gemm, weights: b, inputs: a, seed: 17)).layers[0].computeCycles)
        }
        let dense = try cycles(1, 1)
        #expect(dense == 512 * 16)  // ⌈64/16⌉² cycles per reduction index
        for (a, b, measured) in [(1.0, 0.4, 2500.0), (0.3, 0.4, 1100.0)] {
            let ratio = try cycles(a, b) / dense
            let reference = measured / 4600
            #expect(abs(ratio / reference - 1) <= 0.15, "\(a)/\(b): \(ratio) against \(reference)")
        }
    }

    /// Eyeriss v1 silicon on AlexNet (JSSC 2017 Table V, copied from
    /// shared/validation/eyeriss-v1/alexnet.yaml): batch 4, the measured zero shares of each
    /// layer's input fmaps as `--activation-density`. Processing latency within 10 % and DRAM
    /// traffic within 20 % (MB = 10^6 bytes) on every layer; the active PEs of the mapping the
    /// chip's Table III gives for CONV1, CONV3–5.
    @Test func eyerissV1AlexNetSilicon() throws {
        let chip: [(name: String, ms: Double, dramMB: Double, zeros: Double, pes: Int)] = [
            ("conv1", 16.5, 5.0, 0.0001, 154), ("conv2", 39.2, 4.0, 0.387, 135), ("conv3", 21.8, 3.0, 0.725, 156),
            ("conv4", 16.0, 2.1, 0.793, 156), ("conv5", 10.0, 1.3, 0.776, 156),
        ]
        let table = LayerDensityTable(densities: Dictionary(uniqueKeysWithValues: chip.map { ($0.name, 1 - $0.zeros) }))
        let net = try #require(NetworkCatalog.model("alexnet", batch: 4))
        let workload = Workload(source: "model alexnet", name: "alexnet", shapes: net.layers).withActivationDensities(table, samples: 4, seed: 0)
        let spec = try SimulatorTests.spec("eyeriss-v1")
        let result = try Simulator(spec: spec).run(workload)
        for reference in chip {
            let l = try #require(result.layers.first { $0.name == reference.name })
            let ms = Double(l.cycles) / (spec.technology.clockMHz * 1e3)
            #expect(abs(ms / reference.ms - 1) < 0.10, "\(reference.name): \(ms) ms against the chip's \(reference.ms)")
            let mb = l.dramBytes.total / 1e6
            #expect(abs(mb / reference.dramMB - 1) < 0.20, "\(reference.name): \(mb) MB of DRAM against the chip's \(reference.dramMB)")
            #expect(l.boundBy == "compute")
            if reference.name != "conv2" { #expect(l.activePEs == reference.pes, "\(reference.name)") }
        }
    }
}
