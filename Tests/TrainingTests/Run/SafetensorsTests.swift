import Foundation
import TestSupport
import Testing

@testable import SparseSimCore
@testable import Trace
@testable import Training

@Suite struct SafetensorsTests {
    @Test func roundTrip() throws {
        var file = Safetensors()
        file.add("b", shape: [3], values: [1, -2, 3.5])
        file.add("a.weight", shape: [2, 2], values: [0, 1, 2, 3])
        file.add("empty", shape: [0, 4], values: [])
        file.metadata = ["step": "12", "quote\"": "line\nbreak"]
        let bytes = file.encoded()
        // Header length is little-endian and the header is padded to 8 bytes.
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(length % 8 == 0)
        let back = try Safetensors(bytes: bytes, file: "t.safetensors")
        #expect(back.tensors == file.tensors)
        #expect(back.metadata == file.metadata)
        #expect(back.names == ["b", "a.weight", "empty"])
        // numpy reads it independently (data order, dtype, offsets).
        let path = NSTemporaryDirectory() + "st-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let script = """
            import json, struct, sys, numpy as np
            b = open(sys.argv[1], 'rb').read()
            n = struct.unpack('<Q', b[:8])[0]
            h = json.loads(b[8:8+n])
            t = h['a.weight']; a = np.frombuffer(b[8+n+t['data_offsets'][0]:8+n+t['data_offsets'][1]], '<f4').reshape(t['shape'])
            print(a.tolist(), h['__metadata__']['step'])
            """
        let out = try Python.run(["-c", script, path]).text
        #expect(out == "[[0.0, 1.0], [2.0, 3.0]] 12\n")
    }

    @Test(arguments: [
        ([1, 2, 3], "header", "short file"),
        ([255, 0, 0, 0, 0, 0, 0, 0, 123, 125], "header", "runs past the end"),
        ([2, 0, 0, 0, 0, 0, 0, 0, 123, 120], "header", "not valid JSON"),
    ] as [([UInt8], String, String)])
    func malformedHeaders(bytes: [UInt8], location: String, message: String) {
        do {
            _ = try Safetensors(bytes: bytes, file: "bad.safetensors")
            Issue.record("accepted \(bytes)")
        } catch let e as SparseSimError {
            #expect(e.file == "bad.safetensors" && e.location == location && e.message.contains(message), "\(e)")
        } catch { Issue.record("\(error)") }
    }

    @Test(arguments: [
        (#"{"x":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}"#, 2, "x.dtype", "not supported"),
        (#"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, 8, "x.data_offsets", "do not hold"),
        (#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 8, "data", "bytes after"),
        (#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8, "x.data_offsets", "gap"),
        (#"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, 4, "x.data_offsets", "past the"),
        (#"{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, 4, "x.shape", "non-negative"),
    ] as [(String, Int, String, String)])
    func malformedEntries(header: String, dataBytes: Int, location: String, message: String) {
        var bytes: [UInt8] = []
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { bytes += $0 }
        bytes += Array(header.utf8) + [UInt8](repeating: 0, count: dataBytes)
        do {
            _ = try Safetensors(bytes: bytes, file: "bad.safetensors")
            Issue.record("accepted \(header)")
        } catch let e as SparseSimError {
            #expect(e.location == location && e.message.contains(message), "\(e)")
        } catch { Issue.record("\(error)") }
    }
}
