import Foundation

// MARK: - JSON coding

/// The JSON settings every SparseSim output uses: sorted keys, pretty-printed, `/` unescaped,
/// so the same value always gives the same bytes.
package enum JSONCoding {
    /// An encoder with SparseSim's settings.
    package static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Encodes `value` as UTF-8 JSON text ending in a newline.
    package static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        Array(try encoder().encode(value)) + [0x0A]
    }

    /// Decodes `T` from `data`, turning decoding failures into a `SparseSimError` that names
    /// `file` and the JSON path (`snapshots[0].layers[1].weights`) of the bad value.
    package static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw SparseSimError(file: file, location: location(of: error), message: message(of: error))
        }
    }

    /// A JSON path like `snapshots[0].layers[1].weights`.
    package static func path(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for key in codingPath {
            if let i = key.intValue {
                out += "[\(i)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }

    static func location(of error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): path(c.codingPath)
        case .keyNotFound(let key, let c): path(c.codingPath + [key])
        @unknown default: ""
        }
    }

    static func message(of error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, _): return "wrong type: expected \(typeName(type))"
        case .valueNotFound(let type, _): return "missing value: expected \(typeName(type))"
        case .keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
        case .dataCorrupted(let c):
            if let underlying = c.underlyingError as NSError?,
                let detail = underlying.userInfo[NSDebugDescriptionErrorKey] as? String {
                return "invalid JSON: \(detail)"
            }
            return c.codingPath.isEmpty ? "invalid JSON: \(c.debugDescription)" : c.debugDescription
        @unknown default: return "invalid JSON"
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is UInt64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        default: "\(type)".contains("Array") ? "an array" : "an object"
        }
    }
}
