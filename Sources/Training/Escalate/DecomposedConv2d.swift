import Decomposition
import SparseSimCore
import Trace

// MARK: - ConvolutionLayer

/// A convolution a residual block or a model can hold: plain (`Conv2d`) or decomposed
/// (`DecomposedConv2d`).
protocol ConvolutionLayer: WeightLayer, ThreadedLayer {
    /// Whether `backward` computes the input gradient.
    var computesInputGradient: Bool { get set }
}

extension Conv2d: ConvolutionLayer {}

// MARK: - DecomposedConv2d

/// An ESCALATE-decomposed convolution (Li et al., MICRO 2021) as a trainable layer pair:
/// `W[k,c] = Σ_m α[k,c,m] · B[g(c),m]` computed as a basis convolution (each input channel
/// convolved with its `M` bases: a grouped convolution `C → C·M`, groups `C`, no bias) followed
/// by a `1×1` coefficient convolution `C·M → K` whose weight is `α`.
///
/// To sparse training the layer is its coefficient convolution: `weight`, `weightMask` and the
/// sparse state are the coefficients', so RigL, SWAT and the others prune and regrow `α`. The
/// bases are a dense parameter (`NAME.bases`, `G × M × R × S`, no weight decay) shared as
/// `sharing` says: the basis convolution's weights are expanded from them before every forward
/// pass and their gradients summed back after every backward pass.
package final class DecomposedConv2d: WeightLayer, ThreadedLayer {
    package let name: String
    /// The original convolution's geometry.
    package let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    /// Bases per set, `M`.
    package let bases: Int
    /// Per layer or per input channel.
    package let sharing: BasisSharing
    /// `G × M × R × S`.
    package let basis: Parameter
    let basisConv: Conv2d
    let coefficientConv: Conv2d
    var input: Tensor?

    /// ESCALATE's intermediate quantization: bits and the scale calibrated for them (nil: float).
    var intermediateBits: Int?
    var intermediateScale: Float = 0
    /// Quantization-aware training: the intermediate values' bits, each batch scaled by its own
    /// largest value; the gradient passes through unchanged.
    var trainingIntermediateBits: Int?
    /// While calibrating, the largest `|intermediate value|` seen.
    var calibrating = false
    var intermediateMax: Float = 0

    /// Basis sets, `G`.
    package var groups: Int { sharing == .layer ? 1 : inChannels }

    /// The layer that replaces `conv`, its kernels decomposed by SVD onto `bases` bases.
    /// - Precondition: `conv` is ungrouped with a kernel larger than 1×1.
    /// - Throws: `SparseSimError` when `bases` is not in `1…R·S` or the SVD fails.
    package init(decomposing conv: Conv2d, bases: Int, sharing: BasisSharing) throws {
        precondition(conv.groups == 1 && conv.kernel > 1, "only ungrouped convolutions with kernels larger than 1x1 decompose")
        let d = try KernelDecomposition(weights: conv.weight.value.array, k: conv.outChannels, c: conv.inChannels,
                                        r: conv.kernel, s: conv.kernel, bases: bases, sharing: sharing)
        name = conv.name
        inChannels = conv.inChannels
        outChannels = conv.outChannels
        kernel = conv.kernel
        stride = conv.stride
        padding = conv.padding
        self.bases = bases
        self.sharing = sharing
        basis = Parameter(name: "\(name).bases", shape: [d.groups, bases, kernel, kernel], decays: false)
        _ = basis.value.buffer.update(fromContentsOf: d.basisValues)
        // The inner convolutions' own initial weights are overwritten: draw them from a private generator.
        var rng = RandomGenerator(seed: 0)
        basisConv = Conv2d("\(name).basis", inChannels: inChannels, outChannels: inChannels * bases, kernel: kernel,
                           stride: stride, padding: padding, groups: inChannels, bias: false, rng: &rng)
        coefficientConv = Conv2d("\(name).coefficients", inChannels: inChannels * bases, outChannels: outChannels, kernel: 1,
                                 bias: conv.bias != nil, rng: &rng)
        _ = coefficientConv.weight.value.buffer.update(fromContentsOf: d.coefficients)
        if let b = conv.bias, let nb = coefficientConv.bias { _ = nb.value.buffer.update(fromContentsOf: b.value.array) }
        basisConv.computesInputGradient = conv.computesInputGradient
    }

    // MARK: Layer

    package var parameters: [Parameter] { [basis] + coefficientConv.parameters }

    package func outputShape(_ shape: [Int]) throws -> [Int] {
        try coefficientConv.outputShape(try basisConv.outputShape(shape))
    }

    /// - Complexity: `2·N·C·M·R·S·P·Q` flops for the bases, `2·N·K·C·M·P·Q` for the
    ///   coefficients (sparse kernels below the crossover density).
    package func forward(_ x: Tensor, phase: Phase) -> Tensor {
        input = x
        expandBases()
        let intermediate = basisConv.forward(x, phase: phase)
        if calibrating {
            for v in intermediate.readBuffer { intermediateMax = max(intermediateMax, abs(v)) }
        } else if let bits = intermediateBits, phase == .evaluation {
            SymmetricQuantizer(bits: bits, scales: [intermediateScale]).fakeQuantize(intermediate.buffer)
        } else if let bits = trainingIntermediateBits, phase == .training {
            SymmetricQuantizer(fitting: intermediate.readBuffer, bits: bits).fakeQuantize(intermediate.buffer)
        }
        return coefficientConv.forward(intermediate, phase: phase)
    }

    package func backward(_ dy: Tensor) -> Tensor {
        let dx = basisConv.backward(coefficientConv.backward(dy))
        reduceBasisGradient()
        return dx
    }

    /// The original convolution's shape (the trace records the layer as the network has it).
    package func layerShapes(input shape: [Int]) -> [LayerShape] {
        [.conv(name, N: shape[0], K: outChannels, C: inChannels, R: kernel, H: shape[2], W: shape[3], stride: stride, padding: padding)]
    }

    // MARK: WeightLayer (the coefficients)

    package var weight: Parameter { coefficientConv.weight }
    package var weightDimensions: (k: Int, c: Int, r: Int, s: Int) { (outChannels, inChannels * bases, 1, 1) }
    package var sparsity: LayerSparsity { coefficientConv.sparsity }
    package var lastInput: Tensor? { input }
    package var lastOutput: Tensor? { coefficientConv.lastOutput }

    /// Threads of both convolutions.
    package var threads: Int {
        get { basisConv.threads }
        set {
            basisConv.threads = newValue
            coefficientConv.threads = newValue
        }
    }

    /// Whether `backward` computes the gradient with respect to the layer's input.
    package var computesInputGradient: Bool {
        get { basisConv.computesInputGradient }
        set { basisConv.computesInputGradient = newValue }
    }

    // MARK: Bases

    /// Copies `B[g(c), m]` into the basis convolution's filter `c·M + m`.
    func expandBases() {
        let rs = kernel * kernel, m = bases
        let b = basis.value.readBuffer, w = basisConv.weight.value.buffer
        for c in 0..<inChannels {
            let set = sharing == .layer ? 0 : c
            for j in 0..<(m * rs) { w[c &* m &* rs &+ j] = b[set &* m &* rs &+ j] }
        }
    }

    /// Sums the basis convolution's filter gradients into the bases they were expanded from.
    func reduceBasisGradient() {
        let rs = kernel * kernel, m = bases
        let g = basisConv.weight.grad.readBuffer, out = basis.grad.buffer
        out.update(repeating: 0)
        for c in 0..<inChannels {
            let set = sharing == .layer ? 0 : c
            for j in 0..<(m * rs) { out[set &* m &* rs &+ j] += g[c &* m &* rs &+ j] }
        }
    }

    /// The kernels `Σ_m α[k,c,m]·B[g(c),m]` with the coefficient mask applied, `K × C × R × S`.
    package func reconstructedWeights() -> [Float] {
        var coefficients = weight.value.array
        if let mask = weightMask?.readBuffer { for i in 0..<coefficients.count { coefficients[i] *= mask[i] } }
        // The parts have the sizes of this layer by construction.
        return try! KernelDecomposition(k: outChannels, c: inChannels, r: kernel, s: kernel, bases: bases, sharing: sharing,
                                        basisValues: basis.value.array, coefficients: coefficients, coefficientMask: nil)
            .reconstructed()
    }
}

extension DecomposedConv2d: ConvolutionLayer {}
