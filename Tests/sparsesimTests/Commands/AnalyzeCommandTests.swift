import Foundation
import Testing

/// `sparsesim analyze`.
@Suite struct AnalyzeCommandTests {
    /// `analyze svcca`: a trace against itself is 1 in every layer (JSON and CSV), and bad
    /// requests get one line and exit 64.
    @Test func analyzeSVCCA() throws {
        let json = try CLITests.run(["analyze", "svcca", "--trace", CLITests.fixture, "--trace", CLITests.fixture, "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let layers = try #require(object["layers"] as? [[String: Any]])
        #expect(layers.compactMap { $0["name"] as? String } == ["conv1", "conv2", "fc"])
        for layer in layers {
            let mean = (layer["svcca"] as? [String: Any])?["mean"] as? Double ?? -1
            #expect(abs(mean - 1) < 1e-6, "\(layer)")
        }
        let csv = try CLITests.run(["analyze", "svcca", "--trace", CLITests.fixture, "--trace", CLITests.fixture, "--layers", "conv2", "--format", "csv"])
        #expect(csv.status == 0 && csv.stdout.hasPrefix("layer,neurons,points,kept_a,kept_b,mean_correlation\nconv2,"), "\(csv.stdout)")
        let one = try CLITests.run(["analyze", "svcca", "--trace", CLITests.fixture])
        #expect(one.status == 64 && one.stderr.contains("give --trace twice"), "\(one.stderr)")
        let variance = try CLITests.run(["analyze", "svcca", "--trace", CLITests.fixture, "--trace", CLITests.fixture, "--variance", "0"])
        #expect(variance.status == 64 && variance.stderr.contains("--variance") && variance.stderr.contains("0.0 is not in (0, 1]"), "\(variance.stderr)")
        let layer = try CLITests.run(["analyze", "svcca", "--trace", CLITests.fixture, "--trace", CLITests.fixture, "--layers", "fc9"])
        #expect(layer.status == 64 && layer.stderr.contains("no layer 'fc9' (layers: conv1, conv2, fc)"), "\(layer.stderr)")
    }
}
