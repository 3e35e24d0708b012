import FuzzSupport
import SparseSimCore
import Training

// libFuzzer target: the bytes as an (uncompressed) IDX dataset file.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, count)
    FuzzInput.expectingSparseSimErrors {
        let file = try IDXFile(bytes: bytes, file: "fuzz-idx3-ubyte")
        precondition(file.dimensions.reduce(1, *) == file.bytes.count)
    }
    return 0
}

FuzzInput.main(fuzzOne)
