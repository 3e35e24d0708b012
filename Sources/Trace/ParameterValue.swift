import SparseSimCore

// MARK: - ParameterValue

/// A hyper-parameter value in a manifest: a JSON number, string or boolean.
public enum ParameterValue: Codable, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// An integer, e.g. a step count.
    case int(Int)
    /// A real number, e.g. a sparsity.
    case double(Double)
    /// A string, e.g. a distribution name.
    case string(String)
    /// A boolean flag.
    case bool(Bool)

    /// Decodes a JSON scalar: booleans first, then integers, then reals, then strings.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a number, string or boolean")
        }
    }

    /// Encodes the value as a JSON scalar.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let v): try c.encode(v)
        case .double(let v): try c.encode(v)
        case .string(let v): try c.encode(v)
        case .bool(let v): try c.encode(v)
        }
    }

    /// The value as text, as a table shows it.
    public var description: String {
        switch self {
        case .int(let v): String(v)
        case .double(let v): String(v)
        case .string(let v): v
        case .bool(let v): String(v)
        }
    }
}
