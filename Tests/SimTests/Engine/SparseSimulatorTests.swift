import SparseFormats
import Testing

@testable import Sim
@testable import SparseSimCore
@testable import Trace

/// The sparse model's invariants on every sparse preset (DESIGN.md §4, issue 7).
@Suite struct SparseSimulatorTests {
    static let presets = ["scnn", "sparten", "cambricon-x", "stc-2to4", "eyeriss-v1", "eyeriss-v2"]

    static let shapes: [LayerShape] = [
        .conv("c3", N: 2, K: 16, C: 8, R: 3, H: 12, stride: 1, padding: 1),
        .conv("c3s2", N: 2, K: 12, C: 6, R: 3, H: 11, stride: 2, padding: 1),
        .conv("dw", N: 2, K: 8, C: 8, R: 3, H: 8, stride: 1, padding: 1, groups: 8),
        .linear("fc", N: 2, K: 20, C: 64),
    ]

    static func random(_ count: Int, density: Double, seed: UInt64) -> Bitmask {
        var rng = RandomGenerator(seed: seed)
        return Bitmask((0..<count).map { _ in rng.nextDouble() < density })
    }

    /// Layers with seeded random masks: weights at `wd`, two samples of inputs at `xd`.
    static func workload(weights wd: Double, inputs xd: Double, seed: UInt64 = 1) -> Workload {
        let layers = shapes.enumerated().map { i, l in
            Workload.Layer(shape: l, masks: LayerMasks(
                weights: random(l.weightCount, density: wd, seed: seed &+ UInt64(i)),
                inputs: (0..<l.N).map { random(l.C * l.H * l.W, density: xd, seed: seed &+ 100 &+ UInt64(i * 2 + $0)) },
                inputSource: .recorded))
        }
        return Workload(source: "test", name: "test", layers: layers)
    }

    static func dense() -> Workload { Workload(source: "test", name: "test", shapes: shapes) }

    static func simulator(_ name: String, _ overrides: [String] = []) throws -> Simulator {
        try Simulator(spec: try SimulatorTests.spec(name, overrides))
    }

    /// Effectual MACs by brute force: every `(n, k, c, r, s, p, q)` with both operands non-zero.
    static func bruteForceEffectual(_ layer: Workload.Layer) -> Int {
        let l = layer.shape, m = layer.masks!
        let cg = l.channelsPerGroup, kPerGroup = l.K / l.groups
        var count = 0
        for n in 0..<l.N {
            let x = m.inputs[n]
            for k in 0..<l.K {
                for cl in 0..<cg {
                    let c = (k / kPerGroup) * cg + cl
                    for r in 0..<l.R {
                        for s in 0..<l.S where m.weights![((k * cg + cl) * l.R + r) * l.S + s] {
                            for p in 0..<l.P {
                                for q in 0..<l.Q {
                                    let y = p * l.stride + r - l.padding, xx = q * l.stride + s - l.padding
                                    if y >= 0 && y < l.H && xx >= 0 && xx < l.W && x[(c * l.H + y) * l.W + xx] { count += 1 }
                                }
                            }
                        }
                    }
                }
            }
        }
        return count
    }

    // MARK: Invariants

    /// All-dense masks give the result of no masks at all (the formats' overheads on a full
    /// mask are charged both ways, so cycles, traffic and energy agree exactly).
    @Test(arguments: presets)
    func allDenseMasksGiveTheDenseResult(preset: String) throws {
        let sim = try Self.simulator(preset)
        let full = Self.workload(weights: 1, inputs: 1)
        let a = try sim.run(full), b = try sim.run(Self.dense())
        for (x, y) in zip(a.layers, b.layers) {
            #expect(x.cycles == y.cycles, "\(preset) \(x.name)")
            #expect(x.macs == y.macs)
            #expect(x.dramBytes == y.dramBytes)
            #expect(abs(x.totalEnergyPJ - y.totalEnergyPJ) <= 1e-9 * y.totalEnergyPJ, "\(preset) \(x.name)")
        }
    }

