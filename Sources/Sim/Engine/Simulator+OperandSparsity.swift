import Dataflow
import SparseFormats
import SparseSimCore

// MARK: - Operand sparsity

/// What every dataflow model shares about zeros: recorded input patterns, MACs counted from the
/// real masks, operand storage in the spec's formats, and — for arrays that cannot skip — gating
/// and compressed DRAM transfers.
extension Simulator {
    /// The recorded inputs of sample `i` (nil: none recorded).
    static func inputPattern(_ masks: LayerMasks?, sample i: Int) -> Bitmask? {
        guard let masks, !masks.inputs.isEmpty else { return nil }
        return masks.inputs[i % masks.inputs.count]
    }

    /// The non-zero inputs of sample `i` as hardware that looks at input zeros sees them: the
    /// recorded pattern, or every input non-zero — padding stays zero either way.
    static func visibleInputs(_ layer: Workload.Layer, sample i: Int) -> Bitmask {
        inputPattern(layer.masks, sample: i)
            ?? Bitmask(repeating: true, count: layer.shape.C * layer.shape.H * layer.shape.W)
    }

    /// MACs over all samples whose counted operands are non-zero — the weights when `weights`,
    /// the inputs (padding is zero) when `inputs`: with both, the effectual MACs.
    static func countMacs(_ layer: Workload.Layer, weights countWeights: Bool, inputs countInputs: Bool) -> Int {
        let l = layer.shape
        let one = l.withBatch(1)
        let weights = countWeights ? layer.masks?.weights : nil
        var total = 0
        var unrecorded: Int?
        for i in 0..<l.N {
            let recorded = inputPattern(layer.masks, sample: i) != nil
            if !recorded || !countInputs, let d = unrecorded { total += d; continue }
            let n = SparseWork(shape: one, inputs: countInputs ? visibleInputs(layer, sample: i) : nil)
                .filterWork(weights: weights).reduce(0, +)
            if !recorded || !countInputs { unrecorded = n }
            total += n
        }
        return total
    }

    /// Storage of `operand` in the spec's format: data and metadata bits of the weights (one
    /// matrix `K × C/groups·R·S`) or of the inputs (`C × H·W` per sample, over `N` samples).
    /// - Throws: `SparseSimError` when the spec's widths cannot hold the layer's indices.
    func storage(_ operand: Operand, of layer: Workload.Layer) throws -> StorageCost? {
        let setting = spec.sparsity(of: operand)
        guard setting.format != .dense else { return nil }
        let l = layer.shape
        let bits = spec.peArray.operandBits
        func cost(_ mask: Bitmask, rows: Int, columns: Int) throws -> StorageCost {
            let matrix = SparseMatrix(pattern: mask, rows: rows, columns: columns)
            let format = Self.format(setting, for: matrix)
            do {
                return try format.cost(of: matrix, valueBits: bits)
            } catch let error as SparseSimError {
                throw SparseSimError(file: "<spec \(spec.name)>", location: "sparsity.\(operand.rawValue)",
                                     message: "layer \(l.name): \(error.message)")
            }
        }
        switch operand {
        case .weights:
            let rows = l.K, columns = l.channelsPerGroup * l.R * l.S
            return try cost(layer.masks?.weights ?? Bitmask(repeating: true, count: rows * columns), rows: rows, columns: columns)
        case .inputs:
            var total = StorageCost(dataBits: 0, metadataBits: 0)
            var dense: StorageCost?
            for i in 0..<l.N {
                let pattern = Self.inputPattern(layer.masks, sample: i)
                if pattern == nil, let d = dense { total.dataBits += d.dataBits; total.metadataBits += d.metadataBits; continue }
                let c = try cost(pattern ?? Bitmask(repeating: true, count: l.C * l.H * l.W), rows: l.C, columns: l.H * l.W)
                if pattern == nil { dense = c }
                total.dataBits += c.dataBits
                total.metadataBits += c.metadataBits
            }
            return total
        case .outputs:
            return nil
        }
    }

    /// The storage format `setting` names, sized for `matrix`: CSR/CSC pointers as wide as its
    /// non-zero count needs; N:M only when the matrix conforms (else dense: it runs in dense mode).
    static func format(_ setting: HardwareSpec.OperandSparsity, for matrix: SparseMatrix) -> SparseFormat {
        switch setting.format {
        case .dense: return .dense
        case .bitmap: return .bitmap
        case .rle: return .rle(runBits: setting.runBits ?? 4)
        case .csr, .csc:
            let index = setting.indexBits ?? 16
            let pointer = SparseFormat.bits(toHold: matrix.nonzeros)
            return setting.format == .csr ? .csr(indexBits: index, pointerBits: pointer) : .csc(indexBits: index, pointerBits: pointer)
        case .nm:
            let nm = setting.nm ?? NMPattern(n: 1, m: 1)
            return nm.conforms(matrix) ? .nm(nm) : .dense
        case .block: return .block(size: setting.blockSize ?? 1)
        }
    }

