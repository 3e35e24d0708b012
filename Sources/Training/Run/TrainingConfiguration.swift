import Decomposition
import SparseSimCore

// MARK: - TrainingConfiguration

/// Everything that determines a training run's result (the thread count included: BLAS sums
/// in a different order with more threads).
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    /// Model name (`Model.names`).
    public var model: String
    /// Dataset name (`Dataset.Kind`).
    public var dataset: String
    /// Directory of the dataset files (nil: Fashion-MNIST's Debian directory).
    public var dataDirectory: String?
    /// Passes over the training set.
    public var epochs: Int
    /// Stop after this many steps in total (nil: all epochs).
    public var maxSteps: Int?
    /// Samples per step.
    public var batchSize: Int
    /// Base learning rate.
    public var learningRate: Float
    /// Momentum μ.
    public var momentum: Float
    /// Nesterov momentum.
    public var nesterov: Bool
    /// Weight decay λ (not on biases or BatchNorm).
    public var weightDecay: Float
    /// Learning-rate schedule.
    public var schedule: String
    /// Warm-up epochs (linear).
    public var warmupEpochs: Int
    /// The seed behind initialization, shuffling, dropout and augmentation.
    public var seed: UInt64
    /// Threads the layers split their work between (OpenBLAS itself runs single-threaded).
    public var threads: Int
    /// Use only the first this many training samples (nil: all).
    public var trainSamples: Int?
    /// Evaluate on only the first this many test samples (nil: all).
    public var testSamples: Int?
    /// Random crop (padding 4) and horizontal flip; CIFAR-10 only.
    public var augment: Bool
    /// The training method and its sparsity flags.
    public var sparse: SparseConfiguration
    /// A trace (from `sparsesim prune`) whose last snapshot's masks the run keeps fixed (method
    /// `static`, every layer masked); nil: masks as the method makes them.
    public var initialMask: String?
    /// A checkpoint (file or directory) whose parameters and BatchNorm statistics the model starts
    /// from (before any decomposition); nil: the seeded initialization.
    public var initialWeights: String?
    /// ESCALATE: decompose every ungrouped convolution with kernels larger than 1×1 into `bases`
    /// shared bases and trainable coefficients (the layer the sparse method masks); nil: plain.
    public var decomposition: DecompositionSettings?
    /// Hybrid quantization for the final evaluation (and the final trace snapshot); nil: float.
    public var quantization: QuantizationBits?
    /// Quantization-aware training from this epoch (1-based) on: every step's forward pass uses
    /// the weights (and the decomposed layers' intermediate values) fake-quantized as
    /// `quantization` says, and the gradients pass straight through to the float weights;
    /// nil: only the final evaluation quantizes.
    public var quantizeAwareFrom: Int?
    /// What runs the dense convolution passes; nil: `auto` (oneDNN when it loads).
    public var convolutions: ConvolutionKernels?

    /// A configuration with the defaults of `sparsesim train`.
    public init(model: String, dataset: String = "fashion-mnist", dataDirectory: String? = nil, epochs: Int = 10,
                maxSteps: Int? = nil, batchSize: Int = 128, learningRate: Float = 0.05, momentum: Float = 0.9,
                nesterov: Bool = false, weightDecay: Float = 5e-4, schedule: String = "cosine", warmupEpochs: Int = 0,
                seed: UInt64 = 0, threads: Int = 1, trainSamples: Int? = nil, testSamples: Int? = nil, augment: Bool = false,
                sparse: SparseConfiguration = SparseConfiguration(), initialMask: String? = nil,
                initialWeights: String? = nil, decomposition: DecompositionSettings? = nil,
                quantization: QuantizationBits? = nil, quantizeAwareFrom: Int? = nil,
                convolutions: ConvolutionKernels? = nil) {
        self.model = model
        self.dataset = dataset
        self.dataDirectory = dataDirectory
        self.epochs = epochs
        self.maxSteps = maxSteps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.schedule = schedule
        self.warmupEpochs = warmupEpochs
        self.seed = seed
        self.threads = threads
        self.trainSamples = trainSamples
        self.testSamples = testSamples
        self.augment = augment
        self.sparse = sparse
        self.initialMask = initialMask
        self.initialWeights = initialWeights
        self.decomposition = decomposition
        self.quantization = quantization
        self.quantizeAwareFrom = quantizeAwareFrom
        self.convolutions = convolutions
    }
}

// MARK: - DecompositionSettings

/// How `train --decompose` decomposes the model's convolutions.
public struct DecompositionSettings: Codable, Equatable, Sendable {
    /// Bases per set, `M`.
    public var bases: Int
    /// Per layer or per input channel.
    public var sharing: BasisSharing

    /// Settings.
    public init(bases: Int, sharing: BasisSharing = .layer) {
        self.bases = bases
        self.sharing = sharing
    }
}
