import SparseSimCore

// MARK: - ConvolutionKernels

/// Which implementation runs the training engine's dense convolution passes (forward, input
/// gradient, weight gradient). The sparse kernels, where a layer's plan picks them, are the
/// engine's own either way.
public enum ConvolutionKernels: String, Codable, CaseIterable, Sendable {
    /// oneDNN when `libdnnl.so.2` loads, else `im2col`.
    case auto
    /// oneDNN's JIT convolutions (the library PyTorch calls on CPUs), blocked layouts inside.
    case onednn
    /// Per image im2col and OpenBLAS sgemm.
    case im2col

    /// Parses a choice given for the setting `field`.
    /// - Throws: `SparseSimError` naming the field and the known choices.
    public init(parsing name: String, field: String = "convolutions") throws {
        guard let choice = ConvolutionKernels(rawValue: name) else {
            throw SparseSimError.setting(field, "unknown choice '\(name)' (known: \(Self.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = choice
    }

    /// The implementation this choice runs on this machine (`auto` resolved).
    /// - Throws: `SparseSimError` (setting `convolutions`) for `onednn` when oneDNN is missing.
    package func resolved() throws -> ConvolutionKernels {
        switch self {
        case .auto: return OneDNN.status.available ? .onednn : .im2col
        case .onednn:
            guard OneDNN.status.available else {
                throw SparseSimError.setting("convolutions", "oneDNN is not available: \(OneDNN.status.description)")
            }
            return .onednn
        case .im2col: return .im2col
        }
    }

    /// What provenance records: `oneDNN 2.6.3 (avx2)` or `im2col + OpenBLAS`.
    package var provenanceName: String {
        self == .onednn ? OneDNN.status.description : "im2col + OpenBLAS"
    }
}
