import FuzzSupport
import SparseSimCore
import Trace

// libFuzzer target: the bytes as a trace's `manifest.json`, decoded and checked the way
// `TraceReader` checks it before it touches any tensor file.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, count)
    FuzzInput.expectingSparseSimErrors {
        let manifest = try TraceManifest.decode(bytes, file: "manifest.json")
        for layer in manifest.model.layers { _ = layer.macs }
    }
    return 0
}

FuzzInput.main(fuzzOne)
