import Testing

@testable import SparseSimCore

/// Errors carry their kind; settings are named by field, and the field is recoverable.
@Suite struct SparseSimErrorTests {
    @Test func settingsNameTheirField() {
        let e = SparseSimError.setting("learningRate", "must be positive")
        #expect(e.kind == .usage && e.file == SparseSimError.settingsFile && e.field == "learningRate")
        #expect(e.description == "<settings>:learningRate: error: must be positive")
        let axis = SparseSimError.setting("axes", "expected path=v1,v2", value: "nope")
        #expect(axis.field == "axes" && axis.location == "axes nope")
        #expect(axis.with(message: "other").kind == .usage && axis.with(message: "other").location == "axes nope")
    }

    @Test func filesAreInputByDefault() {
        let e = SparseSimError(file: "a.json", location: "layers[0]", message: "bad")
        #expect(e.kind == .input && e.field == nil && e.place == "a.json:layers[0]")
        #expect(SparseSimError(.run, file: "d", message: "cannot create").kind == .run)
    }
}
