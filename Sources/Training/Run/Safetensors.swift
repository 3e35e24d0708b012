import Foundation
import SparseSimCore
import Trace

// MARK: - Safetensors

/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
/// mapping tensor names to `{"dtype", "shape", "data_offsets"}` (plus an optional
/// `"__metadata__"` of strings), padded with spaces to a multiple of 8, then the raw
/// little-endian data. Only `F32` tensors are written; `F32` is read.
public struct Safetensors: Sendable {
    /// A tensor: shape and values.
    public struct Entry: Sendable, Equatable {
        /// The dimensions.
        public var shape: [Int]
        /// The values, row-major.
        public var values: [Float]
    }

    /// Tensors by name, in the order they were added (the file's data order).
    public private(set) var names: [String] = []
    /// The tensors.
    public private(set) var tensors: [String: Entry] = [:]
    /// String metadata.
    public var metadata: [String: String] = [:]

    /// An empty file.
    public init() {}

    /// Adds (or replaces) a tensor.
    /// - Precondition: `values.count` is the product of `shape`.
    public mutating func add(_ name: String, shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "\(name): \(values.count) values for shape \(shape)")
        if tensors[name] == nil { names.append(name) }
        tensors[name] = Entry(shape: shape, values: values)
    }

    /// The file's bytes (names sorted in the header; data in insertion order).
    public func encoded() -> [UInt8] {
        var offset = 0
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let items = metadata.keys.sorted().map { "\(Self.jsonString($0)):\(Self.jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(items.joined(separator: ","))}")
        }
        var offsets: [String: (Int, Int)] = [:]
        for name in names {
            let bytes = tensors[name]!.values.count * 4
            offsets[name] = (offset, offset + bytes)
            offset += bytes
        }
        for name in names.sorted() {
            let e = tensors[name]!, (a, b) = offsets[name]!
            parts.append("\(Self.jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(e.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(a),\(b)]}")
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        var n = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out += headerBytes
        for name in names {
            tensors[name]!.values.withUnsafeBytes { raw in
                // Floats are little-endian on every platform Swift runs this on; stated for the format.
                out.append(contentsOf: raw)
            }
        }
        return out
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    /// Parses safetensors bytes.
    /// - Throws: `SparseSimError` naming `file` and the offending field: short file, header
    ///   length beyond the file, invalid JSON, an unsupported dtype, offsets that disagree with
    ///   the shape, overlap or leave gaps, or run past the end.
    public init(bytes: [UInt8], file: String) throws {
        func fail(_ location: String, _ message: String) -> SparseSimError {
            SparseSimError(file: file, location: location, message: message)
        }
        guard bytes.count >= 8 else { throw fail("header", "short file: \(bytes.count) bytes, the header length needs 8") }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard length <= UInt64(bytes.count - 8), length <= 100_000_000 else {
            throw fail("header", "header length \(length) runs past the end of the \(bytes.count)-byte file")
        }
        let headerEnd = 8 + Int(length)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd]))
        } catch {
            throw fail("header", "the header is not valid JSON")
        }
        guard let object = json as? [String: Any] else { throw fail("header", "the header is not a JSON object") }
        let dataSize = bytes.count - headerEnd
        var spans: [(Int, Int, String)] = []
        for (name, value) in object {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw fail("__metadata__", "metadata must be an object of strings") }
                for (k, v) in m {
                    guard let s = v as? String else { throw fail("__metadata__.\(k)", "metadata values must be strings") }
                    metadata[k] = s
                }
                continue
            }
            guard let t = value as? [String: Any] else { throw fail(name, "tensor entry is not an object") }
            guard let dtype = t["dtype"] as? String else { throw fail("\(name).dtype", "missing dtype") }
            guard dtype == "F32" else { throw fail("\(name).dtype", "dtype \(dtype) is not supported (F32 only)") }
            guard let shapeAny = t["shape"] as? [Any], let shape = shapeAny as? [Int], shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("\(name).shape", "shape must be a list of non-negative integers")
            }
            guard let offs = t["data_offsets"] as? [Int], offs.count == 2, offs[0] >= 0, offs[0] <= offs[1] else {
                throw fail("\(name).data_offsets", "data_offsets must be [begin, end] with 0 <= begin <= end")
            }
            guard let count = LayerShape.checkedProduct(shape, limit: 1 << 40), count * 4 == offs[1] - offs[0] else {
                throw fail("\(name).data_offsets", "\(offs[1] - offs[0]) bytes do not hold shape \(shape) of F32")
            }
            guard offs[1] <= dataSize else {
                throw fail("\(name).data_offsets", "data ends at \(offs[1]), past the \(dataSize) data bytes")
            }
            spans.append((offs[0], offs[1], name))
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { raw in
                bytes.withUnsafeBytes { src in
                    raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(headerEnd + offs[0])..<(headerEnd + offs[1])]))
                }
            }
            tensors[name] = Entry(shape: shape, values: values)
        }
        spans.sort { $0.0 < $1.0 }
        var end = 0
        for (a, b, name) in spans {
            guard a == end else { throw fail("\(name).data_offsets", a < end ? "overlaps the previous tensor" : "leaves a gap before it") }
            end = b
        }
        guard end == dataSize else { throw fail("data", "\(dataSize - end) bytes after the last tensor") }
        names = spans.map(\.2)
    }

    /// Reads `path`.
    /// - Throws: `SparseSimError` naming the file.
    public static func read(_ path: String) throws -> Safetensors {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SparseSimError(file: path, message: "no such file or not readable")
        }
        return try Safetensors(bytes: [UInt8](data), file: path)
    }
}
