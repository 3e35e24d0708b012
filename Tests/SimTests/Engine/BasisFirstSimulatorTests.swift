import SparseFormats
import Testing

@testable import Sim
@testable import SparseSimCore
@testable import Trace

/// ESCALATE's basis-first model on the escalate preset: stage MACs, DRAM traffic without an
/// intermediate term (hand counted), compression ratios, the dense twin, gating, and notes.
@Suite struct BasisFirstSimulatorTests {
    static let conv = LayerShape.conv("c3", N: 2, K: 16, C: 8, R: 3, H: 12, padding: 1)
    static let pointwise = LayerShape.conv("pw", N: 2, K: 12, C: 16, R: 1, H: 12)
    static let fc = LayerShape.linear("fc", N: 2, K: 10, C: 64)

    static func workload(density: Double, bases m: Int = 4, sharing: BasisSharing = .layer, seed: UInt64 = 5) -> Workload {
        let coefficients = SparseSimulatorTests.random(conv.K * conv.C * m, density: density, seed: seed)
        let layers = [
            Workload.Layer(shape: conv, masks: LayerMasks(weights: Bitmask(repeating: true, count: conv.weightCount), inputs: [],
                                                          inputSource: .dense),
                           decomposition: LayerDecomposition(bases: m, sharing: sharing, coefficientMask: coefficients)),
            Workload.Layer(shape: pointwise, masks: LayerMasks(
                weights: SparseSimulatorTests.random(pointwise.weightCount, density: density, seed: seed + 1), inputs: [], inputSource: .dense)),
            Workload.Layer(shape: fc, masks: LayerMasks(
                weights: SparseSimulatorTests.random(fc.weightCount, density: density, seed: seed + 2), inputs: [], inputSource: .dense)),
        ]
        return Workload(source: "test", name: "test", layers: layers)
    }

    static func simulator(_ overrides: [String] = []) throws -> Simulator {
        try Simulator(spec: try SimulatorTests.spec("escalate", overrides))
    }

    @Test func stageMacsEqualTheFormulas() throws {
        let w = Self.workload(density: 0.3)
        let r = try Self.simulator().run(w)
        let l = Self.conv
        let kept = w.layers[0].decomposition!.coefficientMask.popcount
        #expect(r.layers[0].stageMacs == .init(basis: l.N * l.P * l.Q * l.C * 4 * 9, coefficients: l.N * l.P * l.Q * kept))
        #expect(r.layers[0].macs == l.N * l.P * l.Q * (l.C * 4 * 9 + kept))
        let pw = w.layers[1].masks!.weights!.popcount
        #expect(r.layers[1].stageMacs == .init(basis: 0, coefficients: 2 * 144 * pw))
        #expect(r.total.stageMacs!.coefficients == r.layers.reduce(0) { $0 + $1.stageMacs!.coefficients })
    }

    /// DRAM carries inputs (once: one spatial tile), bases and coefficients (once), outputs
    /// (once) — nothing for the `C·M·P·Q` intermediate values, which are written and read once
    /// each in the input buffer at 16 bits.
    @Test func dramHasNoIntermediateTerm() throws {
        let w = Self.workload(density: 0.3)
        let sim = try Self.simulator()
        let r = try sim.run(w).layers[0]
        let l = Self.conv
        #expect(r.tiling.contains("1 spatial x 1 channel tiles"), "\(r.tiling)")
        #expect(r.dramBytes.inputs == Double(l.N * l.C * l.H * l.W))            // 8-bit inputs
        #expect(r.dramBytes.outputs == Double(l.N * l.K * l.P * l.Q))           // 8-bit outputs
        let coefficients = w.layers[0].decomposition!.coefficientMask
        let cost = try SparseFormat.rle(runBits: 4).cost(of: SparseMatrix(pattern: coefficients, rows: 16, columns: 32), valueBits: 4)
        #expect(r.dramBytes.weights == Double(4 * 9 * 8 + cost.dataBits + 64) / 8)
        #expect(r.dramBytes.metadata == Double(cost.metadataBits) / 8)
        // DRAM energy is exactly those bits; the intermediates' energy is on chip.
        let dram = sim.spec.memory[0]
        let bits = Int(r.dramBytes.total * 8)
        let words = (4 * 9 * 8 + cost.dataBits + 64 + cost.metadataBits + 63) / 64 + (l.N * l.C * l.H * l.W * 8 + 63) / 64
            + (l.N * l.K * l.P * l.Q * 8 + 63) / 64
        #expect(bits == 4 * 9 * 8 + cost.totalBits + 64 + l.N * l.C * l.H * l.W * 8 + l.N * l.K * l.P * l.Q * 8)
        #expect(abs(r.energyPJ["dram"]! - Double(words) * dram.readPJ) < 1e-6)
        let buffer = sim.spec.level(named: "input-buffer")!
        let intermediateBits = l.N * l.C * 4 * l.P * l.Q * 16
        let expected = Double(intermediateBits / 64) * (buffer.readPJ + buffer.writePJ)
        #expect(abs(r.energyByOperandPJ["intermediates"]! - expected) < 1e-6)
    }

