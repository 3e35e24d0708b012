import CZlib
import SparseSimCore
import Trace

// MARK: - IDXFile

/// An IDX file (LeCun's MNIST format): magic `00 00 08 D` (unsigned bytes, `D` dimensions),
/// `D` big-endian 32-bit sizes, then the data. Gzip-compressed files (`.gz`) are read through
/// zlib, which also reads uncompressed files as they are.
public struct IDXFile: Sendable {
    /// The dimensions, e.g. `[60000, 28, 28]`.
    public var dimensions: [Int]
    /// The data bytes, row-major.
    public var bytes: [UInt8]

    /// Parses IDX bytes (already decompressed).
    /// - Throws: `SparseSimError` naming `file` for a bad magic, a short or long payload, or
    ///   absurd dimensions.
    public init(bytes data: [UInt8], file: String) throws {
        func fail(_ location: String, _ message: String) -> SparseSimError {
            SparseSimError(file: file, location: location, message: message)
        }
        guard data.count >= 4 else { throw fail("header", "short read: \(data.count) bytes, an IDX header needs 4") }
        guard data[0] == 0, data[1] == 0 else {
            throw fail("header", "bad magic \(data.prefix(4).map { String($0, radix: 16) }.joined(separator: " ")): not an IDX file")
        }
        guard data[2] == 0x08 else { throw fail("header", "IDX element type 0x\(String(data[2], radix: 16)) is not unsigned byte (0x08)") }
        let d = Int(data[3])
        guard (1...4).contains(d) else { throw fail("header", "IDX files here have 1 to 4 dimensions, not \(d)") }
        guard data.count >= 4 + 4 * d else { throw fail("header", "short read: the header declares \(d) dimensions") }
        var dims: [Int] = []
        for i in 0..<d {
            let o = 4 + 4 * i
            dims.append(Int(data[o]) << 24 | Int(data[o + 1]) << 16 | Int(data[o + 2]) << 8 | Int(data[o + 3]))
        }
        guard let count = LayerShape.checkedProduct(dims, limit: 1 << 34) else {
            throw fail("header", "dimensions \(dims) are too large")
        }
        let payload = data.count - 4 - 4 * d
        guard payload == count else {
            throw fail("data", payload < count ? "short read: dimensions \(dims) need \(count) bytes, \(payload) present"
                                               : "\(payload - count) bytes after the \(count) the dimensions \(dims) describe")
        }
        dimensions = dims
        bytes = Array(data[(4 + 4 * d)...])
    }

    /// Reads `path` (gzip or plain).
    /// - Throws: `SparseSimError` naming the file when it is missing, unreadable, corrupt
    ///   (gzip errors) or not a valid IDX file.
    public static func read(_ path: String) throws -> IDXFile {
        try IDXFile(bytes: try readMaybeGzip(path), file: path)
    }

    /// The decompressed bytes of `path`.
    /// - Throws: `SparseSimError` naming the file.
    public static func readMaybeGzip(_ path: String) throws -> [UInt8] {
        guard let handle = gzopen(path, "rb") else {
            throw SparseSimError(file: path, message: "cannot open: no such file or not readable")
        }
        defer { gzclose(handle) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(handle, $0.baseAddress, UInt32($0.count)) }
            // zlib reports a truncated stream only through gzerror once gzread returns 0.
            var code: Int32 = 0
            let message = gzerror(handle, &code).map { String(cString: $0) } ?? "read error"
            if n < 0 || code != Z_OK {
                throw SparseSimError(file: path, location: "data", message: "corrupt gzip data: \(message.isEmpty ? "read error" : message)")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<Int(n)])
            guard out.count <= 1 << 34 else { throw SparseSimError(file: path, message: "file decompresses to more than 16 GiB") }
        }
        return out
    }
}
