import FuzzSupport
import SparseSimCore
import Training

// libFuzzer target: the bytes as a `.safetensors` checkpoint; a decoded file must re-encode to
// the same tensors.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, count)
    FuzzInput.expectingSparseSimErrors {
        let file = try Safetensors(bytes: bytes, file: "fuzz.safetensors")
        let again = try Safetensors(bytes: file.encoded(), file: "re-encoded")
        precondition(again.tensors == file.tensors || file.tensors.values.contains { $0.values.contains { $0.isNaN } },
                     "a decoded checkpoint did not survive re-encoding")
    }
    return 0
}

FuzzInput.main(fuzzOne)
