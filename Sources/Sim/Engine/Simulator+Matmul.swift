import SparseSimCore

// MARK: - Products of two activations

extension Simulator {
    /// A matmul layer (`LayerKind.matmul`: attention's `Q·Kᵀ` and `P·V`) as what the array runs:
    /// one GEMM per sample and head, `rows × reduction` by `reduction × columns`, each a linear
    /// layer of `rows` rows whose "weights" are that sample's second operand — so every
    /// dataflow maps it as it maps a linear layer, the second operand is loaded once per GEMM
    /// (it cannot be shared across samples), and the operands' recorded zeros (a trace's
    /// attention probabilities below its threshold, say) are each GEMM's own. The layer's
    /// result is the sum of its GEMMs', each paced against the memory levels on its own.
    ///
    /// Without masks the GEMMs are identical: one is simulated and counted `N·heads` times.
    /// - Complexity: one linear-layer simulation per GEMM (one without masks).
    func simulateMatmul(_ layer: Workload.Layer) throws -> (result: SimulationResult.LayerResult, weights: WeightBits) {
        let s = layer.shape, heads = s.groups, rows = s.P, reduction = s.channelsPerGroup, columns = s.K / heads
        let gemm = LayerShape.linear(s.name, N: rows, K: columns, C: reduction)
        let instances = s.N * heads
        var results: [SimulationResult.LayerResult] = [], weights: [WeightBits] = []
        if let masks = layer.masks {
            let operand = columns * reduction
            for n in 0..<s.N {
                for h in 0..<heads {
                    let g = n * heads + h
                    let second = masks.weights.map { w in Bitmask((g * operand..<(g + 1) * operand).lazy.map { w[$0] }) }
                    let first: [Bitmask] = masks.inputs.isEmpty ? [] : (0..<rows).map { r in
                        let start = (h * rows + r) * reduction
                        return Bitmask((start..<start + reduction).lazy.map { masks.inputs[n][$0] })
                    }
                    let one = try simulateWithWeights(Workload.Layer(
                        shape: gemm, masks: LayerMasks(weights: second, inputs: first, inputSource: masks.inputSource)))
                    results.append(one.result)
                    weights.append(one.weights)
                }
            }
        } else {
            let one = try simulateWithWeights(Workload.Layer(shape: gemm))
            results = Array(repeating: one.result, count: instances)
            weights = Array(repeating: one.weights, count: instances)
        }
        var total = SimulationResult.LayerResult.total(of: results, weights: weights, peCount: spec.macLanes,
                                                        clockHz: spec.technology.clockMHz * 1e6)
        total.name = s.name
        let first = results[0]
        total.tiling = "\(instances) GEMMs (\(s.N) samples × \(heads) heads) of \(rows)×\(reduction)·\(reduction)×\(columns): \(first.tiling)"
        total.notes = Array(Set(results.flatMap(\.notes))).sorted()
        if results.contains(where: { $0.weightDensity != nil }) {
            total.weightDensity = results.reduce(0) { $0 + ($1.weightDensity ?? 1) } / Double(instances)
        }
        if results.contains(where: { $0.inputDensity != nil }) {
            total.inputDensity = results.reduce(0) { $0 + ($1.inputDensity ?? 1) } / Double(instances)
        }
        total.activePEs = results.compactMap(\.activePEs).max()
        total.boundBy = results.max { $0.cycles < $1.cycles }?.boundBy
        let bits = WeightBits(dense: weights.reduce(0) { $0 + $1.dense }, stored: weights.reduce(0) { $0 + $1.stored })
        return (total, bits)
    }
}
