import Foundation
import Testing

@testable import Sim

@Suite struct SpecLoaderTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()
    static let fixtures = root + "/Tests/SimTests/Fixtures"
    static let presets = ["systolic-ws", "systolic-os", "systolic-is", "eyeriss-v1", "tpu-v1-like", "scnn", "sparten", "cambricon-x", "stc-2to4", "eyeriss-v2", "escalate"]

    @Test(arguments: presets)
    func everyPresetValidates(name: String) throws {
        let spec = try SpecLoader.load(path: Self.root + "/HardwareSpecs/\(name).xml")
        #expect(spec.name == name)
        #expect(spec.memory.first?.type == .dram)
        // What `spec show` prints reads back to the same spec.
        let again = try SpecLoader.load(bytes: Array(spec.xmlText().utf8), file: "shown.xml")
        #expect(again == spec)
    }

    /// DSTC's outer product: the artifact's 8 × 16 multipliers and 32 × 32 tiles; the tiles
    /// default to the array's rows and columns, and SCNN's options are refused on it.
    @Test func outerProductOptions() throws {
        let dstc = try SpecLoader.load(path: Self.root + "/HardwareSpecs/dstc.xml")
        #expect(dstc.dataflow == .outerProduct && dstc.dataflow.isSparse)
        #expect(dstc.peArray.rows == 8 && dstc.peArray.cols == 16)
        #expect(dstc.dataflowOptions.inputTile == 32 && dstc.dataflowOptions.weightTile == 32)
        let plain = try SpecLoader.load(path: Self.root + "/HardwareSpecs/dstc.xml", overrides: ["pe-array.rows=4"])
        #expect(plain.dataflowOptions.inputTile == 32)
        do {
            _ = try SpecLoader.load(path: Self.root + "/HardwareSpecs/dstc.xml", overrides: ["dataflow.weightVector=4"])
            Issue.record("accepted weightVector on outer-product")
        } catch {
            #expect(error.errors.first?.message.contains("weightVector applies to the cartesian-product dataflow, not outer-product") == true, "\(error)")
        }
    }

    @Test func presetFacts() throws {
        let eyeriss = try SpecLoader.load(path: Self.root + "/HardwareSpecs/eyeriss-v1.xml")
        #expect(eyeriss.peArray.rows * eyeriss.peArray.cols == 168)
        #expect(eyeriss.dataflow == .rowStationary)
        // Normalized energies per 16-bit access RF : array : buffer : DRAM = 1 : 2 : 6 : 200 MACs
        // (the DRAM link moves 64 bits, four words, per access).
        let perWord = eyeriss.memory.map { $0.readPJ * 16 / Double($0.widthBits) }
        #expect(perWord == [200, 6, 2, 1, 1, 1].map { $0 * eyeriss.energy.macPJ })
        // Three scratchpads per PE (filter 224, ifmap 12, psum 24 words of 16 bits); a 60 MHz x 64-bit link.
        #expect(eyeriss.memory.suffix(3).map { $0.sizeBytes ?? 0 } == [448, 24, 48])
        #expect(eyeriss.memory[0].bandwidthGBps == 0.48 && eyeriss.peArray.accumulateCycles == 1)
        // Zero activations gate the MACs; activations are run-length coded (5-bit runs) to DRAM.
        #expect(eyeriss.sparsity(of: .inputs).exploit == .gate && eyeriss.sparsity(of: .inputs).runBits == 5)
        #expect(eyeriss.sparsity(of: .weights).exploit == .none)
        let ws = try SpecLoader.load(path: Self.root + "/HardwareSpecs/systolic-ws.xml")
        #expect(ws.peArray.peCount == 1024 && ws.dataflow == .weightStationary)
        #expect(ws.level(named: "ifmap-sram")?.sizeBytes == 1024 * 1024)
    }

    /// Every broken spec and the errors it must give: (line, part of the message).
    static let broken: [(String, [(Int, String)])] = [
        ("empty.xml", [(1, "not an XML document")]),
        ("malformed-unclosed.xml", [(10, "Opening and ending tag mismatch"), (11, "Premature end of data")]),
        ("malformed-attribute.xml", [(4, "AttValue"), (4, "attributes construct error"), (4, "Couldn't find end of Start Tag")]),
        ("not-accelerator.xml", [(2, "root element must be <accelerator>")]),
        ("schema-negative-rows.xml", [(4, "attribute 'rows': '-3' is not a valid value")]),
        ("schema-missing-clock.xml", [(3, "'clockMHz' is required but missing")]),
        ("schema-unknown-element.xml", [(10, "Element 'turbo': This element is not expected")]),
        ("schema-bad-operand.xml", [(7, "The value 'psums' is not an element of the set"), (7, "'weights psums' is not a valid value")]),
        ("schema-zero-bandwidth.xml", [(6, "'bandwidthGBps': [facet 'minExclusive']")]),
        ("schema-two-errors.xml", [(4, "attribute 'rows': '0'"), (9, "The value 'diagonal'")]),
        ("semantic-dram-not-first.xml", [(6, "first memory level must be of type dram"), (7, "DRAM level must be the first")]),
        ("semantic-buffer-too-small.xml", [(7, "cannot hold one tile: it needs at least 3072 bytes")]),
        ("semantic-accumulator-narrow.xml", [(4, "accumulatorBits (4) must be at least operandBits (8)")]),
        ("semantic-nm-without-m.xml", [(11, "format nm needs attributes n and m")]),
        ("semantic-dram-missing-operand.xml", [(6, "DRAM level must hold outputs")]),
        ("entity-external.xml", [(2, "DOCTYPE declarations are not allowed")]),
        ("entity-internal-dtd.xml", [(2, "DOCTYPE declarations are not allowed")]),
    ]

    @Test(arguments: broken)
    func brokenSpecsGiveEveryErrorWithItsLine(file: String, expected: [(Int, String)]) {
        let path = Self.fixtures + "/broken/" + file
        do {
            let spec = try SpecLoader.load(path: path)
            Issue.record("\(file) loaded: \(spec)")
        } catch {
            #expect(error.errors.count == expected.count, "\(error)")
            for (e, (line, text)) in zip(error.errors, expected) {
                #expect(e.file == path)
                #expect(e.line == line, "\(e)")
                #expect(e.message.contains(text), "\(e)")
                #expect(e.description == "\(path):\(line): error: \(e.message)")
                #expect(!e.message.contains("\n"))
            }
        }
    }

    @Test func externalEntityIsNeverExpanded() throws {
        // Even in element text, where XML allows external entities, nothing is read.
        let secret = Self.fixtures + "/broken/entity-external.xml"
        let text = try String(contentsOfFile: secret, encoding: .utf8).replacingOccurrences(of: "name=\"&secret;\"", with: "name=\"x\"")
            .replacingOccurrences(of: "</accelerator>", with: "<!-- &secret; --></accelerator>")
        #expect(throws: SpecErrors.self) { try SpecLoader.load(bytes: Array(text.utf8), file: "e.xml") }
    }

    @Test func missingFile() {
        #expect(throws: SpecErrors([SpecError(file: "/no/such.xml", line: 0, message: "no such file")])) {
            try SpecLoader.load(path: "/no/such.xml")
        }
    }

    // MARK: --set

    @Test func overridesChangeTheSpec() throws {
        let spec = try SpecLoader.load(
            path: Self.fixtures + "/valid-minimal.xml",
            overrides: ["pe-array.rows=128", "pe-array.cols=64", "dataflow=os", "memory.buf.sizeKiB=2048",
                        "energy.macPJ=0.5", "sparsity.inputs.exploit=gate", "technology.clockMHz=500"])
        #expect(spec.peArray.rows == 128 && spec.peArray.cols == 64)
        #expect(spec.dataflow == .outputStationary)
        #expect(spec.level(named: "buf")?.sizeBytes == 2048 * 1024)
        #expect(spec.energy.macPJ == 0.5 && spec.energy.gatedMacPJ == 0.025)
        #expect(spec.sparsity(of: .inputs).exploit == .gate)
        #expect(spec.technology.clockMHz == 500)
    }

    @Test(arguments: [
        ("pe-array.rows=-1", "'-1' is not a valid value"),
        ("pe-array.rows", "expected path=value"),
        ("memory.nosuch.sizeKiB=1", "no memory level named 'nosuch' (levels: dram, buf)"),
        ("gpu.cores=4", "no element <gpu>"),
        ("sparsity.psums.exploit=skip", "'psums' is not an operand"),
        ("dataflow=diagonal", "The value 'diagonal'"),
        ("memory.buf.sizeKiB=1", "cannot hold one tile"),
        ("dataflow.inputTile=32", "inputTile applies to the outer-product dataflow, not weight-stationary"),
    ])
    func badOverridesAreErrors(override: String, message: String) {
        do {
            _ = try SpecLoader.load(path: Self.fixtures + "/valid-minimal.xml", overrides: [override])
            Issue.record("accepted \(override)")
        } catch {
            #expect(error.errors.count == 1)
            #expect(error.errors.first?.message.contains(message) == true, "\(error)")
        }
    }

    // MARK: Schema and defaults

    @Test func compiledSchemaMatchesTheFile() throws {
        let file = try String(contentsOfFile: Self.root + "/HardwareSpecs/accelerator.xsd", encoding: .utf8)
        #expect(AcceleratorSchema.text + "\n" == file, "run `make schema` after editing accelerator.xsd")
    }

    @Test func horowitzDefaults() {
        // The published points are reproduced exactly; between them the power law is monotone.
        #expect(abs(EnergyDefaults.sram64BitPJ(bytes: 8 * 1024) - 10) < 1e-9)
        #expect(abs(EnergyDefaults.sram64BitPJ(bytes: 32 * 1024) - 20) < 1e-9)
        #expect(abs(EnergyDefaults.sram64BitPJ(bytes: 1024 * 1024) - 100) < 1e-9)
        #expect(EnergyDefaults.sram64BitPJ(bytes: 16 * 1024) > 10 && EnergyDefaults.sram64BitPJ(bytes: 16 * 1024) < 20)
        // 8-bit MAC: 0.2 pJ multiply + 32-bit add (4 × 0.03 pJ).
        #expect(abs(EnergyDefaults.macPJ(operandBits: 8, accumulatorBits: 32) - 0.32) < 1e-12)
        #expect(EnergyDefaults.accessPJ(type: .dram, sizeBytes: nil, widthBits: 64, operandBits: 8, macPJ: 0.32) == 1300)
    }
}
