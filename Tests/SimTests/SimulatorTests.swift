import Foundation
import Testing

@testable import Sim
@testable import Trace

@Suite struct SimulatorTests {
    static let presets = ["systolic-ws", "systolic-os", "systolic-is", "tpu-v1-like"]

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
            let r = sim.simulate(layer)
            #expect(r.macs == layer.macs)
            // cycles ≥ MACs ÷ (PEs × MACs per PE), and compute cycles never exceed cycles.
            #expect(r.cycles + 1 >= (layer.macs + spec.peArray.peCount - 1) / spec.peArray.peCount, "\(layer)")
            #expect(r.cycles >= r.computeCycles)
            // Every operand crosses DRAM at least once.
            #expect(r.dramBytes.weights >= Double(layer.weightCount) * bits / 8)
            #expect(r.dramBytes.inputs >= Double(layer.inputCount) * bits / 8)
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
                let energies = layers.map { sim.simulate($0).totalEnergyPJ }
                if !previousEnergy.isEmpty {
                    for (a, b) in zip(previousEnergy, energies) { #expect(b > a, "\(name)") }
                }
                previousEnergy = energies
            }
            var previousCycles: [Int] = []
            for gbps in [64.0, 32, 16, 8, 4, 2, 1] {
                let sim = try Simulator(spec: try Self.spec(name, ["memory.dram.bandwidthGBps=\(gbps)"]))
                let cycles = layers.map { sim.simulate($0).cycles }
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
            let r = sim.simulate(layer)
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

    @Test func unsupportedDataflowIsAnError() throws {
        let eyeriss = try SpecLoader.load(path: SpecLoaderTests.root + "/HardwareSpecs/eyeriss-v1.xml")
        #expect(throws: SparseSimError.self) { try Simulator(spec: eyeriss) }
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
        #expect(w.layers[2].structure == Workload.NMStructure(n: 2, m: 4))
        let spec = try Self.spec("systolic-ws")
        #expect(try Simulator(spec: spec).simulate(w.layers[2].shape, structure: w.layers[2].structure).computeCycles == 5103)

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
