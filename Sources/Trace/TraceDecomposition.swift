import SparseSimCore

// MARK: - TraceDecomposition

/// A decomposed convolution's record in a snapshot (ESCALATE): `W[k,c] ≈ Σ_m α[k,c,m]·B[g(c),m]`.
/// The layer's `weights` and `weight_mask` hold the reconstructed kernels; these files hold
/// the parts the basis-first dataflow runs on.
public struct TraceDecomposition: Codable, Equatable, Sendable {
    /// Bases per set, `M` (1 … R·S).
    public var bases: Int
    /// One basis set for the layer, or one per input channel.
    public var sharing: BasisSharing
    /// `<f4` basis kernels, `G × M × R × S` (`G` = 1 or `C`).
    public var basisKernels: String
    /// `<f4` coefficients, `K × C × M` (zero where pruned).
    public var coefficients: String
    /// `|b1` kept coefficients, `K × C × M`.
    public var coefficientMask: String
    /// The fraction of true bits in the coefficient mask.
    public var coefficientDensity: Double
    /// The quantization applied to the stored values, e.g. `bases=8,coef=4,inter=8`; absent: float.
    public var quantization: String?
    /// `‖W − Ŵ‖ / ‖W‖` against the weights the decomposition was fitted to, when known.
    public var reconstructionError: Double?

    enum CodingKeys: String, CodingKey {
        case bases, sharing
        case basisKernels = "basis_kernels"
        case coefficients
        case coefficientMask = "coefficient_mask"
        case coefficientDensity = "coefficient_density"
        case quantization
        case reconstructionError = "reconstruction_error"
    }

    /// A record.
    public init(bases: Int, sharing: BasisSharing, basisKernels: String, coefficients: String, coefficientMask: String,
                coefficientDensity: Double, quantization: String? = nil, reconstructionError: Double? = nil) {
        self.bases = bases
        self.sharing = sharing
        self.basisKernels = basisKernels
        self.coefficients = coefficients
        self.coefficientMask = coefficientMask
        self.coefficientDensity = coefficientDensity
        self.quantization = quantization
        self.reconstructionError = reconstructionError
    }

    /// Basis sets for a layer of `channels` input channels.
    public func groups(channels: Int) -> Int { sharing.groups(channels: channels) }

    /// Checks the record against its layer: an ungrouped convolution with `R·S > 1`, `M` in
    /// `1…R·S`, a density in [0, 1] (the sharing is checked when the manifest is decoded).
    /// - Throws: `SparseSimError` at `file`/`location` naming the bad field.
    public func validate(for shape: LayerShape, file: String, location: String) throws {
        func fail(_ field: String, _ message: String) -> SparseSimError {
            SparseSimError(file: file, location: "\(location).decomposition.\(field)", message: message)
        }
        guard shape.kind == .conv, shape.groups == 1, shape.R * shape.S > 1 else {
            throw fail("bases", "layer '\(shape.name)' is not an ungrouped convolution with kernels larger than 1x1")
        }
        guard bases >= 1, bases <= shape.R * shape.S else {
            throw fail("bases", "M must be 1…\(shape.R * shape.S) for \(shape.R)x\(shape.S) kernels, got \(bases)")
        }
        guard coefficientDensity >= 0 && coefficientDensity <= 1 else {
            throw fail("coefficient_density", "\(coefficientDensity) is not in [0, 1]")
        }
        if let e = reconstructionError, !(e >= 0) {
            throw fail("reconstruction_error", "\(e) must be a non-negative number")
        }
    }

    /// `G × M × R × S` for `shape`.
    public func basisShape(_ shape: LayerShape) -> [Int] { [groups(channels: shape.C), bases, shape.R, shape.S] }
    /// `K × C × M` for `shape`.
    public func coefficientShape(_ shape: LayerShape) -> [Int] { [shape.K, shape.C, bases] }
}

// MARK: - DecomposedTensors

/// A decomposed layer's tensors as a trace writes and reads them.
public struct DecomposedTensors: Equatable, Sendable {
    /// Bases per set, `M`.
    public var bases: Int
    /// One basis set for the layer, or one per input channel.
    public var sharing: BasisSharing
    /// `G × M × R × S` basis values.
    public var basisValues: [Float]
    /// `K × C × M` coefficients.
    public var coefficients: [Float]
    /// `K × C × M` kept coefficients.
    public var coefficientMask: Bitmask
    /// The quantization applied, e.g. `bases=8,coef=4,inter=8`.
    public var quantization: String?
    /// Relative reconstruction error against the fitted weights, when known.
    public var reconstructionError: Double?

    /// A decomposed layer's tensors.
    public init(bases: Int, sharing: BasisSharing, basisValues: [Float], coefficients: [Float], coefficientMask: Bitmask,
                quantization: String? = nil, reconstructionError: Double? = nil) {
        self.bases = bases
        self.sharing = sharing
        self.basisValues = basisValues
        self.coefficients = coefficients
        self.coefficientMask = coefficientMask
        self.quantization = quantization
        self.reconstructionError = reconstructionError
    }
}
