import Foundation

// MARK: - JSON coding

/// The JSON settings every SparseSim output uses: sorted keys, pretty-printed, `/` unescaped,
/// so the same value always gives the same bytes; keys in snake case.
///
/// Keys are written in snake case from the Swift names (`clockMHz` → `clock_mhz`: an `_`
/// before each upper-case letter that follows a lower-case letter or a digit), so a type that
/// is only written needs hand-written `CodingKeys` only for a key that is not its property's
/// name. Declared keys pass through unchanged (they are snake case already). Types SparseSim
/// reads back (trace manifests, sweep plans and points, the study's records) declare their keys
/// and are read as declared; the study's records and summary are also written as declared,
/// since their training configuration is camel case.
package enum JSONCoding {
    /// How keys are written and read.
    package enum Keys: Sendable {
        /// Snake case from the Swift names (the default).
        case snakeCase
        /// As the types declare them.
        case asDeclared
    }

    /// An encoder with SparseSim's settings.
    package static func encoder(keys: Keys = .snakeCase, escapingSlashes: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = escapingSlashes ? [.prettyPrinted, .sortedKeys] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if keys == .snakeCase { encoder.keyEncodingStrategy = .custom { path in Key(snakeCase(path.last!.stringValue)) } }
        return encoder
    }

    /// Encodes `value` as UTF-8 JSON text ending in a newline.
    package static func encode<T: Encodable>(_ value: T, keys: Keys = .snakeCase) throws -> [UInt8] {
        Array(try encoder(keys: keys).encode(value)) + [0x0A]
    }

    /// Decodes `T` from `data`, turning decoding failures into a `SparseSimError` that names
    /// `file` and the JSON path (`snapshots[0].layers[1].weights`) of the bad value.
    /// The keys are read as `T` declares them.
    package static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw SparseSimError(file: file, location: location(of: error), message: message(of: error))
        }
    }

    /// `clockMHz` → `clock_mhz`, `weightDensity` → `weight_density`, `N` → `n`; a name without
    /// upper-case letters after lower-case ones or digits is only lower-cased.
    static func snakeCase(_ name: String) -> String {
        var out = ""
        var previous: Character?
        for c in name {
            if c.isUppercase, let p = previous, p.isLowercase || p.isNumber { out.append("_") }
            out += c.lowercased()
            previous = c
        }
        return out
    }

    /// A coding key made by a key strategy.
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ stringValue: String) { self.stringValue = stringValue }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
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
