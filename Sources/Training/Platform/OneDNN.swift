import COneDNN

// MARK: - OneDNN

/// oneDNN (`libdnnl.so.2`, opened at run time) as far as the training engine uses it.
package enum OneDNN {
    /// Whether oneDNN loaded, and its version and instruction set (`oneDNN 2.6.3 (avx2)`) or
    /// why it did not.
    package static let status: (available: Bool, description: String) = {
        var message = [CChar](repeating: 0, count: 256)
        let ok = ss_dnnl_load(&message, message.count) != 0
        return (ok, String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }()
}

// MARK: - OneDNNConvolution

/// One convolution's oneDNN primitives (forward, backward data, backward weights) for a fixed
/// batch size, on NCHW activations and `[K, C/groups, R, S]` weights. oneDNN keeps its own
/// (blocked) copies of the operands; the forward pass's copy of the input serves the weight
/// gradient.
final class OneDNNConvolution {
    private let handle: OpaquePointer
    /// The geometry it was made for: batch, channels, height, width, filters, kernel, stride,
    /// padding, groups, bias (0/1), threads (oneDNN fixes a primitive's threads when it makes it).
    let geometry: [Int32]

    /// The primitives for one geometry; nil when oneDNN is missing or refuses it.
    init?(batch: Int, channels: Int, height: Int, width: Int, filters: Int, kernel: Int, stride: Int, padding: Int,
          groups: Int, bias: Bool, threads: Int) {
        geometry = [batch, channels, height, width, filters, kernel, stride, padding, groups, bias ? 1 : 0, threads]
            .map { Int32($0) }
        guard let h = geometry.withUnsafeBufferPointer({ ss_dnnl_conv_create($0.baseAddress, nil, 0) }) else { return nil }
        handle = h
    }

    deinit { ss_dnnl_conv_destroy(handle) }

    /// Whether these primitives serve an input of `batch × C × height × width` at `threads`.
    func serves(batch: Int, height: Int, width: Int, threads: Int) -> Bool {
        geometry[0] == Int32(batch) && geometry[2] == Int32(height) && geometry[3] == Int32(width)
            && geometry[10] == Int32(threads)
    }

    /// `y = x ⊛ w (+ bias)`.
    /// - Precondition: the buffers hold the shapes of `geometry`.
    func forward(x: UnsafeBufferPointer<Float>, weight: UnsafeBufferPointer<Float>,
                 bias: UnsafeBufferPointer<Float>?, y: UnsafeMutableBufferPointer<Float>) {
        let status = ss_dnnl_conv_forward(handle, x.baseAddress, weight.baseAddress, bias?.baseAddress, y.baseAddress)
        precondition(status == 0, "oneDNN convolution forward failed (status \(status))")
    }

    /// `dw = ∂L/∂w` and `db = ∂L/∂bias` (overwritten; `db` with a bias) and, when `dx` is given,
    /// `dx = ∂L/∂x`; `x` nil: the input of the last forward pass.
    /// - Precondition: the buffers hold the shapes of `geometry`.
    func backward(x: UnsafeBufferPointer<Float>?, dy: UnsafeBufferPointer<Float>, weight: UnsafeBufferPointer<Float>,
                  dw: UnsafeMutableBufferPointer<Float>, db: UnsafeMutableBufferPointer<Float>?,
                  dx: UnsafeMutableBufferPointer<Float>?) {
        let status = ss_dnnl_conv_backward(handle, x?.baseAddress, dy.baseAddress, weight.baseAddress, dw.baseAddress,
                                           db?.baseAddress, dx?.baseAddress)
        precondition(status == 0, "oneDNN convolution backward failed (status \(status))")
    }
}
