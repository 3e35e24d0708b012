import Decomposition
import Foundation
import SparseSimCore
import Trace

// MARK: - Initial weights and hybrid quantization

extension Trainer {
    /// Copies every parameter and BatchNorm statistic of `model` from the checkpoint at `path`
    /// (a `checkpoint.safetensors` file or the directory holding one), by name.
    /// - Throws: `SparseSimError` naming the file and tensor when one is missing or has another shape.
    static func loadWeights(_ path: String, into model: Model) throws {
        var isDirectory: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? "\(path)/\(checkpointName)" : path
        let checkpoint = try Safetensors.read(file)
        for (name, tensor) in model.parameters.map({ ($0.name, $0.value) }) + model.buffers.map({ ($0.name, $0.tensor) }) {
            guard let entry = checkpoint.tensors[name] else {
                throw SparseSimError(file: file, location: name, message: "missing tensor: the checkpoint is not of this model (`initialWeights`)")
            }
            guard entry.shape == tensor.shape else {
                throw SparseSimError(file: file, location: name, message: "shape \(entry.shape), the model has \(tensor.shape)")
            }
            _ = tensor.buffer.update(fromContentsOf: entry.values)
        }
    }

    /// Runs `body` with the weights quantized as `configuration.quantization` says — bases,
    /// coefficients (decomposed layers) and the other layers' weights, masked, each with a
    /// symmetric quantizer fitted per tensor (or per output channel / basis set) — and the
    /// decomposed layers' intermediate values quantized with a scale calibrated on the first
    /// training samples; restores the float weights afterwards. Biases and BatchNorm stay float.
    package func withQuantizedWeights<T>(_ body: () throws -> T) rethrows -> T {
        guard let q = configuration.quantization else { return try body() }
        let saved = quantizeWeights(q)
        let decomposed = model.decomposedLayers
        if let bits = q.intermediates, !decomposed.isEmpty {
            for d in decomposed { d.calibrating = true; d.intermediateMax = 0 }
            calibrationForward()
            let levels = Float(SymmetricQuantizer(bits: bits, scales: [0]).levels)
            for d in decomposed {
                d.calibrating = false
                d.intermediateBits = bits
                d.intermediateScale = d.intermediateMax / levels
            }
        }
        quantizedWeights = true
        defer {
            quantizedWeights = false
            restore(saved)
            for d in decomposed { d.intermediateBits = nil }
        }
        return try body()
    }

    /// Replaces every weight the widths cover by its masked, fake-quantized value and returns
    /// the float values it replaced.
    func quantizeWeights(_ q: QuantizationBits) -> [(Parameter, [Float])] {
        var saved: [(Parameter, [Float])] = []
        func quantize(_ p: Parameter, bits: Int?, mask: Tensor?, channels: Int) {
            guard let bits else { return }
            saved.append((p, p.value.array))
            let v = p.value.buffer
            if let m = mask?.readBuffer { for i in 0..<v.count { v[i] *= m[i] } }
            SymmetricQuantizer(fitting: UnsafeBufferPointer(v), bits: bits, channels: channels).fakeQuantize(v)
        }
        for layer in model.weightLayers {
            let k = layer.weightDimensions.k
            if let d = layer as? DecomposedConv2d {
                quantize(d.basis, bits: q.bases, mask: nil, channels: q.perChannel ? d.groups : 1)
                quantize(d.weight, bits: q.coefficients, mask: d.weightMask, channels: q.perChannel ? k : 1)
            } else {
                quantize(layer.weight, bits: q.plainWeights, mask: layer.weightMask, channels: q.perChannel ? k : 1)
            }
        }
        return saved
    }

    /// Puts saved float weights back.
    func restore(_ saved: [(Parameter, [Float])]) {
        for (p, values) in saved { _ = p.value.buffer.update(fromContentsOf: values) }
    }

    // MARK: Quantization-aware training

    /// Whether the current step trains with fake-quantized weights (`--quantize-aware-from`).
    var quantizesAware: Bool {
        guard let from = configuration.quantizeAwareFrom, configuration.quantization != nil else { return false }
        return epoch + 1 >= from
    }

    /// Before a quantization-aware step's forward pass: fake-quantizes the weights (keeping the
    /// float values to restore) and has the decomposed layers quantize their intermediate values
    /// with each batch's own scale.
    func beginQuantizedStep() {
        guard let q = configuration.quantization else { return }
        floatWeights = quantizeWeights(q)
        for d in model.decomposedLayers { d.trainingIntermediateBits = q.intermediates }
    }

    /// After the backward pass: the float weights come back, so the gradients computed with the
    /// quantized ones update them (the straight-through estimator).
    func endQuantizedStep() {
        guard !floatWeights.isEmpty else { return }
        restore(floatWeights)
        floatWeights = []
        for d in model.decomposedLayers { d.trainingIntermediateBits = nil }
    }

    /// One evaluation-mode forward pass over the first 512 training samples (the calibration set
    /// of the intermediate quantizers).
    func calibrationForward() {
        let n = min(512, train.count)
        let x = evaluationInput
        x.resize([n] + train.sampleShape)
        let buf = x.buffer
        train.images.withUnsafeBufferPointer { images in
            for j in 0..<buf.count { buf[j] = images[j] }
        }
        _ = model.forward(x, phase: .evaluation)
    }
}
