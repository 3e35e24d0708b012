import FuzzSupport
import Sim
import SparseSimCore

// libFuzzer target: the bytes as a Timeloop/Sparseloop problem YAML, read as
// `trace import sparseloop` reads it, then its masks drawn (statistical densities) when the
// layer is small enough to draw quickly.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, count)
    FuzzInput.expectingSparseSimErrors {
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        let problem = try SparseloopProblem.parse(text, file: "fuzz.yaml")
        precondition(problem.shape.macs > 0)
        if problem.weights.count <= 1 << 16 && problem.inputs.count <= 1 << 16 {
            _ = try problem.masks(dataDirectory: nil, seed: 0)
        }
    }
    return 0
}

FuzzInput.main(fuzzOne)
