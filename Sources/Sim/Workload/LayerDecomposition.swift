import SparseSimCore
import Trace

// MARK: - LayerDecomposition

/// What the basis-first dataflow needs of a decomposed layer: `M`, the basis sharing, and which
/// coefficients are kept (their values do not change the cycles or the traffic).
public struct LayerDecomposition: Equatable, Sendable {
    /// Bases per set, `M`.
    public var bases: Int
    /// One basis set for the layer, or one per input channel.
    public var sharing: BasisSharing
    /// Kept coefficients, `K × C × M` row-major.
    public var coefficientMask: Bitmask

    /// A decomposition record.
    public init(bases: Int, sharing: BasisSharing, coefficientMask: Bitmask) {
        self.bases = bases
        self.sharing = sharing
        self.coefficientMask = coefficientMask
    }

    /// Basis sets of a layer with `channels` input channels.
    public func groups(channels: Int) -> Int { sharing.groups(channels: channels) }

    /// Throws when the record does not fit `shape`.
    public func validate(for shape: LayerShape, file: String) throws {
        guard shape.kind == .conv, shape.groups == 1, shape.R * shape.S > 1, bases >= 1, bases <= shape.R * shape.S,
              coefficientMask.count == shape.K * shape.C * bases
        else {
            throw SparseSimError(file: file, location: "layer \(shape.name)",
                                 message: "decomposition with M = \(bases) and \(coefficientMask.count) coefficient bits does not fit a \(shape.K)x\(shape.C)x\(shape.R)x\(shape.S) convolution")
        }
    }
}
