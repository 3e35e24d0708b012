import FuzzSupport
import Sim
import SparseSimCore

// libFuzzer target: the bytes as a SCALE-Sim topology CSV, read as `simulate --topology` reads it.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, count)
    FuzzInput.expectingSparseSimErrors {
        let workload = try ScaleSimTopology.parse(bytes: bytes, file: "fuzz.csv")
        precondition(!workload.layers.isEmpty)
    }
    return 0
}

FuzzInput.main(fuzzOne)
