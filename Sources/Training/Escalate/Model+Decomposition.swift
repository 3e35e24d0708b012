import Decomposition
import SparseSimCore
import Trace

// MARK: - Decomposed models

extension Model {
    /// The same network with every ungrouped convolution whose kernel is larger than 1×1 replaced
    /// by an ESCALATE-decomposed one (`DecomposedConv2d`), initialized from its current weights
    /// (SVD bases, least-squares coefficients); every other layer is shared with this model.
    /// - Throws: `SparseSimError` when the model has no such convolution, or `bases` is not in
    ///   `1…R·S` for one of them.
    package func decomposed(bases: Int, sharing: BasisSharing) throws -> Model {
        var replaced = 0
        func eligible(_ c: Conv2d) -> Bool { c.groups == 1 && c.kernel > 1 }
        var out: [any Layer] = []
        for layer in layers {
            if let conv = layer as? Conv2d, eligible(conv) {
                guard bases <= conv.kernel * conv.kernel else {
                    throw SparseSimError.setting("decomposition", "M = \(bases) exceeds R·S = \(conv.kernel * conv.kernel) of layer \(conv.name)")
                }
                out.append(try DecomposedConv2d(decomposing: conv, bases: bases, sharing: sharing))
                replaced += 1
            } else if let block = layer as? BasicBlock {
                let before = block.weightLayers.filter { $0 is DecomposedConv2d }.count
                try block.decomposeConvolutions(bases: bases, sharing: sharing)
                replaced += block.weightLayers.filter { $0 is DecomposedConv2d }.count - before
                out.append(block)
            } else if let block = layer as? CascadeBlock {
                let before = block.weightLayers.filter { $0 is DecomposedConv2d }.count
                try block.decomposeConvolutions(bases: bases, sharing: sharing)
                replaced += block.weightLayers.filter { $0 is DecomposedConv2d }.count - before
                out.append(block)
            } else {
                out.append(layer)
            }
        }
        guard replaced > 0 else {
            throw SparseSimError.setting("decomposition", "model '\(name)' has no convolution with kernels larger than 1x1 to decompose")
        }
        let model = try Model(name: name, inputShape: inputShape, layers: out)
        model.threads = threads
        return model
    }

    /// The decomposed convolutions, in weight-layer order.
    package var decomposedLayers: [DecomposedConv2d] { weightLayers.compactMap { $0 as? DecomposedConv2d } }
}
