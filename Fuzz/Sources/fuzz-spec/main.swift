import FuzzSupport
import Sim

// libFuzzer target: the bytes as a hardware spec, loaded and validated (schema, semantic
// checks, defaults). Only `SpecErrors` may come out.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, count)
    do throws(SpecErrors) {
        let spec = try SpecLoader.load(bytes: bytes, file: "fuzz.xml")
        _ = spec.macLanes
    } catch {
        precondition(!error.errors.isEmpty, "SpecErrors with no error")
    }
    return 0
}

FuzzInput.main(fuzzOne)
