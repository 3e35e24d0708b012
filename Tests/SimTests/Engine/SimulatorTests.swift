import Foundation
import Testing

@testable import Sim
@testable import SparseSimCore
@testable import Trace

@Suite struct SimulatorTests {
    static let presets = ["systolic-ws", "systolic-os", "systolic-is", "tpu-v1-like", "eyeriss-v1"]

    /// Input activations some window reads (padding and rows or columns skipped by the stride
    /// excluded), counted element by element.
    static func touchedInputs(_ l: LayerShape) -> Int {
        var rows = Set<Int>(), cols = Set<Int>()
        for p in 0..<l.P { for r in 0..<l.R { rows.insert(p * l.stride + r - l.padding) } }
        for q in 0..<l.Q { for s in 0..<l.S { cols.insert(q * l.stride + s - l.padding) } }
        return l.N * l.C * rows.filter { (0..<l.H).contains($0) }.count * cols.filter { (0..<l.W).contains($0) }.count
    }

    static func spec(_ name: String, _ overrides: [String] = []) throws -> HardwareSpec {
        try SpecLoader.load(path: SpecLoaderTests.root + "/HardwareSpecs/\(name).xml", overrides: overrides)
    }

    static func randomLayers(_ count: Int, seed: UInt64) -> [LayerShape] {
        var state = seed
        func next(_ n: Int) -> Int { state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407; return Int(state >> 33) % n + 1 }
        return (0..<count).map { i in
            next(4) == 1
                ? .linear("fc\(i)", N: next(8), K: next(600), C: next(900))
                : .conv("c\(i)", N: next(2), K: next(128), C: next(128), R: [1, 3, 5][next(3) - 1], H: 8 + next(40),
                        stride: next(2), padding: next(2) - 1)
        }
    }

    @Test(arguments: presets)
    func invariantsHoldOnRandomLayers(name: String) throws {
        let spec = try Self.spec(name)
        let sim = try Simulator(spec: spec)
        let bits = Double(spec.peArray.operandBits)
        for layer in Self.randomLayers(60, seed: 11) {
            try layer.validate()
            let r = try sim.simulate(layer)
            #expect(r.macs == layer.macs)
            // cycles ≥ MACs ÷ (PEs × MACs per PE), and compute cycles never exceed cycles.
            #expect(r.cycles + 1 >= (layer.macs + spec.peArray.peCount - 1) / spec.peArray.peCount, "\(layer)")
            #expect(r.cycles >= r.computeCycles)
            // Every operand crosses DRAM at least once.
            #expect(r.dramBytes.weights >= Double(layer.weightCount) * bits / 8)
            #expect(r.dramBytes.inputs >= Double(Self.touchedInputs(layer)) * bits / 8)
            #expect(r.dramBytes.outputs >= Double(layer.outputCount) * bits / 8)
            #expect(r.utilization > 0 && r.utilization <= 1)
        }
    }

