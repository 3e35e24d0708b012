import Dataflow
import SparseFormats
import SparseSimCore

// MARK: - BasisFirstModel

/// ESCALATE's basis-first dataflow (Li et al., MICRO 2021): each decomposed convolution's dense
/// basis stage and sparse coefficient stage (`BasisFirstCompute`), on the PE array or on a
/// separate basis engine, with intermediate values kept on chip.
struct BasisFirstModel: DataflowModel {
    static let dataflows: Set<HardwareSpec.Dataflow> = [.basisFirst]

    let spec: HardwareSpec

    init(spec: HardwareSpec, file: String) throws {
        self.spec = spec
    }

    /// A layer on the basis-first dataflow (Docs/model.md, "Basis first").
    ///
    /// A decomposed convolution runs its dense basis stage and its sparse coefficient stage
    /// (`BasisFirstCompute`) on the trace's coefficient mask; a convolution the trace did not
    /// decompose is taken as decomposed with the spec's `M` and every coefficient kept (stated in
    /// a note); pointwise and linear layers run the coefficient stage on their weights; grouped
    /// convolutions the basis stage on their kernels.
    ///
    /// Traffic: inputs cross DRAM once per spatial tile (the tile's input rows), bases and
    /// coefficients (in the spec's weight format, at the decomposition's bit widths) once — or once
    /// per spatial tile when they do not fit their buffer share — and outputs once; intermediate
    /// values never leave the chip: written and read once each in the intermediate buffer.
    /// - Throws: `SparseSimError` when a decomposition does not fit the layer, or the coefficients
    ///   do not fit the spec's weight format.
    func work(for layer: Workload.Layer, on simulator: Simulator) throws -> LayerWork {
        let l = layer.shape
        let d = spec.decomposition ?? HardwareSpec.Decomposition(bases: 1, sharing: .layer, basisBits: spec.peArray.operandBits,
                                                                   coefficientBits: spec.peArray.operandBits,
                                                                   intermediateBits: spec.peArray.accumulatorBits)
        let array = spec.peArray
        let setting = spec.sparsity(of: .weights)
        var notes: [String] = []

        // MARK: Stages and coefficients
        let stages: BasisFirstCompute.Stages
        var m = 1, groups = 1
        var pattern: Bitmask?
        if l.R * l.S == 1 {
            stages = .coefficientsOnly
            pattern = layer.masks?.weights
        } else if l.groups > 1 {
            stages = .basesOnly
            m = l.K / l.groups
            notes.append("grouped convolution: its kernels are the bases (basis stage only)")
        } else if let record = layer.decomposition {
            try record.validate(for: l, file: "<workload>")
            stages = .both
            m = record.bases
            groups = record.groups(channels: l.C)
            pattern = record.coefficientMask
        } else {
            stages = .both
            m = min(d.bases, l.R * l.S)
            groups = d.sharing.groups(channels: l.C)
            notes.append("not decomposed in the trace: M = \(m) (\(d.sharing)) from the spec, every coefficient kept")
        }
        let coefficientCount = stages == .basesOnly ? 0 : l.K * l.C * m
        let kept = stages == .basesOnly ? 0 : pattern?.popcount ?? coefficientCount
        let skip = setting.exploit == .skip

        // MARK: Tiles from the buffers
        func share(_ operand: Operand) -> Int? {
            spec.memory.last { $0.type == .sram && $0.holds.contains(operand) }
                .map { ($0.sizeBytes ?? 0) * 8 / max($0.holds.count, 1) }
        }
        let accumulatorRow = l.K * l.Q * array.accumulatorBits
        let outputCapacity = share(.outputs) ?? Int.max
        var outputRows = max(1, min(l.P, outputCapacity / max(accumulatorRow, 1)))
        if accumulatorRow > outputCapacity {
            notes.append("one output row's accumulators need \(accumulatorRow / 8) B, the output buffer share holds \(outputCapacity / 8) B")
        }
        let intermediateCapacity = d.intermediateBytes.map { $0 * 8 } ?? share(.inputs) ?? Int.max
        var channelTile = stages == .basesOnly ? l.groups : l.C
        var intermediateTileBits = 0
        if stages == .both {
            let row = m * l.Q * d.intermediateBits
            outputRows = max(1, min(outputRows, intermediateCapacity / max(row, 1)))
            channelTile = max(1, min(l.C, intermediateCapacity / max(row * outputRows, 1)))
            intermediateTileBits = channelTile * row * outputRows
            if intermediateTileBits > intermediateCapacity {
                notes.append("an intermediate tile needs \(intermediateTileBits / 8) B, the intermediate buffer holds \(intermediateCapacity / 8) B")
            }
        }
        let compute = BasisFirstCompute(
            shape: l.withBatch(1), bases: m, coefficients: skip ? pattern : nil, stages: stages, rows: array.rows, cols: array.cols,
            macsPerPE: array.macsPerPE, basisEngine: d.basisMacs, outputRows: outputRows, channelTile: channelTile)
        let n = l.N

        // MARK: Weight storage
        let all = Bitmask(repeating: true, count: max(coefficientCount, 0))
        let storage: WeightStorage
        switch stages {
        case .both:
            let matrix = SparseMatrix(pattern: pattern ?? all, rows: l.K, columns: l.C * m)
            storage = try wrapFormat(l) {
                try WeightStorage.decomposed(k: l.K, c: l.C, kernelSize: l.R * l.S, bases: m, groups: groups,
                                             coefficients: pattern ?? all, basisBits: d.basisBits, coefficientBits: d.coefficientBits,
                                             format: Simulator.format(setting, for: matrix))
            }
        case .coefficientsOnly:
            let matrix = SparseMatrix(pattern: pattern ?? all, rows: l.K, columns: l.C)
            storage = try wrapFormat(l) {
                try WeightStorage.plain(mask: pattern ?? all, rows: l.K, columns: l.C, valueBits: d.coefficientBits,
                                        format: Simulator.format(setting, for: matrix))
            }
        case .basesOnly:
            storage = WeightStorage(denseBits: 32 * l.weightCount, basisBits: l.weightCount * d.basisBits, valueBits: 0,
                                    metadataBits: 0, scaleBits: 32)
        }

        // MARK: DRAM
        let weightCapacity = share(.weights) ?? Int.max
        let weightPasses = storage.storedBits <= weightCapacity ? 1 : compute.spatialTiles * n
        if weightPasses > 1 { notes.append("bases and coefficients (\(storage.storedBits / 8) B) exceed their buffer share: re-read per spatial tile") }
        var inputBits = 0
        if l.kind == .linear {
            inputBits = l.C * array.operandBits * n
        } else {
            var p0 = 0
            while p0 < l.P {
                let p1 = min(l.P, p0 + outputRows)
                let first = max(0, p0 * l.stride - l.padding), last = min(l.H - 1, (p1 - 1) * l.stride - l.padding + l.R - 1)
                if last >= first { inputBits += (last - first + 1) * l.W * l.C * array.operandBits }
                p0 = p1
            }
            inputBits *= n
        }
        let outputBits = l.K * l.P * l.Q * array.operandBits * n
        let weightDataBits = (storage.basisBits + storage.valueBits + storage.scaleBits) * weightPasses
        let metadataBits = storage.metadataBits * weightPasses
        let dramBits = [weightDataBits, inputBits, outputBits]

        // MARK: Energy
        let macs = compute.macs * n
        let keptMacs = compute.basisMacs * n + (skip || stages == .basesOnly ? compute.coefficientMacs * n
            : compute.coefficientMacs * n * kept / max(coefficientCount, 1))
        let gated = setting.exploit == .gate ? max(macs - keptMacs, 0) : 0
        var ledger = EnergyLedger(macs: 0, macPJ: 0)
        ledger.energy["mac"] = Double(macs - gated) * spec.energy.macPJ + Double(gated) * spec.energy.gatedMacPJ
        let dram = spec.memory[0]
        ledger.charge(dram, .weights, readBits: weightDataBits + metadataBits, writeBits: 0)
        ledger.charge(dram, .inputs, readBits: inputBits, writeBits: 0)
        ledger.charge(dram, .outputs, readBits: 0, writeBits: outputBits)
        // What the PEs read from the innermost level holding each operand.
        let inputReads = (stages == .coefficientsOnly ? l.C * l.P * l.Q : compute.basisMacs / max(m, 1)) * n * array.operandBits
        let weightLoads = n * (compute.spatialTiles * (stages == .coefficientsOnly ? 0 : l.C * m * l.R * l.S) * d.basisBits
                               + compute.coefficientLoads * d.coefficientBits + compute.spatialTiles * storage.metadataBits)
        let accumulations = (compute.coefficientMacs + (stages == .basesOnly ? compute.basisMacs / max(l.R * l.S, 1) : 0))
            * n * array.accumulatorBits
        let arrayBits: [Operand: (reads: Int, writes: Int)] = [
            .weights: (weightLoads, 0), .inputs: (inputReads, 0), .outputs: (accumulations, accumulations),
        ]
        for (index, operand) in Operand.allCases.enumerated() {
            let levels = spec.memory.filter { ($0.type == .sram || $0.type == .regfile) && $0.holds.contains(operand) }
            let moved = dramBits[index] + (operand == .weights ? metadataBits : 0)
            for (j, level) in levels.enumerated() {
                if j == levels.count - 1 {
                    let a = arrayBits[operand]!
                    ledger.charge(level, operand, readBits: a.reads + (operand == .outputs ? outputBits : 0),
                                  writeBits: a.writes + (operand == .outputs ? 0 : moved))
                } else {
                    ledger.charge(level, operand, readBits: moved, writeBits: moved)
                }
            }
        }
        // Intermediate values: written once and read once (broadcast) on chip, never in DRAM.
        if compute.intermediateValues > 0,
           let buffer = spec.memory.last(where: { $0.type == .sram && $0.holds.contains(.inputs) }) ?? spec.memory.last(where: { $0.type == .sram }) {
            let bits = compute.intermediateValues * n * d.intermediateBits
            ledger.charge(buffer, key: "intermediates", readBits: bits, writeBits: bits)
        }

        // MARK: Result
        let engine = d.basisMacs.map { "separate basis engine of \($0) MACs, stages pipelined" } ?? "stages take turns on the PE array"
        var tiling = "basis-first: \(compute.spatialTiles) spatial x \(compute.tiles / max(compute.spatialTiles, 1)) channel tiles (\(outputRows) rows, \(channelTile) channels)"
        switch stages {
        case .both: tiling += ", M=\(m) \(groups == 1 ? "layer" : "channel") bases, intermediate tile \(intermediateTileBits / 8) B, \(engine)"
        case .coefficientsOnly: tiling += ", coefficient stage only"
        case .basesOnly: tiling += ", basis stage only"
        }
        var r = LayerWork(l, macs: macs, computeCycles: compute.computeCycles * n, mappingEfficiency: compute.mappingEfficiency,
                          tiling: tiling, ledger: ledger, dramBits: dramBits, metadataBits: metadataBits)
        r.gatedMacs = gated
        r.loadImbalance = compute.loadImbalance
        r.notes += notes
        r.weightStorage = (WeightBits(dense: storage.denseBits, stored: storage.storedBits), storage.compressionRatio)
        r.stageMacs = .init(basis: compute.basisMacs * n, coefficients: compute.coefficientMacs * n)
        if simulator.hasSparsity {
            let twin = try simulator.denseTwin
            r.denseCycles = twin.pacedCycles(try twin.model.work(for: layer, on: twin))
        }
        if let masks = layer.masks {
            r.weightDensity = masks.weightDensity
            r.inputDensity = masks.inputDensity
            r.noteStatisticalMasks(masks)
        }
        return r
    }

    /// Runs `body`, naming the spec's weight format and the layer in a format error.
    private func wrapFormat<T>(_ l: LayerShape, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SparseSimError {
            throw SparseSimError(file: "<spec \(spec.name)>", location: "sparsity.weights", message: "layer \(l.name): \(error.message)")
        }
    }
}
