import Foundation
import SparseSimCore

// MARK: - NPY

/// Reads and writes NumPy `.npy` files.
///
/// Reads format versions 1.0 and 2.0; writes 1.0 (a header of at most 32 dimensions always
/// fits its 16-bit length). Only C-order arrays of the dtypes in `NPYDType`.
/// Every error names the file and the part of it that is wrong.
public enum NPY {
    /// The largest header accepted when reading (NumPy's own default limit is 10 000 bytes).
    public static let maxHeaderLength = 65_536

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    // MARK: Encoding

    /// The bytes of a version-1.0 `.npy` file holding `array`.
    /// - Complexity: O(n).
    public static func encode(_ array: NPYArray) -> [UInt8] {
        let shapeText: String
        switch array.shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(array.shape[0]),)"
        default: shapeText = "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '\(array.dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad with spaces so that magic + version + length + header is a multiple of 64, ending in '\n'.
        let fixed = 10
        let total = (fixed + header.utf8.count + 1 + 63) / 64 * 64
        header += String(repeating: " ", count: total - fixed - header.utf8.count - 1) + "\n"
        let headerLength = header.utf8.count
        var out: [UInt8] = []
        out.reserveCapacity(fixed + headerLength + array.bytes.count)
        out += magic
        out += [1, 0, UInt8(headerLength & 0xFF), UInt8(headerLength >> 8)]
        out += header.utf8
        out += array.bytes
        return out
    }

    /// Writes `array` to `path` atomically (temporary file + rename).
    /// - Throws: `SparseSimError` naming `path`.
    public static func write(_ array: NPYArray, to path: String) throws {
        try AtomicFile.write(encode(array), to: path)
    }

    // MARK: Decoding

    /// Reads the `.npy` file at `path`.
    /// - Parameter name: how errors name the file (defaults to `path`).
    /// - Throws: `SparseSimError` for a missing file, a malformed header, an unsupported dtype
    ///   or layout, truncated or trailing data.
    public static func read(contentsOf path: String, name: String? = nil) throws -> NPYArray {
        let label = name ?? path
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw SparseSimError(file: label, message: exists ? "cannot read file" : "no such file")
        }
        return try decode([UInt8](data), file: label)
    }

    /// Parses the bytes of a `.npy` file.
    /// - Parameter file: how errors name the file.
    public static func decode(_ bytes: [UInt8], file: String) throws -> NPYArray {
        func fail(_ location: String, _ message: String) -> SparseSimError {
            SparseSimError(file: file, location: location, message: message)
        }
        guard bytes.count >= 10 else {
            throw fail("offset 0", "not an .npy file: \(bytes.count) bytes is shorter than the 10-byte preamble")
        }
        guard Array(bytes[0..<6]) == magic else { throw fail("offset 0", "not an .npy file: bad magic string") }
        let major = bytes[6], minor = bytes[7]
        let headerLength: Int
        let headerStart: Int
        switch (major, minor) {
        case (1, 0):
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case (2, 0):
            guard bytes.count >= 12 else { throw fail("offset 8", "truncated header length") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("offset 6", "unsupported .npy format version \(major).\(minor) (supported: 1.0, 2.0)")
        }
        guard headerLength <= maxHeaderLength else {
            throw fail("header", "header length \(headerLength) exceeds the limit of \(maxHeaderLength) bytes")
        }
        guard headerStart + headerLength <= bytes.count else {
            throw fail("header", "truncated header: \(headerLength) bytes declared, \(bytes.count - headerStart) present")
        }
        guard let headerText = String(validating: bytes[headerStart..<headerStart + headerLength], as: UTF8.self) else {
            throw fail("header", "header is not valid text")
        }
        let header: Header
        do {
            header = try parse(headerText)
        } catch {
            throw fail("header", error.text)
        }
        guard !header.fortranOrder else {
            throw fail("header.fortran_order", "Fortran-order arrays are not supported; save with C order")
        }
        guard let dtype = NPYDType(descr: header.descr) else {
            let supported = NPYDType.allCases.map(\.rawValue).joined(separator: " ")
            throw fail("header.descr", "unsupported dtype '\(header.descr)' (supported: \(supported))")
        }
        guard let expected = LayerShape.checkedProduct(header.shape + [dtype.itemSize]) else {
            throw fail("header.shape", "shape \(header.shape) is too large")
        }
        let dataStart = headerStart + headerLength
        let present = bytes.count - dataStart
        guard present >= expected else {
            throw fail("data", "truncated data: shape \(header.shape) of \(dtype.rawValue) needs \(expected) bytes, \(present) present")
        }
        guard present == expected else {
            throw fail("data", "size mismatch: shape \(header.shape) of \(dtype.rawValue) needs \(expected) bytes, \(present) present")
        }
        let payload = Array(bytes[dataStart...])
        if dtype == .bool, let bad = payload.firstIndex(where: { $0 > 1 }) {
            throw fail("data", "boolean element \(bad) holds \(payload[bad]), not 0 or 1")
        }
        return NPYArray(dtype: dtype, shape: header.shape, bytes: payload)
    }
}
