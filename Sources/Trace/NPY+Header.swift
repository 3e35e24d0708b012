import SparseSimCore

// MARK: - Header dictionary

extension NPY {
    /// The three keys of an `.npy` header.
    struct Header: Equatable {
        var descr: String
        var fortranOrder: Bool
        var shape: [Int]
    }

    struct HeaderError: Error {
        var text: String
    }

    private enum Value {
        case string(String)
        case bool(Bool)
        case tuple([Int])
    }

    /// Parses the Python dict literal of a header, e.g.
    /// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
    /// Exactly the keys `descr`, `fortran_order` and `shape` are allowed.
    static func parse(_ text: String) throws(HeaderError) -> Header {
        var scanner = Scanner(Array(text.utf8))
        var entries: [String: Value] = [:]
        scanner.skipSpace()
        try scanner.expect(UInt8(ascii: "{"))
        while true {
            scanner.skipSpace()
            if scanner.peek == UInt8(ascii: "}") { scanner.advance(); break }
            let key = try scanner.string()
            scanner.skipSpace()
            try scanner.expect(UInt8(ascii: ":"))
            scanner.skipSpace()
            let value: Value
            switch scanner.peek {
            case UInt8(ascii: "'"), UInt8(ascii: "\""): value = .string(try scanner.string())
            case UInt8(ascii: "("): value = .tuple(try scanner.tuple())
            case UInt8(ascii: "T"), UInt8(ascii: "F"): value = .bool(try scanner.boolean())
            default: throw HeaderError(text: "unexpected value for '\(key)' in header")
            }
            guard entries.updateValue(value, forKey: key) == nil else {
                throw HeaderError(text: "duplicate key '\(key)' in header")
            }
            scanner.skipSpace()
            if scanner.peek == UInt8(ascii: ",") { scanner.advance(); continue }
            scanner.skipSpace()
            try scanner.expect(UInt8(ascii: "}"))
            break
        }
        scanner.skipSpace()
        guard scanner.atEnd else { throw HeaderError(text: "unexpected text after the header dictionary") }

        for key in entries.keys where !["descr", "fortran_order", "shape"].contains(key) {
            throw HeaderError(text: "unknown key '\(key)' in header")
        }
        guard case .string(let descr)? = entries["descr"] else { throw HeaderError(text: "missing or invalid 'descr'") }
        guard case .bool(let fortran)? = entries["fortran_order"] else {
            throw HeaderError(text: "missing or invalid 'fortran_order'")
        }
        guard case .tuple(let shape)? = entries["shape"] else { throw HeaderError(text: "missing or invalid 'shape'") }
        return Header(descr: descr, fortranOrder: fortran, shape: shape)
    }

    /// A byte cursor over header text.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[index] }
        mutating func advance() { index += 1 }

        mutating func skipSpace() {
            while let b = peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { advance() }
        }

        mutating func expect(_ byte: UInt8) throws(HeaderError) {
            guard peek == byte else {
                throw HeaderError(text: "expected '\(Character(UnicodeScalar(byte)))' at header offset \(index)")
            }
            advance()
        }

        mutating func string() throws(HeaderError) -> String {
            guard let quote = peek, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
                throw HeaderError(text: "expected a quoted string at header offset \(index)")
            }
            advance()
            let start = index
            while let b = peek, b != quote {
                guard b != UInt8(ascii: "\\") else { throw HeaderError(text: "escapes are not supported in header strings") }
                advance()
            }
            guard peek == quote else { throw HeaderError(text: "unterminated string in header") }
            let s = String(decoding: bytes[start..<index], as: UTF8.self)
            advance()
            return s
        }

        mutating func boolean() throws(HeaderError) -> Bool {
            for (word, value) in [("True", true), ("False", false)] {
                let w = Array(word.utf8)
                if index + w.count <= bytes.count && Array(bytes[index..<index + w.count]) == w {
                    index += w.count
                    return value
                }
            }
            throw HeaderError(text: "expected True or False at header offset \(index)")
        }

        /// `()`, `(3,)`, `(2, 3)`, `(2, 3,)`: non-negative integers.
        mutating func tuple() throws(HeaderError) -> [Int] {
            try expect(UInt8(ascii: "("))
            var values: [Int] = []
            while true {
                skipSpace()
                if peek == UInt8(ascii: ")") { advance(); break }
                values.append(try integer())
                skipSpace()
                if peek == UInt8(ascii: ",") { advance(); continue }
                skipSpace()
                try expect(UInt8(ascii: ")"))
                break
            }
            guard values.count <= 32 else { throw HeaderError(text: "shape has \(values.count) dimensions (at most 32)") }
            return values
        }

        mutating func integer() throws(HeaderError) -> Int {
            let start = index
            var value = 0
            while let b = peek, b >= 0x30 && b <= 0x39 {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(b - 0x30))
                guard !o1 && !o2 else { throw HeaderError(text: "shape dimension too large") }
                value = a
                advance()
            }
            if peek == UInt8(ascii: "L") { advance() }  // Python 2 long suffix
            guard index > start else {
                throw HeaderError(text: "expected a non-negative integer in shape at header offset \(index)")
            }
            return value
        }
    }
}
