import Testing

@testable import Sim
@testable import SparseSimCore
@testable import Trace

/// The HTML report of the committed trace: well-formed, self-contained, one chart of each kind,
/// one mask image per masked layer, and a table whose numbers are the simulations'.
@Suite struct ReportTests {
    static func report(traces: Int = 1) throws -> (Report, String) {
        let specs = try ["scnn", "systolic-ws"].map { SpecLoader.Loaded(file: "\($0).xml", spec: try SimulatorTests.spec($0)) }
        let evaluation = try Evaluation(tracePaths: Array(repeating: ComparisonTests.fixture, count: traces), specs: specs)
        let report = try Report(evaluation: evaluation,
                                provenance: Provenance(tool: "test", toolVersion: "0", gitCommit: nil, commandLine: [], seed: nil, threads: nil,
                                                        dataset: nil, blasCore: nil, createdAt: "2026-01-01T00:00:00Z"))
        return (report, try report.html())
    }

    static func count(_ text: String, _ needle: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func oneRun() throws {
        let (report, html) = try Self.report()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        // Well-formed XHTML (the parser refuses DOCTYPEs, so without that line).
        let body = html.split(separator: "\n", maxSplits: 1)[1]
        #expect(throws: Never.self) { try XMLDocument.parse(Array(body.utf8), file: "report.html") }
        // Self-contained: no scripts, no external resources (only the XML namespaces name URLs).
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))
        #expect(Self.count(html, "http") == Self.count(html, "xmlns=\"http"))
        // The scatter of both pairs, speedup per layer, energy, DRAM, density over training (3 snapshots), 3 masks.
        #expect(Self.count(html, "<svg") == 1 + 3 + 1 + 3)
        #expect(html.contains("Speedup per layer") && html.contains("Energy by component") && html.contains("DRAM traffic by operand"))
        #expect(html.contains("Weight density per layer over training") && html.contains("Accuracy against latency"))
        // The answer opens the page; the table has latency, EDP and the baseline's ratios.
        #expect(report.summary == report.comparison.answerLines() && html.contains(htmlEscape(report.summary[0])))
        #expect(report.summary[0].hasPrefix("Baseline: tiny-cnn on scnn: 70.00 %, "))
        #expect(html.contains("<th>latency µs</th>") && html.contains("<th>EDP µJ·µs</th>") && html.contains("<th>speed × baseline</th>"))
        for layer in ["conv1", "conv2", "fc"] { #expect(html.contains("\(layer): density")) }
        #expect(html.contains("fc: density 0.250"))  // the fixture's last fc mask keeps 320 of 1280
        // The table's cycles are the simulations'.
        let (workload, _, _) = try Workload.fromTrace(at: ComparisonTests.fixture)
        for s in report.specs {
            let cycles = try Simulator(spec: s.spec).run(workload).total.cycles
            #expect(html.contains(">\(cycles)<"))
        }
        // The spec parameters and provenance.
        #expect(html.contains("&lt;accelerator name=&quot;scnn&quot;") && html.contains("Provenance"))
    }

    @Test func severalRunsAddTheScatter() throws {
        let (_, html) = try Self.report(traces: 2)
        #expect(html.contains("Accuracy against latency") && html.contains("Run 2: tiny-cnn"))
        #expect(Self.count(html, "<svg") == 1 + 2 * 7)
    }
}