    /// With every operand's sparsity off, the masks change nothing.
    @Test(arguments: presets)
    func sparsityOffIgnoresMasks(preset: String) throws {
        let off = ["sparsity.weights.exploit=none", "sparsity.weights.format=dense",
                   "sparsity.inputs.exploit=none", "sparsity.inputs.format=dense"]
        let sim = try Self.simulator(preset, off)
        let a = try sim.run(Self.workload(weights: 0.2, inputs: 0.4)), b = try sim.run(Self.dense())
        for (x, y) in zip(a.layers, b.layers) {
            #expect(x.cycles == y.cycles && x.macs == y.macs && x.gatedMacs == 0, "\(preset) \(x.name)")
            #expect(x.dramBytes == y.dramBytes)
            #expect(abs(x.totalEnergyPJ - y.totalEnergyPJ) <= 1e-9 * y.totalEnergyPJ)
            #expect(x.speedup == 1)
        }
    }

    /// Effectual MACs equal a brute-force count over the masks; no preset beats its peak rate.
    @Test(arguments: presets)
    func effectualMacsAndPeakBound(preset: String) throws {
        let sim = try Self.simulator(preset)
        let w = Self.workload(weights: 0.3, inputs: 0.5)
        let r = try sim.run(w)
        let peak = sim.spec.peArray.peCount * sim.spec.peArray.macsPerPE
        for (layer, result) in zip(w.layers, r.layers) {
            let effectual = Self.bruteForceEffectual(layer)
            #expect(result.effectualMacs == effectual, "\(preset) \(layer.shape.name)")
            #expect(result.computeCycles * peak >= effectual, "\(preset) \(layer.shape.name)")
            #expect(result.computeCycles * peak >= result.macs)
            #expect(result.loadImbalance >= 1)
        }
    }

    /// Skipping never costs more cycles than gating the same operands, and gating never
    /// changes cycles — it only moves MAC energy to the gated rate.
    @Test(arguments: ["scnn", "sparten", "cambricon-x", "eyeriss-v2"])
    func skipNeverSlowerThanGate(preset: String) throws {
        let spec = try SimulatorTests.spec(preset)
        let gate = spec.sparsity.map { "sparsity.\($0.operand.rawValue).exploit=\($0.exploit == .none ? "none" : "gate")" }
        let w = Self.workload(weights: 0.25, inputs: 0.45)
        let skipped = try Self.simulator(preset).run(w), gated = try Self.simulator(preset, gate).run(w)
        let dense = try Self.simulator(preset, gate).run(Self.dense())
        for (s, g) in zip(skipped.layers, gated.layers) {
            #expect(s.cycles <= g.cycles, "\(preset) \(s.name)")
        }
        for (i, (g, d)) in zip(gated.layers, dense.layers).enumerated() {
            #expect(g.computeCycles == d.computeCycles && g.macs == d.macs)
            #expect(g.gatedMacs > 0 && g.energyPJ["mac"]! < d.energyPJ["mac"]!)
            let l = w.layers[i].shape
            switch preset {
            case "sparten":  // both operands gated: every MAC with a zero is gated
                #expect(g.gatedMacs == g.macs - g.effectualMacs!)
            case "cambricon-x":  // weights gated: the MACs of pruned weights, at every position
                let kept = w.layers[i].masks!.weights!.popcount * l.P * l.Q * l.N
                #expect(g.gatedMacs == g.macs - kept)
            default: break
            }
        }
    }

