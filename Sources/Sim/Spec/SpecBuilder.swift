import SparseSimCore

// MARK: - SpecBuilder

/// Turns a schema-valid `<accelerator>` tree into a `HardwareSpec`, checking what the schema
/// cannot and filling in defaults. Collects every error with its line.
struct SpecBuilder {
    let file: String
    var errors: [SpecError] = []

    init(file: String) { self.file = file }

    // MARK: Limits the schema cannot state

    /// The most PEs an array may have (2^24: sixteen times a 1024x1024 array); more would only
    /// make per-PE bookkeeping allocate absurd memory.
    static let maxPEs = 1 << 24
    /// The most MAC lanes (PEs x macsPerPE).
    static let maxMacLanes = 1 << 30
    /// Clock rates that keep cycle counts meaningful (1 kHz to 100 GHz).
    static let clockRangeMHz = 0.001...100_000.0
    /// Bandwidths that keep transfer cycles finite (1 kB/s to 1 PB/s); zero is the schema's to refuse.
    static let bandwidthRangeGBps = 0.000001...1_000_000.0

    mutating func fail(_ element: XMLElement, _ message: String) {
        errors.append(SpecError(file: file, line: element.line, message: message))
    }

    /// An integer attribute (the schema has checked its form); nil and an error when it does not fit.
    mutating func int(_ e: XMLElement, _ name: String, default fallback: Int? = nil) -> Int? {
        guard let text = e.attribute(name) else { return fallback }
        guard let v = Int(text.trimmingCharacters(in: .whitespaces)) else {
            fail(e, "<\(e.name)> \(name)=\"\(text)\" is too large")
            return nil
        }
        return v
    }