    /// Compression ratio per layer is the storage formula; the total is Σ dense ÷ Σ stored.
    @Test func compressionRatios() throws {
        let w = Self.workload(density: 0.1)
        let r = try Self.simulator().run(w)
        let d = w.layers[0].decomposition!
        let s = try WeightStorage.decomposed(
            k: 16, c: 8, kernelSize: 9, bases: 4, groups: 1, coefficients: d.coefficientMask, basisBits: 8, coefficientBits: 4,
            format: .rle(runBits: 4))
        #expect(r.layers[0].compressionRatio == s.compressionRatio)
        #expect(s.denseBits == 32 * 16 * 8 * 9)
        let fcMask = w.layers[2].masks!.weights!
        let fc = try WeightStorage.plain(mask: fcMask, rows: 10, columns: 64, valueBits: 4, format: .rle(runBits: 4))
        #expect(r.layers[2].compressionRatio == fc.compressionRatio)
        let total = try [s, WeightStorage.plain(mask: w.layers[1].masks!.weights!, rows: 12, columns: 16, valueBits: 4,
                                                format: .rle(runBits: 4)), fc].reduce(WeightStorage.zero, +)
        #expect(abs(r.total.compressionRatio! - total.compressionRatio) < 1e-12)
        // Other dataflows report their own storage: 8-bit dense weights are 4x.
        let ws = try Simulator(spec: try SimulatorTests.spec("systolic-ws")).run(Workload(source: "t", name: "t", shapes: [Self.conv]))
        #expect(ws.total.compressionRatio == 4)
    }

    /// `dense_cycles` is the spec with sparsity off (every coefficient computed); sparse
    /// coefficients are faster; with sparsity off the coefficient masks change nothing.
    @Test func denseTwinAndSparsityOff() throws {
        let w = Self.workload(density: 0.2)
        let r = try Self.simulator().run(w)
        var off = try SimulatorTests.spec("escalate")
        off.sparsity = []
        let twin = try Simulator(spec: off).run(w)
        let full = try Simulator(spec: off).run(Self.workload(density: 1))
        for (x, (y, z)) in zip(r.layers, zip(twin.layers, full.layers)) {
            #expect(x.denseCycles == y.cycles, "\(x.name)")
            #expect(y.cycles == z.cycles && y.macs == z.macs, "\(x.name)")
            #expect(x.speedup > 1, "\(x.name)")
        }
    }

    /// Gating coefficients keeps the twin's cycles and moves the pruned coefficients' MACs to
    /// the gated energy.
    @Test func gatingKeepsCycles() throws {
        let w = Self.workload(density: 0.25)
        let gated = try Self.simulator(["sparsity.weights.exploit=gate"]).run(w)
        let skipped = try Self.simulator().run(w)
        for (g, s) in zip(gated.layers, skipped.layers) {
            #expect(g.cycles == s.denseCycles, "\(g.name)")
            #expect(g.cycles >= s.cycles)
            #expect(g.gatedMacs == g.macs - s.macs, "\(g.name)")
        }
    }

    @Test func notesAndErrors() throws {
        // A convolution the trace did not decompose: M from the spec, every coefficient kept.
        let plain = try Self.simulator().run(Workload(source: "t", name: "t", shapes: [Self.conv]))
        #expect(plain.layers[0].notes.contains { $0.contains("not decomposed in the trace: M = 4") })
        #expect(plain.layers[0].stageMacs!.coefficients == 2 * 144 * 16 * 8 * 4)
        // A record that does not fit the layer.
        var w = Self.workload(density: 0.5)
        w.layers[0].decomposition!.bases = 5
        #expect(throws: SparseSimError.self) { try Self.simulator().run(w) }
        // Per-channel bases: C basis sets in the storage.
        let c = try Self.simulator().run(Self.workload(density: 0.5, sharing: .channel))
        #expect(c.layers[0].tiling.contains("channel bases"))
        // A small intermediate buffer tiles the channels.
        let small = try Self.simulator(["decomposition.intermediateKiB=1"]).run(Self.workload(density: 0.5))
        #expect(small.layers[0].tiling.contains("channel tiles") && !small.layers[0].tiling.contains("1 spatial x 1 channel"))
        let same = try Self.simulator().run(Self.workload(density: 0.5))
        #expect(small.layers[0].stageMacs == same.layers[0].stageMacs)
    }

    /// Over several channel tiles, the stages taking turns on the array (no basis engine) are
    /// slower than the preset's pipeline; over one tile they cannot overlap.
    @Test func basisEngineOverlapsTheStages() throws {
        let w = Self.workload(density: 0.3)
        let pipelined = try Self.simulator(["decomposition.intermediateKiB=1"]).run(w)
        #expect(!pipelined.layers[0].tiling.contains("x 1 channel tiles"), "\(pipelined.layers[0].tiling)")
        let turns = try Simulator(spec: {
            var s = try SimulatorTests.spec("escalate", ["decomposition.intermediateKiB=1"])
            s.decomposition!.basisMacs = nil
            return s
        }()).run(w)
        #expect(turns.layers[0].computeCycles > pipelined.layers[0].computeCycles)
    }
}
