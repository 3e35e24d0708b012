import Foundation
import Testing

/// What `simulate`, `compare`, `spec show`, `trace inspect` and `trace export` print and write,
/// byte for byte, against outputs recorded before the refactor of issue 24 (provenance aside:
/// it names the commit and the time). A refactor that changes a number, a key, a rounding or a
/// column fails here.
///
/// The goldens live in `Fixtures/Goldens/`. To record them again after an intended change of
/// output, run the tests with `SPARSESIM_RECORD_GOLDENS=1` and review the diff before committing.
@Suite struct GoldenOutputTests {
    static let goldens = CLITests.repositoryRoot + "/Tests/sparsesimTests/Fixtures/Goldens"
    static let specsDirectory = CLITests.repositoryRoot + "/HardwareSpecs"
    /// The traces are named relative to their folder so outputs that name them do not depend on
    /// where the repository is.
    static let traceDirectory = CLITests.repositoryRoot + "/Tests/TraceTests/Fixtures"
    static let recording = ProcessInfo.processInfo.environment["SPARSESIM_RECORD_GOLDENS"] == "1"

    /// Every preset, by file name without `.xml`.
    static let presets: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: specsDirectory)) ?? []
        return names.filter { $0.hasSuffix(".xml") }.map { String($0.dropLast(4)) }.sorted()
    }()

    static func spec(_ name: String) -> String { specsDirectory + "/\(name).xml" }

    /// `text` without its `"provenance" : { ... }` objects (pretty-printed JSON: the object's
    /// closing brace has the indentation of its key).
    static func withoutProvenance(_ text: String) -> String {
        var out: [Substring] = []
        var closing: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let end = closing {
                if line == end || line == end + "," { closing = nil }
                continue
            }
            if line.hasSuffix("\"provenance\" : {") {
                closing = String(line.prefix { $0 == " " }) + "}"
                continue
            }
            out.append(line)
        }
        return out.joined(separator: "\n")
    }

    /// Runs sparsesim in the traces' folder with a pinned time and compares its standard output
    /// with the golden `name`.
    static func check(_ name: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try CLITests.run(arguments, environment: ["SOURCE_DATE_EPOCH": "1790000000"], directory: traceDirectory)
        #expect(r.status == 0, "\(arguments): \(r.stderr)", sourceLocation: sourceLocation)
        // Spec paths are absolute; the repository may be cloned anywhere.
        let output = withoutProvenance(r.stdout).replacingOccurrences(of: CLITests.repositoryRoot, with: "<repository>")
        try compare(output, golden: name, sourceLocation: sourceLocation)
    }

    static func compare(_ actual: String, golden name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = goldens + "/" + name
        if recording {
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        guard actual != expected else { return }
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let line = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
        Issue.record("\(name) differs from its golden at line \(line + 1): got '\(line < a.count ? a[line] : "<end>")', expected '\(line < e.count ? e[line] : "<end>")'",
                     sourceLocation: sourceLocation)
    }

    @Test func presetsAreFound() {
        #expect(Self.presets.count >= 11, "\(Self.presets)")
    }

    @Test(arguments: presets) func resnet18JSON(preset: String) throws {
        try Self.check("simulate-resnet18-\(preset).json", ["simulate", "--hw", Self.spec(preset), "--model", "resnet18", "--format", "json"])
    }

    @Test(arguments: presets) func traceJSON(preset: String) throws {
        try Self.check("simulate-tiny-cnn-\(preset).json", ["simulate", "--hw", Self.spec(preset), "--trace", "tiny-cnn.sstrace", "--format", "json"])
    }

    @Test(arguments: presets) func traceTable(preset: String) throws {
        try Self.check("simulate-tiny-cnn-\(preset).txt", ["simulate", "--hw", Self.spec(preset), "--trace", "tiny-cnn.sstrace"])
    }

    @Test(arguments: presets) func specShow(preset: String) throws {
        try Self.check("spec-show-\(preset).json", ["spec", "show", Self.spec(preset), "--format", "json"])
    }

    @Test func traceCSVOnEveryPreset() throws {
        try Self.check("simulate-tiny-cnn-all.csv",
                       ["simulate", "--trace", "tiny-cnn.sstrace", "--format", "csv"] + Self.presets.flatMap { ["--hw", Self.spec($0)] })
    }

    @Test func modelsWithBatchAndOverrides() throws {
        try Self.check("simulate-mobilenet-v1-batch2-eyeriss-v2.csv",
                       ["simulate", "--hw", Self.spec("eyeriss-v2"), "--model", "mobilenet-v1", "--batch", "2", "--format", "csv"])
        try Self.check("simulate-lenet5-ws128.txt",
                       ["simulate", "--hw", Self.spec("systolic-ws"), "--set", "pe-array.rows=128", "--set", "pe-array.cols=128", "--model", "lenet5"])
    }

    @Test func densityModels() throws {
        try Self.check("simulate-tiny-cnn-both-scnn.json",
                       ["simulate", "--hw", Self.spec("scnn"), "--trace", "tiny-cnn.sstrace", "--density-model", "both", "--format", "json"])
        try Self.check("simulate-tiny-cnn-both-scnn-sparten.txt",
                       ["simulate", "--hw", Self.spec("scnn"), "--hw", Self.spec("sparten"), "--trace", "tiny-cnn.sstrace", "--density-model", "both"])
        try Self.check("simulate-tiny-cnn-structured-eyeriss-v2.json",
                       ["simulate", "--hw", Self.spec("eyeriss-v2"), "--trace", "tiny-cnn.sstrace", "--density-model", "structured", "--format", "json"])
        try Self.check("simulate-tiny-cnn-step50-activation-cambricon-x.json",
                       ["simulate", "--hw", Self.spec("cambricon-x"), "--trace", "tiny-cnn.sstrace", "--snapshot", "50",
                        "--activation-density", "0.5", "--format", "json"])
    }

    @Test func compareEveryPreset() throws {
        let specs = Self.presets.flatMap { ["--hw", Self.spec($0)] }
        try Self.check("compare-tiny-cnn.txt", ["compare", "--trace", "tiny-cnn.sstrace"] + specs)
        try Self.check("compare-tiny-cnn.json", ["compare", "--trace", "tiny-cnn.sstrace", "--format", "json"] + specs)
        try Self.check("compare-tiny-cnn.csv", ["compare", "--trace", "tiny-cnn.sstrace", "--trace", "tiny-cnn.sstrace", "--format", "csv"] + specs)
    }

    @Test func traceInspect() throws {
        try Self.check("trace-inspect-tiny-cnn.txt", ["trace", "inspect", "tiny-cnn.sstrace", "--snapshot", "all"])
        try Self.check("trace-inspect-tiny-cnn.json", ["trace", "inspect", "tiny-cnn.sstrace", "--format", "json"])
    }

    @Test func timeloopExport() throws {
        let dir = NSTemporaryDirectory() + "sparsesim-golden-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLITests.run(["trace", "export", "tiny-cnn.sstrace", "--timeloop", dir], directory: Self.traceDirectory)
        #expect(r.status == 0, "\(r.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names.count == 3)
        for name in names {
            // The second line names the commit and the time: provenance.
            let text = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("# written by sparsesim") }
                .joined(separator: "\n")
            try Self.compare(text, golden: "timeloop-" + name)
        }
    }
}