    func double(_ e: XMLElement, _ name: String) -> Double? {
        e.attribute(name).flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    mutating func build(_ root: XMLElement) -> HardwareSpec? {
        guard let tech = root.child("technology"), let pe = root.child("pe-array"), let mem = root.child("memory"),
            let df = root.child("dataflow")
        else { return nil }  // the schema requires them

        let technology = HardwareSpec.Technology(nodeNm: double(tech, "nodeNm"), clockMHz: double(tech, "clockMHz") ?? 0)
        let array = HardwareSpec.PEArray(
            rows: int(pe, "rows") ?? 1, cols: int(pe, "cols") ?? 1, macsPerPE: int(pe, "macsPerPE", default: 1) ?? 1,
            operandBits: int(pe, "operandBits") ?? 8, accumulatorBits: int(pe, "accumulatorBits") ?? 32,
            accumulateCycles: int(pe, "accumulateCycles"))
        if array.peCount > Self.maxPEs {
            fail(pe, "\(array.rows)x\(array.cols) = \(array.peCount) PEs; the model simulates at most \(Self.maxPEs) (2^24)")
        } else if array.peCount * array.macsPerPE > Self.maxMacLanes {
            fail(pe, "\(array.peCount) PEs x \(array.macsPerPE) MACs = \(array.peCount * array.macsPerPE) MAC lanes; the model simulates at most \(Self.maxMacLanes) (2^30)")
        }
        if let mhz = double(tech, "clockMHz"), !Self.clockRangeMHz.contains(mhz) {
            fail(tech, "clockMHz=\(mhz) is outside \(Self.clockRangeMHz.lowerBound)...\(Self.clockRangeMHz.upperBound) (1 kHz to 100 GHz)")
        }
        if array.accumulatorBits < array.operandBits {
            fail(pe, "accumulatorBits (\(array.accumulatorBits)) must be at least operandBits (\(array.operandBits))")
        }

        let energyElement = root.child("energy")
        let macPJ = energyElement.flatMap { double($0, "macPJ") }
            ?? EnergyDefaults.macPJ(operandBits: array.operandBits, accumulatorBits: array.accumulatorBits)
        let gatedPJ = energyElement.flatMap { double($0, "gatedMacPJ") } ?? EnergyDefaults.gatedMacPJ(macPJ: macPJ)
        if gatedPJ > macPJ, let e = energyElement { fail(e, "gatedMacPJ (\(gatedPJ)) exceeds macPJ (\(macPJ))") }

        let memory = buildMemory(mem, array: array, macPJ: macPJ)
        let dataflow = HardwareSpec.Dataflow(name: df.attribute("type") ?? "") ?? .weightStationary
        var sparsity: [HardwareSpec.OperandSparsity] = []
        if let s = root.child("sparsity") { sparsity = buildSparsity(s) }
        let options = buildDataflowOptions(df, dataflow: dataflow, array: array)

        var decomposition: HardwareSpec.Decomposition?
        if let d = root.child("decomposition") {
            decomposition = HardwareSpec.Decomposition(
                bases: int(d, "bases") ?? 1, sharing: BasisSharing(rawValue: d.attribute("sharing") ?? "layer") ?? .layer, basisBits: int(d, "basisBits") ?? 8,
                coefficientBits: int(d, "coefficientBits") ?? 8, intermediateBits: int(d, "intermediateBits") ?? 16,
                basisMacs: int(d, "basisMacs"),
                intermediateBytes: double(d, "intermediateKiB").map { Int(($0 * 1024).rounded()) })
            if let kib = double(d, "intermediateKiB"), kib * 1024 >= 0x1p50 { fail(d, "intermediateKiB=\(kib) is too large") }
            if let m = decomposition?.bases, m > 64 { fail(d, "bases=\(m): at most 64 bases (kernels up to 8x8)") }
        }
        if dataflow == .basisFirst && decomposition == nil {
            fail(df, "dataflow basis-first needs a <decomposition> element")
        }
        let vector = root.child("vector-unit")
        let vectorUnit = HardwareSpec.VectorUnit(
            lanes: vector.flatMap { int($0, "lanes") } ?? array.cols, cyclesPerOp: vector.flatMap { int($0, "cyclesPerOp") } ?? 1,
            energyPerOpPJ: vector.flatMap { double($0, "energyPerOpPJ") } ?? macPJ)
        return HardwareSpec(
            name: root.attribute("name") ?? "", technology: technology, peArray: array,
            energy: HardwareSpec.ComputeEnergy(macPJ: macPJ, gatedMacPJ: gatedPJ), memory: memory,
            dataflow: dataflow, dataflowOptions: options, sparsity: sparsity, decomposition: decomposition,
            vectorUnit: vectorUnit)
    }

    /// The sparse dataflows' parameters with their defaults: SCNN's `F = I = √macsPerPE`,
    /// `A = 2·F·I`, `Kc = 8`; SparTen's 128-bit chunks.
    mutating func buildDataflowOptions(_ e: XMLElement, dataflow: HardwareSpec.Dataflow, array: HardwareSpec.PEArray) -> HardwareSpec.DataflowOptions {
        var o = HardwareSpec.DataflowOptions(
            weightVector: int(e, "weightVector"), inputVector: int(e, "inputVector"),
            accumulatorBanks: int(e, "accumulatorBanks"), channelGroup: int(e, "channelGroup"), chunkSize: int(e, "chunkSize"))
        o.inputTile = int(e, "inputTile")
        o.weightTile = int(e, "weightTile")
        switch dataflow {
        case .cartesianProduct:
            let root = Int(Double(array.macsPerPE).squareRoot())
            let f = o.weightVector ?? (o.inputVector.map { array.macsPerPE / $0 } ?? root)
            let i = o.inputVector ?? array.macsPerPE / max(f, 1)
            if f * i != array.macsPerPE {
                fail(e, "cartesian-product needs weightVector x inputVector = macsPerPE (\(f) x \(i) != \(array.macsPerPE))")
            }
            o.weightVector = f
            o.inputVector = i
            o.accumulatorBanks = o.accumulatorBanks ?? 2 * array.macsPerPE
            o.channelGroup = o.channelGroup ?? 8
        case .innerJoin:
            o.chunkSize = o.chunkSize ?? 128
        case .outerProduct:
            o.inputTile = o.inputTile ?? array.rows
            o.weightTile = o.weightTile ?? array.cols
        default:
            break
        }
        let owners: [String: HardwareSpec.Dataflow] = [
            "weightVector": .cartesianProduct, "inputVector": .cartesianProduct, "accumulatorBanks": .cartesianProduct,
            "channelGroup": .cartesianProduct, "chunkSize": .innerJoin, "inputTile": .outerProduct, "weightTile": .outerProduct,
        ]
        for (name, owner) in owners.sorted(by: { $0.key < $1.key }) where owner != dataflow && e.attribute(name) != nil {
            fail(e, "\(name) applies to the \(owner.rawValue) dataflow, not \(dataflow.rawValue)")
        }
        return o
    }

    mutating func buildMemory(_ mem: XMLElement, array: HardwareSpec.PEArray, macPJ: Double) -> [HardwareSpec.MemoryLevel] {
        var levels: [HardwareSpec.MemoryLevel] = []
        let elements = mem.children.filter { $0.name == "level" }
        for (i, e) in elements.enumerated() {
            let type = HardwareSpec.LevelType(rawValue: e.attribute("type") ?? "") ?? .sram
            let name = e.attribute("name") ?? ""
            var holds: [Operand] = []
            for word in (e.attribute("holds") ?? "").split(separator: " ") {
                guard let op = Operand(rawValue: String(word)) else { continue }
                if holds.contains(op) { fail(e, "level '\(name)' lists \(op.rawValue) twice in holds") } else { holds.append(op) }
            }
            var size: Int?
            switch (e.attribute("sizeKiB"), e.attribute("sizeBytes")) {
            case (_?, _?):
                fail(e, "level '\(name)' gives both sizeKiB and sizeBytes; give one")
            case (let kib?, nil):
                let bytes = (Double(kib) ?? 0) * 1024
                if bytes >= 0x1p50 { fail(e, "level '\(name)' sizeKiB=\(kib) is too large") } else { size = Int(bytes) }
            case (nil, _?):
                size = int(e, "sizeBytes")
            case (nil, nil):
                break
            }
            switch type {
            case .dram:
                if i != 0 { fail(e, "the DRAM level must be the first (outermost) memory level") }
                if size != nil { fail(e, "the DRAM level takes no size (it is unbounded)") }
            case .noc:
                if size != nil { fail(e, "a noc level takes no size") }
            case .sram, .regfile:
                guard let size else {
                    fail(e, "\(type.rawValue) level '\(name)' needs sizeKiB or sizeBytes")
                    break
                }
                let word = max(1, array.operandBits / 8)
                // One fold: a word of each held operand per PE for an SRAM, one word per PE register file.
                let minimum = type == .sram ? holds.count * array.peCount * word : holds.count * word
                if size < minimum {
                    fail(e, "\(type.rawValue) level '\(name)' (\(size) bytes) cannot hold one tile: it needs at least \(minimum) bytes for \(holds.map(\.rawValue).joined(separator: ", ")) on a \(array.rows)x\(array.cols) array")
                }
            }
            if let gbps = double(e, "bandwidthGBps"), !Self.bandwidthRangeGBps.contains(gbps) {
                fail(e, "level '\(name)' bandwidthGBps=\(gbps) is outside \(Self.bandwidthRangeGBps.lowerBound)...\(Self.bandwidthRangeGBps.upperBound) (1 kB/s to 1 PB/s)")
            }
            let width = int(e, "widthBits") ?? 64
            let defaultPJ = EnergyDefaults.accessPJ(type: type, sizeBytes: size, widthBits: width, operandBits: array.operandBits, macPJ: macPJ)
            let read = double(e, "readPJ") ?? defaultPJ
            levels.append(HardwareSpec.MemoryLevel(
                name: name, type: type, sizeBytes: size, banks: int(e, "banks", default: 1) ?? 1, widthBits: width,
                bandwidthGBps: double(e, "bandwidthGBps"), readPJ: read, writePJ: double(e, "writePJ") ?? read, holds: holds))
        }
        if let first = elements.first, levels.first?.type != .dram {
            fail(first, "the first memory level must be of type dram")
        }
        if let dram = levels.first, dram.type == .dram, let e = elements.first {
            for op in Operand.allCases where !dram.holds.contains(op) {
                fail(e, "the DRAM level must hold \(op.rawValue) (every operand starts and ends in DRAM)")
            }
        }
        if levels.filter({ $0.type == .dram }).count > 1, let e = elements.dropFirst().first(where: { $0.attribute("type") == "dram" }) {
            fail(e, "only one DRAM level is allowed")
        }
        return levels
    }

    mutating func buildSparsity(_ s: XMLElement) -> [HardwareSpec.OperandSparsity] {
        var out: [HardwareSpec.OperandSparsity] = []
        for e in s.children where e.name == "operand" {
            guard let op = Operand(rawValue: e.attribute("name") ?? "") else { continue }
            let format = HardwareSpec.Format(rawValue: e.attribute("format") ?? "dense") ?? .dense
            let n = int(e, "n"), m = int(e, "m")
            var pattern: NMPattern?
            if let n, let m {
                if NMPattern.isValid(n: n, m: m) { pattern = NMPattern(n: n, m: m) } else { fail(e, "\(op.rawValue): N:M needs n <= m, got \(n):\(m)") }
            } else if format == .nm {
                fail(e, "\(op.rawValue): format nm needs attributes n and m")
            } else if n != nil || m != nil {
                fail(e, "\(op.rawValue): attributes n and m go together")
            }
            let setting = HardwareSpec.OperandSparsity(
                operand: op, exploit: HardwareSpec.Exploit(rawValue: e.attribute("exploit") ?? "none") ?? .none,
                format: format, balancing: HardwareSpec.Balancing(rawValue: e.attribute("balancing") ?? "none") ?? .none,
                runBits: int(e, "runBits"), indexBits: int(e, "indexBits"), nm: pattern, blockSize: int(e, "blockSize"))
            switch setting.format {
            case .nm:
                break
            case .rle where setting.runBits == nil: fail(e, "\(op.rawValue): format rle needs runBits")
            case .csr where setting.indexBits == nil, .csc where setting.indexBits == nil:
                fail(e, "\(op.rawValue): format \(setting.format.rawValue) needs indexBits")
            case .block where setting.blockSize == nil: fail(e, "\(op.rawValue): format block needs blockSize")
            default: break
            }
            out.append(setting)
        }
        return out
    }
}