    /// A dense array's work with the operands' zeros applied: gated MACs charged the gated
    /// energy (cycles unchanged: a dense array cannot skip unstructured zeros), compressed DRAM
    /// transfers (data and metadata), the densities and notes; `denseCycles`: the layer's cycles
    /// with sparsity off (a dense array's cycles do not depend on the masks).
    func applyOperandSparsity(_ work: inout LayerWork, layer: Workload.Layer, denseCycles: Int) throws {
        let w = spec.sparsity(of: .weights), x = spec.sparsity(of: .inputs)
        for s in [w, x] where s.exploit == .skip && !(s.operand == .weights && s.format == .nm) {
            work.notes.append("\(s.operand.rawValue) skip on a dense \(spec.dataflow.rawValue) array: zeros gated, not skipped")
        }
        let effectual = layer.masks == nil ? nil : Self.countMacs(layer, weights: true, inputs: true)
        work.describeMasks(of: layer, effectual: effectual)
        // MACs with every exploited operand non-zero; the rest of the performed MACs are gated.
        let exploitW = w.exploit != .none, exploitX = x.exploit != .none
        if exploitW || exploitX {
            let kept = exploitW && exploitX ? effectual ?? Self.countMacs(layer, weights: true, inputs: true)
                : Self.countMacs(layer, weights: exploitW, inputs: exploitX)
            // Under N:M compression the performed MACs are the kept slots; a slot's zero is gated.
            work.gatedMacs = max(work.macs - kept, 0)
            work.energyPJ["mac"] = Double(work.macs - work.gatedMacs) * spec.energy.macPJ + Double(work.gatedMacs) * spec.energy.gatedMacPJ
        }
        try compressDRAM(&work, layer: layer)
        work.denseCycles = denseCycles
    }

    /// Scales each compressed operand's DRAM bytes by its format's storage over dense storage,
    /// adds the metadata, and re-charges DRAM energy and bits for the difference.
    func compressDRAM(_ work: inout LayerWork, layer: Workload.Layer) throws {
        let dram = spec.memory[0]
        let l = layer.shape
        let bits = Double(spec.peArray.operandBits)
        for operand in [Operand.weights, .inputs] {
            guard let cost = try storage(operand, of: layer) else { continue }
            if operand == .weights { work.storedWeightBits = cost.totalBits }
            let denseBits = Double(operand == .weights ? l.weightCount : l.inputCount) * bits
            guard denseBits > 0 else { continue }
            let before = operand == .weights ? work.dramBytes.weights : work.dramBytes.inputs
            let data = before * Double(cost.dataBits) / denseBits
            let metadata = before * Double(cost.metadataBits) / denseBits
            if operand == .weights { work.dramBytes.weights = data } else { work.dramBytes.inputs = data }
            work.dramBytes.metadata += metadata
            let deltaBits = (data + metadata - before) * 8
            let deltaPJ = deltaBits / Double(max(dram.widthBits, 1)) * dram.readPJ
            work.energyPJ[dram.name, default: 0] += deltaPJ
            work.energyByOperandPJ[operand.rawValue, default: 0] += deltaPJ
            work.levelBits[dram.name, default: 0] += Int(deltaBits.rounded())
        }
        try compressOutputs(&work, layer: layer)
    }

    /// Outputs written to DRAM in the inputs' format (they are the next layer's feature map) at
    /// the layer's `outputDensity`: the final outputs shrink by the format's storage of a seeded
    /// uniform pattern at that density over dense storage; partial-sum spills stay dense.
    func compressOutputs(_ work: inout LayerWork, layer: Workload.Layer) throws {
        let setting = spec.sparsity(of: .inputs)
        guard let density = layer.outputDensity, setting.format != .dense, density < 1 else { return }
        let l = layer.shape
        let plane = l.P * l.Q, count = l.K * plane
        guard count > 0 else { return }
        var rng = RandomGenerator(seed: 0x0071_E75 ^ UInt64(count))
        let mask = Workload.randomMask(count: count, ones: Int((density * Double(count)).rounded()), using: &rng)
        let matrix = SparseMatrix(pattern: mask, rows: l.K, columns: plane)
        let cost: StorageCost
        do {
            cost = try Self.format(setting, for: matrix).cost(of: matrix, valueBits: spec.peArray.operandBits)
        } catch let error as SparseSimError {
            throw SparseSimError(file: "<spec \(spec.name)>", location: "sparsity.inputs", message: "layer \(l.name) outputs: \(error.message)")
        }
        let denseBits = Double(count * spec.peArray.operandBits)
        let finalBytes = min(work.dramBytes.outputs, Double(l.outputCount * spec.peArray.operandBits) / 8)
        let data = finalBytes * Double(cost.dataBits) / denseBits
        let metadata = finalBytes * Double(cost.metadataBits) / denseBits
        work.dramBytes.outputs += data - finalBytes
        work.dramBytes.metadata += metadata
        let dram = spec.memory[0]
        let deltaBits = (data + metadata - finalBytes) * 8
        let deltaPJ = deltaBits / Double(max(dram.widthBits, 1)) * dram.writePJ
        work.energyPJ[dram.name, default: 0] += deltaPJ
        work.energyByOperandPJ[Operand.outputs.rawValue, default: 0] += deltaPJ
        work.levelBits[dram.name, default: 0] += Int(deltaBits.rounded())
        work.notes.append("outputs written \(setting.format.rawValue)-compressed at density \(density) (the next layer's inputs)")
    }
}
