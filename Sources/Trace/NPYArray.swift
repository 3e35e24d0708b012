import SparseSimCore

// MARK: - NPYArray

/// An n-dimensional array as NumPy stores it: a dtype, a C-order shape and raw little-endian bytes.
public struct NPYArray: Equatable, Sendable {
    /// The element type.
    public let dtype: NPYDType
    /// The shape, outermost first (C order). An empty shape is a scalar.
    public let shape: [Int]
    /// The elements' bytes, little-endian, C order: exactly `elementCount · dtype.itemSize` bytes.
    public let bytes: [UInt8]

    /// The number of elements (the product of `shape`).
    public var elementCount: Int { shape.reduce(1, *) }

    /// An array from raw bytes.
    /// - Precondition: at most 32 dimensions (NumPy's limit); `bytes.count == product(shape) · dtype.itemSize`.
    public init(dtype: NPYDType, shape: [Int], bytes: [UInt8]) {
        precondition(shape.count <= 32 && shape.allSatisfy { $0 >= 0 }, "NPY shape must have at most 32 non-negative dimensions")
        precondition(
            LayerShape.checkedProduct(shape + [dtype.itemSize]) == bytes.count,
            "NPY byte count \(bytes.count) does not match shape \(shape) of \(dtype.rawValue)")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// A `<f4` array.
    /// - Precondition: `values.count` equals the product of `shape`.
    public init(_ values: [Float], shape: [Int]) {
        self.init(dtype: .float32, shape: shape, bytes: Self.littleEndianBytes(values))
    }

    /// A `<f8` array.
    public init(_ values: [Double], shape: [Int]) {
        self.init(dtype: .float64, shape: shape, bytes: Self.littleEndianBytes(values))
    }

    /// A `<i4` array.
    public init(_ values: [Int32], shape: [Int]) {
        self.init(dtype: .int32, shape: shape, bytes: Self.littleEndianBytes(values))
    }

    /// A `<i8` array.
    public init(_ values: [Int64], shape: [Int]) {
        self.init(dtype: .int64, shape: shape, bytes: Self.littleEndianBytes(values))
    }

    /// A `|u1` array.
    public init(_ values: [UInt8], shape: [Int]) {
        self.init(dtype: .uint8, shape: shape, bytes: values)
    }

    /// A `|b1` array from a mask.
    public init(_ mask: Bitmask, shape: [Int]) {
        self.init(dtype: .bool, shape: shape, bytes: mask.boolBytes())
    }

    // MARK: Typed access

    /// The elements as `Float`, or nil unless the dtype is `<f4`.
    public var floats: [Float]? { dtype == .float32 ? Self.values(bytes) : nil }
    /// The elements as `Double`, or nil unless the dtype is `<f8`.
    public var doubles: [Double]? { dtype == .float64 ? Self.values(bytes) : nil }
    /// The elements as `Int32`, or nil unless the dtype is `<i4`.
    public var int32s: [Int32]? { dtype == .int32 ? Self.values(bytes) : nil }
    /// The elements as `Int64`, or nil unless the dtype is `<i8`.
    public var int64s: [Int64]? { dtype == .int64 ? Self.values(bytes) : nil }
    /// The elements as bytes, or nil unless the dtype is `|u1`.
    public var uint8s: [UInt8]? { dtype == .uint8 ? bytes : nil }
    /// The elements as a mask, or nil unless the dtype is `|b1`.
    public var bitmask: Bitmask? {
        dtype == .bool ? bytes.withUnsafeBytes { Bitmask(boolBytes: $0) } : nil
    }

    // MARK: Byte conversion (the host is little-endian on every supported platform)

    static func littleEndianBytes<T: BitwiseCopyable>(_ values: [T]) -> [UInt8] {
        values.withUnsafeBytes { Array($0) }
    }

    static func values<T: BitwiseCopyable>(_ bytes: [UInt8]) -> [T] {
        let n = bytes.count / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            bytes.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: src[0..<n * MemoryLayout<T>.stride]))
            }
            initialized = n
        }
    }
}