    @Test func energyGrowsWithDRAMEnergyAndHalvingBandwidthNeverHelps() throws {
        let layers = NetworkCatalog.model("resnet18")!.layers + Self.randomLayers(20, seed: 5)
        for name in Self.presets {
            var previousEnergy: [Double] = []
            for pj in [100.0, 400, 1600, 6400] {
                let sim = try Simulator(spec: try Self.spec(name, ["memory.dram.readPJ=\(pj)", "memory.dram.writePJ=\(pj)"]))
                let energies = try layers.map { try sim.simulate($0).totalEnergyPJ }
                if !previousEnergy.isEmpty {
                    for (a, b) in zip(previousEnergy, energies) { #expect(b > a, "\(name)") }
                }
                previousEnergy = energies
            }
            var previousCycles: [Int] = []
            for gbps in [64.0, 32, 16, 8, 4, 2, 1] {
                let sim = try Simulator(spec: try Self.spec(name, ["memory.dram.bandwidthGBps=\(gbps)"]))
                let cycles = try layers.map { try sim.simulate($0).cycles }
                if !previousCycles.isEmpty {
                    for (a, b) in zip(previousCycles, cycles) { #expect(b >= a, "\(name) at \(gbps) GB/s") }
                }
                previousCycles = cycles
            }
        }
    }

    @Test func unlimitedBandwidthGivesComputeCycles() throws {
        let spec = try Self.spec("systolic-os")
        var unlimited = spec
        unlimited.memory[0].bandwidthGBps = nil
        let sim = try Simulator(spec: unlimited)
        for layer in NetworkCatalog.model("resnet18")!.layers {
            let r = try sim.simulate(layer)
            #expect(r.cycles == r.computeCycles && r.stallCycles == 0)
        }
    }

    /// A hand calculation: a 4→4 linear layer, batch 3, on a 2×2 weight-stationary array with
    /// 8-bit operands, 32-bit accumulators, and SRAMs big enough for everything.
    @Test func handCalculatedSmallLayer() throws {
        let xml = """
            <?xml version="1.0"?>
            <accelerator name="tiny" version="1">
              <technology clockMHz="1000"/>
              <pe-array rows="2" cols="2" operandBits="8" accumulatorBits="32"/>
              <energy macPJ="1" gatedMacPJ="0"/>
              <memory>
                <level name="dram" type="dram" widthBits="8" bandwidthGBps="1" readPJ="100" writePJ="100" holds="weights inputs outputs"/>
                <level name="buf" type="sram" sizeBytes="3000" widthBits="8" readPJ="10" writePJ="10" holds="weights inputs outputs"/>
              </memory>
              <dataflow type="ws"/>
            </accelerator>
            """
        let spec = try SpecLoader.load(bytes: Array(xml.utf8), file: "tiny.xml")
        let r = try Simulator(spec: spec).simulate(.linear("fc", N: 3, K: 4, C: 4))
        // GEMM E=3, T=4, K=4: folds T/2 × K/2 = 4, each 2 (preload) + 3 (E) + 2 + 2 − 2 = 7 cycles → 28 − 1.
        #expect(r.computeCycles == 27)
        #expect(r.macs == 48)
        // DRAM: weights 16 B and inputs 12 B in once, outputs 12 B out once (the buffer holds all).
        #expect(r.dramBytes.weights == 16 && r.dramBytes.inputs == 12 && r.dramBytes.outputs == 12)
        // 40 bytes at 1 GB/s and 1 GHz = 40 cycles > 27: memory-bound.
        #expect(r.cycles == 40 && r.stallCycles == 13)
        // Buffer: writes 16 + 12 from DRAM; the array reads weights once (16) and inputs once per
        // K fold (12 × 2 = 24); outputs: 2 T folds → one spill of 12 partial sums at 32 bits
        // (48 B written, 48 B read back) plus 12 B of final outputs written, then 12 B read to DRAM.
        let bufferBytes = (16 + 12) + (16 + 24) + (48 + 48 + 12) + 12
        #expect(r.energyPJ["buf"] == Double(bufferBytes) * 10)
        #expect(r.energyPJ["dram"] == 4000, "\(String(describing: r.energyPJ))")
        #expect(r.energyPJ["mac"] == 48)
        #expect(abs(r.requiredBandwidthGBps - 40.0 / 27e-9 / 1e9) < 1e-9)
    }

    @Test func unsupportedArraysAreErrors() throws {
        // A dense dataflow models one MAC per PE.
        let wide = try Self.spec("systolic-ws", ["pe-array.macsPerPE=4"])
        #expect(throws: SparseSimError.self) { try Simulator(spec: wide) }
    }

    /// A hand calculation for row stationary: a 3×3 conv, 2→2 channels, 6×6 input, no padding,
    /// on a 3×4 array (one PE set), Eyeriss's normalized energies (DRAM 200, GLB 6, NoC 2,
    /// scratchpad 1, MAC 1), a GLB for inputs and outputs and a scratchpad big enough for
    /// p = q = 2: one pass, so everything moves once.
    @Test func handCalculatedRowStationary() throws {
        let xml = """
            <?xml version="1.0"?>
            <accelerator name="tiny-rs" version="1">
              <technology clockMHz="200"/>
              <pe-array rows="3" cols="4" operandBits="16" accumulatorBits="16"/>
              <energy macPJ="1" gatedMacPJ="0"/>
              <memory>
                <level name="dram" type="dram" widthBits="16" readPJ="200" writePJ="200" holds="weights inputs outputs"/>
                <level name="glb" type="sram" sizeBytes="4096" widthBits="16" readPJ="6" writePJ="6" holds="inputs outputs"/>
                <level name="array" type="noc" widthBits="16" readPJ="2" writePJ="2" holds="weights inputs outputs"/>
                <level name="spad" type="regfile" sizeBytes="256" widthBits="16" readPJ="1" writePJ="1" holds="weights inputs outputs"/>
              </memory>
              <dataflow type="row-stationary"/>
            </accelerator>
            """
        let spec = try SpecLoader.load(bytes: Array(xml.utf8), file: "tiny-rs.xml")
        let r = try Simulator(spec: spec).simulate(.conv("c", N: 1, K: 2, C: 2, R: 3, H: 6, stride: 1, padding: 0))
        // Each of the 12 PEs: 2 filters × 2 channels × 4 outputs × 3 taps = 48 cycles; 576 MACs.
        #expect(r.macs == 576 && r.computeCycles == 48 && r.cycles == 48)
        #expect(r.tiling.contains("p=2 q=2"), "\(r.tiling)")
        // DRAM: 36 weights, 72 inputs in; 32 outputs out, 2 bytes each.
        #expect(r.dramBytes.weights == 72 && r.dramBytes.inputs == 144 && r.dramBytes.outputs == 64)
        #expect(r.energyPJ["dram"] == Double(36 + 72 + 32) * 200)
        // GLB: inputs written and read once (72 + 72), outputs written by the array and read to DRAM (32 + 32).
        #expect(r.energyPJ["glb"] == Double(72 + 72 + 32 + 32) * 6)
        // NoC: each weight to the 4 PEs of its row (144); each PE streams its 6-wide input row for
        // 2 channels (12 PEs × 2 × 6 = 144); partial sums climb 2 hops per column (32 × 2 = 64).
        #expect(r.energyPJ["array"] == Double(144 + 144 + 64) * 2)
        // Scratchpads: weight and input read per MAC plus their fills; partial sum read and written per MAC.
        #expect(r.energyPJ["spad"] == Double(576 + 144 + 576 + 144 + 576 + 576))
        #expect(r.energyPJ["mac"] == 576)
    }

    /// Eyeriss v1 on VGG-16's and ResNet-18's 3×3 layers: a set is 3 rows × up to 14 output
    /// rows; layers whose output height is a multiple of 14 (or 7, two sets side by side) fill
    /// all 168 PEs, and the mapping the search picks fits the 520-byte scratchpad.
    @Test func eyerissUsesTheWholeArrayOnThreeByThreeLayers() throws {
        let sim = try Simulator(spec: try Self.spec("eyeriss-v1"))
        for layer in NetworkCatalog.model("resnet18")!.layers where layer.R == 3 {
            let r = try sim.simulate(layer)
            #expect(r.mappingEfficiency == 1, "\(layer.name): \(r.tiling)")
            let p = Int(r.tiling.split(separator: "p=")[1].prefix { $0.isNumber })!
            let q = Int(r.tiling.split(separator: "q=")[1].prefix { $0.isNumber })!
            #expect((p * q * 3 + q * 3 + p) * 2 <= 520)
        }
        // conv1 (7×7, stride 2, 112 output rows): one 7×14 set in 12×14 PEs → 7/12 of the array.
        let conv1 = try sim.simulate(NetworkCatalog.model("resnet18")!.layers[0])
        #expect(conv1.mappingEfficiency == 7.0 / 12.0)
    }

    @Test func topologyReaderUsesScaleSimSemantics() throws {
        let csv = """
            Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
            Conv1, 224, 224, 7, 7, 3, 64, 2,
            FC, 1, 1, 1, 1, 512, 1000, 1,
            Sparse, 28, 28, 1, 1, 128, 256, 2, 2:4
            """
        let w = try ScaleSimTopology.parse(csv, file: "t.csv")
        #expect(w.layers.count == 3)
        #expect(w.layers[0].shape.P == 110)
        #expect(w.layers[1].shape.kind == .linear)
        #expect(w.layers[2].structure == NMPattern(n: 2, m: 4))
        // A 2:4 engine compresses the declared layer; a dense array does not.
        #expect(try Simulator(spec: try Self.spec("stc-2to4")).simulate(w.layers[2]).computeCycles == 5103)
        let dense = try Simulator(spec: try Self.spec("systolic-ws")).simulate(w.layers[2])
        #expect(dense.computeCycles > 5103 && dense.notes.isEmpty)

        for (bad, line, message) in [
            ("a, 1, 2\n", "1", "expected 8 columns"),
            ("h,H,W,R,S,C,K,s\nx, 4, 4, 5, 1, 1, 1, 1\n", "2", "larger than the IFMAP"),
            ("x, 4, 4, 1, 1, 1, 0, 1\n", "1", "filters must be a positive integer"),
            ("x, 4, 4, 1, 1, 1, 1, 1, 5:4\n", "1", "N:M"),
            ("x, 4, 4, 1, 1, 1, 1, 1\nx, 4, 4, 1, 1, 1, 1, 1\n", "2", "repeats"),
        ] {
            do {
                _ = try ScaleSimTopology.parse(bad, file: "b.csv")
                Issue.record("accepted \(bad)")
            } catch let e as SparseSimError {
                #expect(e.file == "b.csv" && e.location == line && e.message.contains(message), "\(e)")
            }
        }
    }
}
