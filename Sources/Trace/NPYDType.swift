import SparseSimCore

// MARK: - NPYDType

/// The NumPy element types SparseSim reads and writes (little-endian, C order).
public enum NPYDType: String, Sendable, CaseIterable, Codable {
    /// 32-bit float (`<f4`): weights and activations.
    case float32 = "<f4"
    /// 64-bit float (`<f8`).
    case float64 = "<f8"
    /// 32-bit signed integer (`<i4`).
    case int32 = "<i4"
    /// 64-bit signed integer (`<i8`).
    case int64 = "<i8"
    /// Unsigned byte (`|u1`).
    case uint8 = "|u1"
    /// Boolean, one byte per element holding 0 or 1 (`|b1`): masks.
    case bool = "|b1"

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .float32, .int32: 4
        case .float64, .int64: 8
        case .uint8, .bool: 1
        }
    }

    /// The dtype for a `descr` string, accepting NumPy's equivalent spellings for one-byte types.
    public init?(descr: String) {
        switch descr {
        case "<f4": self = .float32
        case "<f8": self = .float64
        case "<i4": self = .int32
        case "<i8": self = .int64
        case "|u1", "<u1", "u1": self = .uint8
        case "|b1", "<b1", "b1", "?": self = .bool
        default: return nil
        }
    }
}
