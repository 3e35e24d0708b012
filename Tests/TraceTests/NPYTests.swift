import Foundation
import Testing
import TestSupport

@testable import SparseSimCore
@testable import Trace

@Suite struct NPYTests {
    // MARK: Round trips

    @Test func roundTripEveryDType() throws {
        let arrays: [NPYArray] = [
            NPYArray([Float(1.5), -2, .infinity, 0, 3.25, 6], shape: [2, 3]),
            NPYArray([Double.pi, -1e300, 0], shape: [3]),
            NPYArray([Int32.min, 0, Int32.max, 7], shape: [2, 2]),
            NPYArray([Int64.min, -1, Int64.max], shape: [3, 1]),
            NPYArray([UInt8(0), 255, 17], shape: [3]),
            NPYArray(Bitmask([true, false, true, true, false, false]), shape: [1, 2, 3]),
            NPYArray([Float](), shape: [0, 4]),
            NPYArray([Float(42)], shape: []),
        ]
        let dir = try makeTemporaryDirectory()
        for (i, array) in arrays.enumerated() {
            let bytes = NPY.encode(array)
            #expect(bytes.count % 64 == array.bytes.count % 64, "header is padded to 64 bytes")
            #expect(try NPY.decode(bytes, file: "x.npy") == array)
            let path = "\(dir)/a\(i).npy"
            try NPY.write(array, to: path)
            #expect(try NPY.read(contentsOf: path) == array)
        }
        #expect(arrays[0].floats == [1.5, -2, .infinity, 0, 3.25, 6])
        #expect(arrays[1].doubles == [Double.pi, -1e300, 0])
        #expect(arrays[2].int32s == [Int32.min, 0, Int32.max, 7])
        #expect(arrays[3].int64s == [Int64.min, -1, Int64.max])
        #expect(arrays[4].uint8s == [0, 255, 17])
        #expect(arrays[5].bitmask == Bitmask([true, false, true, true, false, false]))
        #expect(arrays[0].doubles == nil && arrays[5].floats == nil)
    }

    @Test func readsVersion2Header() throws {
        var bytes = NPY.encode(NPYArray([Float(1), 2], shape: [2]))
        // Rewrite as version 2.0: 4-byte header length.
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        bytes[6] = 2
        bytes.replaceSubrange(8..<10, with: [UInt8(headerLength & 0xFF), UInt8(headerLength >> 8), 0, 0])
        #expect(try NPY.decode(bytes, file: "v2.npy").floats == [1, 2])
    }

    @Test func headerParserAcceptsNumPyVariants() throws {
        for (text, shape) in [
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", [Int]()),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", [3]),
            ("{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(2,3)}", [2, 3]),
            ("{'shape': (2, 3, 4,), 'fortran_order': False, 'descr': '<f4'}   \n", [2, 3, 4]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (5L, 1L), }", [5, 1]),
        ] {
            #expect(try NPY.parse(text).shape == shape, "\(text)")
        }
    }

    // MARK: Malformed files

    static func withHeader(_ header: String, data: [UInt8]) -> [UInt8] {
        var h = header
        while (10 + h.utf8.count + 1) % 64 != 0 { h += " " }
        h += "\n"
        let n = h.utf8.count
        return NPY.magic + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(h.utf8) + data
    }

    static let malformed: [(String, [UInt8], String, String)] = {
        let good = NPY.encode(NPYArray([Float(1), 2, 3, 4], shape: [2, 2]))
        var badMagic = good
        badMagic[1] = 0x41
        var badVersion = good
        badVersion[6] = 3
        var hugeV2 = good
        hugeV2[6] = 2
        hugeV2.replaceSubrange(8..<10, with: [0xFF, 0xFF, 0xFF, 0x7F])
        var longV1 = good
        longV1[8] = 0xFF
        longV1[9] = 0xFF
        return [
            ("empty", [], "offset 0", "shorter than"),
            ("bad magic", badMagic, "offset 0", "bad magic"),
            ("version 3", badVersion, "offset 6", "unsupported .npy format version 3.0"),
            ("absurd header length", hugeV2, "header", "exceeds the limit"),
            ("header past end", longV1, "header", "truncated header"),
            ("fortran order", withHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data: Array(good[128...])),
             "header.fortran_order", "Fortran-order"),
            ("unknown dtype", withHeader("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", data: Array(repeating: 0, count: 16)),
             "header.descr", "unsupported dtype '<c8'"),
            ("big-endian", withHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", data: Array(repeating: 0, count: 8)),
             "header.descr", "unsupported dtype '>f4'"),
            ("truncated data", Array(good.dropLast(3)), "data", "truncated data"),
            ("trailing data", good + [0, 0, 0, 0], "data", "size mismatch"),
            ("shape/size mismatch", withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }", data: Array(good[128...])),
             "data", "truncated data"),
            ("overflowing shape", withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", data: []),
             "header.shape", "too large"),
            ("missing key", withHeader("{'descr': '<f4', 'shape': (2,), }", data: Array(repeating: 0, count: 8)),
             "header", "fortran_order"),
            ("unknown key", withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 'y'}", data: Array(repeating: 0, count: 8)),
             "header", "unknown key 'x'"),
            ("not a dict", withHeader("[1, 2]", data: []), "header", "expected '{'"),
            ("negative dim", withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", data: []),
             "header", "non-negative integer"),
            ("bool not 0/1", withHeader("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", data: [1, 0, 2]),
             "data", "not 0 or 1"),
        ]
    }()

    @Test(arguments: malformed)
    func rejectsMalformed(name: String, bytes: [UInt8], location: String, message: String) {
        let error = expectSparseSimError { _ = try NPY.decode(bytes, file: "bad.npy") }
        #expect(error?.file == "bad.npy", "\(name)")
        #expect(error?.location == location, "\(name): \(error?.description ?? "")")
        #expect(error?.message.contains(message) == true, "\(name): \(error?.description ?? "")")
    }

    @Test func missingFileNamesTheFile() {
        let error = expectSparseSimError { _ = try NPY.read(contentsOf: "/nonexistent/w.npy") }
        #expect(error?.description == "/nonexistent/w.npy: error: no such file")
    }
}
