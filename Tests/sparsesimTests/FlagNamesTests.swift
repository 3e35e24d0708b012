import Testing

@testable import SparseSimCore
@testable import sparsesim

/// The CLI's rendering of library errors: fields become the flags a user typed.
@Suite struct FlagNamesTests {
    @Test func fieldsBecomeFlags() {
        #expect(FlagNames.flag(for: "batchSize") == "--batch-size")
        #expect(FlagNames.flag(for: "quantizeAwareFrom") == "--quantize-aware-from")
        #expect(FlagNames.flag(for: "learningRate") == "--lr")
        #expect(FlagNames.flag(for: "bases") == "-M")
        #expect(FlagNames.render("needs `quantization` (the widths)") == "needs --quantize (the widths)")
        #expect(FlagNames.render("a `not a field` and `x`y") == "a `not a field` and --xy")
        #expect(FlagNames.render("an open `quote") == "an open `quote")
    }

    @Test func settingErrorsAreShownAgainstTheCommandLine() {
        let shown = FlagNames.render(SparseSimError.setting("axes", "expected path=v1,v2 after `overrides`", value: "nope"))
        #expect(shown.place == "<command line>:--vary nope" && shown.message == "expected path=v1,v2 after --set")
        let file = FlagNames.render(SparseSimError(file: "t.json", location: "x", message: "try `learningRate`"))
        #expect(file.place == "t.json:x" && file.message == "try --lr")
        #expect(SparseSimCommand.exitStatus(for: .setting("epochs", "must be at least 1")) == 64)
        #expect(SparseSimCommand.exitStatus(for: SparseSimError(.run, file: "d", message: "m")) == 1)
        #expect(SparseSimCommand.exitStatus(for: SparseSimError(file: "d", message: "m")) == 1)
    }
}