    /// Metadata bytes equal the formats' formulas, computed here from the masks: SCNN's 4-bit
    /// runs (a run longer than 15 zeros costs a padding zero) for weights and each sample's
    /// inputs, SparTen's one presence bit per value.
    @Test func metadataBytesEqualTheFormula() throws {
        let w = Self.workload(weights: 0.1, inputs: 0.3)
        func rleEntries(_ mask: Bitmask, runBits: Int) -> Int {
            var entries = 0, previous = -1
            for i in 0..<mask.count where mask[i] {
                entries += (i - previous - 1) / (1 << runBits) + 1
                previous = i
            }
            return entries
        }
        let scnn = try Self.simulator("scnn").run(w)
        let sparten = try Self.simulator("sparten").run(w)
        for (i, layer) in w.layers.enumerated() {
            let m = layer.masks!
            let inputs = m.inputs.reduce(0) { $0 + rleEntries($1, runBits: 4) } * 4
            let weights = rleEntries(m.weights!, runBits: 4) * 4
            // Weights cross once when the inputs fit on chip (they do here), inputs once.
            #expect(scnn.layers[i].dramBytes.metadata * 8 == Double(weights + inputs), "\(layer.shape.name)")
            let presence = layer.shape.weightCount + m.inputs.reduce(0) { $0 + $1.count }
            #expect(sparten.layers[i].dramBytes.metadata * 8 == Double(presence))
        }
    }

    // MARK: 2:4

    /// The 2:4 engine on SCALE-Sim's reference layer (R18_Conv4_s, 32×32 WS): 5103 compute
    /// cycles as SCALE-Sim's sparse mode, never better than 2× its dense mode; a recorded mask
    /// that is 2:4 compresses, one that is not runs dense and says so.
    @Test func twoFourEngine() throws {
        let sim = try Self.simulator("stc-2to4")
        let shape = try ScaleSimTopology.parse("Layer, H, W, R, S, C, K, stride,\nR18_Conv4_s, 28, 28, 1, 1, 128, 256, 2,\n",
                                               file: "t.csv").layers[0].shape
        let declared = try sim.simulate(Workload.Layer(shape: shape, structure: .init(n: 2, m: 4)))
        #expect(declared.computeCycles == 5103)
        let denseMode = try sim.simulate(Workload.Layer(shape: shape))
        #expect(denseMode.notes.first?.contains("dense mode") == true)
        #expect(Double(denseMode.computeCycles + 1) / Double(declared.computeCycles + 1) <= 2)
        #expect(declared.speedup > 1 && declared.speedup <= 2)

        // A recorded 2:4 mask (the first two of every four kept) compresses like the declaration.
        let conforming = Bitmask((0..<shape.weightCount).map { $0 % 4 < 2 })
        let masks = LayerMasks(weights: conforming, inputs: [], inputSource: .dense)
        let recorded = try sim.simulate(Workload.Layer(shape: shape, masks: masks))
        #expect(recorded.computeCycles == 5103 && recorded.notes.isEmpty)
        // Three of the first four kept: dense mode, named.
        var bits = (0..<shape.weightCount).map { $0 % 4 < 2 }
        bits[2] = true
        let broken = try sim.simulate(Workload.Layer(shape: shape, masks: LayerMasks(weights: Bitmask(bits), inputs: [], inputSource: .dense)))
        #expect(broken.computeCycles == denseMode.computeCycles)
        #expect(broken.notes == ["weights not 2:4 (filter 0, group 0 keeps 3 of 4): dense mode"])
        // Declared 1:4 is within 2:4.
        let oneFour = try sim.simulate(Workload.Layer(shape: shape, structure: .init(n: 1, m: 4)))
        #expect(oneFour.computeCycles == 5103)
    }

    // MARK: Density models

