import FuzzSupport
import SparseSimCore
import Trace

// libFuzzer target: the bytes as an `.npy` file; a decoded array's elements are read back.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, count)
    FuzzInput.expectingSparseSimErrors {
        let array = try NPY.decode(bytes, file: "fuzz.npy")
        if let floats = array.floats { precondition(floats.count == array.elementCount) }
        if let mask = array.bitmask { precondition(mask.count == array.elementCount) }
    }
    return 0
}

FuzzInput.main(fuzzOne)
