import Foundation
import Testing

// The hostile inputs, by reader, and how each is built.
extension HostileInputTests {
    // MARK: - The cases

    static let all: [HostileCase] = specCases + traceCases + npyCases + safetensorsCases + topologyCases + idxCases + flagCases
        + methodCases

    static let specCases: [HostileCase] = [
        HostileCase("spec: empty file", status: 1, place: "$D/s.xml:1", says: "not an XML document") { d in
            try write("", d + "/s.xml"); return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: binary garbage", status: 1, place: "$D/s.xml:1", says: "Start tag expected") { d in
            try write(bytes: (0..<512).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }, d + "/s.xml"); return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: truncated document", status: 1, place: "$D/s.xml:14", says: "Couldn't find end of Start Tag") { d in
            let text = try String(contentsOfFile: repo + "/HardwareSpecs/scnn.xml", encoding: .utf8)
            try write(String(text.prefix(text.count / 2)), d + "/s.xml"); return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: wrong root element", status: 1, place: "$D/s.xml:1", says: "the root element must be <accelerator>") { d in
            try write("<html><body/></html>", d + "/s.xml"); return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: billion laughs", status: 1, place: "$D/s.xml:2", says: "DOCTYPE declarations are not allowed") { d in
            var text = "<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY l0 \"lol\">"
            for i in 1...9 { text += "<!ENTITY l\(i) \"" + String(repeating: "&l\(i - 1);", count: 10) + "\">" }
            try write(text + "]>\n<accelerator name=\"&l9;\"/>", d + "/s.xml"); return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: external entity (file)", status: 1, place: "$D/s.xml:1", says: "DOCTYPE declarations are not allowed") { d in
            try write("<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><accelerator name=\"&x;\"/>", d + "/s.xml")
            return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: external DTD over the network", status: 1, place: "$D/s.xml:3", says: "DOCTYPE declarations are not allowed") { d in
            try write("<?xml version=\"1.0\"?>\n<!-- a comment -->\n<!DOCTYPE accelerator SYSTEM \"http://192.0.2.1/a.dtd\">\n<accelerator/>", d + "/s.xml")
            return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: XInclude is not processed", status: 1, place: "$D/s.xml:1", says: "XInclude}include': This element is not expected") { d in
            try write("<accelerator name=\"x\" xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include href=\"/etc/passwd\" parse=\"text\"/></accelerator>", d + "/s.xml")
            return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: 100,000 nested elements", status: 1, place: "$D/s.xml:1", says: "Excessive depth in document") { d in
            try write("<accelerator>" + String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000) + "</accelerator>", d + "/s.xml")
            return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: 2 MiB file", status: 1, place: "$D/s.xml", says: "over the 1 MiB limit for a hardware spec") { d in
            try write("<accelerator name=\"" + String(repeating: "x", count: 2 << 20) + "\"/>", d + "/s.xml"); return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: 900 kB attribute value", status: 1, place: "$D/s.xml:4", says: "'99999999999999999999999999999999... (") { d in
            try write(minimal.replacingOccurrences(of: "rows=\"32\"", with: "rows=\"" + String(repeating: "9", count: 900_000) + "\""), d + "/s.xml")
            return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: 10^12 PEs", status: 1, place: "$D/s.xml:4", says: "the model simulates at most 16777216 (2^24)") { d in
            try write(minimal.replacingOccurrences(of: "rows=\"32\" cols=\"32\"", with: "rows=\"1000000\" cols=\"1000000\"")
                .replacingOccurrences(of: "sizeKiB=\"1024\"", with: "sizeKiB=\"1000000000\""), d + "/s.xml")
            return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: zero PEs", status: 1, place: "$D/s.xml:4", says: "attribute 'rows': '0' is not a valid value") { d in
            try write(minimal.replacingOccurrences(of: "rows=\"32\"", with: "rows=\"0\""), d + "/s.xml"); return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: zero bandwidth", status: 1, place: "$D/s.xml:6", says: "attribute 'bandwidthGBps': [facet 'minExclusive'] The value '0' must be greater than '0'") { d in
            try write(minimal.replacingOccurrences(of: "bandwidthGBps=\"16\"", with: "bandwidthGBps=\"0\""), d + "/s.xml"); return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: vanishing bandwidth", status: 1, place: "$D/s.xml:6", says: "bandwidthGBps=1e-20 is outside") { d in
            try write(minimal.replacingOccurrences(of: "bandwidthGBps=\"16\"", with: "bandwidthGBps=\"0.00000000000000000001\""), d + "/s.xml")
            return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: zero clock", status: 1, place: "$D/s.xml:3", says: "attribute 'clockMHz': [facet 'minExclusive'] The value '0' must be greater than '0'") { d in
            try write(minimal.replacingOccurrences(of: "clockMHz=\"1000\"", with: "clockMHz=\"0\""), d + "/s.xml"); return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: negative energy", status: 1, place: "$D/s.xml:5", says: "attribute 'macPJ': [facet 'minInclusive'] The value '-1' is less than the minimum value allowed ('0')") { d in
            try write(minimal.replacingOccurrences(of: "  <memory>", with: "  <energy macPJ=\"-1\"/>\n  <memory>"), d + "/s.xml")
            return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: not UTF-8", status: 1, place: "$D/s.xml:2", says: "Input is not proper UTF-8") { d in
            try write(bytes: Array(minimal.utf8).map { $0 == UInt8(ascii: "t") ? 0xFF : $0 }, d + "/s.xml"); return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: unknown dataflow", status: 1, place: "$D/s.xml:9", says: "The value 'systolic-magic' is not an element of the set") { d in
            try write(minimal.replacingOccurrences(of: "type=\"ws\"", with: "type=\"systolic-magic\""), d + "/s.xml"); return ["spec", "validate", d + "/s.xml"]
        },
        HostileCase("spec: missing file", status: 1, place: "$D/none.xml: error:", says: "no such file") { d in
            ["spec", "validate", d + "/none.xml"]
        },
        HostileCase("spec: a directory", status: 1, place: "$D: error:", says: "cannot read file") { d in
            ["spec", "validate", d]
        },
        HostileCase("simulate: a bandwidth that would overflow the cycle count", status: 1, place: "$D/s.xml:6", says: "bandwidthGBps=1e-07 is outside") { d in
            try write(minimal.replacingOccurrences(of: "bandwidthGBps=\"16\"", with: "bandwidthGBps=\"0.0000001\""), d + "/s.xml")
            return ["simulate", "--hw", d + "/s.xml", "--model", "lenet5"]
        },
    ]

    static let traceCases: [HostileCase] = [
        HostileCase("trace: missing directory", status: 1, place: "$D/none.sstrace", says: "no such trace directory") { d in
            ["trace", "inspect", d + "/none.sstrace"]
        },
        HostileCase("trace: no manifest", status: 1, place: "$D/t.sstrace/manifest.json", says: "missing manifest") { d in
            try FileManager.default.createDirectory(atPath: d + "/t.sstrace", withIntermediateDirectories: true)
            return ["trace", "inspect", d + "/t.sstrace"]
        },
        HostileCase("trace: manifest is not JSON", status: 1, place: "$D/t.sstrace/manifest.json", says: "invalid JSON") { d in
            let t = try copyTrace(d); try write("{\"format\": \"sparsesim-trace\", ", t + "/manifest.json"); return ["trace", "inspect", t]
        },
        HostileCase("trace: another format", status: 1, place: "$D/t.sstrace/manifest.json:format", says: "expected 'sparsesim-trace'") { d in
            let t = try copyTrace(d); try editManifest(t) { $0["format"] = "pytorch" }; return ["trace", "inspect", t]
        },
        HostileCase("trace: a future version", status: 1, place: "$D/t.sstrace/manifest.json:version", says: "trace version 2 is not supported") { d in
            let t = try copyTrace(d); try editManifest(t) { $0["version"] = 2 }; return ["trace", "inspect", t]
        },
        HostileCase("trace: path traversal", status: 1, place: "$D/t.sstrace/manifest.json:snapshots[0].layers[0].weights", says: "leaves the trace directory") { d in
            let t = try copyTrace(d); try editLayer(t) { $0["weights"] = "../../../../etc/passwd" }; return ["trace", "inspect", t]
        },
        HostileCase("trace: absolute path", status: 1, place: "$D/t.sstrace/manifest.json:snapshots[0].layers[0].weights", says: "absolute path '/etc/passwd' is not allowed") { d in
            let t = try copyTrace(d); try editLayer(t) { $0["weights"] = "/etc/passwd" }; return ["trace", "inspect", t]
        },
        HostileCase("trace: symbolic link out of the trace", status: 1, place: "$D/t.sstrace/manifest.json:snapshots[0].layers[0].weights", says: "resolves outside the trace directory") { d in
            let t = try copyTrace(d)
            let file = t + "/snapshots/step-00000000/conv1.weights.npy"
            try FileManager.default.removeItem(atPath: file)
            try FileManager.default.createSymbolicLink(atPath: file, withDestinationPath: "/etc/hostname")
            return ["trace", "inspect", t]
        },
        HostileCase("trace: a layer twice in a snapshot", status: 1, place: "$D/t.sstrace/manifest.json:snapshots[0].layers[1].name", says: "appears twice") { d in
            let t = try copyTrace(d); try editLayer(t, index: 1) { $0["name"] = "conv1" }; return ["trace", "inspect", t]
        },
        HostileCase("trace: steps going backwards", status: 1, place: "$D/t.sstrace/manifest.json:snapshots[1].step", says: "after the previous snapshot's") { d in
            let t = try copyTrace(d)
            try editManifest(t) { m in var s = m["snapshots"] as! [[String: Any]]; s[1]["step"] = 0; m["snapshots"] = s }
            return ["trace", "inspect", t]
        },
        HostileCase("trace: density out of range", status: 1, place: "$D/t.sstrace/manifest.json:snapshots[0].layers[0].weight_density", says: "is not in [0, 1]") { d in
            let t = try copyTrace(d); try editLayer(t) { $0["weight_density"] = 2.5 }; return ["trace", "inspect", t]
        },
        HostileCase("trace: density that disagrees with the mask", status: 1, place: "$D/t.sstrace/manifest.json:snapshots[0].layers[0].weight_density", says: "recorded weight density 0.5 but the mask's is 1.0") { d in
            let t = try copyTrace(d); try editLayer(t) { $0["weight_density"] = 0.5 }; return ["trace", "inspect", t]
        },
        HostileCase("trace: NaN weight", status: 1, place: "$D/t.sstrace/snapshots/step-00000000/conv1.weights.npy:element 13 [1, 0, 1, 1]", says: "weights of layer 'conv1' holds nan") { d in
            let t = try copyTrace(d)
            try poke(t + "/snapshots/step-00000000/conv1.weights.npy", element: 13, Float.nan)
            return ["trace", "inspect", t]
        },
        HostileCase("trace: infinite activation", status: 1, place: "$D/t.sstrace/snapshots/step-00000000/conv2.inputs.npy:element 5 [0, 0, 0, 5]", says: "input_activations of layer 'conv2' holds inf") { d in
            let t = try copyTrace(d)
            try poke(t + "/snapshots/step-00000000/conv2.inputs.npy", element: 5, Float.infinity)
            return ["trace", "inspect", t]
        },
        HostileCase("trace: a layer of 2^60 weights", status: 1, place: "$D/t.sstrace/manifest.json:model.layers[2]", says: "exceeds the supported limit of 2^53") { d in
            let t = try copyTrace(d)
            try editManifest(t) { m in
                var model = m["model"] as! [String: Any], layers = model["layers"] as! [[String: Any]]
                layers[2]["k"] = 1 << 30; layers[2]["c"] = 1 << 30
                model["layers"] = layers; m["model"] = model
            }
            return ["trace", "inspect", t]
        },
        HostileCase("trace: simulate refuses a NaN weight too", status: 1, place: "$D/t.sstrace/snapshots/step-00000100/fc.weights.npy:element 0 [0, 0]", says: "weights of layer 'fc' holds -nan") { d in
            let t = try copyTrace(d)
            try poke(t + "/snapshots/step-00000100/fc.weights.npy", element: 0, -Float.nan)
            return ["simulate", "--hw", repo + "/HardwareSpecs/scnn.xml", "--trace", t]
        },
    ]

    /// Each replaces the trace's `snapshots/step-00000000/conv1.weights.npy` (or its mask).
    static let npyCases: [HostileCase] = [
        npyCase("npy: shorter than the preamble", at: "offset 0", says: "shorter than the 10-byte preamble") { _ in [0x93, 0x4E, 0x55] },
        npyCase("npy: bad magic", at: "offset 0", says: "bad magic string") { _ in Array("PK\u{3}\u{4}zipfile!".utf8) },
        npyCase("npy: format version 3.0", at: "offset 6", says: "unsupported .npy format version 3.0") { _ in [0x93] + Array("NUMPY".utf8) + [3, 0, 0, 0] },
        npyCase("npy: header longer than the file", at: "header", says: "truncated header") { _ in [0x93] + Array("NUMPY".utf8) + [1, 0, 0xFF, 0x7F] + Array("{'descr'".utf8) },
        npyCase("npy: header of 2^62 elements", at: "header.shape", says: "is too large") { _ in
            npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", payload: [0, 0, 0, 0])
        },
        npyCase("npy: float64 where float32 belongs", at: "header.descr", says: "weights must be <f4, found <f8") { _ in
            npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 1, 3, 3), }", payload: [UInt8](repeating: 0, count: 288))
        },
        npyCase("npy: unsupported dtype", at: "header.descr", says: "unsupported dtype '<c16'") { _ in
            npy("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", payload: [UInt8](repeating: 0, count: 16))
        },
        npyCase("npy: Fortran order", at: "header.fortran_order", says: "Fortran-order arrays are not supported") { _ in
            npy("{'descr': '<f4', 'fortran_order': True, 'shape': (4, 1, 3, 3), }", payload: [UInt8](repeating: 0, count: 144))
        },
        npyCase("npy: data cut short", at: "data", says: "truncated data") { _ in
            npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 1, 3, 3), }", payload: [UInt8](repeating: 0, count: 100))
        },
        npyCase("npy: unknown header key", at: "header", says: "unknown key 'evil'") { _ in
            npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 1, 3, 3), 'evil': True, }", payload: [UInt8](repeating: 0, count: 144))
        },
        npyCase("npy: wrong shape", at: "header.shape", says: "must have shape [4, 1, 3, 3], found [36]") { _ in
            npy("{'descr': '<f4', 'fortran_order': False, 'shape': (36,), }", payload: [UInt8](repeating: 0, count: 144))
        },
        npyCase("npy: a boolean mask holding 2", file: "conv1.mask.npy", at: "data", says: "boolean element 3 holds 2") { _ in
            npy("{'descr': '|b1', 'fortran_order': False, 'shape': (4, 1, 3, 3), }", payload: [1, 1, 1, 2] + [UInt8](repeating: 1, count: 32))
        },
    ]

    static let safetensorsCases: [HostileCase] = [
        stCase("safetensors: shorter than the length field", at: "header", says: "short file: 3 bytes") { [1, 2, 3] },
        stCase("safetensors: header length 2^63", at: "header", says: "runs past the end") { [0, 0, 0, 0, 0, 0, 0, 0x80] + Array("{}".utf8) },
        stCase("safetensors: header is not JSON", at: "header", says: "the header is not valid JSON") { safetensors("{\"a\": [1, 2", data: []) },
        stCase("safetensors: F16 tensor", at: "fc1.weight.dtype", says: "dtype F16 is not supported") {
            safetensors("{\"fc1.weight\": {\"dtype\": \"F16\", \"shape\": [2], \"data_offsets\": [0, 4]}}", data: [0, 0, 0, 0])
        },
        stCase("safetensors: overlapping tensors", at: "b.data_offsets", says: "overlaps the previous tensor") {
            safetensors("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}",
                        data: [UInt8](repeating: 0, count: 8))
        },
        stCase("safetensors: shape of 2^80 elements", at: "a.data_offsets", says: "do not hold shape [1099511627776, 1099511627776] of F32") {
            safetensors("{\"a\": {\"dtype\": \"F32\", \"shape\": [1099511627776, 1099511627776], \"data_offsets\": [0, 4]}}", data: [0, 0, 0, 0])
        },
        stCase("safetensors: data past the end", at: "a.data_offsets", says: "data ends at 400, past the 4 data bytes") {
            safetensors("{\"a\": {\"dtype\": \"F32\", \"shape\": [100], \"data_offsets\": [0, 400]}}", data: [0, 0, 0, 0])
        },
        stCase("safetensors: negative offset", at: "a.data_offsets", says: "0 <= begin <= end") {
            safetensors("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}}", data: [0, 0, 0, 0])
        },
        stCase("safetensors: another model's checkpoint", at: "fc1.weight", says: "missing tensor: the checkpoint is not of this model") {
            safetensors("{\"conv1.weight\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", data: [0, 0, 0, 0])
        },
    ]

    static let topologyCases: [HostileCase] = [
        csvCase("topology: wrong column count", at: ":2", says: "expected 8 columns") { "Layer, H, W, R, S, C, K, stride,\nconv1, 32, 32, 5\n" },
        csvCase("topology: negative size", at: ":1", says: "IFMAP height must be a positive integer, got '-32'") { "conv1, -32, 32, 5, 5, 1, 6, 1,\n" },
        csvCase("topology: not a number", at: ":2", says: "channels must be a positive integer, got 'six'") { "conv1, 32, 32, 5, 5, 1, 6, 1,\nconv2, 14, 14, 5, 5, six, 16, 1,\n" },
        csvCase("topology: filter larger than the input", at: ":1", says: "filter 7x7 is larger than the IFMAP 5x5") { "conv1, 5, 5, 7, 7, 1, 6, 1,\n" },
        csvCase("topology: 10^18-wide layer", at: ":1", says: "exceeds the supported limit of 2^53") { "huge, 1000000000000000000, 1000000000000000000, 1, 1, 1000000, 1000000, 1,\n" },
        csvCase("topology: bad N:M", at: ":1", says: "sparsity must be N:M with 0 < N <= M") { "conv1, 32, 32, 5, 5, 1, 6, 1, 5:4\n" },
        csvCase("topology: repeated layer name", at: ":2", says: "layer name 'conv1' repeats") { "conv1, 32, 32, 5, 5, 1, 6, 1,\nconv1, 14, 14, 5, 5, 6, 16, 1,\n" },
        csvCase("topology: no layers", at: "", says: "no layers") { "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n" },
        HostileCase("topology: not UTF-8", status: 1, place: "$D/t.csv", says: "not UTF-8 text") { d in
            try write(bytes: Array("conv1, 32, 32, 5, 5, 1, 6, 1,\n".utf8) + [0xC3, 0x28, 0xFF], d + "/t.csv")
            return ["simulate", "--hw", repo + "/HardwareSpecs/systolic-ws.xml", "--topology", d + "/t.csv"]
        },
    ]

    static let idxCases: [HostileCase] = [
        idxCase("idx: bad magic", file: "train-images-idx3-ubyte", at: "header", says: "bad magic 12 34 8 1: not an IDX file") { _ in [0x12, 0x34, 0x08, 0x01, 0, 0, 0, 0] },
        idxCase("idx: data cut short", file: "train-images-idx3-ubyte", at: "data", says: "short read: dimensions [3, 28, 28] need 2352 bytes, 100 present") { _ in
            idx([3, 28, 28], payload: [UInt8](repeating: 0, count: 100))
        },
        idxCase("idx: 2^31 images claimed", file: "train-images-idx3-ubyte", at: "header", says: "dimensions [2147483647, 28, 28] are too large") { _ in
            idx([Int(Int32.max), 28, 28], payload: [])
        },
        idxCase("idx: fewer labels than images", file: "train-labels-idx1-ubyte", at: "header", says: "2 labels for 3 images") { _ in idx([2], payload: [1, 2]) },
        idxCase("idx: a label out of range", file: "train-labels-idx1-ubyte", at: "", says: "label 12") { _ in idx([3], payload: [1, 12, 3]) },
        idxCase("idx: 32x32 images", file: "train-images-idx3-ubyte", at: "header", says: "expected [N, 28, 28] images, found [2, 32, 32]") { _ in
            idx([2, 32, 32], payload: [UInt8](repeating: 0, count: 2048))
        },
        idxCase("idx: corrupt gzip", file: "train-images-idx3-ubyte.gz", at: "data", says: "corrupt gzip data") { _ in
            [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 3] + [UInt8](repeating: 0xAB, count: 64)
        },
    ]

    static let flagCases: [HostileCase] = [
        HostileCase("flags: unknown flag", status: 64, place: nil, says: "Unknown option '--frobnicate'") { _ in ["env", "--frobnicate"] },
        HostileCase("flags: missing value", status: 64, place: nil, says: "Missing value for '--epochs <epochs>'") { _ in ["train", "--model", "mlp", "--epochs"] },
        HostileCase("flags: negative epochs", status: 64, place: nil, says: "") { _ in ["train", "--model", "mlp", "--epochs", "-1"] },
        HostileCase("flags: unknown model", status: 64, place: "<command line>:--model", says: "unknown model 'resnet9000'") { _ in ["train", "--model", "resnet9000"] },
        HostileCase("flags: unknown convolutions", status: 64, place: "<command line>:--convolutions", says: "unknown choice 'cudnn' (known: auto, onednn, im2col)") { _ in
            ["train", "--model", "lenet5", "--convolutions", "cudnn"]
        },
        HostileCase("flags: sparsity 1.5", status: 64, place: "<command line>:--sparsity", says: "1.5 is not in [0, 1)") { _ in
            ["train", "--model", "mlp", "--method", "rigl", "--sparsity", "1.5"]
        },
        HostileCase("flags: zero threads", status: 64, place: nil, says: "") { _ in ["env", "--threads", "0"] },
        HostileCase("flags: simulate without --hw", status: 64, place: nil, says: "give at least one --hw SPEC.xml") { _ in ["simulate", "--model", "lenet5"] },
        HostileCase("flags: malformed --vary", status: 64, place: nil, says: "--vary bad: expected path=v1,v2") { d in
            ["sweep", "--hw", repo + "/HardwareSpecs/scnn.xml", "--model", "lenet5", "--vary", "bad", "--out", d + "/sweep"]
        },
        HostileCase("flags: --resume without --checkpoint-dir", status: 64, place: nil, says: "--resume needs --checkpoint-dir") { _ in
            ["train", "--model", "mlp", "--resume"]
        },
        HostileCase("flags: MNIST without --data-dir", status: 64, place: "<command line>:--data-dir", says: "MNIST needs --data-dir") { _ in
            ["train", "--model", "mlp", "--dataset", "mnist"]
        },
        HostileCase("flags: output into a missing directory", status: 1, place: "$D/no/such/dir/out.json", says: "directory $D/no/such/dir does not exist") { d in
            ["simulate", "--hw", repo + "/HardwareSpecs/scnn.xml", "--model", "lenet5", "--format", "json", "--output", d + "/no/such/dir/out.json"]
        },
    ]

    // MARK: - Building hostile files

    static let repo = CLITests.repositoryRoot
    static let minimal: String = (try? String(contentsOfFile: repo + "/Tests/SimTests/Fixtures/valid-minimal.xml", encoding: .utf8)) ?? ""

    static func write(_ text: String, _ path: String) throws { try write(bytes: Array(text.utf8), path) }

    static func write(bytes: [UInt8], _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// A writable copy of the tiny-cnn trace fixture at `dir/t.sstrace`.
    static func copyTrace(_ dir: String) throws -> String {
        let t = dir + "/t.sstrace"
        try FileManager.default.copyItem(atPath: CLITests.fixture, toPath: t)
        return t
    }

    static func editManifest(_ trace: String, _ edit: (inout [String: Any]) -> Void) throws {
        let path = trace + "/manifest.json"
        var object = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    }

    /// Edits layer `index` of the first snapshot.
    static func editLayer(_ trace: String, index: Int = 0, _ edit: @escaping (inout [String: Any]) -> Void) throws {
        try editManifest(trace) { m in
            var snapshots = m["snapshots"] as! [[String: Any]]
            var layers = snapshots[0]["layers"] as! [[String: Any]]
            edit(&layers[index])
            snapshots[0]["layers"] = layers
            m["snapshots"] = snapshots
        }
    }

    /// Overwrites float element `element` of a float32 `.npy` file.
    static func poke(_ path: String, element: Int, _ value: Float) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let offset = 10 + headerLength + 4 * element
        withUnsafeBytes(of: value.bitPattern.littleEndian) { for i in 0..<4 { bytes[offset + i] = $0[i] } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// An `.npy` (version 1.0) with `header` padded to 64 bytes and `payload`.
    static func npy(_ header: String, payload: [UInt8]) -> [UInt8] {
        var text = Array(header.utf8)
        while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0A)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text + payload
    }

    static func safetensors(_ header: String, data: [UInt8]) -> [UInt8] {
        let h = Array(header.utf8)
        return (0..<8).map { UInt8(truncatingIfNeeded: h.count >> (8 * $0)) } + h + data
    }

    static func idx(_ dims: [Int], payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0, 0, 8, UInt8(dims.count)]
        for d in dims { out += [UInt8(truncatingIfNeeded: d >> 24), UInt8(truncatingIfNeeded: d >> 16), UInt8(truncatingIfNeeded: d >> 8), UInt8(truncatingIfNeeded: d)] }
        return out + payload
    }

    static func npyCase(_ name: String, file: String = "conv1.weights.npy", at location: String, says: String,
                        _ bytes: @escaping @Sendable (String) -> [UInt8]) -> HostileCase {
        let relative = "t.sstrace/snapshots/step-00000000/" + file
        return HostileCase(name, status: 1, place: "$D/\(relative):\(location)", says: says) { d in
            let t = try copyTrace(d)
            try write(bytes: bytes(d), d + "/" + relative)
            return ["trace", "inspect", t]
        }
    }

    /// A case that starts training from a hostile `--init-weights` checkpoint (on 3 MNIST-format samples).
    static func stCase(_ name: String, at location: String, says: String, _ bytes: @escaping @Sendable () -> [UInt8]) -> HostileCase {
        HostileCase(name, status: 1, place: "$D/w.safetensors:\(location)", says: says) { d in
            try write(bytes: bytes(), d + "/w.safetensors")
            return try trainArguments(d) + ["--init-weights", d + "/w.safetensors"]
        }
    }

    static func csvCase(_ name: String, at location: String, says: String, _ text: @escaping @Sendable () -> String) -> HostileCase {
        HostileCase(name, status: 1, place: "$D/t.csv\(location)", says: says) { d in
            try write(text(), d + "/t.csv")
            return ["simulate", "--hw", repo + "/HardwareSpecs/systolic-ws.xml", "--topology", d + "/t.csv"]
        }
    }

    /// A case that trains on a small MNIST-format directory with one hostile file.
    static func idxCase(_ name: String, file: String, at location: String, says: String,
                        _ bytes: @escaping @Sendable (String) -> [UInt8]) -> HostileCase {
        HostileCase(name, status: 1, place: "$D/data/\(file)\(location.isEmpty ? "" : ":" + location)", says: says) { d in
            let arguments = try trainArguments(d)
            for plain in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"] where file.hasPrefix(plain) {
                try FileManager.default.removeItem(atPath: d + "/data/" + plain)
            }
            try write(bytes: bytes(d), d + "/data/" + file)
            return arguments
        }
    }

    /// `train` on `dir/data`: the three-sample IDX seeds as both splits.
    static func trainArguments(_ dir: String) throws -> [String] {
        let seeds = repo + "/Fuzz/Seeds/idx/"
        for split in ["train", "t10k"] {
            try write(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: seeds + "images-3.idx3-ubyte"))), dir + "/data/\(split)-images-idx3-ubyte")
            try write(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: seeds + "labels-3.idx1-ubyte"))), dir + "/data/\(split)-labels-idx1-ubyte")
        }
        return ["train", "--model", "mlp", "--dataset", "mnist", "--data-dir", dir + "/data", "--epochs", "1", "--batch-size", "3"]
    }
}