    /// Uniform and structured masks keep every layer's and sample's counts, draw the same bits
    /// for the same seed, and structured ones are balanced across filters.
    @Test func densityModelsKeepCounts() {
        let w = Self.workload(weights: 0.3, inputs: 0.5)
        let u = w.applying(.uniform, seed: 9), u2 = w.applying(.uniform, seed: 9), u3 = w.applying(.uniform, seed: 10)
        let s = w.applying(.structured, seed: 9)
        #expect(u == u2 && u != u3 && u != w)
        #expect(w.applying(.actual, seed: 9) == w)
        for (i, layer) in w.layers.enumerated() {
            let m = layer.masks!
            for model in [u, s] {
                let n = model.layers[i].masks!
                #expect(n.weights!.popcount == m.weights!.popcount)
                #expect(zip(n.inputs, m.inputs).allSatisfy { $0.popcount == $1.popcount })
            }
            let l = layer.shape
            let perFilter = s.layers[i].masks!.weights!.popcounts(sliceLength: l.weightCount / l.K)
            #expect(perFilter.max()! - perFilter.min()! <= 1)
        }
        let stats = Self.dense().withActivationDensity(0.25, samples: 3, seed: 1)
        for layer in stats.layers {
            let m = layer.masks!
            #expect(m.inputs.count == 3 && m.inputSource == .statistical(0.25))
            #expect(m.inputs.allSatisfy { abs($0.density - 0.25) <= 0.5 / Double($0.count) + 1e-12 })
        }
    }

    /// Real masks whose density is concentrated in a few filters are slower on SparTen than
    /// uniform masks of the same density: the load imbalance the statistical model cannot see.
    @Test func skewedMasksShowImbalance() throws {
        let l = LayerShape.conv("c", N: 1, K: 64, C: 16, R: 3, H: 8, stride: 1, padding: 1)
        let row = l.weightCount / l.K
        // 8 dense filters (4 in each round of 32), 56 nearly empty ones: 13 % dense overall.
        var bits = [Bool](repeating: false, count: l.weightCount)
        for k in 0..<l.K {
            let keep = k % 32 < 4 ? row * 9 / 10 : row * 3 / 112
            for j in 0..<keep { bits[k * row + j] = true }
        }
        let masks = LayerMasks(weights: Bitmask(bits), inputs: [], inputSource: .dense)
        let w = Workload(source: "t", name: "t", layers: [Workload.Layer(shape: l, masks: masks)])
        let sim = try Self.simulator("sparten", ["sparsity.weights.balancing=none"])
        let actual = try sim.run(w), uniform = try sim.run(w.applying(.uniform, seed: 1))
        #expect(actual.total.cycles > uniform.total.cycles)
        #expect(actual.total.loadImbalance > uniform.total.loadImbalance)
        // Greedy pairing recovers part of it.
        let greedy = try Self.simulator("sparten").run(w)
        #expect(greedy.total.cycles < actual.total.cycles)
    }

    /// Every preset's `dense_cycles` is the cycles of the same spec with sparsity off — also
    /// where it is counted from the chosen mapping instead of simulated again (Eyeriss v2), with
    /// and without a DRAM bandwidth limit.
    @Test(arguments: presets)
    func denseCyclesAreTheTwinSpecs(preset: String) throws {
        for extra in [[], ["memory.dram.bandwidthGBps=0.5"]] {
            let spec = try SimulatorTests.spec(preset, extra)
            var off = spec
            off.sparsity = []
            let w = Self.workload(weights: 0.3, inputs: 0.5)
            let r = try Simulator(spec: spec).run(w), twin = try Simulator(spec: off).run(Self.dense())
            for (x, y) in zip(r.layers, twin.layers) {
                #expect(x.denseCycles == y.cycles, "\(preset) \(extra) \(x.name)")
            }
        }
    }

    /// Eyeriss v2's SIMD: two filters per PE per cycle make the dense twin at most 2× faster than
    /// one MAC per PE, and skipping both operands beats its twin on sparse masks.
    @Test func eyerissV2() throws {
        let v2 = try Self.simulator("eyeriss-v2"), one = try Self.simulator("eyeriss-v2", ["pe-array.macsPerPE=1"])
        let w = Self.workload(weights: 0.2, inputs: 0.4)
        let a = try v2.run(w), b = try one.run(w)
        for (x, y) in zip(a.layers, b.layers) {
            #expect(x.denseCycles <= y.denseCycles && 2 * x.denseCycles >= y.denseCycles, "\(x.name)")
            #expect(x.cycles <= y.cycles)
            #expect(x.speedup > 1, "\(x.name)")
            #expect(x.effectualMacs == x.macs)  // both operands skipped: only effectual MACs
        }
    }
}
