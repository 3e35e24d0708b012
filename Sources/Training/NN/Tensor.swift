// MARK: - Tensor

/// A contiguous buffer of `Float`s with a shape (NCHW for activations, `[K, C, R, S]` for
/// convolution weights, `[out, in]` for linear weights).
///
/// A tensor is a reference: layers own their output and gradient tensors and reuse them from
/// step to step; `resize(_:)` keeps the storage when it is large enough, so the training loop
/// allocates nothing after its first step.
package final class Tensor {
    /// The dimensions, outermost first.
    package private(set) var shape: [Int]
    /// Number of elements: the product of `shape`.
    package private(set) var count: Int
    /// Elements the storage can hold.
    private(set) var capacity: Int
    /// The storage.
    private(set) var base: UnsafeMutablePointer<Float>

    /// A zero-filled tensor of `shape`.
    /// - Precondition: every dimension is non-negative.
    package init(shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "tensor dimensions must be non-negative")
        self.shape = shape
        count = shape.reduce(1, *)
        capacity = max(count, 1)
        base = .allocate(capacity: capacity)
        base.initialize(repeating: 0, count: capacity)
    }

    /// A tensor of `shape` holding `values`.
    /// - Precondition: `values.count` is the product of `shape`.
    package convenience init(shape: [Int], values: [Float]) {
        self.init(shape: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: count) }
    }

    deinit { base.deallocate() }

    /// Gives the tensor a new shape, keeping the storage when it holds enough elements (the
    /// contents are then unspecified), else allocating zeroed storage.
    package func resize(_ newShape: [Int]) {
        if newShape == shape { return }
        let n = newShape.reduce(1, *)
        if n > capacity {
            base.deallocate()
            capacity = n
            base = .allocate(capacity: n)
            base.initialize(repeating: 0, count: n)
        }
        shape = newShape
        count = n
    }

    /// The elements, for reading and writing in place.
    package var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: base, count: count) }

    /// The elements, read-only.
    package var readBuffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: base, count: count) }

    /// A copy of the elements.
    package var array: [Float] { Array(readBuffer) }

    /// Sets every element to `value`.
    package func fill(_ value: Float) { base.update(repeating: value, count: count) }

    /// Copies `other`'s shape and elements.
    package func copy(from other: Tensor) {
        resize(other.shape)
        base.update(from: other.base, count: count)
    }

    /// Element `i` of the flat storage.
    package subscript(i: Int) -> Float {
        get { precondition(i >= 0 && i < count, "index out of range"); return base[i] }
        set { precondition(i >= 0 && i < count, "index out of range"); base[i] = newValue }
    }
}
